"""Portal sign-in with OpenID Connect (HelseID): authorization code flow with PKCE, the
client authenticated by a private-key JWT (private_key_jwt, RFC 7523), the ID token
verified here before anyone is let in.

Configured by SAMHAND_OIDC_ISSUER, SAMHAND_OIDC_CLIENT_ID and SAMHAND_OIDC_PRIVATE_KEY (a
file with the client's RSA private key, PEM or JWK). A verified token must carry the
person's HPR number (or national identity number) and the organisation number; the person
is let in only as a portal user linked to that HPR number / identity (ExternalIdentity) and
a member of that organisation. Nobody is created on the fly: the organisation's
administrator links the user first (`samhand identity link`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

log = logging.getLogger("samhand.security.oidc")

FLOW = "samhand_oidc_flow"
ERROR = "samhand_oidc_error"
HTTP_TIMEOUT = 10
LEEWAY = 30  # seconds of clock skew allowed on exp/iat/nbf
_cache: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()


class OidcError(Exception):
    """Sign-in refused; the text is for the log, the user sees a plain message."""


@dataclass(frozen=True)
class Identity:
    subject: str
    hpr_number: str
    pid: str
    org_number: str
    name: str


def enabled() -> bool:
    return bool(settings.SAMHAND_OIDC_ISSUER and settings.SAMHAND_OIDC_CLIENT_ID
                and settings.SAMHAND_OIDC_PRIVATE_KEY)


def _issuer() -> str:
    return settings.SAMHAND_OIDC_ISSUER.rstrip("/")


def _cached(key: str, ttl: float, load):
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < ttl:
            return hit[1]
    value = load()
    with _lock:
        _cache[key] = (time.monotonic(), value)
    return value


def _get_json(url: str) -> dict:
    response = requests.get(url, timeout=HTTP_TIMEOUT)
    response.raise_for_status()
    return response.json()


def metadata() -> dict:
    issuer = _issuer()

    def load():
        data = _get_json(issuer + "/.well-known/openid-configuration")
        if str(data.get("issuer", "")).rstrip("/") != issuer:
            raise OidcError(f"discovery document names issuer {data.get('issuer')!r}, expected {issuer!r}")
        return data

    return _cached("metadata:" + issuer, 3600, load)


def _keys(refresh: bool = False) -> KeySet:
    uri = metadata()["jwks_uri"]
    if refresh:
        with _lock:
            _cache.pop("jwks:" + uri, None)
    return _cached("jwks:" + uri, 3600, lambda: KeySet.import_key_set(_get_json(uri)))


def private_key() -> RSAKey:
    raw = Path(settings.SAMHAND_OIDC_PRIVATE_KEY).read_text()
    if raw.lstrip().startswith("{"):
        import json

        return RSAKey.import_key(json.loads(raw))
    return RSAKey.import_key(raw)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def authorization_url(redirect_uri: str, next_url: str) -> tuple[str, dict]:
    """Where to send the browser, and what to keep in the session until it comes back."""
    flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48), "next": next_url, "at": time.time()}
    params = {
        "response_type": "code", "client_id": settings.SAMHAND_OIDC_CLIENT_ID, "redirect_uri": redirect_uri,
        "scope": settings.SAMHAND_OIDC_SCOPES, "state": flow["state"], "nonce": flow["nonce"],
        "code_challenge": _b64(hashlib.sha256(flow["verifier"].encode()).digest()),
        "code_challenge_method": "S256",
    }
    return metadata()["authorization_endpoint"] + "?" + urlencode(params), flow


def exchange_code(code: str, redirect_uri: str, verifier: str) -> dict:
    """The token response for an authorization code; the client proves itself with a signed JWT."""
    token_endpoint = metadata()["token_endpoint"]
    key = private_key()
    audience = settings.SAMHAND_OIDC_ASSERTION_AUDIENCE or token_endpoint
    auth = PrivateKeyJWT(audience, headers={"kid": settings.SAMHAND_OIDC_KEY_ID or key.thumbprint()},
                         claims={"exp": int(time.time()) + 60})
    # The key as PEM: every Authlib version takes that for private_key_jwt.
    session = OAuth2Session(settings.SAMHAND_OIDC_CLIENT_ID, key.as_pem(private=True).decode(),
                            token_endpoint_auth_method=auth,
                            redirect_uri=redirect_uri)
    session.timeout = HTTP_TIMEOUT
    try:
        return dict(session.fetch_token(token_endpoint, grant_type="authorization_code", code=code,
                                        code_verifier=verifier))
    except Exception as exc:  # noqa: BLE001 - any refusal of the token request ends the sign-in
        raise OidcError(f"token request refused: {exc}") from None


def verify_id_token(id_token: str, nonce: str) -> dict:
    """The ID token's claims after checking signature, issuer, audience, time and nonce."""
    try:
        try:
            token = jwt.decode(id_token, _keys(), algorithms=["RS256", "PS256", "ES256"])
        except JoseError:
            token = jwt.decode(id_token, _keys(refresh=True), algorithms=["RS256", "PS256", "ES256"])
    except (JoseError, ValueError) as exc:
        raise OidcError(f"ID token signature: {exc}") from None
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": _issuer()},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise OidcError(f"ID token claims: {exc}") from None
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    client_id = settings.SAMHAND_OIDC_CLIENT_ID
    if client_id not in audiences:
        raise OidcError(f"ID token audience {audiences!r} is not this client")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise OidcError("ID token for several audiences without this client as azp")
    return claims


def identity_from(claims: dict) -> Identity:
    def claim(name: str) -> str:
        value = claims.get(name) if name else None
        if isinstance(value, list):
            value = value[0] if len(value) == 1 else None
        return str(value).strip() if value not in (None, "") else ""

    identity = Identity(subject=claim("sub"), hpr_number=claim(settings.SAMHAND_OIDC_HPR_CLAIM),
                        pid=claim(settings.SAMHAND_OIDC_PID_CLAIM), org_number=claim(settings.SAMHAND_OIDC_ORG_CLAIM),
                        name=claim("name"))
    if not identity.hpr_number and not identity.pid:
        raise OidcError("ID token has no HPR number or national identity number")
    if not identity.org_number:
        raise OidcError("ID token has no organisation number")
    return identity


def pid_digest(pid: str) -> str:
    """National identity numbers are stored as a keyed digest, never in clear."""
    return hmac.new(settings.SECRET_KEY.encode(), b"pid:" + pid.encode(), hashlib.sha256).hexdigest()


def user_for(identity: Identity):
    """The portal user linked to this HPR number / identity who is a member of that organisation."""
    from django.db.models import Q

    from .models import ExternalIdentity

    match = Q()
    if identity.hpr_number:
        match |= Q(hpr_number=identity.hpr_number)
    if identity.pid:
        match |= Q(pid_digest=pid_digest(identity.pid))
    links = (ExternalIdentity.objects.filter(match, user__is_active=True,
                                             user__membership__organisation__org_number=identity.org_number)
             .select_related("user"))
    users = {link.user_id: link.user for link in links}
    if len(users) != 1:
        raise OidcError(f"no single portal user for HPR {identity.hpr_number or '-'} in organisation "
                        f"{identity.org_number} ({len(users)} found)")
    return next(iter(users.values()))
