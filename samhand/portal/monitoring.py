"""The monitoring services (issue 6) as the portal uses them, found when they are there.

The portal is built against the names the monitoring issue provides. Until a name
exists, ``service(name)`` returns None and the page shows "ikke tilgjengelig ennå"
instead of failing.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

CANDIDATE_MODULES = ("samhand.monitoring.services", "samhand.monitoring.alerts", "samhand.monitoring.downtime", "samhand.monitoring.health",
                     "samhand.monitoring.partners", "samhand.monitoring.probes", "samhand.monitoring.manual",
                     "samhand.monitoring.reconciliation", "samhand.monitoring.queries",
                     "samhand.monitoring")

NAMES = ("open_alerts_for", "acknowledge_alert", "resolve_alert", "declare_downtime", "end_downtime",
         "downtime_for", "partner_health", "manual_routine_pdf", "reconciliation_list", "confirm_reconciliation", "held_her_ids")


_tables_ready = False


def _tables_exist() -> bool:
    """The monitoring models may exist before their migrations do; only then is it usable.
    Once the tables are there they stay, so a positive answer is kept for the process."""
    global _tables_ready
    if _tables_ready:
        return True
    from django.apps import apps
    from django.db import connection

    try:
        models = list(apps.get_app_config("monitoring").get_models())
    except LookupError:
        return False
    if not models:
        return False
    existing = set(connection.introspection.table_names())
    _tables_ready = all(m._meta.db_table in existing for m in models)
    return _tables_ready


def service(name: str):
    if name not in NAMES:
        raise KeyError(name)
    if not _tables_exist():
        return None
    for module_name in CANDIDATE_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        except Exception:  # noqa: BLE001 - a module being written must not take the portal down
            log.exception("cannot import %s", module_name)
            continue
        found = getattr(module, name, None)
        if callable(found):
            return found
    return None


def model(name: str):
    """A monitoring model class (Alert, Downtime), or None before the models exist."""
    from django.apps import apps

    try:
        found = apps.get_model("monitoring", name)
    except LookupError:
        return None
    return found if _tables_exist() else None
