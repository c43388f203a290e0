"""The REST API for EPR systems, under /api/v1 (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

import base64
import binascii
import time
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Query, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from samhand.lib.prepared import Prepared
from samhand.access import door as access
from samhand.exchange import outbox, wakeup
from samhand.exchange.apprec import AnswerBatch, answer, answer_delivery_with_xml
from samhand.exchange.errors import NotFound, Refused
from samhand.exchange.models import Delivery, Event, Message
from samhand.exchange.store import event
from samhand.exchange.submit import submit, submit_many
from samhand.lib.problems import CATALOGUE, SUBMIT_CODES, errors, problem

from . import docs
from .auth import ApiKeyAuth
from .schemas import (AppRecBatchItem, AppRecIn, AppRecInline, AppRecOut, Assigned, BatchResult, BusinessDocument,
                      DeliveryOut, DocumentError, EventOut, InboxEntry, PollIn, PollOut, ProblemError, ProblemTypeOut,
                      StatusOut, SubmitResult)

BATCH_WORKFLOW = """
Two ways to work with the inbox; every endpoint of both stays available.

**One message at a time** — poll `GET /messages?receiverHerIds=…`, then per entry
`GET /messages/{id}/business-document`, `PUT /messages/{id}/read` and `POST /messages/{id}/apprec`
(four or five requests per message).

**In batches** (an EPR under load) —
1. `GET /messages?receiverHerIds=…&wait=30&include=document&limit=100`: waits up to 30 s for something
   to arrive (returns at once when the inbox is not empty) and returns the entries with each message's
   business document inline (every read is logged, as for the single fetch). AppRec entries carry
   their status and errors inline (`apprec`) and the id of the message they answer (`originalId`), so a
   sender learns the outcome of what it sent from the list itself.
2. `POST /messages/apprecs` with `[{"id": …, "status": "1"}, …]`: answers each entry with its AppRec and
   marks it read, in one call; the result has one status per id (one refusal does not affect the others).
3. A sender marks the AppRecs it has taken in as read with `POST /messages/read` and `[id, …]`.
One long poll and one batch call serve any number of messages.

**Sending in batches** — `POST /messages/batch` with `[{"businessDocument": …}, …]` (at most 100, the
request no larger than one largest message) sends each document as `POST /messages` would, with one
result per item in order (202 with the new message id, 200 for an identical resend, or the refusal's
status, code and errors); one refused item does not affect the others, and a timed-out batch may be
sent again whole. A busy sender sends what is due in one request instead of one request per message.

**One request per batch** — `POST /messages/poll` with `{"receiverHerIds": […], "wait": 30,
"include": "document", "apprecs": [answers to the last batch], "read": [AppRecs taken in]}` commits
the answers and read marks first (one result per item, as above), then waits for and returns the
next entries: a receiving EPR answers batch N in the request that fetches batch N + 1, a sender
marks the AppRecs of batch N read in the one that fetches N + 1. A busy system may add `linger=50`
(milliseconds) to the long poll: the node then looks that long after the request comes (and that
long after an arrival wakes it), so batches are fuller and requests fewer, at the cost of that
latency.
"""


class SamhandAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return docs.refine(super().get_openapi_schema(*args, **kwargs))


api = SamhandAPI(
    title="samhand API for EPR systems",
    version="1",
    description=docs.DESCRIPTION + "\n" + BATCH_WORKFLOW,
    auth=ApiKeyAuth(),
    urls_namespace="api",
)

# Errors every authenticated endpoint can give; each endpoint adds its own.
AUTH = {401: ["unauthenticated"]}
BY_ID = {**AUTH, 400: ["bad-request"], 404: ["not-found"]}
BATCH_MAX = 500
SUBMIT_BATCH_MAX = 100  # each item is signed and encrypted: a batch of 100 is about a second of CPU


@api.exception_handler(Refused)
def _refused(request, exc: Refused):
    return problem(exc.status, exc.code, exc.reason, errors=exc.errors)


@api.exception_handler(NotFound)
def _not_found(request, exc: NotFound):
    return problem(404, "not-found", "no such message for the parties this key acts for")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(401, "unauthenticated", "a valid API key is required (Authorization: Bearer …)")


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    details = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" for e in exc.errors)
    return problem(400, "bad-request", details or "invalid request")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem(exc.status_code, "bad-request", str(exc))


def _decode(document: str) -> bytes:
    try:
        return base64.b64decode(document, validate=True)
    except (binascii.Error, ValueError):
        raise Refused("bad-request", "businessDocument is not valid base64", status=400) from None


def _apprec_out(message: Message | None) -> AppRecOut | None:
    if message is None:
        return None
    return AppRecOut(id=message.id, msgId=message.msg_id, status=message.apprec_status,
                     errors=message.apprec_errors, receivedAt=message.created_at)


@api.post("/messages", response={202: Assigned, 200: Assigned}, tags=["messages"],
          summary="Send a message (or an AppRec) for one of your parties",
          description="The MsgHead XML, base64. 202: accepted with a new message id; 200: the same MsgId and "
                      "content was sent before (the same id; safe to retry). A refusal carries the AppRec code a "
                      "receiver would have used.",
          openapi_extra=errors({**AUTH, 400: ["bad-request"], 403: ["abuse:spoofing-attack", "forbidden"],
                                413: ["T99"], 422: list(SUBMIT_CODES)}))
def post_message(request, body: BusinessDocument):
    result = submit(request.api_client, _decode(body.businessDocument))
    return (202 if result.created else 200), {"id": result.message.id}


@api.post("/messages/batch", response={202: list[SubmitResult]}, tags=["messages"],
          summary="Send a batch of messages (or AppRecs) in one request",
          description="The batch form of POST /messages: a list of the same bodies, at most "
                      f"{SUBMIT_BATCH_MAX}, and as one request no larger than one largest message (split a "
                      "bigger batch). Each item is checked on its own and the result has one entry per item, in "
                      "order, with what POST /messages would have answered for it alone: 202 accepted (new "
                      "message id), 200 the same MsgId and content was sent before (the same id; safe to "
                      "retry the whole batch after a timeout), or the refusal's status, code and errors. A "
                      "refused item does not affect the others. The accepted ones are written together, so a "
                      "busy EPR pays for one request per batch, not per message.",
          openapi_extra=errors({**AUTH, 400: ["bad-request"], 413: ["T99"]}))
def post_messages_batch(request, body: list[BusinessDocument]):
    if len(body) > SUBMIT_BATCH_MAX:
        raise Refused("bad-request", f"at most {SUBMIT_BATCH_MAX} items per batch", status=400)
    results: list = [None] * len(body)
    raws, where = [], []
    for i, item in enumerate(body):
        try:
            raws.append(_decode(item.businessDocument))
            where.append(i)
        except Refused as refused:
            results[i] = refused
    for i, outcome in zip(where, submit_many(request.api_client, raws), strict=True):
        results[i] = outcome
    return 202, [_submit_result(r) for r in results]


def _submit_result(outcome) -> SubmitResult:
    if isinstance(outcome, Refused):
        return SubmitResult(status=outcome.status, code=outcome.code, detail=outcome.reason,
                            errors=[ProblemError(code=c, text=t) for c, t in outcome.errors])
    if isinstance(outcome, NotFound):
        return SubmitResult(status=404, code="not-found", detail="no such message for the parties this key acts for")
    return SubmitResult(status=202 if outcome.created else 200, id=outcome.message.id)


@api.get("/messages", response={200: list[InboxEntry]}, tags=["messages"],
         summary="Poll: unread messages and AppRecs received by the given parties (long poll with wait=…)",
         description="Oldest first, at most `limit`; each entry's `id` is the inbox id. Poll every 10–60 s, at "
                     "once again while a call returns `limit` entries, or long-poll with `wait`.\n" + BATCH_WORKFLOW,
         openapi_extra=errors({**AUTH, 400: ["bad-request"], 403: ["forbidden"]}))
def list_messages(request, receiverHerIds: str = Query(..., title="Receiver HER-ids", examples=["8201001,8201002"],
                                                       description="Comma-separated HER-ids of your parties"),
                  wait: int = Query(0, ge=0, title="Wait (seconds)", description="Seconds to wait for an entry when "
                                    "there is none (long poll; capped by the node, 30 s by default)"),
                  include: str = Query("", title="Include", description="`document`: each message's business "
                                       "document inline (every read is logged, as for GET …/business-document)"),
                  limit: int = Query(100, ge=1, le=500, title="Limit", description="At most this many entries"),
                  linger: int = Query(0, ge=0, le=1000, title="Linger (ms)", description="With `wait`: look this "
                                      "many milliseconds after the request comes, and as long after each "
                                      "arrival while waiting, so what arrives meanwhile comes in the same "
                                      "answer: fewer, fuller batches for a busy system, at the cost of that "
                                      "much latency")):
    her_ids = [h.strip() for h in receiverHerIds.split(",") if h.strip()]
    if not her_ids:
        raise Refused("bad-request", "receiverHerIds must name at least one HER-id", status=400)
    if include not in ("", "document"):
        raise Refused("bad-request", "include may only be 'document'", status=400)
    client = request.api_client
    access.check_inbox_parties(client, her_ids)  # 403 at once, not after the wait
    return 200, _next_entries(client, her_ids, wait=wait, include=include, limit=limit, linger=linger)


def _next_entries(client, her_ids: list[str], *, wait: int, include: str, limit: int, linger: int) -> list:
    deliveries = _long_poll(client, her_ids, limit=limit, with_content=include == "document",
                            wait=min(wait, settings.SAMHAND_API_MAX_WAIT_SECONDS), linger=linger / 1000 if wait else 0)
    documents = {}
    if include == "document":
        views = [access.MessageView(d.message, d, "receiver") for d in deliveries if not d.message.is_apprec]
        documents = access.read_contents(views, actor=access.client_actor(client), purpose="epr-fetch")
    return [_entry(d, documents.get(d.id)) for d in deliveries]


def _long_poll(client, her_ids: list[str], *, limit: int, with_content: bool, wait: int,
               linger: float = 0) -> list[Delivery]:
    """The unread entries now, or — when there are none and ``wait`` > 0 — as soon as one arrives
    (with ``linger``: each look — the first, and the one after a wake-up — comes that many seconds
    later, so a busy inbox is read once per poll with what arrived meanwhile).

    A delivery notifies ``inbox:<her-id>`` (exchange.wakeup) when it lands; the cursor is taken before
    looking, so an arrival between the look and the wait is not missed. PostgreSQL wakes us from any
    process; SQLite only from this one, so there the inbox is looked at again every quarter second.
    A woken poll looks again: a wake-up is a hint, the database the truth."""
    channels = [f"inbox:{h}" for h in her_ids]
    deadline = time.monotonic() + wait
    woken = True  # the request itself: a busy EPR asks again as soon as it has handled a batch
    while True:
        mark = wakeup.cursor(channels) if wait else None
        if woken and linger:
            # Give what is arriving ``linger`` to land, then look once (not a look now and another
            # after the linger: the inbox read is the poll's dearest statement).
            time.sleep(min(linger, max(0.0, deadline - time.monotonic())))
        deliveries = access.inbox_for_client(client, her_ids, limit=limit, with_content=with_content)
        remaining = deadline - time.monotonic()
        if deliveries or remaining <= 0:
            return deliveries
        # Even on PostgreSQL look again every 5 s: a notification lost with a dropped listener
        # connection costs at most that.
        woken = wakeup.wait(channels, min(remaining, 5.0 if wakeup.cross_process() else 0.25), since=mark)


def _entry(d: Delivery, document) -> InboxEntry:
    message = d.message
    original = message.original if message.original_id else None
    entry = InboxEntry(id=d.id, msgId=message.msg_id, type=message.msg_type, senderHerId=message.sender_her_id,
                       receiverHerId=d.her_id, receivedAt=d.delivered_at,
                       conversationRef=message.conversation_ref or None, isAppRec=message.is_apprec,
                       originalMsgId=(original.msg_id if original else
                                      message.parent_ref or None if message.msg_type == "DIALOG_AVVIK" else None),
                       handledManually=hasattr(d, "manual_handling"),
                       originalId=original.id if original else None)
    if message.is_apprec:
        entry.apprec = AppRecInline(status=message.apprec_status, errors=message.apprec_errors)
    if isinstance(document, bytes):
        entry.businessDocument = base64.b64encode(document).decode("ascii")
    elif isinstance(document, Refused):
        entry.documentError = DocumentError(code=document.code, detail=document.reason)
    return entry


@api.get("/messages/{id}/business-document", response={200: BusinessDocument}, tags=["messages"],
         summary="Fetch: the MsgHead XML of an inbox entry, base64 (the read is logged)",
         description="`id` is the inbox id from GET /messages (the sender may also read its own message by its "
                     "message id). 409 when the content cannot be opened (the AppRec code says why).",
         openapi_extra=errors({**BY_ID, 409: ["not-delivered", "S01", "S02", "S03", "S99"]}))
def get_business_document(request, id: UUID):
    client = request.api_client
    view = access.view_for_client(client, id)
    raw = access.read_content(view, actor_kind="api-client", actor=client.system, purpose="epr-fetch")
    return 200, BusinessDocument(businessDocument=base64.b64encode(raw).decode("ascii"))


@api.put("/messages/{id}/read", response={204: None}, tags=["messages"],
         summary="Mark an inbox entry as read: it is no longer listed",
         description="`id` is the inbox id. Marking read twice is harmless.",
         openapi_extra=errors(BY_ID))
def mark_read(request, id: UUID):
    view = access.view_for_client(request.api_client, id)
    if view.delivery is None:
        raise NotFound(str(id))
    with transaction.atomic():
        updated = Delivery.objects.filter(pk=view.delivery.pk, read_at__isnull=True).update(read_at=timezone.now())
        if updated:
            event(view.message, "read", f"by {view.delivery.her_id}", delivery=view.delivery,
                  actor=request.api_client.system)
    return 204, None


@api.get("/messages/{id}/status", response={200: StatusOut}, tags=["messages"],
         summary="Where a message stands: state, AppRec and its event timeline",
         description="With the message id (sender): every receiver's delivery and AppRec. With an inbox id "
                     "(receiver): your entry and the AppRec you sent.",
         openapi_extra=errors(BY_ID))
def get_status(request, id: UUID):
    view = access.view_for_client(request.api_client, id)
    message = view.message
    deliveries = list(message.deliveries.select_related("apprec", "answer", "manual_handling"))
    if view.delivery is not None:
        mine = next(d for d in deliveries if d.pk == view.delivery.pk)
        state, apprec, shown = mine.state, _apprec_out(mine.answer), [mine]
    else:
        primary = next((d for d in deliveries if d.role == Delivery.Role.PRIMARY), None)
        state = primary.state if primary else "unrouted"
        apprec, shown = _apprec_out(primary.apprec if primary else None), deliveries
    return 200, StatusOut(
        id=id, msgId=message.msg_id, type=message.msg_type, senderHerId=message.sender_her_id,
        receiverHerId=message.receiver_her_id, role=view.role, state=state, apprec=apprec,
        handledManually=any(hasattr(d, "manual_handling") for d in shown),
        deliveries=[DeliveryOut(herId=d.her_id, role=d.role, state=d.state,
                                apprec=_apprec_out(d.apprec if view.delivery is None else d.answer),
                                lastError=d.last_error or None) for d in shown],
        events=[EventOut(at=e.at, kind=e.kind, detail=e.detail, actor=e.actor)
                for e in message.events.all() if view.delivery is None or e.delivery_id in (None, view.delivery.pk)])


@api.post("/messages/{id}/apprec", response={202: Assigned}, tags=["messages"],
          summary="Answer an inbox entry with its application receipt (exactly once)",
          description="`id` is the inbox id. Give `status` (+ `errors` for 2 and 3), or your own AppRec XML in "
                      "`businessDocument`. The answer is the AppRec's message id.",
          openapi_extra=errors({**BY_ID, 403: ["abuse:spoofing-attack"], 409: ["apprec-already-sent", "not-delivered", "S02"],
                                422: ["X99", "T01", "T02", "E10", "E21"]}))
def post_apprec(request, id: UUID, body: AppRecIn):
    client = request.api_client
    view = access.view_for_client(client, id)
    if view.delivery is None:
        raise NotFound(str(id))
    if body.businessDocument is not None:
        apprec = answer_delivery_with_xml(view.delivery, _decode(body.businessDocument), actor=client.system)
    elif body.status is not None:
        apprec = answer(view.delivery, status=body.status, errors=[(e.code, e.text) for e in body.errors],
                        actor=client.system, origin=Message.Origin.API)
    else:
        raise Refused("bad-request", "give either status (+errors) or businessDocument", status=400)
    return 202, {"id": apprec.id}



# The inbox entries among ``ids`` that a client acting for ``her_ids`` may answer or mark read (the
# choke point's rule: delivered to one of its parties), locked; compiled once per shape
# (lib.prepared): a busy EPR answers or marks a batch every few hundred milliseconds.
_own_entries = Prepared(lambda ids, her_ids: Delivery.objects.select_for_update(of=("self",))
                        .select_related("message", "party")
                        .filter(id__in=ids, her_id__in=her_ids, delivered_at__isnull=False).order_by("id"))


@api.post("/messages/apprecs", response={202: list[BatchResult]}, tags=["messages"],
          openapi_extra=errors({**AUTH, 400: ["bad-request"]}),
          summary="Answer a batch of inbox entries with their AppRecs and mark them read",
          description="The batch form of POST /messages/{id}/apprec + PUT /messages/{id}/read. Each item "
                      "is answered on its own: the result list has one entry per item, in order, with the "
                      "HTTP status that item alone would have had (202, or 404/409/400 with the problem "
                      "code). An unknown or foreign id is 404 for that item only.")
def post_apprecs(request, body: list[AppRecBatchItem]):
    if len(body) > BATCH_MAX:
        raise Refused("bad-request", f"at most {BATCH_MAX} items per batch", status=400)
    # One commit for the batch; its events go in one INSERT and its wake-ups in one statement.
    with transaction.atomic(), outbox.collected():
        return 202, _answer_items(request.api_client, body)


def _answer_items(client, items: list[AppRecBatchItem]) -> list[BatchResult]:
    """Answer inbox entries with their AppRecs and mark them read, in the caller's transaction."""
    if not items:
        return []
    results, answered = [], []
    # One query finds and locks every entry the client may answer (the choke point's rule for
    # inbox entries: delivered to one of its parties); anything else is 404 for that item alone.
    # With the rows locked, an item is refused before anything is written (no savepoint per
    # item), and the AppRecs are written together at the end.
    mine = {d.id: d for d in _own_entries([item.id for item in items], list(client.her_ids()))}
    answers = AnswerBatch()
    for item in items:
        delivery = mine.get(item.id)
        if delivery is None:
            results.append(BatchResult(id=item.id, status=404, code="not-found",
                                       detail="no such message for the parties this key acts for"))
            continue
        try:
            apprec = answers.answer(delivery, status=item.status, errors=[(e.code, e.text) for e in item.errors],
                                    actor=client.system, origin=Message.Origin.API)
        except Refused as refused:
            results.append(BatchResult(id=item.id, status=refused.status, code=refused.code, detail=refused.reason))
            continue
        answered.append(delivery)
        results.append(BatchResult(id=item.id, status=202, apprecId=apprec.id))
    answers.write()
    _mark_read(answered, actor=client.system, locked=True)  # answered means taken in: one update for the batch
    return results


@api.post("/messages/read", response={200: list[BatchResult]}, tags=["messages"],
          openapi_extra={**errors({**AUTH, 400: ["bad-request"]}), "requestBody": {"content": {"application/json": {
              "example": ["3f2b9c1e-8a4d-4e57-9d0a-6b1c2d3e4f50", "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"]}}}},
          summary="Mark a batch of inbox entries as read (e.g. the AppRecs a sender has taken in)",
          description="The batch form of PUT /messages/{id}/read: a list of inbox entry ids. One result per "
                      "id, in order: 204 marked read (or already read), 404 unknown or not yours.")
def post_read(request, body: list[UUID]):
    if len(body) > BATCH_MAX:
        raise Refused("bad-request", f"at most {BATCH_MAX} items per batch", status=400)
    with transaction.atomic():
        return 200, _read_items(request.api_client, body)


def _read_items(client, ids: list[UUID]) -> list[BatchResult]:
    """Mark inbox entries read, in the caller's transaction."""
    if not ids:
        return []
    mine = {d.id: d for d in _own_entries(list(ids), list(client.her_ids()))}
    _mark_read(list(mine.values()), actor=client.system, locked=True)
    return [BatchResult(id=i, status=204) if i in mine else
            BatchResult(id=i, status=404, code="not-found", detail="no such message for the parties this key acts for")
            for i in ids]


@api.post("/messages/poll", response={200: PollOut}, tags=["messages"],
          openapi_extra=errors({**AUTH, 400: ["bad-request"], 403: ["forbidden"]}),
          summary="Hand in the last batch (AppRecs, reads) and take the next: one request per batch",
          description="POST /messages/apprecs, POST /messages/read and the long poll GET /messages in one "
                      "request: the answers and read marks are committed first (one result per item, as "
                      "the batch endpoints give), then the call waits for the next unread entries like "
                      "GET /messages with the same parameters.\n" + "See the batch workflow under GET /messages.")
def post_poll(request, body: PollIn):
    if len(body.apprecs) > BATCH_MAX or len(body.read) > BATCH_MAX:
        raise Refused("bad-request", f"at most {BATCH_MAX} items per batch", status=400)
    her_ids = [h.strip() for h in body.receiverHerIds if h.strip()]
    if not her_ids:
        raise Refused("bad-request", "receiverHerIds must name at least one HER-id", status=400)
    client = request.api_client
    access.check_inbox_parties(client, her_ids)  # 403 at once, before anything is done
    answered, read = [], []
    if body.apprecs or body.read:
        with transaction.atomic(), outbox.collected():  # committed before the wait
            answered = _answer_items(client, body.apprecs)
            read = _read_items(client, body.read)
    entries = _next_entries(client, her_ids, wait=body.wait, include=body.include, limit=body.limit,
                            linger=body.linger)
    return 200, {"answered": answered, "read": read, "entries": entries}


def _mark_read(deliveries: list[Delivery], *, actor: str, locked: bool = False) -> None:
    """Mark unread deliveries read: one update, and their "read" events in one insert (or with the
    caller's collected events). ``locked``: the caller holds the rows' locks and read them in this
    transaction, so their read_at is current."""
    unread = [d for d in deliveries if d.read_at is None]
    ids = [d.pk for d in unread]
    if len(ids) > 1 and not locked:  # which of them are still unread (a concurrent call may have marked some)
        ids = set(Delivery.objects.select_for_update().filter(pk__in=ids, read_at__isnull=True)
                  .values_list("pk", flat=True))
    if not ids or not Delivery.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=timezone.now()):
        return
    ids = set(ids)
    outbox.publish_many([Event(message=d.message, delivery=d, kind="read", detail=f"by {d.her_id}", actor=actor)
                         for d in unread if d.pk in ids])


# --- problem types: pages on this node, where every problem's `type` points -----------------

problems_router = Router(tags=["problems"], auth=None)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}}
code{{background:#eef;padding:0 .2em}}</style></head><body>
<p><a href="{index}">samhand API problem types</a></p><h1>{title}</h1>
<p>Code <code>{code}</code> · HTTP {status}</p><p>{description}</p>
<p>The API answers with <code>application/problem+json</code> (RFC 9457); <code>detail</code> says what exactly was
wrong and <code>errors</code> lists every error when there are several.</p></body></html>"""


def _problem_type_out(code: str) -> ProblemTypeOut:
    known = CATALOGUE[code]
    return ProblemTypeOut(code=code, status=known.status, title=known.title, description=known.description,
                          type=known.type)


@problems_router.get("/problems", response={200: list[ProblemTypeOut]}, summary="Every problem code the API answers with",
                     openapi_extra=errors({}))
def list_problem_types(request):
    return 200, [_problem_type_out(code) for code in CATALOGUE]


@problems_router.get("/problems/{code}", response={200: ProblemTypeOut},
                     summary="One problem type: a page for people (text/html) or JSON (Accept: application/json)",
                     openapi_extra={"responses": {**errors({404: ["not-found"]})["responses"], 200: {"content": {
                         "text/html": {"schema": {"type": "string"},
                                       "example": "<!doctype html>…<h1>E21 Mottaker finnes ikke</h1>…"}}}}})
def get_problem_type(request, code: str):
    if code not in CATALOGUE:
        return problem(404, "not-found", f"no problem type {code!r}; GET /api/v1/problems lists them")
    accept = request.headers.get("Accept", "")
    if "text/html" in accept or "application/json" not in accept:
        known = CATALOGUE[code]
        return HttpResponse(_PAGE.format(title=escape(known.title), code=escape(code), status=known.status,
                                         description=escape(known.description), index=escape(known.type.rsplit("/", 1)[0])),
                            content_type="text/html; charset=utf-8")
    return 200, _problem_type_out(code)


api.add_router("", problems_router)


@csrf_exempt  # an API client has no CSRF cookie: a POST to a wrong path gets the JSON 404 too
def not_found(request):
    """Unknown paths under /api/ answer as the API does: JSON problem details, not the portal's HTML page."""
    return problem(404, "not-found", f"no API endpoint at {request.path}; see /api/v1/docs")


def health(request):
    return HttpResponse("ok", content_type="text/plain")


from samhand.chains.api import router as chains_router  # noqa: E402

api.add_router("", chains_router)

from samhand.monitoring.api import router as monitoring_router  # noqa: E402

api.add_router("", monitoring_router)

from samhand.video.api import router as video_router  # noqa: E402

api.add_router("", video_router)
from samhand.deviations.api import router as deviations_router  # noqa: E402

api.add_router("", deviations_router)
from samhand.access.api import privacy_router, router as access_router  # noqa: E402

api.add_router("", access_router)
api.add_router("", privacy_router, auth=ApiKeyAuth("privacy"))
from samhand.dialogue.api import router as dialogue_router  # noqa: E402

api.add_router("", dialogue_router)
