"""The monitoring services other apps call (the portal, the API, the exchange), in one place.

Each lives in the module of its concern; this module only names them.
"""

from .alerts import acknowledge_alert, open_alerts_for, resolve_alert
from .downtime import declare_downtime, downtime_for, end_downtime, held_her_ids
from .health import partner_health
from .manual import (confirm_reconciliation, manual_flag_for, manual_routine_pdf, note_delivered,
                     reconciliation_list)
from .probes import schedule_probe

__all__ = [
    "acknowledge_alert", "confirm_reconciliation", "declare_downtime", "downtime_for", "end_downtime",
    "held_her_ids", "manual_flag_for", "manual_routine_pdf", "note_delivered", "open_alerts_for",
    "partner_health", "reconciliation_list", "resolve_alert", "schedule_probe",
]
