from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samhand.chains.cpp import CppError, import_cpp


class Command(BaseCommand):
    help = ("Import a party's CPP (ebXML collaboration protocol profile, HISD 1177): record the message types "
            "(actions, code system 8279) and versions it can send and receive, replacing what was recorded.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a CPP XML file")
        imp.add_argument("file", type=Path)
        imp.add_argument("--her-id", help="the party to record it for (default: the CPP's PartyId of type HER)")

    def handle(self, *args, **options):
        try:
            raw = options["file"].read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            party, profile, count = import_cpp(raw, her_id=options.get("her_id"))
        except CppError as exc:
            raise CommandError(f"{options['file']}: {exc}") from None
        self.stdout.write(f"{party.her_id} {party.name}: {count} capabilities from the CPP of "
                          f"{profile.party_name or profile.her_id}")
        for direction, family, version, msg_type in profile.capabilities():
            self.stdout.write(f"  {direction:<8} {msg_type:<36} {family} {version}")
