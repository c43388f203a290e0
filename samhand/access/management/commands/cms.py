import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samhand import cms, kith
from samhand.access import door
from samhand.directory.models import CommunicationParty
from samhand.exchange import protection


# Lives in the access app: unprotect decrypts patient content, so it goes through the door and is
# logged (issue 16 §3); protect only signs and encrypts.
class Command(BaseCommand):
    help = ("Protect (sign, then encrypt) or unprotect (decrypt, then verify) a file with the directory's "
            "certificates, like `openssl cms`. On failure exits non-zero and prints the AppRec code (S01 …).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        protect = sub.add_parser("protect", help="sign as SENDER, encrypt to RECEIVER")
        protect.add_argument("--sender", required=True)
        protect.add_argument("--receiver", required=True)
        protect.add_argument("input")
        protect.add_argument("output")
        unprotect = sub.add_parser("unprotect", help="decrypt as RECEIVER, verify the signer")
        unprotect.add_argument("--receiver", required=True)
        unprotect.add_argument("--sender", help="expected signer (default: the MsgHead/AppRec sender)")
        unprotect.add_argument("input")
        unprotect.add_argument("output")

    def handle(self, *args, **options):
        try:
            data = sys.stdin.buffer.read() if options["input"] == "-" else Path(options["input"]).read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = self._protect(data, options) if options["action"] == "protect" else self._unprotect(data, options)
        except (cms.CmsError, kith.KithError) as exc:
            self.stderr.write(f"{exc.code}: {exc.text}")
            sys.exit(2)
        if options["output"] == "-":
            sys.stdout.buffer.write(result)
        else:
            Path(options["output"]).write_bytes(result)

    def _party(self, her_id: str) -> CommunicationParty:
        party = CommunicationParty.objects.filter(her_id=her_id).select_related("organisation").first()
        if party is None:
            raise CommandError(f"no communication party with HER-id {her_id}")
        return party

    def _protect(self, data: bytes, options) -> bytes:
        return protection.protect(data, sender=self._party(options["sender"]),
                                  recipients=[self._party(options["receiver"])])

    def _unprotect(self, data: bytes, options) -> bytes:
        receiver = self._party(options["receiver"])
        if options["sender"]:
            self._party(options["sender"])
        return door.read_file(data, reader_her_id=receiver.her_id, expected_sender_her_id=options["sender"] or "")
