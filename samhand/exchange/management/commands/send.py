from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samhand.directory.models import CommunicationParty
from samhand.exchange.actors import LocalActor
from samhand.exchange.errors import Refused
from samhand.exchange.submit import submit


class Command(BaseCommand):
    help = "Send a MsgHead message from a file as a hosted party (operator tool; same checks as the API)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="her_id", required=True, help="HER-id of the sending party")

    def handle(self, *args, **options):
        her_id = options["her_id"]
        if not CommunicationParty.objects.filter(her_id=her_id, hosted=True, active=True).exists():
            raise CommandError(f"{her_id} is not an active party hosted on this node")
        try:
            raw = options["file"].read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = submit(LocalActor(system=f"cli:{her_id}", parties={her_id}), raw)
        except Refused as refused:
            details = "; ".join(f"{code}: {text}" for code, text in refused.errors)
            raise CommandError(f"refused {refused.code}: {details}") from None
        verb = "queued" if result.created else "already sent (duplicate MsgId, same content)"
        self.stdout.write(f"{verb}: id {result.message.id} MsgId {result.message.msg_id}")
