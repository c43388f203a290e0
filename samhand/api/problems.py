"""RFC 9457 problem details, naming the AppRec-style code the node refused with."""

from __future__ import annotations

import json

from django.http import HttpResponse
from ninja import Schema

class Problem(Schema):
    """RFC 9457 problem details as the API returns them (for the OpenAPI document)."""

    type: str
    title: str
    status: int
    detail: str
    code: str


# The problem responses every endpoint may give, for its OpenAPI `responses`.
PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 422: Problem}

TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 409: "Conflict",
          413: "Payload too large", 422: "Message refused", 500: "Internal error"}
TITLES[410] = "Gone"  # content withdrawn from its receiver (misdirected message, S11)


def problem(status: int, code: str, detail: str, *, errors: list[tuple[str, str]] | None = None,
            title: str | None = None) -> HttpResponse:
    body = {
        "type": f"https://samhand.example.no/problems/{code}",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = [{"code": c, "text": t} for c, t in errors]
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/problem+json")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="samhand"'
    return response
