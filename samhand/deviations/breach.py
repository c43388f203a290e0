"""GDPR art. 33: a personal-data breach is notified to the data protection authority within 72
hours of discovery. The clock runs from ``discovered_at``; the export holds the notification's
fields (art. 33(3): nature, categories and approximate numbers of persons and records, likely
consequences, measures, contact point) and the case's timeline, as JSON and as a PDF rendered
with WeasyPrint like the manual routine's print-out."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.template.loader import render_to_string

from samhand.lib import clock

from . import procedures
from .models import Deviation


def deadline(deviation: Deviation) -> datetime:
    return deviation.discovered_at + timedelta(hours=procedures.current("deviation")["breachHours"])


def hours_left(deviation: Deviation, now: datetime | None = None) -> float:
    """Hours until the notification is due (negative when overdue)."""
    now = now or clock.now()
    return round((deadline(deviation) - now).total_seconds() / 3600, 1)


def notification(deviation: Deviation, entries, now: datetime | None = None) -> dict:
    now = now or clock.now()
    return {
        "deviation": str(deviation.pk),
        "controller": deviation.reporter.name if deviation.category != "misdirected" else deviation.responsible.name,
        "organisations": {"reporter": deviation.reporter.name, "responsible": deviation.responsible.name},
        "natureOfBreach": deviation.breach_nature or deviation.get_category_display(),
        "dataSubjects": {"categories": deviation.breach_person_categories, "approximateNumber": deviation.breach_persons},
        "records": {"categories": deviation.breach_record_categories, "approximateNumber": deviation.breach_records},
        "likelyConsequences": deviation.breach_consequences or deviation.patient_consequence,
        "measures": {"taken": deviation.immediate_measures, "proposed": deviation.measures},
        "contactPoint": deviation.breach_contact or deviation.handler_name,
        "timeline": {"occurredAt": deviation.occurred_at.isoformat(),
                     "discoveredAt": deviation.discovered_at.isoformat(),
                     "notificationDueAt": deadline(deviation).isoformat(),
                     "notifiedAt": deviation.breach_notified_at.isoformat() if deviation.breach_notified_at else None,
                     "hoursLeft": hours_left(deviation, now),
                     "events": [{"at": e.at.isoformat(), "kind": e.kind, "text": e.text} for e in entries]},
    }


def render_pdf(deviation: Deviation, entries) -> bytes:
    from samhand.lib.pdf import html_to_pdf  # WeasyPrint with a deny-all URL fetcher (needs Pango)

    data = notification(deviation, entries)
    return html_to_pdf(render_to_string("deviations/breach.html", {"d": deviation, "n": data}))
