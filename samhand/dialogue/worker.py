"""The dialogue's worker steps."""

from __future__ import annotations

from .misdirected import retention_step
from .urgent import escalation_step

STEPS = [
    ("dialogue-urgent", escalation_step),
    ("misdirected-retention", retention_step),
]
