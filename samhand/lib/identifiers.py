"""Check digits for Norwegian organisation numbers (Enhetsregisteret, mod 11)."""

from __future__ import annotations

_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def orgnr_check_digit(base: str) -> int | None:
    """Check digit for the first eight digits, or None when no digit fits (remainder 1)."""
    total = sum(int(d) * w for d, w in zip(base, _ORGNR_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def valid_orgnr(value: str) -> bool:
    if len(value) != 9 or not value.isdigit():
        return False
    return orgnr_check_digit(value[:8]) == int(value[8])


def make_orgnr(base: str) -> str:
    """Complete an eight-digit base to a valid organisation number (for fictitious demo data)."""
    digit = orgnr_check_digit(base)
    if digit is None:
        raise ValueError(f"no valid check digit for base {base}")
    return base + str(digit)
