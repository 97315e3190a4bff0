"""Norwegian identifiers: fødselsnummer (with D-numbers and synthetic test numbers), organisasjonsnummer.

python-stdnum does the check digits and the century rules; this module adds the synthetic test forms the
national test environments use (month + 40 from NAV/Skatteetaten, month + 80 from Tenor), and a way to make
valid numbers for test data.
"""

from __future__ import annotations

import datetime as dt
import enum
import re

from stdnum.no import fodselsnummer as _fnr
from stdnum.no import orgnr as _orgnr


class FnrKind(enum.Enum):
    FNR = "fnr"
    DNR = "dnr"  # day + 40
    SYNTHETIC = "syntetisk"  # month + 40 (NAV/Skatteetaten test numbers)
    TENOR = "tenor"  # month + 80 (Skatteetaten's Tenor test numbers)


def has_fnr_shape(value: object) -> bool:
    return isinstance(value, str) and len(value) == 11 and value.isascii() and value.isdigit()


def check_digits_ok(value: str) -> bool:
    if not has_fnr_shape(value):
        return False
    return _fnr.calc_check_digit1(value[:9]) == value[9] and _fnr.calc_check_digit2(value[:10]) == value[10]


def kind_of(value: str) -> FnrKind:
    day, month = int(value[0:2]), int(value[2:4])
    if day > 40:
        return FnrKind.DNR
    if month > 80:
        return FnrKind.TENOR
    if month > 40:
        return FnrKind.SYNTHETIC
    return FnrKind.FNR


def birth_date(value: str) -> dt.date | None:
    """The birth date a number encodes (any of the four kinds), or None when it encodes none."""
    if not has_fnr_shape(value):
        return None
    day, month = int(value[0:2]), int(value[2:4])
    day -= 40 if day > 40 else 0
    month -= 80 if month > 80 else (40 if month > 40 else 0)
    year, individual = int(value[4:6]), int(value[6:9])
    if individual < 500:
        year += 1900
    elif individual < 750 and year >= 54:
        year += 1800
    elif individual < 1000 and year < 40:
        year += 2000
    elif 900 <= individual < 1000 and year >= 40:
        year += 1900
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def is_valid_fnr(value: object) -> bool:
    """11 digits, both check digits right, and a real birth date in one of the four forms."""
    return isinstance(value, str) and check_digits_ok(value) and birth_date(value) is not None


def fnr_problem(value: object) -> str | None:
    """Why a value is not a valid number, in words a developer can act on; None when it is valid."""
    if not has_fnr_shape(value):
        return "et fødselsnummer har 11 sifre"
    assert isinstance(value, str)
    if birth_date(value) is None:
        return "fødselsnummeret har ingen gyldig fødselsdato"
    if not check_digits_ok(value):
        return "kontrollsifrene i fødselsnummeret stemmer ikke"
    return None


def make_fnr(born: dt.date, individual: int, kind: FnrKind = FnrKind.TENOR) -> str | None:
    """A number for this birth date and individual number, or None if no check digit exists for it."""
    day, month = born.day, born.month
    if kind is FnrKind.DNR:
        day += 40
    elif kind is FnrKind.SYNTHETIC:
        month += 40
    elif kind is FnrKind.TENOR:
        month += 80
    base = f"{day:02d}{month:02d}{born.year % 100:02d}{individual:03d}"
    first = _fnr.calc_check_digit1(base)
    if len(first) != 1:
        return None
    second = _fnr.calc_check_digit2(base + first)
    if len(second) != 1:
        return None
    number = base + first + second
    return number if birth_date(number) == born else None


def is_valid_orgnr(value: object) -> bool:
    return isinstance(value, str) and len(value) == 9 and value.isdigit() and _orgnr.is_valid(value)


# -- showing numbers to people: enough to tell test persons apart, never the whole fødselsnummer ----------

_ELEVEN_DIGITS = re.compile(r"(?<!\d)(\d{6})\d{5}(?!\d)")


def mask_fnr(fnr: str | None) -> str:
    """``120486*****``; anything that is not eleven digits is starred whole."""
    if not fnr:
        return ""
    return fnr[:6] + "*****" if len(fnr) == 11 and fnr.isdigit() else "*" * min(len(fnr), 11)


def mask_numbers(text: str | None) -> str:
    """Free text with every run of exactly eleven digits masked (it may be a fødselsnummer)."""
    return _ELEVEN_DIGITS.sub(r"\1*****", text or "")
