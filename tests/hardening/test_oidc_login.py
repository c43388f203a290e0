"""OpenID Connect sign-in against a real provider in its own process (tests/oidc_provider:
django-oauth-toolkit playing HelseID, private_key_jwt only). An HTTP client follows the real
redirects: portal -> provider login -> authorize -> portal callback -> token request signed
with the client's key -> ID token checked -> logged in."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from personas import TROMSO_ORG

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDER = Path(__file__).resolve().parent.parent / "oidc_provider"
CLIENT_ID = "samhand-portal"
HPR = "1234567"
HPR_CLAIM = "helseid://claims/hpr/hpr_number"
ORG_CLAIM = "helseid://claims/client/claims/orgnr_parent"


def _pem(key, private=True) -> bytes:
    if private:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-keys")
    files = {}
    for name in ("signing", "client", "stranger"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (folder / f"{name}.pem").write_bytes(_pem(key))
        (folder / f"{name}.pub.pem").write_bytes(_pem(key, private=False))
        files[name] = folder / f"{name}.pem"
        files[name + ".pub"] = folder / f"{name}.pub.pem"
    files["folder"] = folder
    return files


PEOPLE = ("lege", "uten-hpr", "uten-org", "feil-mottaker", "utlopt", "annen-virksomhet")


@pytest.fixture(scope="module")
def provider_process(live_server, keys):
    """The provider process (one per module); its people's claims are written by ``provider``."""
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/o"
    people_file = keys["folder"] / f"people-{port}.json"
    people_file.write_text("{}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMHAND_", "DJANGO_", "DATABASE_URL"))}
    env.update(PROVIDER_ISSUER=issuer, PROVIDER_PORT=str(port), PROVIDER_DB=str(keys["folder"] / f"provider-{port}.db"),
               PROVIDER_SIGNING_KEY=str(keys["signing"]), PROVIDER_CLIENT_PUBLIC_KEY=str(keys["client.pub"]),
               PROVIDER_CLIENT_ID=CLIENT_ID, PROVIDER_USERS=",".join(PEOPLE), PROVIDER_PEOPLE=str(people_file),
               PROVIDER_REDIRECT_URI=live_server.url + "/logg-inn/helseid/svar/")
    process = subprocess.Popen([sys.executable, str(PROVIDER / "serve.py")], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("READY") or not line and process.poll() is not None:
                break
        assert process.poll() is None, "the OIDC provider did not start"
        for _ in range(100):  # READY is printed just before it listens
            try:
                requests.get(issuer + "/.well-known/openid-configuration", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield issuer, people_file
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def provider(provider_process, live_server, keys, seeded, settings):
    """The portal configured to sign in at the provider. Yields the portal's base URL."""
    from samhand.directory.models import Organisation
    from samhand.security import oidc

    issuer, people_file = provider_process
    org_number = Organisation.objects.get(her_id=TROMSO_ORG).org_number
    people_file.write_text(json.dumps({
        "lege": {"name": "Lege Legesen", HPR_CLAIM: HPR, ORG_CLAIM: org_number},
        "uten-hpr": {"name": "Uten HPR", ORG_CLAIM: org_number},
        "uten-org": {"name": "Uten virksomhet", HPR_CLAIM: HPR},
        "feil-mottaker": {"name": "Feil mottaker", HPR_CLAIM: HPR, ORG_CLAIM: org_number, "_aud": "another-client"},
        "utlopt": {"name": "Utløpt", HPR_CLAIM: HPR, ORG_CLAIM: org_number, "_expired": True},
        "annen-virksomhet": {"name": "Annen", HPR_CLAIM: HPR, ORG_CLAIM: "999999999"},
    }))
    settings.SAMHAND_OIDC_ISSUER = issuer
    settings.SAMHAND_OIDC_CLIENT_ID = CLIENT_ID
    settings.SAMHAND_OIDC_PRIVATE_KEY = str(keys["client"])
    settings.SAMHAND_OTP_REQUIRED = True  # HelseID is the second factor: no TOTP asked
    oidc._cache.clear()
    yield live_server.url
    oidc._cache.clear()


@pytest.fixture
def linked(provider, member):
    from samhand.security.models import ExternalIdentity

    user = member("lege.tromso", TROMSO_ORG, "saksbehandler")
    ExternalIdentity.objects.create(user=user, hpr_number=HPR)
    return user


def sign_in(base: str, username: str) -> tuple[requests.Session, requests.Response]:
    """Click "Logg inn med HelseID", log in at the provider, follow every redirect back."""
    session = requests.Session()
    page = session.get(base + "/logg-inn/helseid/?next=/meldinger/", timeout=20)
    assert "/login/" in page.url, page.url  # at the provider's login page
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    result = session.post(page.url, data={"csrfmiddlewaretoken": csrf, "username": username, "password": "pw",
                                          "next": nxt}, timeout=30)
    return session, result


def test_sign_in_with_a_verified_hpr_number_and_organisation(provider, linked):
    session, result = sign_in(provider, "lege")
    assert result.status_code == 200
    assert result.url == provider + "/meldinger/"
    assert "lege.tromso" in result.text and "Tromsø" in result.text
    # The session is real: another page opens without logging in again, and no TOTP was asked.
    assert session.get(provider + "/", timeout=10, allow_redirects=False).status_code == 200
    # The login page offers HelseID.
    assert "Logg inn med HelseID" in requests.get(provider + "/logg-inn/", timeout=10).text


@pytest.mark.parametrize("username", ["feil-mottaker", "utlopt", "uten-hpr", "uten-org", "annen-virksomhet"])
def test_refused_tokens_do_not_log_in(provider, linked, username, caplog):
    session, result = sign_in(provider, username)
    assert result.url.startswith(provider + "/logg-inn/"), result.url
    assert "Innlogging med HelseID ble avvist" in result.text
    home = session.get(provider + "/", timeout=10, allow_redirects=False)
    assert home.status_code == 302 and "/logg-inn/" in home.headers["Location"]
    reasons = " ".join(r.getMessage() for r in caplog.records if r.name == "samhand.security.oidc")
    expected = {"feil-mottaker": "audience", "utlopt": "exp", "uten-hpr": "no HPR number",
                "uten-org": "no organisation number", "annen-virksomhet": "no single portal user"}[username]
    assert expected in reasons, reasons


def test_a_client_with_the_wrong_key_gets_no_token(provider, linked, keys, settings, caplog):
    settings.SAMHAND_OIDC_PRIVATE_KEY = str(keys["stranger"])
    session, result = sign_in(provider, "lege")
    assert "Innlogging med HelseID ble avvist" in result.text
    assert "token request refused" in caplog.text
    assert session.get(provider + "/", timeout=10, allow_redirects=False).status_code == 302


def test_a_callback_without_a_sign_in_under_way_is_refused(provider, linked):
    result = requests.get(provider + "/logg-inn/helseid/svar/?code=x&state=y", timeout=10)
    assert result.url.startswith(provider + "/logg-inn/") and "avvist" in result.text
