"""The Django test client speaking to /api/v1 as one EPR system."""

from __future__ import annotations

import base64


class ApiCaller:
    """The Django test client speaking to /api/v1 with one EPR system's key."""

    def __init__(self, client, key: str | None, system: str = ""):
        self.client = client
        self.key = key
        self.system = system

    def _headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def post(self, path: str, body: dict):
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", **self._headers())

    def put(self, path: str):
        return self.client.put(f"/api/v1{path}", **self._headers())

    def send(self, xml: bytes):
        return self.post("/messages", {"businessDocument": base64.b64encode(xml).decode(),
                                       "contentType": "application/xml", "contentTransferEncoding": "base64"})

    def inbox(self, *her_ids: str) -> list[dict]:
        response = self.get("/messages", receiverHerIds=",".join(her_ids))
        assert response.status_code == 200, response.content
        return response.json()

    def document(self, entry_id) -> bytes:
        response = self.get(f"/messages/{entry_id}/business-document")
        assert response.status_code == 200, response.content
        return base64.b64decode(response.json()["businessDocument"])

    def status(self, message_id) -> dict:
        response = self.get(f"/messages/{message_id}/status")
        assert response.status_code == 200, response.content
        return response.json()
