"""Fixtures for video cooperation: the demo directory with its video rooms and services, and a
Tromsø patient with an open episode (UNN admitted the patient; the message went through the API
and the pipeline tracked it on the standard chain)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from msgfactory import with_patient_id
from personas import TROMSO_NURSING, UNN_MED_TROMSO  # noqa: F401

PATIENT = "15076500565"
INNLAGT = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


@pytest.fixture
def video(seeded):
    from samhand.chains.seed import seed_message_types, seed_standard_chain
    from samhand.video.seed import seed_video

    seed_message_types()
    seed_standard_chain()
    seed_video()


@pytest.fixture
def episode(video, unn, work):
    from samhand.chains.models import Episode

    response = unn.send(with_patient_id(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                                        national_id=PATIENT))
    assert response.status_code == 202, response.content
    work()
    return Episode.objects.get(patient_id=PATIENT, state="open")
