"""Norwegian national person ids and the patient checks behind AppRec codes E30/E31/E32.

Fødselsnummer (FNR), D-nummer (DNR) and H-nummer (HNR) are DDMMYY + a three-digit individual
number + two mod-11 check digits; a D-number adds 4 to the first digit (day + 40), an H-number
("hjelpenummer", assigned when the real id is unknown) adds 40 to the month. Felles hjelpenummer
(FHN, issued by Norsk helsenett) has 8 or 9 as first digit, no date, and the same two check digits.
"""

from __future__ import annotations

from datetime import date

from .codes import ID_TYPES_8116
from .errors import KithError
from .model import Patient

# National ids that carry check digits (code system 8116).
NATIONAL_ID_TYPES = frozenset({"FNR", "DNR", "HNR", "FHN"})
# Person id types of 8116 acceptable for a patient; HPR and HER identify health personnel.
PATIENT_ID_TYPES = frozenset(ID_TYPES_8116) - {"HPR", "HER"}

_WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits: list[int], weights: tuple[int, ...]) -> int | None:
    """Mod-11 check digit, None when it would be 10 (such numbers are never issued)."""
    check = 11 - sum(d * w for d, w in zip(digits, weights)) % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def _is_eleven_digits(s: str) -> bool:
    return len(s) == 11 and s.isascii() and s.isdigit()


def valid_national_id_check_digits(s: str) -> bool:
    """True when s is 11 digits whose two mod-11 check digits are right (FNR/DNR/HNR/FHN)."""
    if not _is_eleven_digits(s):
        return False
    digits = [int(c) for c in s]
    return _mod11(digits[:9], _WEIGHTS_K1) == digits[9] and _mod11(digits[:10], _WEIGHTS_K2) == digits[10]


def _century(year2: int, individual: int) -> int | None:
    """Century from the individual number (Skatteetaten's allocation rules)."""
    if individual <= 499:
        return 1900
    if individual <= 749 and year2 >= 54:
        return 1800
    if individual >= 500 and year2 <= 39:
        return 2000
    if individual >= 900 and year2 >= 40:
        return 1900
    return None


def _birth_date(day: int, month: int, year2: int, individual: int) -> date | None:
    century = _century(year2, individual)
    if century is None:
        return None
    try:
        return date(century + year2, month, day)
    except ValueError:
        return None


def national_id_kind(s: str) -> str | None:
    """"FNR", "DNR", "HNR" or "FHN" from the structure of s (not its check digits), else None."""
    if not _is_eleven_digits(s):
        return None
    if s[0] in "89":
        return "FHN"
    day, month, year2, individual = int(s[0:2]), int(s[2:4]), int(s[4:6]), int(s[6:9])
    kind = "FNR"
    if day > 40:
        kind, day = "DNR", day - 40
    if month > 40:
        if kind == "DNR":
            return None
        kind, month = "HNR", month - 40
    return kind if _birth_date(day, month, year2, individual) else None


def make_national_id(birth: date, individual: int, kind: str = "FNR") -> str | None:
    """Build an FNR/DNR/HNR; None when this individual number gives a check digit of 10."""
    if kind not in ("FNR", "DNR", "HNR"):
        raise ValueError(f"cannot build a {kind!r} from a birth date; use FNR, DNR or HNR")
    if not 0 <= individual <= 999:
        raise ValueError(f"individual number must be 0..999, not {individual}")
    if _birth_date(birth.day, birth.month, birth.year % 100, individual) != birth:
        raise ValueError(f"individual number {individual:03d} is not used for people born in {birth.year}")
    day = birth.day + (40 if kind == "DNR" else 0)
    month = birth.month + (40 if kind == "HNR" else 0)
    digits = [int(c) for c in f"{day:02d}{month:02d}{birth.year % 100:02d}{individual:03d}"]
    k1 = _mod11(digits, _WEIGHTS_K1)
    if k1 is None:
        return None
    k2 = _mod11([*digits, k1], _WEIGHTS_K2)
    if k2 is None:
        return None
    return "".join(map(str, [*digits, k1, k2]))


def check_patient(patient: Patient | None, *, id_required: bool = True) -> list[KithError]:
    """Profile checks of MsgHead/MsgInfo/Patient, as AppRec errors (HIS 80415 §6.3).

    - no id: E30. With id_required=False a patient without id is accepted when date of birth and
      sex are given (Dialogmelding v1.1, HIS 80603:2017 §3.2; HIS 80415 §3.3.4 "Navn, fødselsdato
      og kjønn"). PLO requires name and id (HIS 80704 §4.1.1), hence the default.
    - id type missing or not a person id type of 8116, or a national id with a wrong structure or
      wrong check digits: E31.
    - family or given name missing: E32.

    A valid national id labelled with another national type (e.g. a D-number with TypeId FNR) is
    accepted: an invalid code value is no reason to reject a message (HIS 80415 §3.3.2).
    """
    if patient is None:
        absent = "MsgHead/MsgInfo/Patient is missing"
        return [KithError("E30", absent), KithError("E32", absent)]
    errors: list[KithError] = []
    pid, id_type = (patient.id or "").strip(), (patient.id_type or "").strip()
    if not pid:
        if id_required or not (patient.date_of_birth and patient.sex):
            errors.append(KithError("E30", "MsgHead/MsgInfo/Patient has no Ident (national id)"))
    elif not id_type:
        errors.append(KithError("E31", "Patient/Ident has no TypeId"))
    elif id_type not in PATIENT_ID_TYPES:
        errors.append(
            KithError("E31", f"Patient/Ident/TypeId {id_type!r} is not a patient id type of code system 8116")
        )
    elif id_type in NATIONAL_ID_TYPES:
        if national_id_kind(pid) is None:
            problem = "not 11 digits or no valid date"
            errors.append(KithError("E31", f"Patient/Ident/Id is not a valid {id_type}: {problem}"))
        elif not valid_national_id_check_digits(pid):
            errors.append(KithError("E31", f"Patient/Ident/Id has wrong check digits for a {id_type}"))
    names = (("FamilyName", patient.family_name), ("GivenName", patient.given_name))
    missing = [tag for tag, value in names if not (value or "").strip()]
    if missing:
        errors.append(KithError("E32", f"Patient has no {' and no '.join(missing)}"))
    return errors
