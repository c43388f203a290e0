"""Client authentication by private-key JWT only, and the people's claims (HelseID names).

The file PROVIDER_PEOPLE (JSON, read at every token, so a test can change it) maps a username to its claims; "_aud" replaces the ID token's
audience and "_expired" issues an ID token that expired an hour ago, so the tests can
make the provider hand out the tokens the portal must refuse.
"""

import json
import os
import time

from jwcrypto import jwk
from jwcrypto import jwt as jwcrypto_jwt
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _people() -> dict:
    with open(os.environ["PROVIDER_PEOPLE"]) as f:
        return json.load(f)

CLIENT_KEY = jwk.JWK.from_pem(open(os.environ["PROVIDER_CLIENT_PUBLIC_KEY"], "rb").read())
_seen_jti: set[str] = set()


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes into the ID token

    def authenticate_client(self, request, *args, **kwargs):
        if getattr(request, "client_assertion_type", None) != JWT_BEARER:
            return False  # like HelseID: no client secrets
        try:
            token = jwcrypto_jwt.JWT(jwt=request.client_assertion, key=CLIENT_KEY, expected_type="JWS")
            claims = json.loads(token.claims)
        except Exception:  # noqa: BLE001
            return False
        token_endpoint = os.environ["PROVIDER_ISSUER"] + "/token/"
        now = time.time()
        if (claims.get("iss") != claims.get("sub") or claims.get("aud") not in (token_endpoint, [token_endpoint])
                or not claims.get("exp") or claims["exp"] < now or claims["exp"] > now + 300
                or not claims.get("jti") or claims["jti"] in _seen_jti):
            return False
        _seen_jti.add(claims["jti"])
        client = get_application_model().objects.filter(client_id=claims["iss"]).first()
        if client is None:
            return False
        request.client = client
        request.client_id = client.client_id
        return True

    def get_additional_claims(self, request):
        person = _people().get(request.user.username, {})
        return {k: v for k, v in person.items() if not k.startswith("_")}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        person = _people().get(request.user.username, {})
        if "_aud" in person:
            claims["aud"] = person["_aud"]
        if person.get("_expired"):
            claims["exp"] = int(time.time()) - 3600
            claims["iat"] = int(time.time()) - 7200
        return claims, expiration_time
