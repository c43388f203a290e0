from django.core.management.base import BaseCommand, CommandError

from samhand.api.models import ApiClient
from samhand.directory.models import CommunicationParty


class Command(BaseCommand):
    help = "Create, list or revoke API keys for EPR systems. The new key is printed once, as the last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a key bound to HER-ids")
        create.add_argument("--system", required=True, help="name of the EPR system, e.g. 'DIPS Arena UNN'")
        create.add_argument("--her-ids", required=True, help="comma-separated HER-ids the key may act for")
        create.add_argument("--scopes", default="messages", help="comma-separated: messages, privacy (default messages)")
        sub.add_parser("list", help="list keys (hints only; keys are stored hashed)")
        revoke = sub.add_parser("revoke", help="revoke a key by its hint")
        revoke.add_argument("hint")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            her_ids = [h.strip() for h in options["her_ids"].split(",") if h.strip()]
            parties = list(CommunicationParty.objects.filter(her_id__in=her_ids, hosted=True))
            missing = sorted(set(her_ids) - {p.her_id for p in parties})
            if missing or not her_ids:
                raise CommandError(f"not hosted parties on this node: {', '.join(missing) or '(none given)'}")
            scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
            try:
                client, raw = ApiClient.issue(options["system"], parties, scopes)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stderr.write(f"API key for {client.system}, acting for {', '.join(her_ids)} "
                              "(shown once; store it in the EPR's configuration):")
            self.stdout.write(raw)
        elif action == "list":
            for client in ApiClient.objects.prefetch_related("parties"):
                her_ids = ",".join(sorted(client.her_ids()))
                state = "active" if client.active else "revoked"
                self.stdout.write(f"{client.key_hint}…  {state:8} {client.system}  [{her_ids}]  scopes={client.scopes}")
        else:
            updated = ApiClient.objects.filter(key_hint=options["hint"]).update(active=False)
            if not updated:
                raise CommandError(f"no key with hint {options['hint']}")
            self.stdout.write(f"revoked {updated} key(s)")
