"""Helpers of the video tests: a slot, ids by name, and the discharge-meeting booking of the issue."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from personas import TROMSO_NURSING, UNN_MED_TROMSO

PASSWORD = "korrekt-hest-batteri-stift"


def slot(days: int = 3, hour: int = 10, minutes: int = 45):
    start = (timezone.localtime() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return start, start + timedelta(minutes=minutes)


def room_id(name: str) -> int:
    from samhand.video.models import Room

    return Room.objects.get(name=name).pk


def service_id(code: str) -> int:
    from samhand.video.models import Service

    return Service.objects.get(code=code).pk


def discharge_booking(episode, *, room: str = "Klinisk videorom 2. etasje", **changes) -> dict:
    """A Tromsø home-care nurse books UNN's discharge meeting with the ward, the patient and a relative."""
    start, end = slot()
    body = {
        "purpose": "clinical", "serviceId": service_id("discharge-meeting"), "episodeId": str(episode.pk),
        "roomId": room_id(room), "start": start.isoformat(), "end": end.isoformat(),
        "participants": [
            {"role": "host", "name": "Kari Nordmann", "email": "kari.nordmann@tromso.kommune.example.no",
             "organisationHerId": TROMSO_NURSING},
            {"role": "health-personnel", "name": "Lege Ola Lege", "email": "ola.lege@unn.example.no",
             "organisationHerId": UNN_MED_TROMSO},
            {"role": "patient", "name": "Per Pasient", "email": "per@example.no"},
            {"role": "relative", "name": "Pia Pårørende", "email": "pia@example.no"},
        ],
        "checklist": {"patientInformed": True, "identification": "id-on-camera", "lobby": True,
                      "recordingOff": True},
    }
    body.update(changes)
    return body
