"""`samhand signin totp --username U` (a new TOTP second factor), `samhand signin link --username U
--hpr N` (let the user in through HelseID with that HPR number), `samhand signin list`."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from samhand.security.models import ExternalIdentity
from samhand.security.oidc import pid_digest


class Command(BaseCommand):
    help = "Second factor (TOTP) and HelseID identities of portal users."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        totp = sub.add_parser("totp", help="give the user a new TOTP device (replaces the old one); "
                                           "prints the otpauth:// address for the authenticator app")
        totp.add_argument("--username", required=True)
        link = sub.add_parser("link", help="let the user sign in through HelseID")
        link.add_argument("--username", required=True)
        link.add_argument("--hpr", default="", help="HPR number")
        link.add_argument("--pid-stdin", action="store_true",
                          help="read the national identity number from standard input (stored as a digest)")
        sub.add_parser("list", help="users with their second factor and linked identities")

    def _user(self, username):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username}")
        return user

    @transaction.atomic
    def handle(self, *args, **options):
        action = options["action"]
        if action == "totp":
            user = self._user(options["username"])
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name="samhand", confirmed=True)
            self.stdout.write(device.config_url)
        elif action == "link":
            user = self._user(options["username"])
            hpr = options["hpr"].strip()
            pid = sys.stdin.readline().strip() if options["pid_stdin"] else ""
            if hpr and not hpr.isdigit() or pid and not (pid.isdigit() and len(pid) == 11):
                raise CommandError("HPR number must be digits, identity number 11 digits")
            if not hpr and not pid:
                raise CommandError("give --hpr or --pid-stdin")
            ExternalIdentity.objects.create(user=user, hpr_number=hpr, pid_digest=pid_digest(pid) if pid else "")
            self.stdout.write(f"linked {user.username} to HPR {hpr or '-'}{' and an identity number' if pid else ''}")
        else:
            for user in get_user_model().objects.order_by("username"):
                totp = "totp" if TOTPDevice.objects.filter(user=user, confirmed=True).exists() else "-"
                hprs = ",".join(i.hpr_number or "pid" for i in user.external_identities.all()) or "-"
                self.stdout.write(f"{user.username:30} {totp:5} {hprs}")
