"""Monitoring settings, each read with a default so the app works before settings.py lists it.

The lead maps environment variables onto these names in settings.py (see docs/monitoring.md).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def monitor_interval_seconds() -> float:
    """How often the periodic rules look at the traffic (per worker process)."""
    return float(_get("SAMHAND_MONITOR_INTERVAL_SECONDS", 15))


def lookback() -> timedelta:
    """How far back the rules look for new findings (items already raised are followed to the end)."""
    return timedelta(days=_get("SAMHAND_MONITOR_LOOKBACK_DAYS", 14))


def apprec_warn_after(msg_type: str) -> timedelta:
    """When a missing AppRec is worth a warning: per message type, else the default (1 hour)."""
    by_type = _get("SAMHAND_APPREC_WARN_MINUTES_BY_TYPE", {}) or {}
    return timedelta(minutes=by_type.get(msg_type, _get("SAMHAND_APPREC_WARN_MINUTES", 60)))


def min_apprec_warn_after() -> timedelta:
    by_type = _get("SAMHAND_APPREC_WARN_MINUTES_BY_TYPE", {}) or {}
    return timedelta(minutes=min([_get("SAMHAND_APPREC_WARN_MINUTES", 60), *by_type.values()]))


def apprec_timeout() -> timedelta:
    # HITS 1168 §4.1 and §9.1: no AppRec 96 hours after GenDate counts as a negative one.
    return timedelta(hours=_get("SAMHAND_APPREC_TIMEOUT_HOURS", 96))


def backlog_warn_after() -> timedelta:
    return timedelta(minutes=_get("SAMHAND_BACKLOG_WARN_MINUTES", 15))


def escalate_after() -> timedelta:
    return timedelta(minutes=_get("SAMHAND_ALERT_ESCALATE_MINUTES", 30))


def oncall_emails() -> list[str]:
    """The node operator's on-call addresses, copied on every escalation."""
    return list(_get("SAMHAND_ONCALL_EMAILS", []) or [])


def sms_email_gateway() -> str:
    """An e-mail-to-SMS gateway address with ``{number}``, e.g. ``{number}@sms.example.no``."""
    return _get("SAMHAND_SMS_EMAIL_GATEWAY", "") or ""


def suspect_after_messages() -> int:
    return int(_get("SAMHAND_SUSPECT_AFTER_MESSAGES", 3))


def suspect_after_probe_failures() -> int:
    return int(_get("SAMHAND_SUSPECT_AFTER_PROBE_FAILURES", 2))


def probe_sender_her_id() -> str:
    """The hosted party that sends communication tests; empty: no automatic probes."""
    return _get("SAMHAND_PROBE_SENDER_HER_ID", "") or ""


def probe_interval() -> timedelta:
    return timedelta(minutes=_get("SAMHAND_PROBE_INTERVAL_MINUTES", 60))


def probe_timeout() -> timedelta:
    return timedelta(minutes=_get("SAMHAND_PROBE_TIMEOUT_MINUTES", 15))


def manual_after(msg_type: str) -> timedelta:
    """The set time after which an undelivered message goes to the manual routine (default 4 hours,
    the Helse Nord threshold for announcing a message stop)."""
    by_type = _get("SAMHAND_MANUAL_AFTER_MINUTES_BY_TYPE", {}) or {}
    return timedelta(minutes=by_type.get(msg_type, _get("SAMHAND_MANUAL_AFTER_MINUTES", 240)))


def downtime_grace() -> timedelta:
    """After a downtime ends, held messages flow again; receipts for them are not chased for this long."""
    return timedelta(minutes=_get("SAMHAND_DOWNTIME_GRACE_MINUTES", 60))


def partner_lookback() -> timedelta:
    """Who counts as a communication partner: anyone a party exchanged messages with in this window."""
    return timedelta(days=_get("SAMHAND_PARTNER_LOOKBACK_DAYS", 90))


def metrics_token() -> str:
    return _get("SAMHAND_METRICS_TOKEN", "") or ""


def metrics_allowed_ips() -> list[str]:
    return list(_get("SAMHAND_METRICS_ALLOWED_IPS", []) or [])


def metrics_window() -> timedelta:
    return timedelta(hours=_get("SAMHAND_METRICS_WINDOW_HOURS", 24))


def public_url() -> str:
    return _get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
