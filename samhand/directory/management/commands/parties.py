import json

from django.core.management.base import BaseCommand

from samhand.directory.models import CommunicationParty
from samhand.directory.services import party_as_json


class Command(BaseCommand):
    help = "List the communication parties in the directory."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON objects")
        parser.add_argument("--hosted", action="store_true", help="only parties hosted on this node")

    def handle(self, *args, **options):
        parties = CommunicationParty.objects.select_related("organisation").filter(active=True)
        if options["hosted"]:
            parties = parties.filter(hosted=True)
        rows = [party_as_json(p) for p in parties]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row['herId']:>10}  {row['name']:<45} {row['organisation']} "
                              f"({row['organisationHerId']}, org.nr {row['organisationNumber']})")
