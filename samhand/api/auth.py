"""Bearer API keys: one per EPR system, stored hashed (see models.ApiClient)."""

from __future__ import annotations

from ninja.security import HttpBearer

from .models import ApiClient


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token: str):
        client = ApiClient.authenticate(token)
        if client is not None:
            request.api_client = client
        return client
