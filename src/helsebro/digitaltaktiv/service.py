"""Rules of the DigitaltAktiv checks (SPEC section 3). Bodies arrive with lower-cased keys. No HTTP here.

Each check takes a unit of work (``helsebro.unit_of_work``) over the ``Statuses`` repository, so its rules are
unit-tested without a database (tests/unit/test_digitaltaktiv_rules.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from helsebro.digitaltaktiv import errors
from helsebro.digitaltaktiv.repository import Statuses
from helsebro.identifiers import has_fnr_shape
from helsebro.registries.service import is_younger_than
from helsebro.unit_of_work import UnitOfWork

MAX_NUMBERS = 1000

# HelsenorgeAktivSjekken's omraade: the Swagger's string enum, and the Volven 7618 codes the written
# documentation uses (richardmax-visma/NHN_Documentation, APIs/HelsenorgeAktivSjekken, revision "validated
# to sources"). Matched case-insensitively, as ASP.NET's JsonStringEnumConverter reads.
HELSEHJELP, UNGDOM = "Helsehjelp", "Ungdom"
AKTIVSJEKK_OMRAADER = {3: HELSEHJELP, 6: UNGDOM}
_OMRAADE_NAMES = {name.lower(): name for name in AKTIVSJEKK_OMRAADER.values()}
# The youngest who can be digitally active themselves in each area: in Helsehjelp a child under 16 never is
# (they are reached via their parents); in Ungdom (school health services) a citizen from 13 may be.
SELF_FROM_AGE = {HELSEHJELP: 16, UNGDOM: 13}


def _fnr(value: Any) -> str:
    if not has_fnr_shape(value):
        raise errors.invalid_fnr(value, "et fødselsnummer er en streng med 11 sifre")
    return value


def _omraade(body: dict[str, Any]) -> int:
    """The older check's omraade: a positive integer."""
    value = body.get("omraade")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.invalid_omraade(value, "et positivt heltall")
    return value


def _aktivsjekk_omraade(body: dict[str, Any]) -> str:
    value = body.get("omraade")
    if isinstance(value, str) and value.strip().lower() in _OMRAADE_NAMES:
        return _OMRAADE_NAMES[value.strip().lower()]
    if isinstance(value, int) and not isinstance(value, bool) and value in AKTIVSJEKK_OMRAADER:
        return AKTIVSJEKK_OMRAADER[value]
    raise errors.invalid_omraade(value, "Helsehjelp, Ungdom (Volven 7618: 3, 6)")


def aktivsjekk(uow: UnitOfWork[Statuses], body: Any, today: dt.date) -> dict[str, Any]:
    """POST /digitaltaktiv/helsenorgeaktivsjekken/v1."""
    if not isinstance(body, dict):
        raise errors.invalid_request("Forespørselen må være et JSON-objekt med fnrListe og omraade")
    numbers = body.get("fnrliste")
    if not isinstance(numbers, list) or not numbers:
        raise errors.invalid_request("fnrListe må være en liste med minst ett fødselsnummer")
    if len(numbers) > MAX_NUMBERS:
        raise errors.too_many(len(numbers), MAX_NUMBERS)
    numbers = [_fnr(n) for n in numbers]
    self_from_age = SELF_FROM_AGE[_aktivsjekk_omraade(body)]
    with uow.reading() as repository:
        found = repository.statuses(numbers, today)
    return {
        "erAktivListe": {
            fnr: {
                "erDigitaltAktivSelv": status.er_aktiv_selv and not is_younger_than(fnr, self_from_age, today),
                "erDigitaltAktivViaAndre": status.er_aktiv_via_andre,
                "tildeltFullmakt": status.tildelt_fullmakt,
            }
            for fnr, status in found.items()
        }
    }


def digitalt_aktiv_omraade(uow: UnitOfWork[Statuses], body: Any, today: dt.date) -> dict[str, Any]:
    """POST /digitaltaktiv/v1/DigitaltAktivOmraade (the older single check)."""
    if not isinstance(body, dict):
        raise errors.invalid_request("Forespørselen må være et JSON-objekt med fnr og omraade")
    fnr = _fnr(body.get("fnr"))
    _omraade(body)
    with uow.reading() as repository:
        status, _known = repository.status_of(fnr, today)
    return {"fnr": fnr, "digitaltAktiv": status.digitalt_aktiv}
