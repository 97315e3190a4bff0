"""Rules of PVK, the privacy settings component (seed 003, SPEC section 4), over the database. No HTTP in here.

A call goes: the body through ``bodies.parse_body`` (JSON objects with lower-cased property names: ASP.NET
binds property names case-insensitively), then ``inputs.parse_*`` into a request (fields in ``fields``,
TbInnbyggerMetadata in ``metadata``), then one of the functions here.

Decisions where the seed is silent (ours):

- The seed's own examples carry two copy-paste artefacts (typographic quotes, a trailing comma); see
  ``helsebro.personvern.bodies`` for what is repaired and how the caller is told.
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

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from helsebro._time import as_utc, isoformat_z
from helsebro.auth.clients import get_client
from helsebro.digitaltaktiv import changes
from helsebro.identifiers import fnr_problem
from helsebro.personvern import errors
from helsebro.personvern.inputs import DefinitionQuery, PartQuery, SettingChange, StatusQuery
from helsebro.personvern.metadata import METADATA, health_person_numbers, same_metadata
from helsebro.personvern.tables import TYPE_SAMTYKKE, pvk_definisjon, pvk_historikk, pvk_innstilling
from helsebro.registries import service as registries

ENDRET, IKKE_ENDRET = "endret", "ikkeEndret"
ACTIVE_PAGE_SIZE = 1000  # HentInnbyggereAktivePiForDefinisjon: settings per page
HELSENORGE_PART = "HN"  # the part whose samtykke is the Helsenorge consent behind DigitaltAktiv
ALL_PARTS = "*"
_LAST_SEKVENSNUMMER = 2**31 - 1  # the column is a 32-bit integer: a reference past it is past the end


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
