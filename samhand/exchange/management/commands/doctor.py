import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from samhand.exchange.schemas import schema_set


class Command(BaseCommand):
    help = "Check this node's configuration and say what is missing."

    def handle(self, *args, **options):
        problems = 0
        db = settings.DATABASES["default"]
        self.stdout.write(f"mode:       {settings.MODE}{' (DEBUG on)' if settings.DEBUG else ''}")
        self.stdout.write(f"database:   {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
        try:
            connection.ensure_connection()
            from samhand.directory.models import CommunicationParty
            from samhand.exchange.models import Delivery

            hosted = CommunicationParty.objects.filter(hosted=True).count()
            queued = Delivery.objects.filter(state=Delivery.State.QUEUED).count()
            self.stdout.write(f"            reachable; {hosted} hosted parties, {queued} deliveries queued")
        except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
            problems += 1
            self.stdout.write(self.style.ERROR(f"            NOT reachable: {exc}"))
        schemas = schema_set()
        self.stdout.write(f"schemas:    {schemas.describe()}")
        if not schemas.enabled:
            problems += 1
            self.stdout.write(self.style.ERROR(
                "            WARNING: no schema directory; messages are checked for STRUCTURE ONLY. "
                "Set SAMHAND_SCHEMA_DIR to the official schema set."))
        self.stdout.write(f"max size:   {settings.SAMHAND_MAX_MESSAGE_BYTES} bytes per document")
        self.stdout.write(f"e-mail:     {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]} via {settings.EMAIL_HOST}")
        if problems:
            self.stdout.write(self.style.ERROR(f"{problems} problem(s) found"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("all checks passed"))
