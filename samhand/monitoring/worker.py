"""The monitoring steps for ``samhand worker`` (each ``(owner) -> int``, cheap when idle).

Periodic rules look at the traffic at most every SAMHAND_MONITOR_INTERVAL_SECONDS per process;
the mail and reconciliation steps are single indexed queries when there is nothing to do.
"""

from __future__ import annotations

from .alerts import escalation_step
from .downtime import downtime_step
from .health import suspect_step
from .mail import mail_step
from .manual import reconciliation_step
from .probes import probe_step
from .watch import auto_resolve_step, manual_deadline_step, receipt_watch_step

STEPS = [
    ("receipt-watch", receipt_watch_step),
    ("manual-deadlines", manual_deadline_step),
    ("suspected-down", suspect_step),
    ("probes", probe_step),
    ("downtime", downtime_step),
    ("alert-auto-resolve", auto_resolve_step),
    ("alert-escalation", escalation_step),
    ("monitoring-mail", mail_step),
    ("manual-reconciliation", reconciliation_step),
]
