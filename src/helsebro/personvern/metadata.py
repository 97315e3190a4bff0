"""TbInnbyggerMetadata, by type (the rule is in ``helsebro.personvern.service``'s docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from helsebro._time import isoformat_z
from helsebro.personvern import errors
from helsebro.personvern.fields import parse_time
from helsebro.personvern.tables import TYPE_TILGANGSBEGRENSNING

METADATA = "TbInnbyggerMetadata"


def parse_metadata(raw: object, type_pi: str, aktiv: bool) -> dict[str, Any] | None:
    """The metadata in its canonical wire form (camelCase), or None when none was sent."""
    if raw is None:
        if type_pi == TYPE_TILGANGSBEGRENSNING and aktiv:
            raise errors.metadata_invalid(
                "påkrevd for en aktiv tilgangsbegrensning: detaljertAngivelse.navngittHelseperson med minst én helseperson"
            )
        return None
    if not isinstance(raw, Mapping):
        raise errors.metadata_invalid("må være et JSON-objekt")
    if type_pi == TYPE_TILGANGSBEGRENSNING:
        return {"detaljertAngivelse": {"navngittHelseperson": _named_personnel(raw)}}
    return {"tidsbegrensning": _time_limits(raw, type_pi)}


def _named_personnel(raw: Mapping[str, Any]) -> list[dict[str, str | None]]:
    details = raw.get("detaljertangivelse")
    if not isinstance(details, Mapping):
        raise errors.metadata_invalid("mangler detaljertAngivelse (et JSON-objekt)")
    people = details.get("navngitthelseperson")
    if not isinstance(people, list) or not people:
        raise errors.metadata_invalid("detaljertAngivelse.navngittHelseperson må være en liste med minst én helseperson")
    named = [_named_person(person) for person in people]
    numbers = [person["nummer"] for person in named]
    if len(set(numbers)) != len(numbers):
        raise errors.metadata_invalid("samme HPR-nummer står flere ganger i navngittHelseperson")
    return named


def _named_person(raw: object) -> dict[str, str | None]:
    if not isinstance(raw, Mapping):
        raise errors.metadata_invalid("hver navngittHelseperson må være et JSON-objekt med nummer og navn")
    nummer, navn = raw.get("nummer"), raw.get("navn")
    if not isinstance(nummer, str) or not nummer.isascii() or not nummer.isdigit() or len(nummer) > 9:
        raise errors.metadata_invalid(f"navngittHelseperson.nummer må være et HPR-nummer (1-9 sifre som tekst), ikke {nummer!r}")
    if navn is not None and not isinstance(navn, str):
        raise errors.metadata_invalid("navngittHelseperson.navn må være tekst")
    return {"nummer": nummer, "navn": navn}


def _time_limits(raw: Mapping[str, Any], type_pi: str) -> dict[str, str]:
    if "detaljertangivelse" in raw:
        raise errors.metadata_not_allowed(f"detaljertAngivelse (navngitt helsepersonell) gjelder bare tilgangsbegrensning, ikke {type_pi}")
    limits = raw.get("tidsbegrensning")
    if limits is None:
        raise errors.metadata_not_allowed(f"for {type_pi} kan {METADATA} bare angi innbyggerens egne tidsbegrensninger (tidsbegrensning)")
    if not isinstance(limits, Mapping):
        raise errors.metadata_invalid("tidsbegrensning må være et JSON-objekt med fraTidspunkt og/eller tilTidspunkt")
    bounds = {name: _limit(limits, name) for name in ("fraTidspunkt", "tilTidspunkt")}
    given = {name: when for name, when in bounds.items() if when is not None}
    if not given:
        raise errors.metadata_invalid("tidsbegrensning må ha fraTidspunkt, tilTidspunkt eller begge")
    if len(given) == 2 and given["fraTidspunkt"] >= given["tilTidspunkt"]:
        raise errors.metadata_invalid("tidsbegrensning.fraTidspunkt må være før tilTidspunkt")
    return {name: isoformat_z(when) for name, when in given.items()}


def _limit(limits: Mapping[str, Any], name: str) -> dt.datetime | None:
    value = limits.get(name.lower())
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.invalid_value(f"tidsbegrensning.{name}", value, "et ISO 8601-tidspunkt")
    return parse_time(f"tidsbegrensning.{name}", value)


def health_person_numbers(metadata: Mapping[str, Any] | None) -> list[str]:
    if not metadata or "detaljertAngivelse" not in metadata:
        return []
    return [person["nummer"] for person in metadata["detaljertAngivelse"]["navngittHelseperson"]]


def same_metadata(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Equal as settings: the named personnel is a set, so their order does not matter."""
    return _comparable(a) == _comparable(b)


def _comparable(metadata: Mapping[str, Any] | None) -> object:
    if not metadata or "detaljertAngivelse" not in metadata:
        return metadata or None
    people = metadata["detaljertAngivelse"]["navngittHelseperson"]
    return {"navngittHelseperson": sorted((p["nummer"], p.get("navn") or "") for p in people)}
