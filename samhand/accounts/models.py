"""Portal users: every user belongs to one organisation with one role."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Membership(models.Model):
    class Role(models.TextChoices):
        MELDINGSANSVARLIG = "meldingsansvarlig", _("Meldingsansvarlig")
        SAKSBEHANDLER = "saksbehandler", _("Saksbehandler")
        OPERATOR = "operator", _("Operatør (noden)")
        ADMINISTRATOR = "administrator", _("Administrator")
        # The access broker (issue 15): clinicians who may ask for a partner's documents, and the
        # organisation's privacy contact (reviews accesses, reads its own access log, registers blocks).
        HELSEPERSONELL = "helsepersonell", _("Helsepersonell")
        PERSONVERN = "personvern", _("Personvernkontakt")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="members")
    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices)
    # Health personnel: HPR number (Helsepersonellregisteret) and profession ("sykepleier", "lege" …).
    hpr_number = models.CharField(_("HPR-nummer"), max_length=12, blank=True)
    profession = models.CharField(_("yrke"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    @property
    def sees_patient_content(self) -> bool:
        # The node operator sees traffic metadata only, never patient content.
        return self.role != self.Role.OPERATOR


class LoginThrottle(models.Model):
    """Failed portal logins per username and client address: the brute-force lock.

    After SAMHAND_LOGIN_MAX_FAILURES failures in a row the pair is locked for
    SAMHAND_LOGIN_LOCKOUT_SECONDS; while locked the password is not even checked,
    so a locked login tells an attacker nothing about the password.
    """

    username = models.CharField(max_length=150)  # as typed, lower-cased
    ip = models.CharField(max_length=45)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username", "ip"], name="unique_login_throttle")]
        verbose_name = _("innloggingssperre")
        verbose_name_plural = _("innloggingssperrer")

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip}: {self.failures}"
