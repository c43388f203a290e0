"""The patient's access report as PDF (issue 15 §7): the same content as the JSON report."""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone


def report_pdf(report: dict) -> bytes:
    from weasyprint import HTML  # needs Pango (Debian libpango-1.0-0, libpangoft2-1.0-0)

    rows = [{**r, "at": timezone.localtime(datetime.fromisoformat(r["at"]))} for r in report["accesses"]]
    html = render_to_string("access/report_pdf.html", {"report": report, "rows": rows,
                                                       "generated": timezone.localtime()})
    # No URL may be fetched while rendering: everything the page needs is inline.
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"refused to fetch {url} while rendering a PDF")
