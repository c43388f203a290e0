"""Fictitious but well-formed contexts: Norwegian names, valid fødselsnummer (mod-11 check
digits), UNN departments and municipal services in Troms. All HER-ids, HPR numbers, phone
numbers and addresses are made up."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from .ctx import Address, Ctx, Department, HealthPerson, MunicipalService, Patient, Relative
from .scenarios import SCENARIOS

MALE = ["Ole", "Per", "Arne", "Kjell", "Svein", "Bjørn", "Terje", "Odd", "Rolf", "Harald", "Magnar", "Einar",
        "Nils", "Johan", "Asbjørn", "Leif", "Tor", "Ivar", "Åge", "Ragnar"]
FEMALE = ["Kari", "Ingrid", "Anne", "Solveig", "Randi", "Bjørg", "Gerd", "Liv", "Astrid", "Marit", "Turid",
          "Ragnhild", "Sigrid", "Aud", "Eva", "Inger", "Berit", "Åse", "Margrethe", "Oddny"]
FAMILY = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Karlsen", "Jensen",
          "Berg", "Eriksen", "Pettersen", "Strand", "Hætta", "Isaksen", "Mikkelsen", "Nordby", "Solheim",
          "Lyngmo", "Hågensen", "Sørensen", "Dahl", "Bakken", "Moe", "Lorentzen"]
STREETS = ["Storgata", "Skippergata", "Fjellveien", "Strandveien", "Kirkegårdsveien", "Breiviklia",
           "Kvaløyvegen", "Tromsdalsvegen", "Elvestrandvegen", "Nordslettvegen"]
PLACES = [("9008", "Tromsø"), ("9012", "Tromsø"), ("9020", "Tromsdalen"), ("9100", "Kvaløysletta"),
          ("9300", "Finnsnes"), ("9325", "Bardufoss"), ("9170", "Longyearbyen"), ("9059", "Storsteinnes")]
MUNICIPALITIES = {"9008": "Tromsø kommune", "9012": "Tromsø kommune", "9020": "Tromsø kommune",
                  "9100": "Tromsø kommune", "9300": "Senja kommune", "9325": "Målselv kommune",
                  "9170": "Svalbard", "9059": "Balsfjord kommune"}
DEPARTMENTS = [
    ("Ortopedisk sengepost 3A", "hoftebrudd"), ("Medisinsk sengepost 5B", "pneumoni"),
    ("Hjertemedisinsk sengepost 6C", "hjertesvikt"), ("Infeksjonsmedisinsk sengepost 4C", "erysipelas"),
    ("Geriatrisk sengepost 5A", "uvi"), ("Lungemedisinsk sengepost 6A", "kols"),
    ("Nevrologisk sengepost 4B", "hjerneslag"), ("Akuttmedisinsk sengepost", "dehydrering"),
]
W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check(digits: list[int], weights: tuple[int, ...]) -> int | None:
    k = 11 - sum(d * w for d, w in zip(digits, weights)) % 11
    return 0 if k == 11 else None if k == 10 else k


def fodselsnummer(birth: date, rng: random.Random, male: bool) -> str:
    """A fødselsnummer with valid check digits (individual number 000-499 for 1900-1999,
    500-999 from 2000); the third individual digit is odd for men, even for women."""
    while True:
        lo, hi = (0, 499) if birth.year < 2000 else (500, 999)
        individual = rng.randint(lo, hi)
        if (individual % 2 == 1) != male:
            continue
        digits = [int(c) for c in birth.strftime("%d%m%y") + f"{individual:03d}"]
        k1 = _check(digits, W1)
        if k1 is None:
            continue
        k2 = _check(digits + [k1], W2)
        if k2 is None:
            continue
        return "".join(map(str, digits + [k1, k2]))


def _phone(rng: random.Random, mobile: bool) -> str:
    return str(rng.choice([4, 9]) * 10_000_000 + rng.randrange(10_000_000)) if mobile else f"77{rng.randrange(10**6):06d}"


def _person(rng: random.Random, profession: str, hpr: bool = True) -> HealthPerson:
    given = rng.choice(MALE + FEMALE)
    return HealthPerson(rng.choice(FAMILY), given, profession,
                        str(rng.randint(1_000_000, 9_999_999)) if hpr else None, _phone(rng, False))


def make_ctx(rng: random.Random | None = None, *, admitted: datetime | None = None, status: str = "N",
             target_bytes: int | None = None, scenario: str | None = None) -> Ctx:
    """A complete fictitious admission: patient aged 67-96, a UNN ward matching the scenario,
    the patient's home municipality, hospital and municipal staff, one or two relatives."""
    rng = rng or random.Random()
    male = rng.random() < 0.45
    birth = date(rng.randint(1928, 1957), rng.randint(1, 12), rng.randint(1, 28))
    family = rng.choice(FAMILY)
    postal, city = rng.choice(PLACES)
    home = Address(f"{rng.choice(STREETS)} {rng.randint(1, 120)}", postal, city)
    patient = Patient(family, rng.choice(MALE if male else FEMALE), fodselsnummer(birth, rng, male), birth,
                      "1" if male else "2", home)
    if scenario is None:
        ward, scenario = rng.choice(DEPARTMENTS)
    else:
        ward = {s: w for w, s in DEPARTMENTS}[scenario]
    assert scenario in SCENARIOS
    department = Department(ward, str(rng.randint(80_000, 89_999)), _phone(rng, False),
                            hospital_her_id="79768", place="UNN Tromsø")
    municipality = MUNICIPALITIES[postal]
    service = MunicipalService("Hjemmesykepleien", str(rng.randint(100_000, 199_999)), _phone(rng, False),
                               municipality, address=Address("Rådhusgata 1", postal, city))
    case = MunicipalService("Tildelingskontoret", str(rng.randint(100_000, 199_999)), _phone(rng, False),
                            municipality)
    admitted = admitted or datetime.combine(date(2024, 1, 1) + timedelta(days=rng.randint(0, 700)),
                                            time(rng.randint(0, 23), rng.choice([0, 10, 20, 30, 40, 50])))
    relatives = [Relative(family, rng.choice(MALE), "Sønn", _phone(rng, True), relation_code="SO")]
    if rng.random() < 0.6:
        relatives.insert(0, Relative(rng.choice(FAMILY), rng.choice(FEMALE), "Datter", _phone(rng, True)))
    return Ctx(
        patient=patient,
        department=department,
        service=service,
        nurse=_person(rng, "SP"),
        physician=_person(rng, "LE"),
        municipal_nurse=_person(rng, "SP", hpr=rng.random() < 0.8),
        admitted=admitted,
        status=status,
        rng=rng,
        target_bytes=target_bytes,
        relatives=tuple(relatives),
        case_service=case,
        gp=_person(rng, "LE"),
        scenario=scenario,
    )
