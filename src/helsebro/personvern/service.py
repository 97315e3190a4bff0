"""Rules of PVK, the privacy settings component (seed 003, SPEC section 4). No HTTP in here.

Request bodies arrive as bytes and leave ``parse_body`` as JSON objects with lower-cased property names
(``helsebro.casing.lower_keys``): ASP.NET binds property names case-insensitively. Query parameters arrive
as ``{lower-cased name: [values]}`` (``helsebro.casing.query_lists``).

Decisions where the seed is silent (ours):

- The seed's own examples carry two copy-paste artefacts: typographic quotes around values (“samtykke”)
  and a trailing comma before ``}``. A body that is not JSON is repaired for exactly these two, outside
  JSON strings, and parsed again; the caller is told what was repaired (``ParsedBody.repairs``). Anything
  else that is not JSON is refused.
- ``TbInnbyggerMetadata`` (the seed: "only when the definition is a tilgangsbegrensning, or the setting is a
  samtykke or reservasjon and the citizen has set their own time limits"):
  * tilgangsbegrensning: ``{"detaljertAngivelse": {"navngittHelseperson": [{"nummer", "navn"}]}}``,
    required when ``aktiv`` is true, at least one person, each HPR number once and known to the HPR.
    A new call replaces the whole list; the same people in another order is no change.
  * samtykke and reservasjon: only the citizen's own time limits, as
    ``{"tidsbegrensning": {"fraTidspunkt", "tilTidspunkt"}}`` (ISO 8601, at least one, from before to).
    The seed lost that structure's real field names, so these are ours. helsebro stores and returns the
    limits; it does not expire the setting by them.
  * With ``aktiv`` false the setting is removed: metadata may still be sent, is checked by the same rules,
    and is not stored.
  Unknown properties inside the metadata are ignored, as ASP.NET binding ignores them.
- ``definisjonNavn`` is not compared (the seed calls it superfluous: the guid is unique); ``partKode`` and
  ``typePi`` must be those of the definition. Part codes and ``typePi`` match case-insensitively.
- ``tidspunkt`` (when the value was set in the external system) becomes the setting's
  ``sistEndretTidspunkt``; without it, the time of the call. Up to ``FUTURE_TOLERANCE`` ahead is accepted
  (client clocks drift); more is refused.
- A number with wrong check digits that is in the population registry is accepted (the seed's citizen
  12048645510 is one); one that is not gets a message saying what is wrong with it.
- ``aktiv`` is required and must be a JSON boolean: a missing one is not taken as false (which would
  silently withdraw a consent).
- Every endpoint checks in this order: the definition (400 EPVK-101500), the client's right to the part
  (403), the citizen (400). A client cannot learn who is in the registry through a part it may not use.
- ``returKode`` is always ``ok`` on 200: every failure is an error body with its own status.
- HentInnbyggersPiForPart lists the citizen's active settings only (SPEC: "active settings").
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from helsebro._time import as_utc, isoformat_z
from helsebro.auth.clients import get_client
from helsebro.casing import lower_keys
from helsebro.digitaltaktiv import changes
from helsebro.identifiers import fnr_problem, has_fnr_shape
from helsebro.personvern import errors
from helsebro.personvern.tables import (
    TYPE_RESERVASJON,
    TYPE_SAMTYKKE,
    TYPE_TILGANGSBEGRENSNING,
    pvk_definisjon,
    pvk_historikk,
    pvk_innstilling,
)
from helsebro.registries import service as registries

TYPES = (TYPE_SAMTYKKE, TYPE_RESERVASJON, TYPE_TILGANGSBEGRENSNING)
ENDRET, IKKE_ENDRET = "endret", "ikkeEndret"
ACTIVE_PAGE_SIZE = 1000  # HentInnbyggereAktivePiForDefinisjon: settings per page
FUTURE_TOLERANCE = dt.timedelta(seconds=60)
HELSENORGE_PART = "HN"  # the part whose samtykke is the Helsenorge consent behind DigitaltAktiv
ALL_PARTS = "*"
_LAST_SEKVENSNUMMER = 2**31 - 1  # the column is a 32-bit integer: a reference past it is past the end

Params = dict[str, list[str]]


# ----------------------------------------------------------------------------------------------------
# Request bodies: strict JSON, or the seed's two copy-paste artefacts repaired.

REPAIRED_QUOTES = "typographic quotes replaced by ASCII quotes"
REPAIRED_TRAILING_COMMA = "trailing comma removed"

_TYPOGRAPHIC_QUOTES = "\u201c\u201d"  # “ and ”; editors use either at either end
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_TYPOGRAPHIC_STRING = re.compile(r"[\u201c\u201d]([^\u201c\u201d]*)[\u201c\u201d]")
_WHITESPACE = re.compile(r"[ \t\r\n]*")


@dataclass(frozen=True)
class ParsedBody:
    value: dict[str, Any]  # property names lower-cased
    repairs: tuple[str, ...]  # what was repaired before parsing, empty for strict JSON


def parse_body(raw: bytes) -> ParsedBody:
    if not raw.strip():
        raise errors.body_invalid("request body mangler")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise errors.body_invalid("request body er ikke UTF-8") from None
    value, repairs = _loads_repairing(text)
    if not isinstance(value, dict):
        raise errors.body_invalid("forventet et JSON-objekt")
    return ParsedBody(lower_keys(value), repairs)


def _loads_repairing(text: str) -> tuple[Any, tuple[str, ...]]:
    try:
        return orjson.loads(text), ()
    except orjson.JSONDecodeError:
        pass
    repaired, repairs = repair_json(text)
    try:
        return orjson.loads(repaired), repairs
    except orjson.JSONDecodeError:
        raise errors.body_invalid("request body er ikke gyldig JSON") from None


def repair_json(text: str) -> tuple[str, tuple[str, ...]]:
    """Typographic double quotes around a value become ASCII quotes, and a comma right before ``}`` or
    ``]`` goes; both only outside JSON strings, so text inside a proper string is never touched."""
    out: list[str] = []
    repairs: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == '"':
            string = _JSON_STRING.match(text, position)
            end = string.end() if string else len(text)
            out.append(text[position:end])
            position = end
        elif char in _TYPOGRAPHIC_QUOTES and (typographic := _TYPOGRAPHIC_STRING.match(text, position)):
            out.append(orjson.dumps(typographic.group(1)).decode())
            _note(repairs, REPAIRED_QUOTES)
            position = typographic.end()
        elif char == "," and _closes_next(text, position + 1):
            _note(repairs, REPAIRED_TRAILING_COMMA)
            position += 1
        else:
            out.append(char)
            position += 1
    return "".join(out), tuple(repairs)


def _closes_next(text: str, position: int) -> bool:
    """Whether the next character after any whitespace ends an object or array."""
    following = _WHITESPACE.match(text, position).end()
    return text[following : following + 1] in ("}", "]")


def _note(repairs: list[str], repair: str) -> None:
    if repair not in repairs:
        repairs.append(repair)


# ----------------------------------------------------------------------------------------------------
# Reading fields of a (lower-cased) body.


def _string(body: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name.lower())
    if value is None:
        if required:
            raise errors.field_missing(name)
        return None
    if not isinstance(value, str):
        raise errors.invalid_value(name, value, "en tekststreng")
    if required and not value.strip():
        raise errors.field_missing(name)
    return value


def _required(body: Mapping[str, Any], name: str) -> str:
    value = _string(body, name)
    assert value is not None
    return value


def _boolean(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name.lower())
    if value is None:
        raise errors.field_missing(name)
    if not isinstance(value, bool):
        raise errors.invalid_value(name, value, "true eller false")
    return value


def parse_fnr(value: str) -> str:
    """The shape only: whether the number names a person is the registry's to say (``_require_citizen``)."""
    if not has_fnr_shape(value):
        raise errors.invalid_fnr("et fødselsnummer har 11 sifre")
    return value


# The forms .NET's Guid.Parse accepts (N, D, B, P), ASCII hex only.
_D = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID = re.compile(rf"[0-9a-fA-F]{{32}}|{_D}|\{{{_D}\}}|\({_D}\)")


def parse_definition_guid(value: str) -> str:
    """A guid in lower-case D form, as definitions are stored and as .NET writes guids. The seed types the
    field as a string, so one that is no guid names no definition: EPVK-101500, as for an unknown one."""
    if not _GUID.fullmatch(value.strip()):
        raise errors.unknown_definition(repr(value[:60]) + " (ikke en GUID)")
    return str(uuid.UUID(hex=re.sub(r"[^0-9a-fA-F]", "", value)))


def parse_type_pi(value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in TYPES:
        raise errors.unknown_type_pi(value)
    return lowered


def parse_time(name: str, value: str) -> dt.datetime:
    """ISO 8601; a time without an offset is UTC (SPEC section 0)."""
    try:
        return as_utc(dt.datetime.fromisoformat(value.strip()))
    except ValueError:
        raise errors.invalid_value(name, value, "et ISO 8601-tidspunkt, f.eks. 2023-12-07T08:05:39Z") from None


def parse_set_at(value: str | None, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    when = parse_time("tidspunkt", value)
    if when > now + FUTURE_TOLERANCE:
        raise errors.time_in_future(value)
    return when


# ----------------------------------------------------------------------------------------------------
# The signed proof kept with a change.

_MIME_TYPE = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/[A-Za-z0-9][\w!#$&^.+-]*(\s*;.*)?")
_BASE64_SPACE = re.compile(r"[\r\n\t ]")


@dataclass(frozen=True)
class Proof:
    mime_type: str
    content: str  # base64, as received


def parse_proof(body: Mapping[str, Any]) -> Proof | None:
    mime_type = _string(body, "signertBevisMimeType", required=False)
    content = _string(body, "signertBevisInnhold", required=False)
    if mime_type is None and content is None:
        return None
    if mime_type is None or content is None:
        raise errors.proof_incomplete()
    if len(mime_type) > 100 or not _MIME_TYPE.fullmatch(mime_type.strip()):
        raise errors.proof_invalid(f"signertBevisMimeType er ikke en MIME-type: {mime_type[:100]!r}")
    if not is_base64(content):
        raise errors.proof_invalid("signertBevisInnhold er ikke gyldig base64")
    return Proof(mime_type.strip(), content)


def is_base64(value: str) -> bool:
    """Standard base64 with padding; line breaks allowed (proofs are often wrapped); never empty."""
    compact = _BASE64_SPACE.sub("", value)
    if not compact or len(compact) % 4:  # b64decode alone lets surplus padding through
        return False
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


# ----------------------------------------------------------------------------------------------------
# TbInnbyggerMetadata, by type (see the module docstring for the rule).

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
        raise errors.metadata_invalid(
            f"navngittHelseperson.nummer må være et HPR-nummer (1-9 sifre som tekst), ikke {nummer!r}"
        )
    if navn is not None and not isinstance(navn, str):
        raise errors.metadata_invalid("navngittHelseperson.navn må være tekst")
    return {"nummer": nummer, "navn": navn}


def _time_limits(raw: Mapping[str, Any], type_pi: str) -> dict[str, str]:
    if "detaljertangivelse" in raw:
        raise errors.metadata_not_allowed(
            f"detaljertAngivelse (navngitt helsepersonell) gjelder bare tilgangsbegrensning, ikke {type_pi}"
        )
    limits = raw.get("tidsbegrensning")
    if limits is None:
        raise errors.metadata_not_allowed(
            f"for {type_pi} kan {METADATA} bare angi innbyggerens egne tidsbegrensninger (tidsbegrensning)"
        )
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


# ----------------------------------------------------------------------------------------------------
# Requests, parsed and checked as far as possible without the database.


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
    fnr = parse_fnr(_required(body, "innbyggerFnr"))
    guid = parse_definition_guid(_required(body, "definisjonGuid"))
    _string(body, "definisjonNavn", required=False)  # superfluous (seed), but must be text when given
    part_kode = _required(body, "partKode")
    type_pi = parse_type_pi(_required(body, "typePi"))
    aktiv = _boolean(body, "aktiv")
    set_at = parse_set_at(_string(body, "tidspunkt", required=False), now)
    metadata = parse_metadata(body.get(METADATA.lower()), type_pi, aktiv)
    return SettingChange(fnr, guid, part_kode, type_pi, aktiv, set_at, metadata, parse_proof(body))


def parse_status_query(body: Mapping[str, Any]) -> StatusQuery:
    fnr = parse_fnr(_required(body, "innbyggerFnr"))
    guid = parse_definition_guid(_required(body, "definisjonGuid"))
    _string(body, "definisjonNavn", required=False)
    return StatusQuery(fnr, guid, _required(body, "partKode"))


def parse_part_query(body: Mapping[str, Any]) -> PartQuery:
    return PartQuery(parse_fnr(_required(body, "innbyggerFnr")), _required(body, "partKode"))


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


# ----------------------------------------------------------------------------------------------------
# Facts from the database.


@dataclass(frozen=True)
class Definition:
    guid: str
    navn: str
    part_kode: str
    type_pi: str
    omfang_elementer: list[dict[str, Any]]
    aktiv_fra: dt.date | None
    aktiv_til: dt.date | None

    @property
    def is_helsenorge_consent(self) -> bool:
        """The citizen's own Helsenorge consent: what DigitaltAktiv's "aktiv selv" stands on (SPEC 3)."""
        return self.part_kode.upper() == HELSENORGE_PART and self.type_pi == TYPE_SAMTYKKE

    def active_on(self, day: dt.date) -> bool:
        return (self.aktiv_fra is None or self.aktiv_fra <= day) and (self.aktiv_til is None or day <= self.aktiv_til)


@dataclass(frozen=True)
class Setting:
    sekvensnummer: int
    aktiv: bool
    metadata: dict[str, Any] | None
    set_at: dt.datetime
    created_at: dt.datetime


def _definition_from(row: Any) -> Definition:
    return Definition(
        row.guid, row.navn, row.part_kode, row.type_pi, list(row.omfang_elementer or []), row.aktiv_fra, row.aktiv_til
    )


def _setting_from(row: Any) -> Setting:
    return Setting(row.sekvensnummer, row.aktiv, row.metadata, as_utc(row.tidspunkt), as_utc(row.created_at))


def get_definition(conn: sa.Connection, guid: str) -> Definition | None:
    row = conn.execute(sa.select(pvk_definisjon).where(pvk_definisjon.c.guid == guid)).first()
    return _definition_from(row) if row else None


def definitions_of_part(conn: sa.Connection, part_kode: str) -> list[Definition]:
    query = sa.select(pvk_definisjon).where(sa.func.lower(pvk_definisjon.c.part_kode) == part_kode.lower())
    return [_definition_from(row) for row in conn.execute(query.order_by(pvk_definisjon.c.navn))]


def _setting_query(fnr: str, guid: str) -> sa.Select:
    return sa.select(pvk_innstilling).where(
        (pvk_innstilling.c.innbygger_fnr == fnr) & (pvk_innstilling.c.definisjon_guid == guid)
    )


def get_setting(conn: sa.Connection, fnr: str, guid: str) -> Setting | None:
    row = conn.execute(_setting_query(fnr, guid)).first()
    return _setting_from(row) if row else None


def _locked_setting(conn: sa.Connection, fnr: str, guid: str) -> Setting | None:
    """The current value, locked until commit on PostgreSQL (SQLite writers are serial already)."""
    row = conn.execute(_setting_query(fnr, guid).with_for_update()).first()
    return _setting_from(row) if row else None


# ----------------------------------------------------------------------------------------------------
# Checks every endpoint makes, in this order: definition (400), the client's part right (403), citizen (400).


def same_part(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def may_use_part(pvk_parts: tuple[str, ...] | list[str], part_kode: str) -> bool:
    return any(part == ALL_PARTS or same_part(part, part_kode) for part in pvk_parts)


def require_definition(conn: sa.Connection, guid: str, part_kode: str, type_pi: str | None = None) -> Definition:
    definition = get_definition(conn, guid)
    if definition is None:
        raise errors.unknown_definition(guid)
    if not same_part(part_kode, definition.part_kode):
        raise errors.definition_mismatch(
            f"partKode {part_kode!r} stemmer ikke med definisjonen {guid} (partKode {definition.part_kode})"
        )
    if type_pi is not None and type_pi != definition.type_pi:
        raise errors.definition_mismatch(
            f"typePi {type_pi!r} stemmer ikke med definisjonen {guid} (typePi {definition.type_pi})"
        )
    return definition


def require_part_right(conn: sa.Connection, client_id: str | None, part_kode: str) -> None:
    """Scopes say which endpoints a client may call; its registered part codes say for which parts."""
    client = get_client(conn, client_id) if client_id else None
    if client is None or not may_use_part(client.pvk_parts, part_kode):
        raise errors.part_forbidden()


def require_citizen(conn: sa.Connection, fnr: str) -> None:
    """The registry decides; a number it does not know gets told why it is not valid, when it is not."""
    if registries.get_citizen(conn, fnr) is not None:
        return
    problem = fnr_problem(fnr)
    raise errors.invalid_fnr(problem) if problem else errors.citizen_not_found()


def require_known_health_personnel(conn: sa.Connection, metadata: Mapping[str, Any] | None) -> None:
    for nummer in health_person_numbers(metadata):
        if registries.get_health_person(conn, nummer) is None:
            raise errors.unknown_health_person(nummer)


# ----------------------------------------------------------------------------------------------------
# SettInnbyggersPersonvernInnstilling


def is_unchanged(current: Setting | None, aktiv: bool, metadata: Mapping[str, Any] | None) -> bool:
    """ikkeEndret: the value is already so, or a setting that never existed is withdrawn (seed)."""
    if current is None:
        return not aktiv
    return current.aktiv == aktiv and same_metadata(current.metadata, metadata)


def set_setting(conn: sa.Connection, client_id: str | None, change: SettingChange, now: dt.datetime) -> str:
    """Apply one change in the caller's transaction; ``endret`` or ``ikkeEndret``. Raises before writing."""
    definition = require_definition(conn, change.definition_guid, change.part_kode, change.type_pi)
    require_part_right(conn, client_id, definition.part_kode)
    if not definition.active_on(now.date()):
        raise errors.definition_not_active(definition.guid)
    require_citizen(conn, change.fnr)
    require_known_health_personnel(conn, change.metadata)
    return _apply(conn, client_id, definition, change, now)


def _apply(conn: sa.Connection, client_id: str | None, definition: Definition, change: SettingChange, now: dt.datetime) -> str:
    stored_metadata = change.metadata if change.aktiv else None  # a removed setting keeps no metadata
    current = _locked_setting(conn, change.fnr, definition.guid)
    if is_unchanged(current, change.aktiv, stored_metadata):
        return IKKE_ENDRET
    set_at = change.set_at or now
    values = {"aktiv": change.aktiv, "metadata": stored_metadata, "tidspunkt": set_at}
    if current is None:
        if not _insert_setting(conn, change.fnr, definition.guid, values):
            # Another writer created it between our read and our insert: decide again against theirs.
            return _apply(conn, client_id, definition, change, now)
    else:
        conn.execute(
            sa.update(pvk_innstilling).where(pvk_innstilling.c.sekvensnummer == current.sekvensnummer).values(**values)
        )
    _write_history(conn, client_id, definition, change, current, stored_metadata, set_at)
    if definition.is_helsenorge_consent:
        _record_digitaltaktiv_change(conn, change.fnr, now.date())
    return ENDRET


def _insert_setting(conn: sa.Connection, fnr: str, guid: str, values: dict[str, Any]) -> bool:
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(pvk_innstilling)
    statement = insert.values(innbygger_fnr=fnr, definisjon_guid=guid, **values).on_conflict_do_nothing(
        index_elements=["innbygger_fnr", "definisjon_guid"]
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT through SQLAlchemy.
    return conn.execute(statement.returning(pvk_innstilling.c.sekvensnummer)).first() is not None


def _write_history(
    conn: sa.Connection,
    client_id: str | None,
    definition: Definition,
    change: SettingChange,
    current: Setting | None,
    stored_metadata: dict[str, Any] | None,
    set_at: dt.datetime,
) -> None:
    conn.execute(
        sa.insert(pvk_historikk).values(
            innbygger_fnr=change.fnr,
            definisjon_guid=definition.guid,
            client_id=client_id,
            tidspunkt=set_at,
            gammel_aktiv=current.aktiv if current else None,
            ny_aktiv=change.aktiv,
            gammel_metadata=current.metadata if current else None,
            ny_metadata=stored_metadata,
            signert_bevis_mime_type=change.proof.mime_type if change.proof else None,
            signert_bevis_innhold=change.proof.content if change.proof else None,
        )
    )


def _record_digitaltaktiv_change(conn: sa.Connection, fnr: str, today: dt.date) -> None:
    """The citizen's own status changes, and so may that of everyone they act for: their children and
    those who gave them a power of attorney ("aktiv via andre")."""
    affected = [fnr, *registries.children_of(conn, fnr), *registries.principals_of(conn, fnr, today)]
    changes.record(conn, affected)


# ----------------------------------------------------------------------------------------------------
# Reads


def check_status(conn: sa.Connection, client_id: str | None, query: StatusQuery) -> dict[str, Any]:
    """SjekkInnbyggersPiStatus: a setting never given is not active, and has no time."""
    definition = require_definition(conn, query.definition_guid, query.part_kode)
    require_part_right(conn, client_id, definition.part_kode)
    require_citizen(conn, query.fnr)
    setting = get_setting(conn, query.fnr, definition.guid)
    return {
        "innbyggerFnr": query.fnr,
        "definisjonGuid": definition.guid,
        "aktiv": bool(setting and setting.aktiv),
        "sistEndretTidspunkt": isoformat_z(setting.set_at) if setting else None,
    }


def settings_for_part(conn: sa.Connection, client_id: str | None, query: PartQuery) -> list[dict[str, Any]]:
    """HentInnbyggersPiForPart: the citizen's active settings among the part's definitions."""
    definitions = {d.guid: d for d in definitions_of_part(conn, query.part_kode)}
    if not definitions:
        raise errors.unknown_part(query.part_kode)
    require_part_right(conn, client_id, query.part_kode)
    require_citizen(conn, query.fnr)
    rows = conn.execute(
        sa.select(pvk_innstilling)
        .where(
            (pvk_innstilling.c.innbygger_fnr == query.fnr)
            & pvk_innstilling.c.definisjon_guid.in_(list(definitions))
            & pvk_innstilling.c.aktiv.is_(True)
        )
        .order_by(pvk_innstilling.c.sekvensnummer)
    )
    return [_part_setting_body(definitions[row.definisjon_guid], _setting_from(row)) for row in rows]


def _part_setting_body(definition: Definition, setting: Setting) -> dict[str, Any]:
    body: dict[str, Any] = {
        "definisjonGuid": definition.guid,
        "definisjonNavn": definition.navn,
        "typePi": definition.type_pi,
        "aktiv": setting.aktiv,
        "sistEndretTidspunkt": isoformat_z(setting.set_at),
    }
    if setting.metadata:
        body[METADATA] = setting.metadata
    return body


def active_for_definition(conn: sa.Connection, client_id: str | None, query: DefinitionQuery) -> dict[str, Any]:
    """HentInnbyggereAktivePiForDefinisjon: active settings in sekvensnummer order, one page after
    ``pagingReference``. The answer's pagingReference is the page's last sekvensnummer, or 0 on the last page."""
    definition = require_definition(conn, query.definition_guid, query.part_kode)
    require_part_right(conn, client_id, definition.part_kode)
    page_size = ACTIVE_PAGE_SIZE
    rows = conn.execute(
        sa.select(pvk_innstilling)
        .where(
            (pvk_innstilling.c.definisjon_guid == definition.guid)
            & pvk_innstilling.c.aktiv.is_(True)
            & (pvk_innstilling.c.sekvensnummer > min(query.paging_reference, _LAST_SEKVENSNUMMER))
        )
        .order_by(pvk_innstilling.c.sekvensnummer)
        .limit(page_size + 1)  # one more than a page tells whether another page follows
    ).all()
    page = rows[:page_size]
    return {
        "definisjonGuid": definition.guid,
        "definisjonNavn": definition.navn,
        "partKode": definition.part_kode,
        "typePi": definition.type_pi,
        "reFasteMetadata": {"omfangElementer": definition.omfang_elementer},
        "pagingReference": page[-1].sekvensnummer if len(rows) > page_size else 0,
        "personvernInnstillinger": [_active_setting_body(row) for row in page],
    }


def _active_setting_body(row: Any) -> dict[str, Any]:
    setting = _setting_from(row)
    return {
        "innbyggerFnr": row.innbygger_fnr,
        "sekvensnummer": setting.sekvensnummer,
        "opprettetTidspunkt": isoformat_z(setting.created_at),
        "sistEndretTidspunkt": isoformat_z(setting.set_at),
    }
