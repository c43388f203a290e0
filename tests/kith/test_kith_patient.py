"""National id check digits and the patient profile checks (E30/E31/E32)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samhand.kith import (
    Patient,
    check_patient,
    make_national_id,
    national_id_kind,
    valid_national_id_check_digits,
)

FNR = "15076500565"  # from the official PLO samples (fictitious person)
DNR = make_national_id(date(1965, 7, 15), 5, "DNR")
HNR = make_national_id(date(1965, 7, 15), 5, "HNR")


def _fhn() -> str:
    """A felles hjelpenummer: 8, eight random-like digits, two valid check digits."""
    candidates = (f"8{n:08d}{k:02d}" for n in range(12345678, 12346678) for k in range(100))
    return next(pid for pid in candidates if valid_national_id_check_digits(pid))


def _codes(patient: Patient | None, **kwargs: bool) -> list[str]:
    return [error.code for error in check_patient(patient, **kwargs)]


def person(**changes: str | None) -> Patient:
    fields: dict[str, str | None] = {"family_name": "Gundersen", "given_name": "Roland", "id": FNR, "id_type": "FNR"}
    return Patient(**{**fields, **changes})


def test_generated_ids_have_their_kind() -> None:
    assert (DNR[0], national_id_kind(DNR)) == ("5", "DNR")
    assert (HNR[2:4], national_id_kind(HNR)) == ("47", "HNR")
    assert national_id_kind(FNR) == "FNR"
    assert national_id_kind(_fhn()) == "FHN"


@pytest.mark.parametrize(
    "patient",
    [
        person(),
        person(id=DNR, id_type="DNR"),
        person(id=HNR, id_type="HNR"),
        person(id=_fhn(), id_type="FHN"),
        person(id=DNR, id_type="FNR"),  # mislabelled but valid: not a reason to reject (HIS 80415 §3.3.2)
        person(id="AB1234567", id_type="PNR"),  # passport number: no check digits to verify
        person(id=f" {FNR} ", middle_name="Mellom"),
    ],
    ids=["fnr", "dnr", "hnr", "fhn", "dnr-as-fnr", "passport", "whitespace"],
)
def test_valid_patients(patient: Patient) -> None:
    assert check_patient(patient) == []


@pytest.mark.parametrize(
    "patient,codes",
    [
        (person(id=None, id_type=None), ["E30"]),
        (person(id="  "), ["E30"]),
        (person(id="15076500575"), ["E31"]),
        (person(id="15076500566"), ["E31"]),
        (person(id="1507650056"), ["E31"]),
        (person(id="32136500565"), ["E31"]),  # no such date
        (person(id_type="ABC"), ["E31"]),
        (person(id_type="HPR"), ["E31"]),  # a health personnel id, not a patient id
        (person(id_type=None), ["E31"]),
        (person(family_name=None), ["E32"]),
        (person(given_name=" "), ["E32"]),
        (person(id=None, family_name="", given_name=None), ["E30", "E32"]),
        (None, ["E30", "E32"]),
    ],
    ids=[
        "no-id",
        "blank-id",
        "k1",
        "k2",
        "short",
        "bad-date",
        "unknown-type",
        "hpr",
        "no-type",
        "no-family",
        "no-given",
        "nothing",
        "no-patient",
    ],
)
def test_invalid_patients(patient: Patient | None, codes: list[str]) -> None:
    assert _codes(patient) == codes


def test_birth_date_and_sex_identify_when_id_is_optional() -> None:
    anonymous = person(id=None, id_type=None, date_of_birth="1965-07-15", sex="1")
    assert _codes(anonymous, id_required=False) == []
    assert _codes(anonymous) == ["E30"]
    assert _codes(person(id=None, id_type=None, date_of_birth="1965-07-15"), id_required=False) == ["E30"]


def test_make_national_id_rejects_impossible_input() -> None:
    with pytest.raises(ValueError):
        make_national_id(date(1965, 7, 15), 600)  # 500-749 is 1854-1899 or 2000-2039
    with pytest.raises(ValueError):
        make_national_id(date(1965, 7, 15), 1000)
    with pytest.raises(ValueError):
        make_national_id(date(1965, 7, 15), 5, "FHN")


def test_make_national_id_returns_none_for_check_digit_ten() -> None:
    results = [make_national_id(date(1965, 7, 15), individual) for individual in range(500)]
    assert None in results
    assert all(valid_national_id_check_digits(r) for r in results if r is not None)


@st.composite
def births_and_individuals(draw: st.DrawFn) -> tuple[date, int]:
    birth = draw(st.dates(min_value=date(1854, 1, 1), max_value=date(2039, 12, 31)))
    if birth.year < 1900:
        individual = draw(st.integers(500, 749))
    elif birth.year < 2000:
        ranges = [(0, 499), (900, 999)] if birth.year >= 1940 else [(0, 499)]
        low, high = draw(st.sampled_from(ranges))
        individual = draw(st.integers(low, high))
    else:
        individual = draw(st.integers(500, 999))
    return birth, individual


@given(births_and_individuals(), st.sampled_from(["FNR", "DNR", "HNR"]), st.integers(0, 10), st.integers(1, 9))
def test_generated_ids_pass_and_any_single_digit_change_fails(
    birth_individual: tuple[date, int], kind: str, position: int, delta: int
) -> None:
    birth, individual = birth_individual
    pid = make_national_id(birth, individual, kind)
    if pid is None:
        return
    assert valid_national_id_check_digits(pid)
    assert national_id_kind(pid) == kind
    assert check_patient(Patient("Nordmann", "Kari", id=pid, id_type=kind)) == []

    changed = pid[:position] + str((int(pid[position]) + delta) % 10) + pid[position + 1 :]
    assert not valid_national_id_check_digits(changed)
    assert [e.code for e in check_patient(Patient("Nordmann", "Kari", id=changed, id_type=kind))] == ["E31"]
