import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from samhand import kith
from samhand.exchange.schemas import schema_set


class Command(BaseCommand):
    help = "Validate message files (MsgHead or AppRec) against the official schemas and the profile checks."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, **options):
        schemas = schema_set()
        if not schemas.enabled:
            self.stderr.write(self.style.WARNING(
                "WARNING: no schema directory (SAMHAND_SCHEMA_DIR): checking STRUCTURE ONLY, not the XSDs"))
        failed = 0
        for path in options["files"]:
            limit = settings.SAMHAND_MAX_MESSAGE_BYTES
            try:
                size = path.stat().st_size  # the size first: an oversized file is never read
                if size > limit:
                    self.stdout.write(f"{path}: T99 {size} bytes exceeds the limit of {limit}")
                    failed += 1
                    continue
                with path.open("rb") as f:
                    raw = f.read(limit + 1)  # a file that grew meanwhile is still cut at the limit
            except OSError as exc:
                self.stdout.write(f"{path}: ERROR {exc}")
                failed += 1
                continue
            if len(raw) > limit:
                self.stdout.write(f"{path}: T99 more than {limit} bytes")
                failed += 1
                continue
            result = kith.validate_message(raw, schemas)
            if result.ok:
                kind = f" ({result.kind.family} {result.kind.version} {result.kind.name})" if result.kind else ""
                self.stdout.write(f"{path}: OK{kind}")
            else:
                failed += 1
                for error in result.errors:
                    self.stdout.write(f"{path}: {error.code} {error.text}")
        if failed:
            sys.exit(1)
