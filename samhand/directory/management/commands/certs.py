import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from samhand import cms
from samhand.cms.certs import check_usable
from samhand.directory import certificates
from samhand.directory.models import Certificate, CommunicationParty


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = "Import, export, list and trust the certificates of communication parties."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="register certificates (PEM/DER, or PKCS#12 with --p12) for a party")
        imp.add_argument("--her-id", required=True)
        imp.add_argument("--signing", help="signing certificate (NonRepudiation)")
        imp.add_argument("--encryption", help="encryption certificate (KeyEncipherment)")
        imp.add_argument("--key", help="private key for the certificate(s) given (hosted parties only)")
        imp.add_argument("--signing-key", help="private key of the signing certificate")
        imp.add_argument("--encryption-key", help="private key of the encryption certificate")
        imp.add_argument("--p12-signing", help="PKCS#12 with the signing certificate and key")
        imp.add_argument("--p12-encryption", help="PKCS#12 with the encryption certificate and key")
        imp.add_argument("--password-stdin", action="store_true", help="read the key/PKCS#12 password from stdin")
        exp = sub.add_parser("export", help="print a party's current public certificate (PEM)")
        exp.add_argument("--her-id", required=True)
        exp.add_argument("--usage", choices=["signing", "encryption"], required=True)
        sub.add_parser("list", help="list certificates and their expiry")
        trust = sub.add_parser("trust", help="trust a CA (PEM), optionally with its current CRL")
        trust.add_argument("--name", required=True)
        trust.add_argument("--ca", required=True)
        trust.add_argument("--crl")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"])(options)

    def _party(self, her_id: str) -> CommunicationParty:
        party = CommunicationParty.objects.filter(her_id=her_id).first()
        if party is None:
            raise CommandError(f"no communication party with HER-id {her_id}")
        return party

    def _import(self, options):
        party = self._party(options["her_id"])
        password = sys.stdin.readline().rstrip("\n").encode() if options["password_stdin"] else None
        plans = []
        for usage in ("signing", "encryption"):
            p12 = options[f"p12_{usage}"]
            if p12:
                pair = cms.load_pkcs12(_read(p12), password)
                plans.append((usage, pair.cert, pair.key))
            elif options[usage]:
                key_path = options[f"{usage}_key"] or options["key"]
                key = cms.load_private_key(_read(key_path), password) if key_path else None
                plans.append((usage, cms.load_certificate(_read(options[usage])), key))
        if not plans:
            raise CommandError("give --signing and/or --encryption (or --p12-signing/--p12-encryption)")
        for usage, cert, key in plans:
            if key is not None and not party.hosted:
                raise CommandError(f"{party.her_id} is not hosted here: import only its public certificates")
            try:
                check_usable(cert, usage)
                record = certificates.install(party, usage, cert, key)
            except (cms.CmsError, ValueError) as exc:
                raise CommandError(f"{usage}: {exc}") from exc
            with_key = " with private key (sealed)" if key is not None else ""
            self.stdout.write(f"{party.her_id} {usage}: {record.subject}, valid to "
                              f"{record.not_after:%Y-%m-%d}{with_key}")

    def _export(self, options):
        party = self._party(options["her_id"])
        record = party.certificates.filter(usage=options["usage"], status=Certificate.Status.CURRENT).first()
        if record is None:
            raise CommandError(f"{party.her_id} has no current {options['usage']} certificate")
        self.stdout.write(record.pem.rstrip("\n"))

    def _list(self, options):
        now = timezone.now()
        for record in Certificate.objects.select_related("party").exclude(status=Certificate.Status.RETIRED):
            days = (record.not_after - now).days
            key = "key" if record.sealed_key else "   "
            self.stdout.write(f"{record.party.her_id:>10} {record.usage:<10} {record.status:<8} {key} "
                              f"{record.not_after:%Y-%m-%d} ({days} d)  {record.subject}")

    def _trust(self, options):
        ca = cms.load_certificate(_read(options["ca"]))
        crl = None
        if options["crl"]:
            from cryptography import x509

            raw = _read(options["crl"])
            crl = x509.load_pem_x509_crl(raw) if raw.lstrip().startswith(b"-----") else x509.load_der_x509_crl(raw)
        issuer = certificates.trust_issuer(options["name"], ca, crl)
        self.stdout.write(f"trusted {issuer.name}" + (" with CRL" if crl is not None else ""))
