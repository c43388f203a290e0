"""Prometheus metrics at /metrics, computed from the database on each scrape.

Any web process can answer a scrape and every worker writes to the same database, so the
numbers come from there rather than from per-process counters. Access fails closed: a scrape
needs the bearer token SAMHAND_METRICS_TOKEN or a client address in SAMHAND_METRICS_ALLOWED_IPS
(addresses or networks); with neither set, /metrics answers 403 to everybody.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.db.models import Count, Min, Q
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

from samhand.exchange.models import Delivery

from samhand.lib import clock

from . import conf
from .downtime import held_her_ids
from .models import Alert
from .models.alerts import ACTIVE
from .rules import watched

S = Delivery.State
LATENCY_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 96 * 3600)
LATENCY_SAMPLE = 100_000


class SamhandCollector:
    def collect(self):
        now = clock.now()
        yield self._deliveries()
        yield self._latency(now)
        yield from self._backlog(now)
        yield self._alerts()
        yield self._downtime(now)

    def _deliveries(self):
        family = GaugeMetricFamily("samhand_messages", "Deliveries by message type and state",
                                   labels=["msg_type", "state"])
        for msg_type, state, n in (Delivery.objects.values_list("message__msg_type", "state")
                                   .annotate(n=Count("id")).order_by()):
            family.add_metric([msg_type, state], n)
        return family

    def _latency(self, now):
        pairs = (watched().filter(acked_at__gte=now - conf.metrics_window())
                 .values_list("acked_at", "message__created_at")[:LATENCY_SAMPLE])
        latencies = [max(0.0, (acked - created).total_seconds()) for acked, created in pairs]
        buckets = [(str(float(b)), sum(1 for v in latencies if v <= b)) for b in LATENCY_BUCKETS]
        buckets.append(("+Inf", len(latencies)))
        return HistogramMetricFamily(
            "samhand_apprec_latency_seconds",
            f"Time from submission to AppRec, receipts of the last {conf.metrics_window()} (sliding window)",
            buckets=buckets, sum_value=sum(latencies))

    def _backlog(self, now):
        waiting = GaugeMetricFamily("samhand_partner_backlog", "Messages waiting for delivery or receipt per partner",
                                    labels=["her_id", "waiting_for"])
        oldest = GaugeMetricFamily("samhand_partner_oldest_waiting_seconds",
                                   "Age of the oldest message waiting for delivery or receipt per partner",
                                   labels=["her_id"])
        recent = watched().filter(message__created_at__gte=now - conf.lookback())
        rows = (recent.filter(Q(state=S.QUEUED) | Q(state__in=(S.SENT, S.DELIVERED), acked_at__isnull=True))
                .values_list("her_id", "state").annotate(n=Count("id"), first=Min("message__created_at")).order_by())
        ages: dict[str, float] = {}
        for her_id, state, n, first in rows:
            waiting.add_metric([her_id, "delivery" if state == S.QUEUED else "receipt"], n)
            ages[her_id] = max(ages.get(her_id, 0.0), (now - first).total_seconds())
        for her_id, age in sorted(ages.items()):
            oldest.add_metric([her_id], age)
        return waiting, oldest

    def _alerts(self):
        family = GaugeMetricFamily("samhand_alerts_open", "Open and acknowledged alerts", labels=["kind", "severity"])
        for kind, severity, n in (Alert.objects.filter(state__in=ACTIVE).values_list("kind", "severity")
                                  .annotate(n=Count("id")).order_by()):
            family.add_metric([kind, severity], n)
        return family

    def _downtime(self, now):
        family = GaugeMetricFamily("samhand_downtime_in_force", "1 for each HER-id with downtime in force",
                                   labels=["her_id"])
        for her_id in sorted(held_her_ids(now)):
            family.add_metric([her_id], 1)
        return family


registry = CollectorRegistry(auto_describe=False)
registry.register(SamhandCollector())


def allowed(request) -> bool:
    token = conf.metrics_token()
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
            return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for allowed_net in conf.metrics_allowed_ips():
        try:
            if client in ipaddress.ip_network(allowed_net, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_view(request):
    if not allowed(request):
        return HttpResponse("forbidden: set SAMHAND_METRICS_TOKEN or SAMHAND_METRICS_ALLOWED_IPS\n", status=403,
                            content_type="text/plain")
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
