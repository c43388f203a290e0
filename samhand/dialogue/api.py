"""REST endpoints of the dialogue routines, mounted under /api/v1 (S2, S11, S12).

Dialogue messages themselves go through the exchange's message endpoints; these add marking a
message misdirected, re-sending one, and listing dialogue threads with their deadlines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Query, Router, Schema

from samhand.lib.problems import PROBLEMS
from samhand.access import door
from samhand.exchange.errors import NotFound, Refused
from samhand.lib import clock


from .misdirected import mark_misdirected, resend
from .threads import threads_for

router = Router(tags=["dialogue"])


class MisdirectedIn(Schema):
    reason: Literal["wrong-receiver", "unknown-patient", "wrong-content"]
    text: str | None = Field(None, max_length=500)


class ResendIn(Schema):
    receiverHerId: str = Field(..., pattern=r"^[1-9][0-9]{0,9}$")


class Accepted(Schema):
    id: UUID


class ThreadOut(Schema):
    id: UUID
    herId: str
    partnerHerId: str
    side: str
    state: str
    urgent: bool
    overdue: bool
    askedAt: datetime
    answerBy: datetime
    answeredAt: datetime | None
    questionMsgId: str
    answerMsgId: str | None
    conversationRef: str
    escalationLevel: int
    closedBy: str | None
    episodeId: UUID | None


@router.post("/messages/{id}/misdirected", response={202: Accepted, **PROBLEMS},
             summary="Mark a received message misdirected: content withdrawn, DIALOG_AVVIK to the sender")
def post_misdirected(request, id: UUID, body: MisdirectedIn):
    client = request.api_client
    view = door.view_for_client(client, id)
    if view.delivery is None:
        raise NotFound(str(id))  # only the receiver marks a message (id = its inbox id)
    misdirection = mark_misdirected(view.delivery, reason=body.reason, text=body.text or "", by=client.system)
    return 202, {"id": misdirection.avvik_id}


@router.post("/messages/{id}/resend", response={202: Accepted, **PROBLEMS},
             summary="Send a misdirected (or E35-rejected) message again to the right receiver")
def post_resend(request, id: UUID, body: ResendIn):
    client = request.api_client
    view = door.view_for_client(client, id)
    if view.role != "sender":
        raise NotFound(str(id))
    record = resend(view.message, receiver_her_id=body.receiverHerId, by=client.system, actor_kind="api-client",
                    actor=client.system)
    return 202, {"id": record.message_id}


@router.get("/dialogues", response={200: list[ThreadOut], **PROBLEMS},
            summary="Dialogue threads of one of your parties, urgent and overdue first")
def list_dialogues(request, herId: str = Query(...), state: str = Query("open")):
    client = request.api_client
    if herId not in client.her_ids():
        raise Refused("forbidden", f"{client.system} may not read for HER-id {herId}", status=403)
    now = clock.now()
    return 200, [ThreadOut(id=t.id, herId=t.her_id, partnerHerId=t.partner_her_id, side=t.side, state=t.state,
                           urgent=t.urgent, overdue=t.overdue(now), askedAt=t.asked_at, answerBy=t.answer_by,
                           answeredAt=t.answered_at, questionMsgId=t.question_msg_id,
                           answerMsgId=t.answer.msg_id if t.answer_id else None, conversationRef=t.conversation_ref,
                           escalationLevel=t.escalation_level, closedBy=t.closed_by or None, episodeId=t.episode_id)
                 for t in threads_for({herId}, state, now=now)[:500]]
