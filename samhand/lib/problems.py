"""RFC 9457 problem details for the whole node, and the catalogue of problem types it answers with.

Every problem names a ``code``: an AppRec error code (code system 8221, HIS 80415 §6.3) when the
refusal is one a receiver would also give, a transport-profile condition (``abuse:spoofing-attack``),
or one of the API's own codes. The problem ``type`` is a page on this node
(``/api/v1/problems/<code>``) that explains the code and what the EPR should do; the catalogue
below is the one source for those pages, the OpenAPI document's per-endpoint error lists and its
``code`` enum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.http import HttpResponse
from ninja import Schema
from pydantic import Field

from samhand.kith.codes import ERRORS_8221

PROBLEMS_PATH = "/api/v1/problems/"
MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    title: str
    description: str

    @property
    def type(self) -> str:
        return problem_type_url(self.code)


def problem_type_url(code: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + PROBLEMS_PATH + code


# What each AppRec code means for an EPR submitting through the API (HIS 80415 §6.3 for the texts).
_8221_ADVICE = {
    "T01": "The business document is not XML, not well-formed or unreadable. Send the MsgHead XML itself, "
           "UTF-8 or with its declared encoding, base64-encoded in `businessDocument`.",
    "T02": "The MsgHead or its business document does not validate against the official schema "
           "(the problem's `errors` name the element). Fix the document; do not resend it unchanged.",
    "T10": "The message type or version is not supported: unknown namespace, a version the registry has "
           "retired, or one the receiver does not take (see `GET /parties/{herId}/capabilities`).",
    "T99": "Another format error, e.g. a document larger than the node's limit (HTTP 413) or a MsgHead "
           "without a business document.",
    "S01": "The signature of a received message does not verify (when reading its content).",
    "S02": "A certificate needed to protect or read the message is not valid (expired, wrong key usage, "
           "untrusted issuer).",
    "S03": "A certificate needed for the message is revoked.",
    "S99": "Another signature or certificate error, e.g. no key on this node to read as the receiving party.",
    "E10": "The MsgId is not usable: already used by the same sender with another content, or an AppRec's "
           "OriginalMsgId does not match the message it answers. Every new message needs a new MsgId (GUID).",
    "E20": "The physician named in the message is not known to the receiver.",
    "E21": "The receiver (HER-id) is not in the address register, is not active, or an AppRec's addressing "
           "does not mirror the original (HITS 1168 §6.1). Check the receiver's HER-id in the directory.",
    "E30": "The patient's national identity number is missing.",
    "E31": "The patient's national identity number is wrong (check digits).",
    "E32": "The patient's name is missing.",
    "E35": "The patient is not known in the receiving system.",
    "E36": "The patient information is insufficient for the receiver to identify the patient.",
    "E53": "The identity number is not registered in the population register.",
    "E54": "The identity number is not registered in the receiving system.",
    "X99": "Another error, e.g. an AppRec with an inconsistent status and error list, or an AppRec answered "
           "with an AppRec.",
}

_API_TYPES = [
    ProblemType("bad-request", 400, "Bad request",
                "The request itself is malformed: invalid JSON, a missing or invalid parameter, a body that is not "
                "base64. The `detail` names the field. Fix the request; retrying it unchanged gives the same answer."),
    ProblemType("unauthenticated", 401, "Unauthorized",
                "No valid API key. Send `Authorization: Bearer <key>`; keys are issued by the node's operator "
                "(`samhand apikey create`) and shown once."),
    ProblemType("forbidden", 403, "Forbidden",
                "The key does not act for the HER-id the request names (or for any party at all). A key acts for "
                "the parties it was issued for; ask the operator to extend it."),
    ProblemType("abuse:spoofing-attack", 403, "Sender is not yours",
                "The MsgHead names a sender HER-id this key does not act for (transport profile: "
                "`abuse:spoofing-attack`). The node records a security event."),
    ProblemType("not-found", 404, "Not found",
                "No such message, inbox entry, episode, alert or path for the parties this key acts for. The node "
                "does not say whether it exists for someone else."),
    ProblemType("not-delivered", 409, "Not in the inbox",
                "The message has not reached this receiver's inbox (still queued, held by a downtime, refused), "
                "so it cannot be read or answered yet. Poll `GET /messages` and act on what it lists."),
    ProblemType("apprec-already-sent", 409, "Already answered",
                "This inbox entry already has its AppRec. A receiver sends exactly one AppRec per message and "
                "never a second (HITS 1168 §5.5); errors found later go in a DIALOG_AVVIK."),
    ProblemType("already-received", 409, "Already received",
                "Every receiver has positively receipted this message; the manual routine is not needed."),
    ProblemType("alert-resolved", 409, "Alert already resolved", "The alert is resolved and cannot change."),
    ProblemType("not-a-business-message", 422, "Not a business message",
                "An AppRec is never handled by the manual routine; only business messages are."),
    ProblemType("conflict", 409, "Conflicts with the current state",
                "The case, downtime or item is not in a state that allows this step (e.g. answering a closed "
                "deviation, ending a downtime twice). Read it again and act on its current state."),
    ProblemType("withdrawn", 410, "Gone",
                "The receiver reported the message as misdirected (S11): its content is withdrawn from that "
                "receiver, and every attempt to read it is logged. The envelope is kept for the audit period."),
    ProblemType("already-marked", 409, "Already reported as misdirected",
                "This inbox entry was reported as misdirected before; the feedback (DIALOG_AVVIK) went then."),
    ProblemType("not-misdirected", 409, "Nothing to re-send",
                "A message is re-sent only after its receiver reported it misdirected or answered E35 (patient "
                "unknown)."),
    ProblemType("same-receiver", 409, "Same receiver",
                "A re-send goes to another receiver than the one that reported the message misdirected."),
    ProblemType("blocked", 403, "Blocked by the patient",
                "The patient has blocked access to this record (sperret). Only emergency access with a written "
                "reason is possible, and it is always reviewed."),
    ProblemType("unknown-link", 422, "Unknown link",
                "A deviation links a message, episode, alert or downtime that this organisation cannot see."),
    ProblemType("not-a-breach", 409, "Not a possible breach",
                "Breach notification fields belong to a deviation flagged as a possible personal-data breach."),
    ProblemType("no-episode", 409, "No episode",
                "A clinical video meeting with patient data must belong to an open patient episode."),
    ProblemType("not-booked", 409, "Not a booking", "Only a requested service booking can be confirmed or moved."),
    ProblemType("no-proposal", 409, "No proposal", "There is no proposed new time to accept."),
    ProblemType("cancelled", 409, "Meeting cancelled", "The meeting was cancelled and cannot change."),
    ProblemType("not-started", 409, "Meeting not started",
                "Outcome and record note are recorded once the meeting has started."),
    ProblemType("video-provider-not-configured", 503, "Video provider not configured",
                "The node has no video provider settings (SAMHAND_VIDEO_*); no meeting links can be issued."),
]

CATALOGUE: dict[str, ProblemType] = {
    **{code: ProblemType(code, 422, f"{code} {text}", _8221_ADVICE[code]) for code, text in ERRORS_8221.items()},
    **{t.code: t for t in _API_TYPES},
}
CODES = tuple(CATALOGUE)

# The 8221 codes a submitted message can be refused with (the receipt-like checks of submit).
SUBMIT_CODES = ("T01", "T02", "T10", "T99", "E10", "E21", "E30", "E31", "E32", "X99")
ProblemCode = Literal[CODES]  # type: ignore[valid-type]

TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 409: "Conflict",
          410: "Gone", 413: "Payload too large", 422: "Message refused", 500: "Internal error"}


class ProblemError(Schema):
    code: str = Field(description="Code system 8221 (or the problem code)", examples=["T02"])
    text: str = Field(examples=["Element 'Pasientlogistikk': Missing child element(s)."])


class Problem(Schema):
    """RFC 9457 problem details as the API returns them (media type application/problem+json)."""

    type: str = Field(description="A page on this node explaining the code: /api/v1/problems/<code>",
                      examples=["https://samhand.unn.no/api/v1/problems/E21"])
    title: str = Field(examples=["Message refused"])
    status: int = Field(examples=[422])
    detail: str = Field(description="What exactly was wrong, for the log and the user",
                        examples=["HER-id 9999999 is not in the address register"])
    code: ProblemCode = Field(description="AppRec error code (8221), transport condition or API code; see "
                                          "`GET /api/v1/problems` for the list and what to do")
    errors: list[ProblemError] | None = Field(None, description="Every error found, when there are several")


# The problem responses an endpoint may give when it declares nothing more precise.
PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 422: Problem}


def problem(status: int, code: str, detail: str, *, errors: list[tuple[str, str]] | None = None,
            title: str | None = None) -> HttpResponse:
    known = CATALOGUE.get(code)
    body = {
        "type": problem_type_url(code),
        "title": title or (known.title if known and known.status == status else TITLES.get(status, "Error")),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = [{"code": c, "text": t} for c, t in errors]
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=MEDIA_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="samhand"'
    return response


# --- the OpenAPI side ------------------------------------------------------------------------

def errors(spec: dict[int, tuple[str, ...] | list[str]], *, responses: dict | None = None) -> dict:
    """``openapi_extra`` for an endpoint: the problem codes it can answer with, per HTTP status.

    ``api.docs.refine`` turns each into an application/problem+json response with a description
    listing the codes and one example per code.
    """
    for codes in spec.values():
        unknown = set(codes) - set(CATALOGUE)
        if unknown:
            raise ValueError(f"problem codes not in the catalogue: {sorted(unknown)}")
    documented = {status: {"description": "", "x-problem-codes": list(codes)} for status, codes in spec.items()}
    return {"responses": {**(responses or {}), **documented}}


def example(status: int, code: str) -> dict:
    known = CATALOGUE[code]
    return {"type": problem_type_url(code), "title": known.title if known.status == status else TITLES.get(status, "Error"),
            "status": status, "detail": _EXAMPLE_DETAIL.get(code, known.description.split(". ")[0]), "code": code}


_EXAMPLE_DETAIL = {
    "bad-request": "receiverHerIds must name at least one HER-id",
    "unauthenticated": "a valid API key is required (Authorization: Bearer …)",
    "forbidden": "Gerica Tromsø may not read for HER-id(s) 8100101",
    "abuse:spoofing-attack": "Gerica Tromsø may not send as HER-id 8100101",
    "not-found": "no such message for the parties this key acts for",
    "not-delivered": "the message is queued, not in the inbox",
    "apprec-already-sent": "this message has already been answered; HITS 1168 §5.5 allows one AppRec",
    "T02": "Element '{http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01}Pasient': Missing child element(s).",
    "T99": "document is 12582912 bytes; the limit is 10485760",
    "E10": "MsgId 5f0c…b1 was already used by 8100101 with a different content",
    "E21": "HER-id 9999999 is not in the address register",
}
