"""Bearer API keys: one per EPR system, stored hashed (see models.ApiClient).

A key carries scopes (``models.SCOPES``). Every operation asks for one: the message API and the
rooms mounted beside it for "messages", the access broker's privacy routes for "privacy". A valid
key without the scope gets 403 ``forbidden`` before the operation reads anything; a key that was
issued for privacy work cannot read a patient's messages.
"""

from __future__ import annotations

from ninja.security import HttpBearer

from samhand.exchange.errors import Refused

from .models import SCOPES, ApiClient


class ApiKeyAuth(HttpBearer):
    def __init__(self, scope: str = "messages"):
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}")
        self.scope = scope
        super().__init__()

    def authenticate(self, request, token: str):
        client = ApiClient.authenticate(token)
        if client is None:
            return None
        if not client.has_scope(self.scope):
            raise Refused("forbidden", f"this key lacks the {self.scope} scope", status=403)
        request.api_client = client
        return client
