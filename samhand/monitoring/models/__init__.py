"""Models of the monitoring app, split by concern: alerts, downtime, probes and partner status,
the manual routine, and the outbox of e-mails to meldingsansvarlig."""

from .alerts import Alert, AlertItem
from .downtime import Downtime
from .mail import MailOut
from .manual import ManualHandling
from .probes import PartnerStatus, Probe, ProbeRun

__all__ = ["Alert", "AlertItem", "Downtime", "MailOut", "ManualHandling", "PartnerStatus", "Probe", "ProbeRun"]
