"""Monitoring settings as the rules use them (durations, lists). The values and their defaults are
read from the environment in samhand/settings.py, the one place they are defined (see .env.example)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def monitor_interval_seconds() -> float:
    """How often the periodic rules look at the traffic (per worker process)."""
    return float(settings.SAMHAND_MONITOR_INTERVAL_SECONDS)


def lookback() -> timedelta:
    """How far back the rules look for new findings (items already raised are followed to the end)."""
    return timedelta(days=settings.SAMHAND_MONITOR_LOOKBACK_DAYS)


def apprec_warn_after(msg_type: str) -> timedelta:
    """When a missing AppRec is worth a warning: per message type, else the default (1 hour)."""
    by_type = settings.SAMHAND_APPREC_WARN_MINUTES_BY_TYPE
    return timedelta(minutes=by_type.get(msg_type, settings.SAMHAND_APPREC_WARN_MINUTES))


def min_apprec_warn_after() -> timedelta:
    by_type = settings.SAMHAND_APPREC_WARN_MINUTES_BY_TYPE
    return timedelta(minutes=min([settings.SAMHAND_APPREC_WARN_MINUTES, *by_type.values()]))


def apprec_timeout() -> timedelta:
    # HITS 1168 §4.1 and §9.1: no AppRec 96 hours after GenDate counts as a negative one.
    return timedelta(hours=settings.SAMHAND_APPREC_TIMEOUT_HOURS)


def backlog_warn_after() -> timedelta:
    return timedelta(minutes=settings.SAMHAND_BACKLOG_WARN_MINUTES)


def escalate_after() -> timedelta:
    return timedelta(minutes=settings.SAMHAND_ALERT_ESCALATE_MINUTES)


def oncall_emails() -> list[str]:
    """The node operator's on-call addresses, copied on every escalation."""
    return list(settings.SAMHAND_ONCALL_EMAILS)


def sms_email_gateway() -> str:
    """An e-mail-to-SMS gateway address with ``{number}``, e.g. ``{number}@sms.example.no``."""
    return settings.SAMHAND_SMS_EMAIL_GATEWAY


def suspect_after_messages() -> int:
    return int(settings.SAMHAND_SUSPECT_AFTER_MESSAGES)


def suspect_after_probe_failures() -> int:
    return int(settings.SAMHAND_SUSPECT_AFTER_PROBE_FAILURES)


def probe_sender_her_id() -> str:
    """The hosted party that sends communication tests; empty: no automatic probes."""
    return settings.SAMHAND_PROBE_SENDER_HER_ID


def probe_interval() -> timedelta:
    return timedelta(minutes=settings.SAMHAND_PROBE_INTERVAL_MINUTES)


def probe_timeout() -> timedelta:
    return timedelta(minutes=settings.SAMHAND_PROBE_TIMEOUT_MINUTES)


def manual_after(msg_type: str) -> timedelta:
    """The set time after which an undelivered message goes to the manual routine (default 4 hours,
    the Helse Nord threshold for announcing a message stop)."""
    by_type = settings.SAMHAND_MANUAL_AFTER_MINUTES_BY_TYPE
    return timedelta(minutes=by_type.get(msg_type, settings.SAMHAND_MANUAL_AFTER_MINUTES))


def downtime_grace() -> timedelta:
    """After a downtime ends, held messages flow again; receipts for them are not chased for this long."""
    return timedelta(minutes=settings.SAMHAND_DOWNTIME_GRACE_MINUTES)


def partner_lookback() -> timedelta:
    """Who counts as a communication partner: anyone a party exchanged messages with in this window."""
    return timedelta(days=settings.SAMHAND_PARTNER_LOOKBACK_DAYS)


def metrics_token() -> str:
    return settings.SAMHAND_METRICS_TOKEN


def metrics_allowed_ips() -> list[str]:
    return list(settings.SAMHAND_METRICS_ALLOWED_IPS)


def metrics_window() -> timedelta:
    return timedelta(hours=settings.SAMHAND_METRICS_WINDOW_HOURS)


def public_url() -> str:
    return settings.PUBLIC_URL.rstrip("/")
