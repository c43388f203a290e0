"""The deviation deadlines for ``samhand worker``: a reminder to the handler before the deadline,
escalation to the responsible organisation's leader contact after it. Each case is claimed with a
conditional update, so several workers remind and escalate once ("nothing updated: another
worker got there first")."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from samhand.monitoring import mail
from samhand.monitoring.texts import local
from samhand.lib import clock

from . import procedures, routing
from .models import Deviation, State
from .services import entry, link_url

WAITING = (State.SENT, State.IN_TREATMENT)
BATCH = 100


def deadline_step(owner: str = "") -> int:
    now = clock.now()
    before = timedelta(days=procedures.current("deviation")["reminderDaysBefore"])
    return _remind(now, before) + _escalate(now)


def _remind(now, before) -> int:
    handled = 0
    due = Deviation.objects.filter(state__in=WAITING, reminded_at__isnull=True, deadline__lte=now + before,
                                   deadline__gt=now)
    for pk in list(due.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            if not Deviation.objects.filter(pk=pk, reminded_at__isnull=True, state__in=WAITING).update(reminded_at=now):
                continue
            deviation = Deviation.objects.select_related("reporter", "responsible").get(pk=pk)
            entry(deviation, "reminder", f"påminnelse: svarfrist {local(deviation.deadline)}", actor="samhand")
            mail.enqueue(f"deviation:{pk}:reminder", to=[deviation.handler_email], organisation=deviation.responsible,
                         subject=f"Påminnelse: samhandlingsavvik fra {deviation.reporter.name}",
                         body=f"Svarfristen er {local(deviation.deadline)}.\n{link_url(deviation)}\n")
            handled += 1
    return handled


def _escalate(now) -> int:
    handled = 0
    due = Deviation.objects.filter(state__in=WAITING, escalated_at__isnull=True, deadline__lte=now)
    for pk in list(due.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            if not Deviation.objects.filter(pk=pk, escalated_at__isnull=True, state__in=WAITING).update(
                    escalated_at=now):
                continue
            deviation = Deviation.objects.select_related("reporter", "responsible").get(pk=pk)
            to = routing.leader_addresses(deviation.responsible)
            entry(deviation, "escalated", f"svarfristen {local(deviation.deadline)} er passert; eskalert til "
                  f"leder ({', '.join(to) or 'ingen adresse'})", actor="samhand")
            mail.enqueue(f"deviation:{pk}:escalated", to=to, organisation=deviation.responsible,
                         subject=f"Eskalert: samhandlingsavvik fra {deviation.reporter.name} ikke besvart",
                         body=f"Svarfristen {local(deviation.deadline)} er passert uten svar.\n"
                              f"{link_url(deviation)}\n")
            handled += 1
    return handled


STEPS = [("deviation-deadlines", deadline_step)]
