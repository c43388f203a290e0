"""S2 and S12 through the API: a forespørsel and its svar form one thread on both sides; an urgent
forespørsel without svar escalates after its answer time (time travel), names the on-call number,
and stops escalating once answered."""

from __future__ import annotations

import uuid
from datetime import timedelta
from unittest import mock

import pytest

from samhand import kith
from samhand.lib import clock
from samhand.dialogue.models import Thread
from samhand.dialogue.outbox import drain
from samhand.dialogue.urgent import call_card, escalation_step
from samhand.kith import dialog as dm
from samhand.monitoring.models import Alert, MailOut

from msgfactory import kith_party
from personas import TROMSO_NURSING, TROMSO_ORG, UNN_MED_TROMSO

PATIENT = kith.Patient(family_name="Nordmann", given_name="Kari", id="15076500565", id_type="FNR")


def dialog_xml(dialog: dm.Dialog, *, sender: str, receiver: str, parent: str | None = None,
               conversation: str | None = None) -> tuple[bytes, str]:
    msg_id = str(uuid.uuid4())
    ref = kith.ConversationRef(parent, conversation or parent) if parent else None
    xml = kith.build_msghead(msg_type="DIALOG_HELSEFAGLIG", msg_type_dn="Helsefaglig dialog",
                             sender=kith_party(sender), receiver=kith_party(receiver), patient=PATIENT,
                             msg_id=msg_id, conversation_ref=ref, document=dm.build_dialog(dialog))
    return xml, msg_id


def settle(work):
    work()
    drain()


def ask(unn, work, *, urgent: bool) -> str:
    xml, msg_id = dialog_xml(dm.question("Skal pasienten ha Marevan i kveld?", subject="Medisiner", urgent=urgent),
                             sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    assert unn.send(xml).status_code == 202
    settle(work)
    return msg_id


def answer(tromso, work, question_msg_id: str) -> str:
    [entry] = [e for e in tromso.inbox(TROMSO_NURSING) if e["msgId"] == question_msg_id]
    asked = dm.dialog_of_msghead(kith.parse_xml(tromso.document(entry["id"])))
    xml, msg_id = dialog_xml(dm.answer("Ja, 2,5 mg kl 18.", asked.questions[0]), sender=TROMSO_NURSING,
                             receiver=UNN_MED_TROMSO, parent=question_msg_id)
    assert tromso.send(xml).status_code == 202
    settle(work)
    return msg_id


@pytest.mark.django_db
def test_question_and_answer_form_one_thread_on_both_sides(unn, tromso, work):
    q = ask(unn, work, urgent=False)
    asking = unn.get("/dialogues", herId=UNN_MED_TROMSO, state="open").json()
    answering = tromso.get("/dialogues", herId=TROMSO_NURSING, state="open").json()
    assert [t["questionMsgId"] for t in asking] == [q] and [t["questionMsgId"] for t in answering] == [q]
    assert asking[0]["side"] == "asking" and answering[0]["side"] == "answering"
    assert not asking[0]["urgent"] and asking[0]["answerMsgId"] is None
    assert asking[0]["conversationRef"] == answering[0]["conversationRef"] == q

    a = answer(tromso, work, q)
    for caller, her_id in ((unn, UNN_MED_TROMSO), (tromso, TROMSO_NURSING)):
        assert caller.get("/dialogues", herId=her_id, state="open").json() == []
        [done] = caller.get("/dialogues", herId=her_id, state="answered").json()
        assert done["questionMsgId"] == q and done["answerMsgId"] == a and done["state"] == "answered"
    for thread in Thread.objects.all():
        assert [e.kind for e in thread.entries.all()] == ["foresporsel", "svar"]
    # Bad input is a problem, not a crash.
    assert unn.get("/dialogues", herId=UNN_MED_TROMSO, state="whatever").status_code == 400


@pytest.mark.django_db
def test_urgent_question_escalates_shows_on_call_and_stops_once_answered(unn, tromso, work, settings):
    from samhand.directory.models import Organisation

    org = Organisation.objects.get(her_id=TROMSO_ORG)
    org.ma_email, org.ma_on_call_phone = "meldingsansvarlig@tromso.example", "+47 77 79 00 00"
    org.save()
    settings.SAMHAND_DIALOGUE_URGENT_MINUTES = 30
    settings.SAMHAND_DIALOGUE_ESCALATE_MINUTES = 15
    from samhand.dialogue import conf
    short, escalate = conf.answer_time(True), conf.escalate_after()  # an approved routine may override
    q = ask(unn, work, urgent=True)
    [t] = unn.get("/dialogues", herId=UNN_MED_TROMSO).json()
    assert t["urgent"] and not t["overdue"]
    thread = Thread.objects.get(side="answering")
    assert thread.answer_by - thread.asked_at == short < conf.answer_time(False)

    assert escalation_step("t") == 0  # not yet
    late = thread.answer_by + timedelta(minutes=1)
    with mock.patch.object(clock, "now", return_value=late):
        assert escalation_step("t") == 1
        assert escalation_step("t") == 0  # once per level
        [overdue] = unn.get("/dialogues", herId=UNN_MED_TROMSO, state="overdue").json()
        assert overdue["questionMsgId"] == q
    alert = Alert.objects.get(kind="dialogue-urgent", organisation=org)
    assert alert.partner_her_id == UNN_MED_TROMSO
    assert MailOut.objects.filter(key=f"dialogue:{thread.pk}:contact").exists()
    card = call_card(TROMSO_NURSING)
    assert card.on_call_phone == "+47 77 79 00 00" and "Sykepleietjeneste" in card.service

    with mock.patch.object(clock, "now", return_value=late + escalate - timedelta(minutes=1)):
        assert escalation_step("t") == 0
    with mock.patch.object(clock, "now", return_value=late + escalate + timedelta(minutes=1)):
        assert escalation_step("t") == 1
    on_call = MailOut.objects.get(key=f"dialogue:{thread.pk}:on-call")
    assert "+47 77 79 00 00" in on_call.body

    answer(tromso, work, q)
    thread.refresh_from_db()
    assert thread.state == "answered" and thread.escalation_level == 2
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_automatically
    with mock.patch.object(clock, "now", return_value=late + timedelta(hours=5)):
        assert escalation_step("t") == 0
    assert unn.get("/dialogues", herId=UNN_MED_TROMSO, state="overdue").json() == []


@pytest.mark.django_db
def test_unanswered_urgent_question_closed_by_phone_stops_escalation(unn, tromso, work):
    from samhand.dialogue.threads import close_by_phone

    ask(unn, work, urgent=True)
    thread = Thread.objects.get(side="asking")
    assert close_by_phone(thread, by="unn.ma", outcome="Avklart med vakthavende sykepleier") == 2
    with mock.patch.object(clock, "now", return_value=thread.answer_by + timedelta(hours=1)):
        assert escalation_step("t") == 0
    for row in Thread.objects.all():
        assert row.state == "closed-by-phone" and row.closed_by == "unn.ma" and row.closed_at is not None


@pytest.mark.django_db
def test_thread_is_tied_to_the_patients_episode(unn, tromso, work):
    from samhand.chains.models import EpisodeMessage
    from samhand.chains.seed import seed_message_types, seed_standard_chain

    from msgfactory import with_patient_id

    seed_message_types()
    seed_standard_chain()
    admitted = with_patient_id("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO,
                               receiver=TROMSO_NURSING, national_id=PATIENT.id)
    assert unn.send(admitted).status_code == 202
    settle(work)
    entry = EpisodeMessage.objects.get(msg_type="LOG_INNLAGT")
    # HITS 1218 §3.4: a question about the admission points at it with its ConversationRef.
    xml, q = dialog_xml(dm.question("Hvilke tjenester har pasienten hjemme?"), sender=UNN_MED_TROMSO,
                        receiver=TROMSO_NURSING, parent=entry.msg_id)
    assert unn.send(xml).status_code == 202
    settle(work)
    for her_id, caller in ((UNN_MED_TROMSO, unn), (TROMSO_NURSING, tromso)):
        [t] = caller.get("/dialogues", herId=her_id).json()
        assert t["episodeId"] == str(entry.episode_id) and t["conversationRef"] == entry.msg_id
        assert t["questionMsgId"] == q


def test_the_approved_routine_wins_over_settings(settings, monkeypatch):
    import sys
    import types

    from samhand.dialogue import conf

    settings.SAMHAND_DIALOGUE_URGENT_MINUTES = 60
    settings.SAMHAND_MISDIRECTED_AUDIT_DAYS = 90
    fake = types.ModuleType("samhand.deviations.procedures")
    fake.current = lambda code: {"urgent-dialogue": {"answerWithinMinutes": 20, "phoneFirst": True},
                                 "misdirected": {"auditDays": 30}}.get(code) or (_ for _ in ()).throw(KeyError(code))
    monkeypatch.setitem(sys.modules, "samhand.deviations.procedures", fake)
    assert conf.answer_time(True) == timedelta(minutes=20)
    assert conf.audit_days() == 30
    assert conf.answer_time(False) == timedelta(hours=settings.SAMHAND_DIALOGUE_ANSWER_HOURS)  # unknown: default
    monkeypatch.setitem(sys.modules, "samhand.deviations.procedures", None)  # not installed
    assert conf.answer_time(True) == timedelta(minutes=60) and conf.audit_days() == 90
