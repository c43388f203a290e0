"""What the OpenAPI page tells an EPR vendor: the workflow, the two ids, realistic examples, and
each endpoint's own problem codes as application/problem+json responses with an example per code."""

from __future__ import annotations

import base64
import functools
import random
import re
from datetime import datetime

from samhand.lib.problems import CATALOGUE, MEDIA_TYPE, Problem, example

DESCRIPTION = """
Send and receive the national standard messages (MsgHead 1.2 with PLO 1.5/1.6/2.0 and
Dialogmelding 1.0/1.1) and their application receipts (AppRec 1.0/1.1). The shape is NHN's EDI 2.0
message-server API, which EPR vendors know.

**Authentication.** Every call carries `Authorization: Bearer <key>`. A key belongs to one EPR
system and acts for a fixed set of communication parties (HER-ids); the node's operator issues it
(`samhand apikey create --system NAME --her-ids H1,H2`) and it is shown once. A key has scopes:
`messages` (the default: every route but the access broker's privacy routes) and `privacy` (the
access report, the audit export and patient blocks; `--scopes privacy` or `messages,privacy`). A
valid key used outside its scopes gets `403 forbidden`.

## The two ids

| id | where you get it | what it names | use it with |
|---|---|---|---|
| **message id** (sender's) | `id` in the answer to `POST /messages` | your message on this node | `GET /messages/{id}/status` |
| **inbox id** (receiver's) | `id` of an entry in `GET /messages` | one receiving party's copy of a message (a message to two of your parties is two entries) | `GET …/business-document`, `PUT …/read`, `POST …/apprec`, `GET …/status` |

`msgId` is the MsgHead's own MsgId (the GUID in the XML). Both sides see it, and an AppRec names
the message it answers by it (`originalMsgId`), but the paths take the node's ids above.

## Sending a message

1. Build the MsgHead with a **new MsgId** (GUID) for every message and your party as Sender;
   `POST /messages` with the XML base64-encoded in `businessDocument`.
2. `202` with the message id: accepted and queued. Sending the same MsgId with the same content
   again answers `200` with the same id (safe to retry after a timeout); the same MsgId with other
   content is refused (`E10`).
3. A refusal is a problem with the AppRec code a receiver would have used (`T02` schema error,
   `E21` unknown receiver, …): fix the message, do not resend it unchanged.
4. Follow it with `GET /messages/{id}/status` (`state`: queued → sent → delivered →
   acknowledged / acknowledged-with-errors / rejected, or held while the receiver has announced
   downtime). The receiver's **AppRec** also arrives in your inbox as an entry of type `APPREC`
   with `originalMsgId`: fetch it, mark it read, never answer it. No AppRec within 96 hours
   counts as negative (HITS 1168) and the node alerts your meldingsansvarlig.

## Receiving messages: poll → fetch → read → AppRec

1. **Poll** `GET /messages?receiverHerIds=8201001,8201002` every 10–60 s: the unread entries,
   oldest first, at most 100 per call (poll again at once while you get 100).
2. **Fetch** `GET /messages/{inboxId}/business-document`: the MsgHead XML, base64. Every read of
   patient content is logged.
3. **Store** it in the EPR, then `PUT /messages/{inboxId}/read`: it is no longer listed. Marking
   read twice is harmless.
4. **Answer** `POST /messages/{inboxId}/apprec` with `status` `1` (OK), `2` (rejected) or `3`
   (OK, error in part) and the errors (code system 8221), or your own AppRec XML. Exactly one
   AppRec per message, at once (HITS 1168); a second is refused (`apprec-already-sent`). A negative
   AppRec is for technical and addressing errors only; an error found in the content later goes
   back as a DIALOG_AVVIK message.

An entry with `handledManually: true` was already handled by the manual routine during a
downtime: do not enter it in the record again.

## Errors

Every error is an RFC 9457 problem (`application/problem+json`) with a `code`: an AppRec error
code (8221), the transport condition `abuse:spoofing-attack`, or one of the API's own codes. Each
endpoint below lists the codes it answers with. The `type` URL is a page on this node explaining
the code and what to do; `GET /api/v1/problems` lists them all. See also docs/epr-integration.md
in the repository for a complete curl session.
"""


@functools.cache
def example_msghead() -> bytes:
    """A realistic MsgHead (LOG_INNLAGT, PLO 1.6) from the demo hospital to Tromsø's nursing service,
    built with the simulator's schema-valid document builders for a fictitious patient."""
    from samhand.simulator.chain import Address, new_episode

    hospital = Address("8100101", "Medisinsk avdeling, UNN Tromsø", "8100000", "Universitetssykehuset Nord-Norge HF")
    nursing = Address("8201001", "Sykepleietjeneste", "8201000", "Tromsø kommune")
    case = Address("8201002", "Tildelingskontoret", "8201000", "Tromsø kommune")
    episode = new_episode(random.Random(17), hospital, nursing, case, now=datetime(2026, 11, 30, 9, 30))
    return episode.hospital_step()[1]


@functools.cache
def example_msghead_base64() -> str:
    return base64.b64encode(example_msghead()).decode("ascii")


def example_msg_id() -> str:
    found = re.search(rb"<MsgId>([^<]+)</MsgId>", example_msghead())
    return found.group(1).decode() if found else "7c1f6d1e-2a43-4f8e-9a64-0d6f0b8e3c21"


def _problem_response(status: int, codes: list[str]) -> dict:
    lines = [f"- `{code}` ({CATALOGUE[code].title.removeprefix(code).strip()}): {CATALOGUE[code].description}"
             for code in codes]
    return {
        "description": "Problem details; `code` is one of:\n\n" + "\n".join(lines),
        "content": {MEDIA_TYPE: {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "examples": {code: {"summary": CATALOGUE[code].title, "value": example(status, code)} for code in codes},
        }},
    }


# Status -> codes for endpoints that say nothing more precise (routers of other rooms).
_GENERIC = {400: ["bad-request"], 401: ["unauthenticated"], 403: ["forbidden"], 404: ["not-found"],
            409: ["not-delivered"], 413: ["T99"], 422: ["X99"]}


_WORDS = {"HerIds": "HER-ids", "HerId": "HER-id", "MsgId": "MsgId", "AppRec": "AppRec"}


def title_of(name: str) -> str:
    """receiverHerIds -> "Receiver HER-ids", originalMsgId -> "Original MsgId" (not pydantic's "Receiverherids")."""
    words = re.findall(r"HerIds|HerId|MsgId|AppRec|[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name[:1].upper() + name[1:])
    shown = [_WORDS.get(w) or (w if i == 0 else w.lower()) for i, w in enumerate(words)]
    return " ".join(shown) or name


def _retitle(schema: dict) -> None:
    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop, dict):
            prop["title"] = title_of(name)


# Realistic values by field name, for schemas that carry no example of their own.
_BY_NAME = {
    "herId": "8201001", "senderHerId": "8100101", "receiverHerId": "8201001", "partnerHerId": "8201001",
    "hospitalHerId": "8100101", "municipalityHerId": "8201001", "organisationHerId": "8201000",
    "name": "Sykepleietjeneste", "partnerName": "Sykepleietjeneste, Tromsø kommune", "organisation": "Tromsø kommune",
    "type": "LOG_INNLAGT", "family": "PLO", "version": "1.6", "appRecVersion": "1.1", "appRecStatus": "1",
    "namespace": "http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01", "schemaName": "Pasientlogistikk-v1.6",
    "chain": "PLO", "step": "LOG_INNLAGT", "patientId": "13116900216", "patientName": "Kari Nordmann",
    "summary": "3 meldinger uten AppRec etter 60 minutter", "description": "Oppgradering av Gerica",
    "contact": "IT-vakt Tromsø kommune, 77 79 00 00", "createdBy": "Gerica Tromsø", "acknowledgedBy": "DIPS UNN",
    "reason": "", "detail": "", "note": "", "title": "Melding om innlagt pasient", "statusLabel": "OK",
    "approvedBy": "SSU Helse Nord / UNN", "reference": "SSU-sak 12/2026", "fromRole": "hospital",
    "toRole": "municipality_nursing", "side": "sender", "kind": "apprec-late", "actor": "DIPS UNN",
    "state": "open", "status": "in_use", "versions": "1.6", "role": "hospital",
}


def _value(prop: dict, name: str, components: dict, depth: int):
    if "$ref" in prop:
        return _synthesize(components.get(prop["$ref"].rsplit("/", 1)[-1], {}), components, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in prop:
            options = [p for p in prop[key] if p.get("type") != "null"]
            return _value(options[0], name, components, depth) if options else None
    if "const" in prop:
        return prop["const"]
    if prop.get("examples"):
        return prop["examples"][0]
    if "default" in prop and prop["default"] not in (None, "", []):
        return prop["default"]
    if prop.get("enum"):
        return prop["enum"][0]
    kind, fmt = prop.get("type"), prop.get("format")
    if kind == "array":
        item = _value(prop.get("items", {}), name, components, depth)
        return [] if item is None or depth > 3 else [item]
    if fmt == "date-time":
        return "2026-11-30T09:30:02+01:00"
    if fmt == "date":
        return "2026-11-30"
    if fmt == "uuid":
        return INBOX_EXAMPLE_ID
    if name.endswith("MsgId") or name == "msgId":
        return example_msg_id()
    if kind == "string":
        return _BY_NAME.get(name, "")
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return 1 if name in ("id", "count", "chainVersion") else 0
    if kind == "object":
        return {}
    return None


def _synthesize(schema: dict, components: dict, depth: int = 0) -> dict:
    if schema.get("examples"):
        return schema["examples"][0]
    return {name: _value(prop, name, components, depth) for name, prop in schema.get("properties", {}).items()}


INBOX_EXAMPLE_ID = "5d2a8e41-7c3b-4f19-b0a6-93e8d4c1f2b7"


def refine(schema: dict) -> dict:
    """Post-process the generated OpenAPI document: problem responses, the Problem schema, readable titles."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in components["Problem"].pop("$defs", {}).items():
        components.setdefault(name, sub)
    for component in components.values():
        _retitle(component)
    for component in components.values():
        if "properties" in component and not component.get("examples"):
            component["examples"] = [_synthesize(component, components)]
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                parameter.setdefault("schema", {})["title"] = title_of(parameter["name"])
                listed = parameter.pop("examples", None)  # OpenAPI wants a map here; pydantic gives a list
                if listed and "example" not in parameter:
                    parameter["example"] = listed[0]
            responses = operation.get("responses", {})
            for status in list(responses):
                code = int(status)
                if code < 400:
                    continue
                codes = responses[status].get("x-problem-codes") or _GENERIC.get(code, ["bad-request"])
                responses[status] = _problem_response(code, codes)
            if operation.get("security"):
                # Every key-protected operation asks for a scope of the key (api/auth.py).
                listed = {str(s) for s in responses}
                if "401" not in listed:
                    responses[401] = _problem_response(401, ["unauthenticated"])
                if "403" not in listed:
                    responses[403] = _problem_response(403, ["forbidden"])
    return schema
