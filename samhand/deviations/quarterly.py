"""Learning (issue 12 §6): the quarter's deviations per organisation pair and category — counts,
time to answer, overdue and recurring causes — for the portal (with charts) and as a PDF for the
cooperation committee. An organisation sees the pairs it is part of."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from statistics import median
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.template.loader import render_to_string

from samhand.directory.models import Organisation
from samhand.lib import clock


from .models import Category, Deviation, State

OSLO = ZoneInfo("Europe/Oslo")


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 3 * quarter - 2, 1), time.min, tzinfo=OSLO)
    end = (datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=OSLO) if quarter == 4
           else datetime.combine(date(year, 3 * quarter + 1, 1), time.min, tzinfo=OSLO))
    return start, end


@dataclass
class Row:
    reporter: str
    responsible: str
    category: str
    category_label: str
    count: int = 0
    answered: int = 0
    overdue: int = 0
    days_to_answer: list[float] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        return round(median(self.days_to_answer), 1) if self.days_to_answer else None


@dataclass
class QuarterReport:
    year: int
    quarter: int
    organisation: str
    rows: list[Row]
    causes: list[tuple[str, int]]
    chart: dict
    total: int

    @property
    def label(self) -> str:
        return f"{self.year} K{self.quarter}"


def build(organisation: Organisation, year: int, quarter: int) -> QuarterReport:
    start, end = bounds(year, quarter)
    now = clock.now()
    cases = (Deviation.objects.select_related("reporter", "responsible")
             .filter(Q(reporter=organisation) | Q(responsible=organisation))
             .exclude(state=State.DRAFT).filter(registered_at__gte=start, registered_at__lt=end))
    labels = dict(Category.choices)
    rows: dict[tuple, Row] = {}
    causes: Counter = Counter()
    for d in cases:
        key = (d.reporter.name, d.responsible.name, d.category)
        row = rows.setdefault(key, Row(d.reporter.name, d.responsible.name, d.category, str(labels[d.category])))
        row.count += 1
        if d.answered_at and d.sent_at:
            row.answered += 1
            row.days_to_answer.append((d.answered_at - d.sent_at).total_seconds() / 86400)
        if d.deadline and ((d.answered_at or now) > d.deadline) and d.state != State.REJECTED:
            row.overdue += 1
        if d.cause:
            causes[d.cause.strip().lower()[:120]] += 1
    ordered = sorted(rows.values(), key=lambda r: (r.reporter, r.responsible, r.category))
    return QuarterReport(year, quarter, organisation.name, ordered,
                         [(c, n) for c, n in causes.most_common() if n > 1], _chart(ordered, labels),
                         sum(r.count for r in ordered))


def _chart(rows: list[Row], labels: dict) -> dict:
    """Stacked bars in the portal's chart format (portal.js): one bar per pair, a series per category."""
    pairs = sorted({(r.reporter, r.responsible) for r in rows})
    by_cat: dict[str, dict] = defaultdict(dict)
    for r in rows:
        by_cat[r.category][(r.reporter, r.responsible)] = r.count
    return {"labels": [f"{a} → {b}" for a, b in pairs],
            "series": [{"label": str(labels[c]), "data": [by_cat[c].get(p, 0) for p in pairs]}
                       for c in sorted(by_cat)]}


def render_pdf(report: QuarterReport) -> bytes:
    from samhand.lib.pdf import html_to_pdf  # WeasyPrint with a deny-all URL fetcher

    return html_to_pdf(render_to_string("deviations/quarterly.html", {"r": report}))
