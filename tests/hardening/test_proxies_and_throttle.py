"""Behind a reverse proxy: the client address through trusted hops only, and login throttling
that an attacker cannot turn against a user who comes from another address."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from personas import TROMSO_ORG
from samhand.lib.clientip import client_address

PASSWORD = "Passord-for-test-1"
PROXY = "10.20.0.5"
TRUSTED = ["10.20.0.0/16", "::1/128"]
ATTACKER = "203.0.113.66"
USER_HOME = "198.51.100.7"


def test_client_address_through_trusted_hops_only():
    # No trusted proxies: the peer, whatever the header says.
    assert client_address("192.0.2.1", "198.51.100.7", []) == "192.0.2.1"
    # Peer not trusted: the header is the sender's word, ignored.
    assert client_address("192.0.2.1", "198.51.100.7", TRUSTED) == "192.0.2.1"
    # Through one trusted proxy: the hop it added.
    assert client_address(PROXY, "198.51.100.7", TRUSTED) == "198.51.100.7"
    # Through two trusted proxies.
    assert client_address(PROXY, "198.51.100.7, 10.20.9.9", TRUSTED) == "198.51.100.7"
    # The client wrote its own X-Forwarded-For: the first untrusted hop from the right wins.
    assert client_address(PROXY, "1.2.3.4, 203.0.113.66", TRUSTED) == "203.0.113.66"
    # Garbage before a trusted hop: stop at the last trusted writer's word.
    assert client_address(PROXY, "203.0.113.66, not-an-ip", TRUSTED) == PROXY
    assert client_address("::1", "2001:db8::7", TRUSTED) == "2001:db8::7"


@pytest.fixture
def proxied(settings, seeded, member):
    settings.SAMHAND_TRUSTED_PROXIES = TRUSTED
    settings.SAMHAND_LOGIN_MAX_FAILURES = 5
    member("tromso.ma", TROMSO_ORG, "meldingsansvarlig")
    return settings


def _try(username, password, *, peer=PROXY, forwarded=None, client=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return (client or Client()).post("/logg-inn/", {"username": username, "password": password}, **extra)


def test_an_attacker_behind_the_proxy_never_locks_the_user_out(proxied, caplog):
    with caplog.at_level(logging.WARNING, logger="samhand.security.login"):
        for _ in range(4):
            assert _try("tromso.ma", "gjett", forwarded=ATTACKER).status_code == 200
        assert _try("tromso.ma", "gjett", forwarded=ATTACKER).status_code == 429
        assert _try("tromso.ma", PASSWORD, forwarded=ATTACKER).status_code == 429  # locked for the attacker
    # The real user, through the same proxy from home, gets in.
    assert _try("tromso.ma", PASSWORD, forwarded=USER_HOME).status_code == 302
    messages = [r.getMessage() for r in caplog.records]
    assert sum(f"login failed: user='tromso.ma' address={ATTACKER}" in m for m in messages) == 5
    assert any(m.startswith("login locked: user='tromso.ma' address=" + ATTACKER) for m in messages)
    assert any(m.startswith("login refused while locked: user='tromso.ma' address=" + ATTACKER) for m in messages)


def test_a_spoofed_header_from_an_untrusted_hop_changes_nothing(proxied):
    # The attacker talks to the node directly and invents a new address every time.
    for i in range(5):
        _try("tromso.ma", "gjett", peer=ATTACKER, forwarded=f"192.0.2.{i}")
    assert _try("tromso.ma", PASSWORD, peer=ATTACKER, forwarded="192.0.2.99").status_code == 429
    # ... and cannot lock out the user by pretending to be the user's address either.
    for _ in range(5):
        _try("tromso.ma", "gjett", peer=ATTACKER, forwarded=USER_HOME)
    assert _try("tromso.ma", PASSWORD, forwarded=USER_HOME).status_code == 302
    # Through the proxy, a client-written hop before the proxy's own is ignored too.
    for _ in range(5):
        _try("tromso.ma", "gjett", forwarded=f"{USER_HOME}, {ATTACKER}")
    assert _try("tromso.ma", PASSWORD, forwarded=USER_HOME).status_code == 302


def test_password_spraying_from_one_address_is_limited(proxied, member):
    proxied.SAMHAND_LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    member("tromso.sb", TROMSO_ORG)
    for i in range(6):
        _try(f"user{i}", "Sommer2026", forwarded=ATTACKER)
    assert _try("tromso.sb", PASSWORD, forwarded=ATTACKER).status_code == 429
    assert _try("tromso.sb", PASSWORD, forwarded=USER_HOME).status_code == 302


def test_the_node_wide_ceiling_stops_addresses_that_failed_not_the_others(proxied):
    proxied.SAMHAND_LOGIN_MAX_FAILURES_PER_MINUTE = 3
    for i in range(3):
        assert _try(f"user{i}", "gjett", forwarded=f"203.0.113.{i}").status_code in (200, 429)
    # Over the ceiling: an address that failed this minute is refused, even with a right password ...
    assert _try("tromso.ma", PASSWORD, forwarded="203.0.113.1").status_code == 429
    # ... one that did not fail still gets in.
    assert _try("tromso.ma", PASSWORD, forwarded=USER_HOME).status_code == 302


def test_metrics_allow_list_uses_the_same_client_address(settings, db):
    settings.SAMHAND_TRUSTED_PROXIES = TRUSTED
    settings.SAMHAND_METRICS_ALLOWED_IPS = ["198.51.100.0/24"]
    settings.SAMHAND_METRICS_TOKEN = ""
    client = Client()
    assert client.get("/metrics", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=USER_HOME).status_code != 403
    assert client.get("/metrics", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 403
    # The proxy itself is not in the allow-list, and a direct caller cannot claim to be.
    assert client.get("/metrics", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=USER_HOME).status_code == 403


def test_https_from_the_proxy_only(settings):
    settings.SAMHAND_TRUSTED_PROXIES = TRUSTED
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    client = Client()
    trusted = client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    spoofed = client.get("/healthz", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_PROTO="https")
    assert trusted.headers.get("Strict-Transport-Security", "").startswith("max-age=3600")
    assert "Strict-Transport-Security" not in spoofed.headers
