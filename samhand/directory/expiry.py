"""Warn a party's meldingsansvarlig before its certificate expires (SAMHAND_CERT_WARN_DAYS ahead, 30 by default)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Certificate


CHECK_EVERY_SECONDS = 60.0
_last_check = {"at": float("-inf")}


def expiry_warning_step(owner: str, *, force: bool = False) -> int:
    """Worker step: one e-mail per certificate, claimed atomically so two workers never both send.

    Expiry is a matter of days, so a worker looks at most once a minute.
    """
    if not force and time.monotonic() - _last_check["at"] < CHECK_EVERY_SECONDS:
        return 0
    _last_check["at"] = time.monotonic()
    now = timezone.now()
    horizon = now + timedelta(days=settings.SAMHAND_CERT_WARN_DAYS)
    due = (Certificate.objects.select_related("party__organisation")
           .filter(status=Certificate.Status.CURRENT, not_after__lte=horizon, expiry_warned_at__isnull=True)[:20])
    sent = 0
    for cert in due:
        if not Certificate.objects.filter(pk=cert.pk, expiry_warned_at__isnull=True).update(expiry_warned_at=now):
            continue  # another worker took it
        org = cert.party.organisation
        if not org.ma_email:
            continue
        days = max(0, (cert.not_after - now).days)
        send_mail(
            subject=f"Sertifikat utløper om {days} dager: {cert.party.name} ({cert.party.her_id})",
            message=(f"Til meldingsansvarlig i {org.name}.\n\n"
                     f"{cert.get_usage_display().capitalize()}ssertifikatet for {cert.party.name} "
                     f"(HER-id {cert.party.her_id}) utløper {timezone.localtime(cert.not_after):%d.%m.%Y %H:%M}.\n"
                     f"Emne: {cert.subject}\nUtsteder: {cert.issuer}\n\n"
                     "Bestill nytt sertifikat og registrer det i adresseregisteret og i samhand "
                     "(samhand certs import) før utløp, ellers avvises meldinger med S02.\n"),
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[org.ma_email])
        sent += 1
    return sent
