"""Version 1 of the approved procedures and the agreement records, so ``procedures.current`` has
an approved version in force on every node from the start (the demo also links the parties)."""

import json
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "procedures-v1.json"


def _day(value):
    return date.fromisoformat(value) if value else None


def seed(apps, schema_editor):
    Procedure = apps.get_model("deviations", "Procedure")
    ProcedureVersion = apps.get_model("deviations", "ProcedureVersion")
    AgreementDocument = apps.get_model("deviations", "AgreementDocument")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    approval = data["approval"]
    effective = datetime.combine(date.fromisoformat(approval["effectiveFrom"]), time.min,
                                 tzinfo=ZoneInfo("Europe/Oslo"))
    for entry in data["procedures"]:
        procedure, _ = Procedure.objects.get_or_create(code=entry["code"], defaults={"name": entry["name"]})
        ProcedureVersion.objects.get_or_create(procedure=procedure, number=1, defaults={
            "status": "approved", "text": entry["text"], "parameters": entry["parameters"],
            "approved_by": approval["approvedBy"], "approved_on": _day(approval["approvedOn"]),
            "decision_reference": approval["reference"], "effective_from": effective, "summary": "Første versjon."})
    a = data["agreement"]
    agreement, _ = AgreementDocument.objects.get_or_create(kind="agreement", number=a["number"], defaults={
        "title": a["title"], "approved_by": a["approvedBy"], "approved_on": _day(a["approvedOn"]),
        "decision_reference": a["reference"], "revised_on": _day(a.get("revisedOn")),
        "next_revision": _day(a.get("nextRevision")), "dispute_body": a["disputeBody"],
        "dispute_email": a["disputeEmail"]})
    for appendix in a["appendices"]:
        AgreementDocument.objects.get_or_create(kind="appendix", number=appendix["number"], defaults={
            "title": appendix["title"], "parent": agreement, "approved_by": a["approvedBy"],
            "approved_on": _day(appendix.get("approvedOn") or a["approvedOn"]),
            "decision_reference": appendix.get("reference") or a["reference"]})


class Migration(migrations.Migration):
    dependencies = [("deviations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
