import sys

from django.core.management.base import BaseCommand

from samhand.access import log


class Command(BaseCommand):
    help = ("The access log. `verify-log` walks the hash chain: exit 0 when intact, 1 naming the first "
            "broken row when a row was changed, removed or inserted outside the application.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify-log", help="verify the access log's hash chain")

    def handle(self, *args, **options):
        verdict = log.verify()
        if verdict.ok:
            self.stdout.write(f"access log intact: {verdict.rows} rows")
            return
        self.stderr.write(f"access log BROKEN at row seq={verdict.broken_seq} id={verdict.broken_id}: "
                          f"{verdict.problem} ({verdict.rows} rows checked)")
        sys.exit(1)
