"""Logging in: throttled per username and address; sessions end after inactivity, and the
dashboard's polling does not keep a session alive."""

from __future__ import annotations

import time

from django.test import Client, override_settings

from samhand.accounts.models import LoginThrottle
from samhand.portal.decorators import LAST_ACTIVE

from portalpeople import PASSWORD


def _try(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/logg-inn/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_and_logout(people):
    client = Client()
    response = _try(client, "tromso.ma", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logg-ut/").status_code == 302
    assert client.get("/").status_code == 302


@override_settings(SAMHAND_LOGIN_MAX_FAILURES=5, SAMHAND_LOGIN_LOCKOUT_SECONDS=900)
def test_five_failures_lock_the_username_from_that_address(people):
    client = Client()
    for _ in range(4):
        assert _try(client, "tromso.ma", "feil").status_code == 200
    locked = _try(client, "tromso.ma", "feil")
    assert locked.status_code == 429 and "For mange mislykkede forsøk" in locked.content.decode()
    # While locked, even the right password does not get in (and is not checked).
    assert _try(client, "tromso.ma", PASSWORD).status_code == 429
    assert _try(client, "TROMSO.MA", PASSWORD).status_code == 429  # the same username, other case
    # Another address, or another user from this address, is not locked.
    assert _try(Client(), "tromso.ma", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _try(Client(), "unn.ma", PASSWORD).status_code == 302
    # When the lock has run out, the right password works and clears the count.
    LoginThrottle.objects.filter(username="tromso.ma").update(locked_until=None)
    assert _try(client, "tromso.ma", PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(username="tromso.ma", ip="10.0.0.1").exists()


@override_settings(SAMHAND_LOGIN_MAX_FAILURES=3)
def test_old_failures_are_forgotten(people):
    from datetime import timedelta

    from django.utils import timezone

    client = Client()
    _try(client, "tromso.ma", "feil")
    _try(client, "tromso.ma", "feil")
    LoginThrottle.objects.update(last_failure_at=timezone.now() - timedelta(hours=1))
    assert _try(client, "tromso.ma", "feil").status_code == 200  # counts as the first again
    assert LoginThrottle.objects.get(username="tromso.ma").failures == 1


@override_settings(SESSION_COOKIE_AGE=600)
def test_an_idle_session_ends_and_polls_do_not_keep_it_alive(traffic, as_user):
    client = as_user("tromso.ma")
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_ACTIVE] = time.time() - 300
    session.save()
    # A poll from the dashboard's live panels is not activity.
    poll = client.get("/oversikt/ubesvarte/", HTTP_HX_REQUEST="true", HTTP_X_SAMHAND_POLL="1")
    assert poll.status_code == 200
    assert time.time() - client.session[LAST_ACTIVE] >= 299
    session = client.session
    session[LAST_ACTIVE] = time.time() - 601
    session.save()
    response = client.get("/meldinger/")
    assert response.status_code == 302 and "utlopt=1" in response["Location"]
    assert client.get("/").status_code == 302  # logged out
    assert "ikke har vært aktiv" in client.get(response["Location"]).content.decode()


def test_a_user_action_counts_as_activity(traffic, as_user):
    client = as_user("tromso.ma")
    client.get("/")
    session = client.session
    session[LAST_ACTIVE] = time.time() - 100
    session.save()
    client.get("/oversikt/trafikk/", {"dager": 7}, HTTP_HX_REQUEST="true")  # the user changed the period
    assert time.time() - client.session[LAST_ACTIVE] < 5


def test_demo_passwords_are_hashed_quickly_and_at_full_strength_after_the_first_sign_in(seeded, settings):
    """The demo's random passwords are stored with few PBKDF2 iterations (96 random bits need no
    stretching); signing in with one re-hashes it at full strength."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from samhand.portal.demo import RANDOM_PASSWORD_ITERATIONS, create_demo_credentials

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    login = next(x for x in create_demo_credentials("http://127.0.0.1:8000")["logins"] if x["role"] == "operator")
    user = get_user_model().objects.get(username=login["username"])
    assert user.password.startswith(f"pbkdf2_sha256${RANDOM_PASSWORD_ITERATIONS}$")
    assert not user.check_password("wrong")
    assert _try(Client(), login["username"], login["password"]).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith(f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$")
    assert user.check_password(login["password"])
