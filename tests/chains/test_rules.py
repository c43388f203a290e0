"""The chain rules as a pure core: plain objects, no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from lxml import etree

from samhand import kith
from samhand.chains import rules
from samhand.chains.rules import Board, version_key
from samhand.kith import forsendelsesstatus

from msgfactory import sample_path

OSLO = ZoneInfo("Europe/Oslo")
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=OSLO)


def step(id, key, trigger=None, hours=None, **flags):
    return SimpleNamespace(id=id, key=key, trigger_id=trigger, deadline=timedelta(hours=hours) if hours else None,
                           same_day=flags.pop("same_day", False), mandatory=flags.pop("mandatory", True),
                           allow_early=flags.pop("allow_early", False), repeatable=flags.pop("repeatable", False),
                           closes_episode=flags.pop("closes", False), withdraws_id=flags.pop("withdraws", None),
                           starts_episode=flags.pop("starts", False))


def plo_chain():
    """The shape of the seeded chain, by id: 1 innlagt … 9 epikrise."""
    return [step(1, "innlagt", starts=True), step(2, "innleggelsesrapport", 1, 24, allow_early=True),
            step(3, "helseopplysninger", 1, 24, allow_early=True), step(4, "utskrivningsklar", 3, repeatable=True),
            step(5, "tilbakemelding", 4, 4, repeatable=True),
            step(6, "avmelding", 4, mandatory=False, repeatable=True, withdraws=4),
            step(7, "utskrivningsrapport", 8, same_day=True, allow_early=True), step(8, "utskrevet", 1, closes=True),
            step(9, "epikrise", 8, mandatory=False)]


def board(defs=None) -> Board:
    defs = defs or plo_chain()
    states = [SimpleNamespace(step_id=d.id, state=rules.WAITING, triggered_at=None, due_at=None, fulfilled_at=None,
                              confirmed_at=None, overdue_at=None, late=False, entry_id=None) for d in defs]
    b = Board(defs, states)
    b.start(T0)
    return b


def states(b: Board) -> dict[str, str]:
    return {b.defs[sid].key: s.state for sid, s in b.states.items()}


def test_the_start_step_is_expected_and_the_rest_waits():
    b = board()
    assert states(b)["innlagt"] == rules.EXPECTED and b.states[1].due_at is None
    assert {k for k, v in states(b).items() if v == rules.WAITING} == set(states(b)) - {"innlagt"}


def test_fulfilling_a_step_makes_its_dependents_due_after_their_deadline():
    b = board()
    assert b.fulfil(b.defs[1], T0, 10) == []
    assert b.states[2].state == rules.EXPECTED and b.states[2].due_at == T0 + timedelta(hours=24)
    assert b.states[3].due_at == T0 + timedelta(hours=24)
    assert b.next_due_at() == T0 + timedelta(hours=24)


def test_a_step_done_after_its_due_time_is_late_and_overdue_is_marked_once():
    b = board()
    b.fulfil(b.defs[1], T0, 10)
    assert b.mark_overdue(T0 + timedelta(hours=23)) == []
    assert len(b.mark_overdue(T0 + timedelta(hours=25))) == 2
    assert b.overdue_count() == 2 and b.mark_overdue(T0 + timedelta(hours=26)) == []
    assert b.fulfil(b.defs[2], T0 + timedelta(hours=30), 11) == [rules.LATE]
    assert b.states[2].state == rules.SENT and b.states[2].late and b.states[2].overdue_at is not None


def test_positive_apprec_makes_a_sent_step_done():
    b = board()
    b.fulfil(b.defs[1], T0, 10)
    b.confirm(b.defs[1], T0 + timedelta(minutes=1))
    assert b.states[1].state == rules.DONE


def test_same_day_deadline_ends_at_midnight_norwegian_time():
    b = board()
    b.fulfil(b.defs[1], T0, 10)
    b.fulfil(b.defs[8], T0 + timedelta(days=5), 12)
    assert b.states[7].due_at == datetime(2025, 3, 8, 23, 59, 59, tzinfo=OSLO)


def test_out_of_order_repeated_and_early_allowed():
    b = board()
    assert b.fulfil(b.defs[8], T0, 10) == [rules.OUT_OF_ORDER]  # LOG_UTSKREVET before LOG_INNLAGT
    b = board()
    assert b.fulfil(b.defs[2], T0, 10) == []  # Innleggelsesrapport on the municipality's own initiative
    b.fulfil(b.defs[1], T0 + timedelta(hours=1), 11)
    assert b.states[2].state == rules.SENT and b.states[2].due_at == T0 + timedelta(hours=25)
    assert b.fulfil(b.defs[1], T0 + timedelta(hours=2), 12) == [rules.REPEATED]
    assert b.fulfil(b.defs[1], T0 + timedelta(hours=2), 13, change=True) == []


def test_undoing_a_step_sends_what_it_triggered_back_to_waiting():
    b = board()
    b.fulfil(b.defs[1], T0, 10)
    b.unfulfil(b.defs[1], T0 + timedelta(hours=1))
    assert states(b)["innlagt"] == rules.EXPECTED
    assert states(b)["innleggelsesrapport"] == rules.WAITING and b.states[2].due_at is None


def test_a_rejected_step_past_its_due_time_is_overdue_again():
    b = board()
    b.fulfil(b.defs[1], T0, 10)
    b.fulfil(b.defs[2], T0 + timedelta(hours=2), 11)
    b.unfulfil(b.defs[2], T0 + timedelta(hours=30))
    assert b.states[2].state == rules.OVERDUE


def test_avmelding_withdraws_the_feedback_and_a_new_utskrivningsklar_expects_it_again():
    b = board()
    for sid in (1, 3, 4):
        b.fulfil(b.defs[sid], T0, sid)
    assert states(b)["tilbakemelding"] == rules.EXPECTED
    b.fulfil(b.defs[6], T0 + timedelta(hours=1), 6)
    assert states(b)["utskrivningsklar"] == rules.WITHDRAWN and states(b)["tilbakemelding"] == rules.WITHDRAWN
    assert states(b)["avmelding"] == rules.SENT
    assert b.fulfil(b.defs[4], T0 + timedelta(days=1), 7) == []
    assert states(b)["tilbakemelding"] == rules.EXPECTED
    assert b.states[5].due_at == T0 + timedelta(days=1, hours=4)


def test_discharge_marks_what_can_no_longer_happen_and_closes_when_nothing_is_due():
    b = board()
    b.fulfil(b.defs[1], T0, 1)
    b.fulfil(b.defs[2], T0, 2)
    b.fulfil(b.defs[3], T0, 3)
    b.fulfil(b.defs[8], T0 + timedelta(days=2), 8)
    assert b.discharged_at == T0 + timedelta(days=2)
    assert states(b)["utskrivningsklar"] == rules.MISSING  # mandatory, never sent
    assert states(b)["tilbakemelding"] == rules.WITHDRAWN  # its trigger never came
    assert states(b)["utskrivningsrapport"] == rules.EXPECTED and not b.closable()
    b.fulfil(b.defs[7], T0 + timedelta(days=2, hours=1), 7)
    assert b.closable()  # the optional Epikrise does not hold the episode open
    b.close()
    assert states(b)["epikrise"] == rules.WITHDRAWN


def test_forsendelsesstatus_of_the_official_samples():
    def status(name):
        return forsendelsesstatus(kith.parse_msghead(kith.parse_xml(sample_path(name).read_bytes())).business_document)

    assert status("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml") == "N"
    assert status("Innleggelsesrapport_v1-6_Endring.xml") == "M"
    assert status("Utskrivningsrapport_v1-6_Kansellering.xml") == "C"
    assert status("Dialogmelding_foresporsel_PLO_v1-0.xml") == "N"  # Dialogmelding has none
    assert forsendelsesstatus(None) == "N"


def test_forsendelsesstatus_of_plo_2_0_is_one_level_down():
    p1 = "http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30"
    po = "http://ehelse.no/xmlstds/po/poKomponent/2017-11-30"
    doc = etree.Element(f"{{{p1}}}Pasientlogistikk")
    info = etree.SubElement(etree.SubElement(doc, f"{{{po}}}FellesAdministrativeOpplysninger"),
                            f"{{{po}}}InformasjonOmForsendelsen")
    etree.SubElement(info, f"{{{po}}}Forsendelsesstatus", V="C")
    assert forsendelsesstatus(doc) == "C"


def test_versions_sort_numerically():
    assert sorted(["2.0", "1.10", "1.6", "1.5"], key=version_key) == ["1.5", "1.6", "1.10", "2.0"]
