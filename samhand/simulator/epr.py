"""A minimal EPR-side client of the samhand API (what a vendor integration does), over HTTP."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


class ApiError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(f"{status} {body.get('code')}: {body.get('detail')}")
        self.status = status
        self.body = body


@dataclass
class EprClient:
    base_url: str
    key: str
    timeout: float = 30.0

    def _call(self, method: str, path: str, body: dict | None = None, query: dict | None = None):
        url = f"{self.base_url.rstrip('/')}/api/v1{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            raise ApiError(exc.code, json.loads(raw) if raw else {}) from None

    def send(self, xml: bytes) -> str:
        body = {"businessDocument": base64.b64encode(xml).decode(), "contentType": "application/xml",
                "contentTransferEncoding": "base64"}
        return self._call("POST", "/messages", body)["id"]

    def inbox(self, her_ids: list[str]) -> list[dict]:
        return self._call("GET", "/messages", query={"receiverHerIds": ",".join(her_ids)})

    def document(self, entry_id: str) -> bytes:
        return base64.b64decode(self._call("GET", f"/messages/{entry_id}/business-document")["businessDocument"])

    def mark_read(self, entry_id: str) -> None:
        self._call("PUT", f"/messages/{entry_id}/read")

    def apprec(self, entry_id: str, status: str, errors: list[dict] | None = None) -> str:
        return self._call("POST", f"/messages/{entry_id}/apprec", {"status": status, "errors": errors or []})["id"]

    def status(self, message_id: str) -> dict:
        return self._call("GET", f"/messages/{message_id}/status")
