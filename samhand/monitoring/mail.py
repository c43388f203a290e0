"""E-mail to meldingsansvarlig through an outbox (S14: every notice and alert goes to the register's address).

Services write a MailOut row in the same transaction as the change that causes it (an alert
opened, a downtime declared), so a notice is never lost and never sent for a change that was
rolled back; the mail step sends them with Django's mail backend (SMTP in production), retrying
with backoff when the server does not answer.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q

from samhand.directory.models import Organisation

from samhand.lib import clock

from . import conf
from .models import MailOut

log = logging.getLogger(__name__)

BATCH = 20
LEASE = timedelta(minutes=2)
SIGNATURE = ("\n\n-- \nSendt automatisk av samhand (meldingsovervåking). "
             "Svar ikke på denne e-posten; bruk kontaktinformasjonen over.\n")


def enqueue(key: str, *, to: list[str], subject: str, body: str, organisation: Organisation | None = None) -> bool:
    """Queue one e-mail; False when it was already queued under this key, or has nobody to go to."""
    to = sorted({address for address in to if address})
    if not to:
        log.warning("no address for %s (%s): the organisation has no meldingsansvarlig e-mail", key,
                    organisation.name if organisation else "-")
        return False
    try:
        with transaction.atomic():
            MailOut.objects.create(key=key, to=to, subject=subject[:300], body=body + SIGNATURE,
                                   organisation=organisation, next_attempt_at=clock.now())
    except IntegrityError:
        return False
    return True


def meldingsansvarlig(organisation: Organisation) -> list[str]:
    return [organisation.ma_email] if organisation.ma_email else []


def on_call(organisation: Organisation) -> list[str]:
    """Escalation addresses: meldingsansvarlig, the organisation's on-call contact points, the on-call
    phone through an e-mail-to-SMS gateway when one is configured, and the node's own on-call."""
    addresses = meldingsansvarlig(organisation)
    for contact in organisation.contacts.all():
        described = f"{contact.name} {contact.role} {contact.available}".lower()
        if contact.email and ("vakt" in described or "døgn" in described):
            addresses.append(contact.email)
    gateway = conf.sms_email_gateway()
    number = re.sub(r"[^0-9+]", "", organisation.ma_on_call_phone or "")
    if gateway and number:
        addresses.append(gateway.format(number=number.lstrip("+")))
    return addresses + conf.oncall_emails()


def mail_step(owner: str) -> int:
    """Worker step: send what is due; returns how many e-mails were attempted."""
    now = clock.now()
    due = MailOut.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
    if not due.exists():
        return 0
    attempted = 0
    free = due.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    for pk in list(free.values_list("pk", flat=True)[:BATCH]):
        # Claimed with a conditional update: nothing updated means another worker has it.
        if not MailOut.objects.filter(pk=pk, sent_at__isnull=True).filter(
                Q(lease_until__isnull=True) | Q(lease_until__lt=now)).update(lease_until=now + LEASE):
            continue
        _send(MailOut.objects.get(pk=pk))
        attempted += 1
    return attempted


def _send(mail: MailOut) -> None:
    try:
        EmailMessage(subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL, to=mail.to).send()
    except Exception as exc:  # noqa: BLE001 - any SMTP failure is retried later
        mail.attempts += 1
        mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        mail.lease_until = None
        mail.next_attempt_at = clock.now() + timedelta(seconds=min(3600, 30 * 2 ** mail.attempts))
        mail.save(update_fields=["attempts", "last_error", "lease_until", "next_attempt_at"])
        log.warning("e-mail %s not sent (attempt %s): %s", mail.key, mail.attempts, exc)
        return
    mail.attempts += 1
    mail.sent_at = clock.now()
    mail.save(update_fields=["attempts", "sent_at"])
