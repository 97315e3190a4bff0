"""Rules of the DigitaltAktiv checks (SPEC section 3). Bodies arrive with lower-cased keys. No HTTP here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro.digitaltaktiv import errors
from helsebro.digitaltaktiv.status import statuses
from helsebro.identifiers import has_fnr_shape

MAX_NUMBERS = 1000
AKTIVSJEKK_OMRAADER = {3: "Helsehjelp", 6: "Ungdom"}


def _fnr(value: Any) -> str:
    if not has_fnr_shape(value):
        raise errors.invalid_fnr(value, "et fødselsnummer er en streng med 11 sifre")
    return value


def _omraade(body: dict[str, Any], allowed: dict[int, str] | None) -> int:
    value = body.get("omraade")
    if isinstance(value, bool) or not isinstance(value, int):
        described = ", ".join(f"{k} ({v})" for k, v in allowed.items()) if allowed else "et positivt heltall"
        raise errors.invalid_omraade(value, described)
    if allowed is not None and value not in allowed:
        raise errors.invalid_omraade(value, ", ".join(f"{k} ({v})" for k, v in allowed.items()))
    if value < 1:
        raise errors.invalid_omraade(value, "et positivt heltall")
    return value


def aktivsjekk(engine: sa.Engine, body: Any, today: dt.date) -> dict[str, Any]:
    """POST /digitaltaktiv/helsenorgeaktivsjekken/v1."""
    if not isinstance(body, dict):
        raise errors.invalid_request("Forespørselen må være et JSON-objekt med fnrListe og omraade")
    numbers = body.get("fnrliste")
    if not isinstance(numbers, list) or not numbers:
        raise errors.invalid_request("fnrListe må være en liste med minst ett fødselsnummer")
    if len(numbers) > MAX_NUMBERS:
        raise errors.too_many(len(numbers), MAX_NUMBERS)
    numbers = [_fnr(n) for n in numbers]
    _omraade(body, AKTIVSJEKK_OMRAADER)
    with db.read(engine) as conn:
        found = statuses(conn, numbers, today)
    return {
        "erAktivListe": {
            fnr: {
                "erAktivSelv": status.er_aktiv_selv,
                "erAktivViaAndre": status.er_aktiv_via_andre,
                "tildeltFullmakt": status.tildelt_fullmakt,
            }
            for fnr, status in found.items()
        }
    }


def digitalt_aktiv_omraade(engine: sa.Engine, body: Any, today: dt.date) -> dict[str, Any]:
    """POST /digitaltaktiv/v1/DigitaltAktivOmraade (the older single check)."""
    if not isinstance(body, dict):
        raise errors.invalid_request("Forespørselen må være et JSON-objekt med fnr og omraade")
    fnr = _fnr(body.get("fnr"))
    _omraade(body, None)
    with db.read(engine) as conn:
        status = statuses(conn, [fnr], today)[fnr]
    return {"fnr": fnr, "digitaltAktiv": status.digitalt_aktiv}
