"""Alerts and notices reach meldingsansvarlig through a real SMTP server (started here), and an
SMTP server that is down delays them without losing them."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller

from samhand.monitoring.models import MailOut

from monhelpers import answer, send
from personas import TROMSO_NURSING, UNN_MED_TROMSO


class Collector:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.DEFAULT_FROM_EMAIL = "samhand@unn.example.no"
    yield collector
    controller.stop()


def monitoring_mail():
    """Monitoring's own mail (the deviations app also mails a draft to confirm for a negative AppRec)."""
    return MailOut.objects.exclude(subject__startswith="Avviksutkast")


def monitoring_envelopes(received) -> list:
    return [e for e in received if b"Avviksutkast" not in e.original_content]


def test_a_negative_apprec_reaches_meldingsansvarlig_by_smtp(unn, tromso, work, smtp_server):
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, message_id, "2")
    work()
    [envelope] = monitoring_envelopes(smtp_server.received)
    assert envelope.rcpt_tos == ["meldingsansvarlig@unn.example.no"]
    assert envelope.mail_from == "samhand@unn.example.no"
    mail = message_from_bytes(envelope.original_content)
    assert "Negativ applikasjonskvittering" in str(make_header(decode_header(mail["Subject"])))
    body = mail.get_payload(decode=True).decode("utf-8")
    assert "Til meldingsansvarlig i Universitetssykehuset Nord-Norge HF" in body and "E35" in body
    assert monitoring_mail().get().sent_at is not None


def test_mail_waits_while_the_smtp_server_is_down(unn, tromso, work, settings, clock):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, message_id, "2")
    work()
    mail = monitoring_mail().get()
    assert mail.sent_at is None and mail.attempts == 1 and "Connection refused" in mail.last_error
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        clock.advance(minutes=2)  # past the retry backoff
        work()
    finally:
        controller.stop()
    assert len(monitoring_envelopes(collector.received)) == 1
    mail.refresh_from_db()
    assert mail.sent_at is not None and mail.attempts == 2
