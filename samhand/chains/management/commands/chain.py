import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samhand.chains.definitions import ChainError, export_version, history, import_chain, in_force, read_chain_file
from samhand.chains.models import Chain


class Command(BaseCommand):
    help = """The standard message chain (S6/S7): one definition for all parties, in approved versions.

  samhand chain show [--json]    the version in force of each chain, its steps and the version history
  samhand chain import FILE      a new version as data, with its approval record

See samhand/chains/definitions.py (and docs/chains.md) for the file format; the shipped version 1 is
samhand/chains/data/plo-chain-v1.json. An approved version is never changed: import a new number."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="show the chains in force")
        show.add_argument("--json", action="store_true", help="print the versions in force in the file format")
        imp = sub.add_parser("import", help="import a chain version (JSON)")
        imp.add_argument("file", type=Path)

    def handle(self, *args, **options):
        if options["action"] == "import":
            return self._import(options["file"])
        versions = in_force()
        if options["json"]:
            self.stdout.write(json.dumps([export_version(v) for v in versions], ensure_ascii=False, indent=1))
            return
        if not versions:
            self.stdout.write("no approved chain version is in force")
        for version in versions:
            self._show(version)
        for chain in Chain.objects.all():
            self.stdout.write(f"\nhistory of {chain.code}:")
            for v in history(chain):
                approved = (f"approved by {v.approved_by} {v.approved_on}, in force from "
                            f"{v.effective_from:%Y-%m-%d %H:%M} ({v.decision_reference})" if v.approved_on else "draft")
                self.stdout.write(f"  v{v.number}: {approved}")

    def _show(self, version):
        self.stdout.write(f"{version.chain.name} ({version.chain.code}) version {version.number}, "
                          f"approved by {version.approved_by} {version.approved_on} ({version.decision_reference})")
        for s in version.steps.order_by("position"):
            trigger = s.trigger.key if s.trigger else "start"
            deadline = s.deadline_text or "-"
            need = "mandatory" if s.mandatory else "optional"
            self.stdout.write(f"  {s.position}. {s.key:<20} {'/'.join(s.message_types):<34} {s.sender_role} -> "
                              f"{s.receiver_role}; after {trigger}, deadline {deadline}, {need}")

    def _import(self, path: Path):
        try:
            data = read_chain_file(path.read_bytes())
            version, changed = import_chain(data, source=path.name)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except ChainError as exc:
            raise CommandError(f"{path}: {exc}") from None
        state = "approved" if version.approved_on else "draft"
        verb = "imported" if changed else "already present, unchanged:"
        self.stdout.write(f"{verb} {version.chain.code} version {version.number} ({state}, "
                          f"{version.steps.count()} steps)")
