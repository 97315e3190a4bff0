"""PVK requests, parsed and checked as far as possible without the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helsebro.personvern import errors
from helsebro.personvern.fields import (
    Proof,
    boolean,
    parse_definition_guid,
    parse_fnr,
    parse_proof,
    parse_set_at,
    parse_type_pi,
    required,
    string,
)
from helsebro.personvern.metadata import METADATA, parse_metadata

# Query parameters as ``{lower-cased name: [values]}`` (``helsebro.casing.query_lists``).
Params = dict[str, list[str]]


@dataclass(frozen=True)
class SettingChange:
    """SettInnbyggersPersonvernInnstilling."""

    fnr: str
    definition_guid: str
    part_kode: str
    type_pi: str
    aktiv: bool
    set_at: dt.datetime | None  # tidspunkt, when given
    metadata: dict[str, Any] | None
    proof: Proof | None


@dataclass(frozen=True)
class StatusQuery:
    """SjekkInnbyggersPiStatus."""

    fnr: str
    definition_guid: str
    part_kode: str


@dataclass(frozen=True)
class PartQuery:
    """HentInnbyggersPiForPart."""

    fnr: str
    part_kode: str


@dataclass(frozen=True)
class DefinitionQuery:
    """HentInnbyggereAktivePiForDefinisjon."""

    definition_guid: str
    part_kode: str
    paging_reference: int


def parse_setting_change(body: Mapping[str, Any], now: dt.datetime) -> SettingChange:
    fnr = parse_fnr(required(body, "innbyggerFnr"))
    guid = parse_definition_guid(required(body, "definisjonGuid"))
    string(body, "definisjonNavn", required=False)  # superfluous (seed), but must be text when given
    part_kode = required(body, "partKode")
    type_pi = parse_type_pi(required(body, "typePi"))
    aktiv = boolean(body, "aktiv")
    set_at = parse_set_at(string(body, "tidspunkt", required=False), now)
    metadata = parse_metadata(body.get(METADATA.lower()), type_pi, aktiv)
    return SettingChange(fnr, guid, part_kode, type_pi, aktiv, set_at, metadata, parse_proof(body))


def parse_status_query(body: Mapping[str, Any]) -> StatusQuery:
    fnr = parse_fnr(required(body, "innbyggerFnr"))
    guid = parse_definition_guid(required(body, "definisjonGuid"))
    string(body, "definisjonNavn", required=False)
    return StatusQuery(fnr, guid, required(body, "partKode"))


def parse_part_query(body: Mapping[str, Any]) -> PartQuery:
    return PartQuery(parse_fnr(required(body, "innbyggerFnr")), required(body, "partKode"))


def parse_definition_query(params: Params) -> DefinitionQuery:
    guid = parse_definition_guid(_first_required(params, "definisjonGuid"))
    part_kode = _first_required(params, "partKode")
    raw_reference = _first(params, "pagingReference")
    reference = 0 if raw_reference is None else _paging_reference(raw_reference)
    return DefinitionQuery(guid, part_kode, reference)


def _first(params: Params, name: str) -> str | None:
    """The first value of a single-valued parameter; an empty value counts as not given."""
    values = params.get(name.lower())
    return values[0] if values and values[0].strip() else None


def _first_required(params: Params, name: str) -> str:
    value = _first(params, name)
    if value is None:
        raise errors.field_missing(name)
    return value


def _paging_reference(raw: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) >= 2**63:
        raise errors.invalid_value("pagingReference", raw, "0 eller sekvensnummeret fra forrige side")
    return int(text)
