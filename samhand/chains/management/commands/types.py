from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samhand.directory.models import MessageType
from samhand.chains.registry import RegistryError, import_types, read_types_file


class Command(BaseCommand):
    help = """The message-type registry (MsgInfo/Type, code system 8279) and its versions.

  samhand types list
  samhand types import FILE      add or update types and versions from a data file

FILE is JSON:
  {"types": [{"code": "LOG_TILBAKEMELDING", "name": "Tilbakemelding på utskrivningsklar pasient",
              "family": "PLO", "description": "...",
              "versions": [{"version": "2.0",
                            "namespace": "http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30",
                            "schema": "Pasientlogistikk-v2.0", "element": "Pasientlogistikk",
                            "apprec": "1.1", "status": "introducing|in_use|retired",
                            "statusChangedOn": "2025-01-01", "reference": "HIS 80704"}]}]}
or XML with the same fields as attributes:
  <MessageTypes><Type code="..." name="..." family="PLO">
    <Version version="2.0" namespace="..." schema="..." apprec="1.1" status="introducing"/>
  </Type></MessageTypes>
Import adds and updates, never deletes: a version goes out of use with status "retired"."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="list types and versions")
        imp = sub.add_parser("import", help="import a JSON or XML type file")
        imp.add_argument("file", type=Path)

    def handle(self, *args, **options):
        if options["action"] == "list":
            for mtype in MessageType.objects.prefetch_related("versions"):
                versions = ", ".join(f"{v.version} ({v.get_status_display()})" for v in mtype.versions.all())
                self.stdout.write(f"{mtype.code:<28} {mtype.family:<14} {mtype.name}: {versions}")
            return
        try:
            result = import_types(read_types_file(options["file"].read_bytes()))
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except RegistryError as exc:
            raise CommandError(f"{options['file']}: {exc}") from None
        self.stdout.write(f"imported {options['file'].name}: {result}")
        for label, items in (("new type", result.types_created), ("new version", result.versions_created),
                             ("updated", result.versions_updated)):
            for item in items:
                self.stdout.write(f"  {label}: {item}")
