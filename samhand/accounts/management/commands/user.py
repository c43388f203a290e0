"""`samhand user create --username U --password-stdin --org ORGNR --role ROLE`, and friends.

The password is read from standard input only, never from the command line (where
it would show in the process list and the shell history).
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from samhand.accounts.models import Membership
from samhand.accounts.services import UserError, create_user, set_active, set_password


def _read_password(stream) -> str:
    password = stream.readline().rstrip("\r\n")
    if not password:
        raise CommandError("no password on standard input")
    return password


class Command(BaseCommand):
    help = "Create, list and disable portal users; each belongs to one organisation with one role."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a portal user")
        create.add_argument("--username", required=True)
        create.add_argument("--password-stdin", action="store_true", required=True,
                            help="read the password from the first line of standard input")
        create.add_argument("--org", required=True, help="organisation number (9 digits)")
        create.add_argument("--role", required=True, choices=Membership.Role.values)
        create.add_argument("--email", default="")
        create.add_argument("--hpr", default="", help="HPR number (health personnel asking the access broker)")
        create.add_argument("--profession", default="", help="e.g. sykepleier, lege")
        password = sub.add_parser("set-password", help="set a new password (read from standard input)")
        password.add_argument("--username", required=True)
        password.add_argument("--password-stdin", action="store_true", required=True)
        sub.add_parser("list", help="list portal users with organisation and role")
        for name, text in (("disable", "stop a user from logging in"), ("enable", "let a disabled user in again")):
            sub.add_parser(name, help=text).add_argument("--username", required=True)

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "create":
                user = create_user(username=options["username"], password=_read_password(sys.stdin),
                                   org_number=options["org"], role=options["role"], email=options["email"])
                m = user.membership
                if options["hpr"] or options["profession"]:
                    m.hpr_number, m.profession = options["hpr"], options["profession"]
                    m.save(update_fields=["hpr_number", "profession"])
                self.stdout.write(f"created {user.username}: {m.get_role_display()}, {m.organisation.name}")
            elif action == "set-password":
                set_password(username=options["username"], password=_read_password(sys.stdin))
                self.stdout.write(f"password changed for {options['username']}")
            elif action in ("disable", "enable"):
                set_active(username=options["username"], active=action == "enable")
                self.stdout.write(f"{action}d {options['username']}")
            else:
                for m in Membership.objects.select_related("user", "organisation").order_by("organisation__name",
                                                                                            "user__username"):
                    state = "" if m.user.is_active else "  (disabled)"
                    self.stdout.write(f"{m.user.username:30} {m.role:18} {m.organisation.org_number} "
                                      f"{m.organisation.name}{state}")
        except UserError as exc:
            raise CommandError(str(exc)) from None
