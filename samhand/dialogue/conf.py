"""Parameters of the three routines (S2, S11, S12).

Keys read from the approved routine: misdirected ``auditDays``; urgent-dialogue
``answerWithinMinutes`` and ``escalateAfterMinutes``; clinical-dialogue ``answerWithinHours``.

The approved routine wins when the deviations app offers it (``samhand.deviations.procedures``,
``current(name)``); the node's settings are the defaults and the fallback. The node never
requires the deviations app.
"""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta

from django.conf import settings

log = logging.getLogger(__name__)


def _procedure_value(routine: str, *keys: str):
    try:
        procedures = importlib.import_module("samhand.deviations.procedures")
    except ImportError:
        return None
    try:
        current = procedures.current(routine)
    except Exception:  # noqa: BLE001 - no approved version yet, or another shape: use the default
        log.debug("no approved %s routine", routine, exc_info=True)
        return None
    if current is None:
        return None
    params = current if isinstance(current, dict) else getattr(current, "parameters", None) or {}
    for key in keys:
        value = params.get(key) if isinstance(params, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return value
    return None


def audit_days() -> int:
    """How long a withdrawn misdirected message is kept (encrypted) before retention deletes it."""
    return int(_procedure_value("misdirected", "auditDays", "audit_days") or settings.SAMHAND_MISDIRECTED_AUDIT_DAYS)


def answer_time(urgent: bool) -> timedelta:
    if urgent:
        minutes = _procedure_value("urgent-dialogue", "answerWithinMinutes", "answer_minutes") or settings.SAMHAND_DIALOGUE_URGENT_MINUTES
        return timedelta(minutes=minutes)
    hours = _procedure_value("clinical-dialogue", "answerWithinHours", "answer_hours") or settings.SAMHAND_DIALOGUE_ANSWER_HOURS
    return timedelta(hours=hours)


def escalate_after() -> timedelta:
    """From the contact-point alert to the on-call escalation of an unanswered urgent question."""
    minutes = _procedure_value("urgent-dialogue", "escalateAfterMinutes", "escalate_minutes") or settings.SAMHAND_DIALOGUE_ESCALATE_MINUTES
    return timedelta(minutes=minutes)


def attachment_bytes() -> int:
    return settings.SAMHAND_DIALOGUE_ATTACHMENT_BYTES
