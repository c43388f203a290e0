"""Demo data for video cooperation: rooms at UNN and the municipalities (one with an overdue
quality check, so the refusal for clinical meetings can be seen), UNN's service catalogue, and
video plans for UNN and Tromsø. Idempotent: running it again updates in place."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from samhand.directory.models import CommunicationParty, Organisation
from samhand.lib import clock


from .models import Equipment, Goal, Plan, Room, Service

UNN_HER_ID = "8100000"
# (organisation HER-id, site, name, kind, capacity, network, support phone, hours,
#  [(asset id, equipment kind, owner, days since last check)])
ROOMS = [
    (UNN_HER_ID, "UNN Tromsø", "Videorom Medisinsk avdeling 7B", "clinical", 4, "helsenett", "+47 77 66 98 00",
     "døgnbemannet", [("UNN-VK-0101", "room_system", "Medisinsk avdeling", 20)]),
    (UNN_HER_ID, "UNN Tromsø", "Møterom Geriatri", "meeting", 10, "helsenett", "+47 77 66 98 00", "døgnbemannet",
     [("UNN-VK-0102", "room_system", "Geriatrisk avdeling", 45), ("UNN-VK-0103", "camera", "Geriatrisk avdeling", 45)]),
    (UNN_HER_ID, "UNN Harstad", "Videorom Ortopedi", "clinical", 3, "helsenett", "+47 77 66 98 00", "døgnbemannet",
     [("UNN-VK-0201", "room_system", "Ortopedisk avdeling", 10)]),
    ("8201000", "Tromsø helsehus", "Klinisk videorom 2. etasje", "clinical", 3, "helsenett", "+47 77 01 30 00",
     "hverdager 08–15:30", [("TRK-VID-011", "room_system", "Hjemmetjenesten Tromsø", 12)]),
    ("8201000", "Hjemmetjenesten sone Nord", "Mobilt videosett 1", "mobile", 2, "internet", "+47 77 01 30 00",
     "hverdager 08–15:30", [("TRK-VID-020", "mobile_kit", "Hjemmetjenesten Tromsø", 5)]),
    # Overdue on purpose: its last check was four months ago and room systems are due every 90 days.
    ("8202000", "Balsfjord rådhus", "Møterom Malangen", "meeting", 8, "internet", "+47 77 02 10 00",
     "hverdager 08–15", [("BAL-VID-001", "room_system", "Balsfjord kommune IKT", 120)]),
    ("8202000", "Balsfjord sykehjem", "Videorom sykehjemmet", "clinical", 3, "helsenett", "+47 77 02 10 00",
     "hverdager 08–15", [("BAL-VID-002", "room_system", "Balsfjord sykehjem", 30)]),
]

# (code, department HER-id, name, purpose, description, minutes, who may request, lead time hours)
SERVICES = [
    ("discharge-meeting", "8100101", "Utskrivningsmøte på video", "clinical",
     "Møte før utskrivning mellom avdelingen, kommunens helsetjeneste, pasienten og pårørende: status, behov "
     "etter utskrivning og hvem som gjør hva.", 45, "Kommunale helse- og omsorgstjenester med pasient i forløp", 24),
    ("joint-assessment", "8100103", "Tilsyn på video (geriatri)", "clinical",
     "Geriater vurderer pasienten sammen med kommunens lege eller sykepleier.", 30,
     "Kommunelege, sykehjemslege, hjemmesykepleie", 48),
    ("guidance", "8100101", "Veiledning for hjemmetjenesten", "clinical",
     "Spesialsykepleier veileder kommunens personell om oppfølging av en pasient.", 30,
     "Hjemmetjenesten og sykehjem", 24),
    ("competence-session", "8100103", "Kompetansemøte: eldre og legemidler", "competence",
     "Undervisning for helsepersonell i kommunene, med spørsmål og svar.", 60, "Alle kommuner i opptaksområdet", 72),
]


@transaction.atomic
def seed_video() -> None:
    today = clock.today()
    orgs = {o.her_id: o for o in Organisation.objects.filter(her_id__in={r[0] for r in ROOMS})}
    for her_id, site, name, kind, capacity, network, phone, hours, equipment in ROOMS:
        if her_id not in orgs:
            continue
        room, _ = Room.objects.update_or_create(
            organisation=orgs[her_id], name=name,
            defaults={"site": site, "kind": kind, "capacity": capacity, "network": network,
                      "support_phone": phone, "support_hours": hours, "active": True})
        for asset_id, eq_kind, owner, days_ago in equipment:
            interval = timedelta(days=Equipment.INTERVAL_DAYS[eq_kind])
            checked = today - timedelta(days=days_ago)
            Equipment.objects.update_or_create(asset_id=asset_id, defaults={
                "room": room, "kind": eq_kind, "owner": owner, "last_checked_by": "Demo-kontrollør",
                "last_checked_at": clock.now() - timedelta(days=days_ago), "next_due": checked + interval})
    unn = Organisation.objects.filter(her_id=UNN_HER_ID).first()
    if unn is None:
        return
    contact = ("Videokoordinator UNN", "+47 77 62 70 70", "video@unn.example.no")
    services = []
    for code, dept, name, purpose, description, minutes, who, lead in SERVICES:
        service, _ = Service.objects.update_or_create(organisation=unn, code=code, defaults={
            "department": CommunicationParty.objects.filter(her_id=dept).first(), "name": name, "purpose": purpose,
            "description": description, "duration_minutes": minutes, "who_may_request": who,
            "lead_time_hours": lead, "contact_name": contact[0], "contact_phone": contact[1],
            "contact_email": contact[2], "active": True})
        services.append(service)
    _plan(unn, today.year, "Videoplan UNN", "Fagsjef samhandling UNN", services,
          [(Goal.Kind.DISCHARGE_SHARE, 30), (Goal.Kind.COMPETENCE_SESSIONS, 3), (Goal.Kind.MAX_FAILURE_SHARE, 10)])
    tromso = Organisation.objects.filter(her_id="8201000").first()
    if tromso is not None:
        _plan(tromso, today.year, "Videoplan Tromsø kommune", "Kommunalsjef helse og omsorg", services[:1],
              [(Goal.Kind.DISCHARGE_SHARE, 25), (Goal.Kind.CLINICAL_MEETINGS, 10)])


def _plan(org, year, title, responsible, services, goals) -> None:
    plan, _ = Plan.objects.update_or_create(organisation=org, year=year, defaults={
        "title": title, "responsible": responsible, "status": Plan.Status.ACTIVE})
    plan.services.set(services)
    for kind, target in goals:
        Goal.objects.update_or_create(plan=plan, kind=kind, defaults={"target": target, "responsible": responsible})
