"""The dialogue's worker steps."""

from __future__ import annotations

from .misdirected import retention_step
from .outbox import outbox_step
from .urgent import escalation_step

STEPS = [
    ("dialogue-outbox", outbox_step),
    ("dialogue-urgent", escalation_step),
    ("misdirected-retention", retention_step),
]
