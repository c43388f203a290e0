"""How long the portal's message search and the downtime overview take on the seeded volume.

Through the real view (Django's test client, a signed-in user of each organisation) for the
message list, and ``monitoring.downtime.downtime_for`` for the downtime page's core query. Each
case runs once to warm up, then ``repeat`` times; the median and the slowest are reported (ms),
with the median of the statements' own time (``sql_median_ms``, timed around each execute), of
this process's CPU time (``cpu_median_ms``: Python, the view and the template) and the number of
statements. On a busy machine the wall time grows with both: each statement waits for the
database's turn on a core, and the CPU time is shared.
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
    # Added with the single-query list: the beginning of a MsgId as the list shows it, a partner,
    # and filters few messages pass (a type the organisation never exchanged, a failed delivery).
    ("MsgId prefix as listed", {"q": "MSGPREFIX"}),
    ("partner filter", {"partner": "PARTNER"}),
    ("rare type filter", {"type": "DIALOG_AVVIK"}),
    ("rare state filter", {"state": "failed"}),
    # Business messages still waiting for their AppRec: few, but their deliveries share the state
    # «levert» with every AppRec's; read from exchange 0009's index of the deliveries that wait (see
    # docs/performance.md). With AppRecs shown «levert» is common again.
    ("state «levert» (waiting for AppRec)", {"state": "delivered"}),
    ("state «levert» with AppRecs", {"state": "delivered", "kvitteringer": "on"}),
    # The type APPREC without the tick: the list shows the AppRecs (the type implies the tick).
    ("type APPREC", {"type": "APPREC"}),
]


def _user(username: str, org):
    from django.contrib.auth import get_user_model

    from samhand.accounts.services import create_user

    user = get_user_model().objects.filter(username=username).first()
    return user or create_user(username=username, password="bench-passord-som-er-langt-nok-1", org_number=org.org_number,
                               role="meldingsansvarlig")


class _Statements:
    """Times each statement the connection executes (its own time: send, run, receive)."""

    def __init__(self):
        self.count, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def _timed(fn, repeat: int) -> dict:
    """Wall time of the whole call, the database's share of it (the statements' own time) and
    this process's CPU time."""
    from django.db import connection

    fn()
    times, sql, cpu = [], [], []
    for _ in range(repeat):
        statements = _Statements()
        with connection.execute_wrapper(statements):
            started, cpu_started = time.perf_counter(), time.process_time()
            fn()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        sql.append(statements.seconds * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
            "sql_median_ms": round(statistics.median(sql), 1), "cpu_median_ms": round(statistics.median(cpu), 1),
            "queries": statements.count}


def measure(repeat: int = 5) -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from samhand.directory.models import Organisation
    from samhand.exchange.models import Message
    from samhand.monitoring.downtime import downtime_for

    sample = Message.objects.filter(is_apprec=False, sender_her_id__startswith="81").order_by("-created_at")[500]
    month_end = timezone.localdate() - timedelta(days=200)
    values = {"PATIENT": sample.patient_id, "MSGID": sample.msg_id, "FROM": str(month_end - timedelta(days=30)),
              "TO": str(month_end), "MSGPREFIX": f"{sample.msg_id[:17]}…"}
    results: dict = {"messages": Message.objects.count()}
    users = (("bench.unn", "8100000", "8201000"), ("bench.tromso", "8201000", "8100000"))
    for username, her_id, partner in users:
        org = Organisation.objects.get(her_id=her_id)
        client = Client(SERVER_NAME="localhost")
        client.force_login(_user(username, org))
        for label, params in CASES:
            query = {k: values.get(v, f"org:{partner}" if v == "PARTNER" else v) for k, v in params.items()}

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
