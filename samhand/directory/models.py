"""The directory (S14): organisations, communication parties, contacts, capabilities.

A HER-id names a communication party in the national address register. An
organisation has one (e.g. UNN HF), and each of its services/departments has
its own (HIS 1153 Tjenestebasert adressering).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from samhand.lib.identifiers import valid_orgnr

her_id_validator = RegexValidator(r"^[1-9][0-9]{0,9}$", _("A HER-id is a positive whole number."))


def validate_orgnr(value: str) -> None:
    if not valid_orgnr(value):
        raise ValidationError(_("%(value)s is not a valid organisation number (mod 11)."),
                              params={"value": value})


class Organisation(models.Model):
    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Helseforetak")
        MUNICIPALITY = "municipality", _("Kommune")
        OTHER = "other", _("Annen")

    name = models.CharField(_("navn"), max_length=200)
    org_number = models.CharField(_("organisasjonsnummer"), max_length=9, unique=True,
                                  validators=[validate_orgnr])
    her_id = models.CharField(_("HER-id"), max_length=10, unique=True, validators=[her_id_validator])
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # Meldingsansvarlig (S14): receives alerts about missing/negative receipts and downtime notices.
    ma_name = models.CharField(_("meldingsansvarlig"), max_length=200, blank=True)
    ma_email = models.EmailField(_("e-post meldingsansvarlig"), blank=True)
    ma_phone = models.CharField(_("telefon meldingsansvarlig"), max_length=30, blank=True)
    ma_on_call_phone = models.CharField(_("vakttelefon"), max_length=30, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisasjon")
        verbose_name_plural = _("organisasjoner")

    def __str__(self) -> str:
        return self.name


class ContactPoint(models.Model):
    """Further contact points of an organisation: IT support, ward desks, on-call lines."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("navn"), max_length=200)
    role = models.CharField(_("rolle"), max_length=200, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    available = models.CharField(_("tilgjengelig"), max_length=200, blank=True,
                                 help_text=_("F.eks. «hverdager 08–15» eller «døgnbemannet»."))

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("kontaktpunkt")
        verbose_name_plural = _("kontaktpunkter")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class CommunicationParty(models.Model):
    class ServiceType(models.TextChoices):
        NURSING = "nursing", _("Sykepleietjeneste")
        CASE_HANDLING = "case_handling", _("Saksbehandlertjeneste")
        HOSPITAL_DEPARTMENT = "hospital_department", _("Sykehusavdeling")
        GP = "gp", _("Fastlege")
        OTHER = "other", _("Annen tjeneste")

    her_id = models.CharField(_("HER-id"), max_length=10, unique=True, validators=[her_id_validator])
    name = models.CharField(_("navn"), max_length=200)
    service_type = models.CharField(_("tjenestetype"), max_length=30, choices=ServiceType.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="parties")
    hosted = models.BooleanField(_("driftes på denne noden"), default=True)
    # When the party's EPR cannot send application receipts itself, the node answers
    # OK on its behalf once the message is in the inbox (issue: per-party setting).
    auto_apprec = models.BooleanField(_("noden sender positiv kvittering"), default=False)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("kommunikasjonspart")
        verbose_name_plural = _("kommunikasjonsparter")

    def __str__(self) -> str:
        return f"{self.name}, {self.organisation.name} ({self.her_id})"

    def accepts(self, family: str, version: str, msg_type: str | None = None) -> bool:
        """Whether the party takes a business document of this family, version and type.

        A party without any receive capability on record takes every format the
        node supports (remote parties whose CPP we have not imported yet); once
        one is recorded, only what is listed is accepted (T10 otherwise). A
        capability without a message type covers every type of its family and
        version; one with a type (MsgInfo/Type, code system 8279, the CPP action)
        covers that type only. Without ``msg_type`` only family and version count.
        """
        caps = [c for c in self.capabilities.all() if c.direction == Capability.Direction.RECEIVE]
        if not caps:
            return True
        return any(c.family == family and c.version == version
                   and (not c.msg_type or msg_type is None or c.msg_type == msg_type) for c in caps)


class Capability(models.Model):
    """A message type and version a party can send or receive (what a CPP says, HISD 1177).

    ``msg_type`` is the MsgInfo/Type code (code system 8279), which is also the CPP/ebXML action
    (HISD 1209 §3.1); blank means every type of the family in that version.
    """

    class Direction(models.TextChoices):
        SEND = "send", _("sende")
        RECEIVE = "receive", _("motta")

    party = models.ForeignKey(CommunicationParty, on_delete=models.CASCADE, related_name="capabilities")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    family = models.CharField(_("meldingsfamilie"), max_length=50, help_text="PLO, Dialogmelding, …")
    version = models.CharField(_("versjon"), max_length=10)
    msg_type = models.CharField(_("meldingstype (8279)"), max_length=60, blank=True, default="",
                                help_text=_("F.eks. LOG_INNLAGT. Tomt: alle typer i familien og versjonen."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party", "direction", "family", "version", "msg_type"],
                                               name="unique_capability_type")]
        verbose_name = _("kapabilitet")
        verbose_name_plural = _("kapabiliteter")

    def __str__(self) -> str:
        return f"{self.party.her_id} {self.direction} {self.msg_type or self.family} {self.version}"


class Certificate(models.Model):
    """A party's X.509 certificate for signing or encryption (from the address register).

    Hosted parties also have the private key, sealed at rest with SAMHAND_KEY_SECRET.
    An encryption certificate that has been replaced stays as PREVIOUS so that
    messages encrypted to it during the rollover still open.
    """

    class Usage(models.TextChoices):
        SIGNING = "signing", _("signering")
        ENCRYPTION = "encryption", _("kryptering")

    class Status(models.TextChoices):
        CURRENT = "current", _("gjeldende")
        PREVIOUS = "previous", _("forrige (kun dekryptering)")
        RETIRED = "retired", _("utgått")

    party = models.ForeignKey(CommunicationParty, on_delete=models.CASCADE, related_name="certificates")
    usage = models.CharField(_("bruk"), max_length=20, choices=Usage.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CURRENT)
    pem = models.TextField(_("sertifikat (PEM)"))
    sealed_key = models.BinaryField(null=True, blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, unique=True)
    subject = models.CharField(max_length=500)
    issuer = models.CharField(max_length=500)
    serial = models.CharField(max_length=80)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField(db_index=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["party__her_id", "usage", "-not_after"]
        constraints = [models.UniqueConstraint(fields=["party", "usage"], condition=models.Q(status="current"),
                                               name="one_current_certificate_per_usage")]
        verbose_name = _("sertifikat")
        verbose_name_plural = _("sertifikater")

    def __str__(self) -> str:
        return f"{self.party.her_id} {self.usage} {self.subject} ({self.status})"


class TrustedIssuer(models.Model):
    """A CA whose certificates the node accepts (e.g. Buypass, Commfides; the demo CA)."""

    name = models.CharField(max_length=200)
    pem = models.TextField()
    fingerprint = models.CharField(max_length=64, unique=True)
    crl_pem = models.TextField(blank=True, help_text=_("Gjeldende sperreliste (CRL) fra utstederen, PEM."))
    crl_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("klarert utsteder")
        verbose_name_plural = _("klarerte utstedere")

    def __str__(self) -> str:
        return self.name


# -- The message-type registry (S13): reference data below the exchange, like the capabilities ----
# A type is a code from code system 8279 «Meldingens funksjon» (e.g. LOG_INNLAGT); the same code is
# the ebXML/CPP action (HISD 1209 §3.1). Each version says where the document lives (namespace and
# schema name as in MeldingsVersjoner.xml), which AppRec version answers it (HITS 1168 §8.3) and
# whether it is being introduced, in use or retired. Taking a version into use is a data change
# (`samhand types import`, or the admin), never a code change.

class MessageType(models.Model):
    code = models.CharField(_("kode (8279)"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    family = models.CharField(_("meldingsfamilie"), max_length=50, help_text="PLO, Dialogmelding, Epikrise, …")
    description = models.TextField(_("beskrivelse"), blank=True)

    class Meta:
        db_table = "chains_messagetype"  # created by the chains app, which kept the registry before
        ordering = ["family", "code"]
        verbose_name = _("meldingstype")
        verbose_name_plural = _("meldingstyper")

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class MessageTypeVersion(models.Model):
    class Status(models.TextChoices):
        INTRODUCING = "introducing", _("under innføring")
        IN_USE = "in_use", _("i bruk")
        RETIRED = "retired", _("utfaset")

    message_type = models.ForeignKey(MessageType, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("versjon"), max_length=10, help_text=_("Versjonen av standarden, f.eks. 1.6."))
    namespace = models.CharField(_("navnerom"), max_length=200)
    schema_name = models.CharField(_("skjema"), max_length=100, help_text=_("Navn i MeldingsVersjoner.xml."))
    element = models.CharField(_("rotelement"), max_length=100, blank=True)
    apprec_version = models.CharField(_("svares med AppRec"), max_length=5, default="1.1")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_USE)
    status_changed_on = models.DateField(_("status endret"), null=True, blank=True)
    reference = models.CharField(_("standard"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "chains_messagetypeversion"
        ordering = ["message_type__code", "version"]
        constraints = [models.UniqueConstraint(fields=["message_type", "version"], name="unique_type_version")]
        verbose_name = _("meldingsversjon")
        verbose_name_plural = _("meldingsversjoner")

    def __str__(self) -> str:
        return f"{self.message_type.code} {self.message_type.family} {self.version} ({self.status})"
