"""The dialogue's parts of shared portal pages: actions on the message page (S11) and the urgent
dialogue card on the dashboard (S12)."""

from __future__ import annotations

from django import template

from samhand.lib import clock
from samhand.dialogue.misdirected import resend_reason
from samhand.dialogue.models import AvvikNotice, Misdirection, Reason, Resend, Thread
from samhand.dialogue.urgent import call_card

from ..names import Names

register = template.Library()


@register.inclusion_tag("portal/dialogue/_message_actions.html", takes_context=True)
def dialogue_actions(context, view):
    request = context["request"]
    scope = request.scope
    message = view.message
    out = {"request": request, "m": message, "reasons": Reason.choices, "csrf_token": context.get("csrf_token")}
    if message.is_apprec or not scope.sees_content:
        return out
    withdrawn = view.delivery is not None and view.delivery.withdrawn_at is not None
    out["may_ask"] = not withdrawn and message.msg_type != "DIALOG_AVVIK" and view.role in ("sender", "receiver")
    if view.role == "receiver" and view.delivery is not None:
        out["misdirection"] = Misdirection.objects.filter(delivery=view.delivery).first()
        out["can_mark"] = (out["misdirection"] is None and view.delivery.delivered_at is not None
                           and scope.role in {"meldingsansvarlig", "administrator"})
    if view.role == "sender":
        out["notices"] = list(AvvikNotice.objects.filter(original=message).select_related("avvik"))
        out["resend_reason"] = resend_reason(message)
        out["can_resend"] = bool(out["resend_reason"]) and scope.can_manage
        out["resends"] = list(Resend.objects.filter(original=message).select_related("message"))
        out["resent_from"] = Resend.objects.filter(message=message).select_related("original").first()
        out["names"] = Names([n.from_her_id for n in out["notices"]] + [r.receiver_her_id for r in out["resends"]])
    if message.msg_type == "DIALOG_AVVIK":
        out["avvik_notice"] = AvvikNotice.objects.filter(avvik=message).select_related("original").first()
    return out


@register.inclusion_tag("portal/dialogue/_urgent_card.html", takes_context=True)
def urgent_dialogues(context):
    request = context["request"]
    scope = getattr(request, "scope", None)
    if scope is None or not scope.sees_content:
        return {"threads": []}
    now = clock.now()
    threads = list(Thread.objects.filter(her_id__in=sorted(scope.her_ids), urgent=True, state=Thread.State.OPEN)
                   .order_by("answer_by")[:20])
    for t in threads:
        t.is_overdue = t.answer_by <= now
        t.card = call_card(t.partner_her_id) if t.is_overdue and t.side == Thread.Side.ASKING else None
    names = Names([t.partner_her_id for t in threads] + [t.her_id for t in threads])
    return {"threads": threads, "names": names, "request": request}
