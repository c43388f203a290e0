"""TOTP second factor for password logins, and the admin behind the same door."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from personas import TROMSO_ORG, UNN_ORG

PASSWORD = "Passord-for-test-1"


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


@pytest.fixture
def otp_on(settings):
    settings.SAMHAND_OTP_REQUIRED = True
    # django-otp's own per-device back-off (1 s, 2 s, ... after a wrong code) stays on in production;
    # here a right code follows a wrong one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def nurse(seeded, member):
    user = member("tromso.sb", TROMSO_ORG, "saksbehandler")
    return user, TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def _login(client, username, password=PASSWORD, code=None, ip="10.1.1.1", path="/logg-inn/"):
    data = {"username": username, "password": password}
    if code is not None:
        data["otp_token"] = code
    return client.post(path, data, REMOTE_ADDR=ip)


@pytest.mark.parametrize("role", ["saksbehandler", "meldingsansvarlig", "administrator", "operator"])
def test_every_role_needs_the_code(otp_on, seeded, member, role):
    user = member(f"user.{role}", TROMSO_ORG, role)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    assert "Engangskode" in client.get("/logg-inn/").content.decode()
    refused = _login(client, user.username)  # the right password alone
    assert refused.status_code == 200 and "Feil brukernavn, passord eller engangskode" in refused.content.decode()
    assert _login(client, user.username, code="000000" if _code(device) != "000000" else "111111").status_code == 200
    assert client.get("/").status_code == 302
    assert _login(client, user.username, code=_code(device)).status_code == 302
    assert client.get("/").status_code == 200


def test_a_user_without_a_device_cannot_log_in(otp_on, seeded, member):
    member("no.device", TROMSO_ORG)
    client = Client()
    assert _login(client, "no.device", code="123456").status_code == 200
    assert client.get("/").status_code == 302


def test_wrong_codes_count_towards_the_lock(otp_on, nurse, settings):
    settings.SAMHAND_LOGIN_MAX_FAILURES = 3
    user, device = nurse
    client = Client()
    for _ in range(2):
        assert _login(client, user.username, code="999999" if _code(device) != "999999" else "888888").status_code == 200
    assert _login(client, user.username, code="999999" if _code(device) != "999999" else "888888").status_code == 429
    assert _login(client, user.username, code=_code(device)).status_code == 429  # locked: nothing is checked


def test_a_session_without_the_second_factor_sees_no_page(otp_on, nurse):
    client = Client()
    client.force_login(nurse[0])  # password-level session (e.g. from before the factor was required)
    response = client.get("/meldinger/")
    assert response.status_code == 302 and response["Location"].startswith("/logg-inn/")


def test_demo_mode_says_the_code_is_skipped(seeded, settings):
    settings.MODE = "demo"
    settings.SAMHAND_OTP_REQUIRED = False
    page = Client().get("/logg-inn/").content.decode()
    assert "kreves ikke i demomodus" in page and 'name="otp_token"' not in page
    settings.MODE = "test"
    assert "kreves ikke i demomodus" not in Client().get("/logg-inn/").content.decode()


def test_production_always_requires_the_code(monkeypatch):
    import subprocess
    import sys

    code = ("import django,os;django.setup();from django.conf import settings;"
            "print(settings.SAMHAND_OTP_REQUIRED, settings.SAMHAND_ADMIN_ENABLED)")
    env = {"SAMHAND_MODE": "production", "SAMHAND_SECRET_KEY": "x" * 60, "SAMHAND_ALLOWED_HOSTS": "h",
           "SAMHAND_OTP_REQUIRED": "0", "DJANGO_SETTINGS_MODULE": "samhand.settings", "PATH": "/usr/bin:/bin",
           "SAMHAND_DATA_DIR": "/tmp/samhand-sec-otp"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


# --- The admin -----------------------------------------------------------------------------------

@pytest.fixture
def admin_user(seeded, member):
    user = member("unn.admin", UNN_ORG, "administrator", is_staff=True, is_superuser=True)
    return user, TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def test_admin_login_is_the_portal_login(otp_on, admin_user):
    client = Client()
    response = client.get("/admin/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith("/logg-inn/?next=/admin/")
    # The admin's own login form checks no password at all: a POST is sent to the portal login too.
    posted = _login(client, "unn.admin", path="/admin/login/")
    assert posted.status_code == 302 and posted["Location"].startswith("/logg-inn/")
    assert client.get("/admin/").status_code == 302


def test_admin_needs_the_second_factor(otp_on, admin_user):
    user, device = admin_user
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 302  # password-level session: no admin
    client = Client()
    assert _login(client, "unn.admin", code=_code(device)).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_login_is_throttled(otp_on, admin_user, settings):
    settings.SAMHAND_LOGIN_MAX_FAILURES = 5
    user, device = admin_user
    client = Client()
    for _ in range(4):
        assert _login(client, "unn.admin", password="wrong").status_code == 200
    assert _login(client, "unn.admin", password="wrong").status_code == 429
    assert _login(client, "unn.admin", code=_code(device)).status_code == 429
    assert client.get("/admin/").status_code == 302


def test_admin_changes_are_logged_with_who_and_what(admin_user, member, caplog):
    from django.contrib.admin.models import LogEntry

    nurse = member("tromso.sb2", TROMSO_ORG, "saksbehandler")
    membership = nurse.membership
    client = Client()
    client.force_login(admin_user[0])
    url = f"/admin/accounts/membership/{membership.pk}/change/"
    assert client.get(url).status_code == 200
    with caplog.at_level(logging.INFO, logger="samhand.security.admin"):
        response = client.post(url, {"user": nurse.pk, "organisation": membership.organisation_id,
                                     "role": "meldingsansvarlig"})
        assert response.status_code == 302
        deleted = client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
        assert deleted.status_code == 302
    lines = [r.getMessage() for r in caplog.records if r.name == "samhand.security.admin"]
    assert any(line.startswith("admin change by unn.admin: accounts.Membership") and "Rolle" in line
               for line in lines), lines
    assert any(line.startswith("admin delete by unn.admin: accounts.Membership") for line in lines), lines
    assert LogEntry.objects.filter(user=admin_user[0], object_id=str(membership.pk)).count() == 2


def test_admin_shows_no_patient_fields(admin_user, rf):
    from django.contrib import admin

    from samhand.access.models import AccessLog
    from samhand.chains.models import Episode

    request = rf.get("/admin/")
    request.user = admin_user[0]
    for model in (Episode, AccessLog):
        model_admin = admin.site._registry[model]
        shown = set(model_admin.get_fields(request)) | set(model_admin.get_readonly_fields(request))
        shown |= set(model_admin.get_list_display(request)) | set(model_admin.get_search_fields(request))
        assert not [name for name in shown if "patient" in name], (model, shown)
        assert "patient_id" in model_admin.get_exclude(request)


def test_admin_is_off_in_production_unless_asked_for():
    import subprocess
    import sys

    code = ("import django;django.setup();from django.urls import resolve, Resolver404\n"
            "try:\n resolve('/admin/');print('on')\nexcept Resolver404:\n print('off')")
    base = {"SAMHAND_MODE": "production", "SAMHAND_SECRET_KEY": "x" * 60, "SAMHAND_ALLOWED_HOSTS": "h",
            "DJANGO_SETTINGS_MODULE": "samhand.settings", "PATH": "/usr/bin:/bin",
            "SAMHAND_DATA_DIR": "/tmp/samhand-sec-admin"}
    off = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True)
    on = subprocess.run([sys.executable, "-c", code], env={**base, "SAMHAND_ADMIN": "1"}, capture_output=True,
                        text=True, check=True)
    assert (off.stdout.strip(), on.stdout.strip()) == ("off", "on")


def test_the_login_page_in_english(otp_on, db):
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # bokmål unless the user chose English
    page = client.get("/logg-inn/").content.decode()
    assert "One-time code from the authenticator app" in page


def test_the_admin_shows_no_totp_secrets(admin_user):
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    client = Client()
    client.force_login(admin_user[0])
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
