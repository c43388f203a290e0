"""The REST API for EPR systems, under /api/v1 (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from samhand.access import door as access
from samhand.exchange.apprec import answer, answer_delivery_with_xml
from samhand.exchange.errors import NotFound, Refused
from samhand.exchange.models import Delivery, Message
from samhand.exchange.store import event
from samhand.exchange.submit import submit

from .auth import ApiKeyAuth
from .problems import PROBLEMS, problem
from .schemas import AppRecIn, AppRecOut, Assigned, BusinessDocument, DeliveryOut, EventOut, InboxItem, StatusOut

api = NinjaAPI(
    title="samhand API for EPR systems",
    version="1",
    description="Send and receive national standard messages (MsgHead, PLO, Dialogmelding) and their "
                "application receipts. Shaped like NHN's EDI 2.0 message-server API.",
    auth=ApiKeyAuth(),
    urls_namespace="api",
)


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


@api.post("/messages", response={202: Assigned, 200: Assigned, **PROBLEMS}, tags=["messages"],
          summary="Send a message (or an AppRec) for one of your parties")
def post_message(request, body: BusinessDocument):
    result = submit(request.api_client, _decode(body.businessDocument))
    return (202 if result.created else 200), {"id": result.message.id}


@api.get("/messages", response={200: list[InboxItem], **PROBLEMS}, tags=["messages"],
         summary="Unread messages and AppRecs received by the given parties")
def list_messages(request, receiverHerIds: str = Query(..., description="Comma-separated HER-ids")):
    her_ids = [h.strip() for h in receiverHerIds.split(",") if h.strip()]
    if not her_ids:
        raise Refused("bad-request", "receiverHerIds must name at least one HER-id", status=400)
    deliveries = access.inbox_for_client(request.api_client, her_ids)
    return 200, [InboxItem(id=d.id, msgId=d.message.msg_id, type=d.message.msg_type,
                           senderHerId=d.message.sender_her_id, receiverHerId=d.her_id,
                           receivedAt=d.delivered_at, conversationRef=d.message.conversation_ref or None,
                           isAppRec=d.message.is_apprec,
                           originalMsgId=(d.message.original.msg_id if d.message.original_id else
                                          d.message.parent_ref or None if d.message.msg_type == "DIALOG_AVVIK"
                                          else None),
                           handledManually=hasattr(d, "manual_handling"))
            for d in deliveries]


@api.get("/messages/{id}/business-document", response={200: BusinessDocument, **PROBLEMS}, tags=["messages"],
         summary="The XML document (access is logged)")
def get_business_document(request, id: UUID):
    client = request.api_client
    view = access.view_for_client(client, id)
    raw = access.read_content(view, actor_kind="api-client", actor=client.system, purpose="epr-fetch")
    return 200, BusinessDocument(businessDocument=base64.b64encode(raw).decode("ascii"))


@api.put("/messages/{id}/read", response={204: None, **PROBLEMS}, tags=["messages"],
         summary="Mark an inbox entry as read: it is no longer listed")
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


@api.get("/messages/{id}/status", response={200: StatusOut, **PROBLEMS}, tags=["messages"],
         summary="Where a message stands: state, AppRec and its event timeline")
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


@api.post("/messages/{id}/apprec", response={202: Assigned, **PROBLEMS}, tags=["messages"],
          summary="Answer a received message with its application receipt")
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
from samhand.access.api import router as access_router  # noqa: E402

api.add_router("", access_router)
from samhand.dialogue.api import router as dialogue_router  # noqa: E402

api.add_router("", dialogue_router)
