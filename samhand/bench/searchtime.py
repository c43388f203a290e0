"""How long the portal's message search and the downtime overview take on the seeded volume.

Through the real view (Django's test client, a signed-in user of each organisation) for the
message list, and ``monitoring.downtime.downtime_for`` for the downtime page's core query. Each
case runs once to warm up, then ``repeat`` times; the median and the slowest are reported (ms).
"""

from __future__ import annotations

import re
import statistics
import time
from urllib.parse import unquote

from django.test import Client

CASES = [
    ("list, newest first", {}),
    ("list, with AppRecs", {"kvitteringer": "on"}),
    ("type filter", {"type": "UTSKRIVNINGSRAPPORT"}),
    ("state filter", {"state": "acknowledged"}),
    ("date range (one month)", {"fra": "FROM", "til": "TO"}),
    ("patient search", {"q": "PATIENT"}),
    ("MsgId search", {"q": "MSGID"}),
]


def _user(username: str, org):
    from django.contrib.auth import get_user_model

    from samhand.accounts.services import create_user

    user = get_user_model().objects.filter(username=username).first()
    return user or create_user(username=username, password="bench-passord-som-er-langt-nok-1", org_number=org.org_number,
                               role="meldingsansvarlig")


def _timed(fn, repeat: int) -> dict:
    """Wall time of the whole call, and the database's share of it (the queries' own time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    times, sql = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
            "sql_median_ms": round(statistics.median(sql), 1), "queries": len(queries.captured_queries)}


def measure(repeat: int = 5) -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from samhand.directory.models import Organisation
    from samhand.exchange.models import Message
    from samhand.monitoring.downtime import downtime_for

    sample = Message.objects.filter(is_apprec=False, sender_her_id__startswith="81").order_by("-created_at")[500]
    month_end = timezone.localdate() - timedelta(days=200)
    values = {"PATIENT": sample.patient_id, "MSGID": sample.msg_id, "FROM": str(month_end - timedelta(days=30)),
              "TO": str(month_end)}
    results: dict = {"messages": Message.objects.count()}
    for username, her_id in (("bench.unn", "8100000"), ("bench.tromso", "8201000")):
        org = Organisation.objects.get(her_id=her_id)
        client = Client(SERVER_NAME="localhost")
        client.force_login(_user(username, org))
        for label, params in CASES:
            query = {k: values.get(v, v) for k, v in params.items()}

            def page(query=query):
                response = client.get("/meldinger/", query)
                assert response.status_code == 200, response.status_code

            results[f"{org.name}: portal {label}"] = _timed(page, repeat)
        html = client.get("/meldinger/").content.decode()
        found = re.search(r"eldre=([^\"&]+)", html)
        older = unquote(found.group(1)) if found else ""
        results[f"{org.name}: portal next page"] = _timed(lambda: client.get("/meldinger/", {"eldre": older}), repeat)
        results[f"{org.name}: downtime_for"] = _timed(lambda org=org: list(downtime_for(org)), repeat)
    return results
