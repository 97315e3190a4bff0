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

from helsebro._time import as_utc, isoformat_z, utcnow
from helsebro.auth.clients import get_client, pvk_parts_of
from helsebro.identifiers import fnr_problem
from helsebro.personvern import errors
from helsebro.personvern.consent import HELSENORGE_CONSENT, HELSENORGE_PART
from helsebro.personvern.inputs import (
    DefinitionQuery,
    PartQuery,
    SettingChange,
    StatusQuery,
)
from helsebro.personvern.metadata import METADATA, health_person_numbers, same_metadata
from helsebro.personvern.tables import (
    TYPE_SAMTYKKE,
    pvk_definisjon,
    pvk_historikk,
    pvk_innstilling,
)
from helsebro.registries import hooks
from helsebro.registries import service as registries

ENDRET, IKKE_ENDRET = "endret", "ikkeEndret"
ACTIVE_PAGE_SIZE = 1000  # HentInnbyggereAktivePiForDefinisjon: settings per page
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
    row_id: int  # the table's sekvensnummer column: what pagingReference pages by
    aktiv: bool
    metadata: dict[str, Any] | None
    set_at: dt.datetime  # sistEndretTidspunkt
    first_set_at: dt.datetime  # opprettetTidspunkt: never after set_at
    sekvensnummer: int  # on the wire: 1 when first given, one more for every change (PVKBroker's model)


def _definition_from(row: Any) -> Definition:
    return Definition(row.guid, row.navn, row.part_kode, row.type_pi, list(row.omfang_elementer or []), row.aktiv_fra, row.aktiv_til)


def _setting_from(row: Any) -> Setting:
    set_at = as_utc(row.tidspunkt)
    # A change may name an earlier tidspunkt than the first one did, and rows written elsewhere (the operator's
    # consent switch, the default data) carry none: the first time is never after the last.
    first = min(as_utc(row.opprettet_tidspunkt or row.created_at), set_at)
    return Setting(row.sekvensnummer, row.aktiv, row.metadata, set_at, first, row.versjon)


def get_definition(conn: sa.Connection, guid: str) -> Definition | None:
    row = conn.execute(sa.select(pvk_definisjon).where(pvk_definisjon.c.guid == guid)).first()
    return _definition_from(row) if row else None


def definitions_of_part(conn: sa.Connection, part_kode: str) -> list[Definition]:
    query = sa.select(pvk_definisjon).where(sa.func.lower(pvk_definisjon.c.part_kode) == part_kode.lower())
    return [_definition_from(row) for row in conn.execute(query.order_by(pvk_definisjon.c.navn))]


def _setting_query(fnr: str, guid: str) -> sa.Select:
    return sa.select(pvk_innstilling).where((pvk_innstilling.c.innbygger_fnr == fnr) & (pvk_innstilling.c.definisjon_guid == guid))


def get_setting(conn: sa.Connection, fnr: str, guid: str) -> Setting | None:
    row = conn.execute(_setting_query(fnr, guid)).first()
    return _setting_from(row) if row else None


_LOCKED_SETTING = (
    sa.select(pvk_innstilling)
    .where(
        pvk_innstilling.c.innbygger_fnr == sa.bindparam("fnr", type_=sa.String),
        pvk_innstilling.c.definisjon_guid == sa.bindparam("guid", type_=pvk_innstilling.c.definisjon_guid.type),
    )
    .with_for_update()
)


def _locked_setting(conn: sa.Connection, fnr: str, guid: str) -> Setting | None:
    """The current value, locked until commit on PostgreSQL (SQLite writers are serial already)."""
    row = conn.execute(_LOCKED_SETTING, {"fnr": fnr, "guid": guid}).first()
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
    _require_matching(definition, part_kode, type_pi)
    return definition


def _require_matching(definition: Definition, part_kode: str, type_pi: str | None) -> None:
    guid = definition.guid
    if not same_part(part_kode, definition.part_kode):
        raise errors.definition_mismatch(f"partKode {part_kode!r} stemmer ikke med definisjonen {guid} (partKode {definition.part_kode})")
    if type_pi is not None and type_pi != definition.type_pi:
        raise errors.definition_mismatch(f"typePi {type_pi!r} stemmer ikke med definisjonen {guid} (typePi {definition.type_pi})")


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


# What a change's checks need, in one query: the definition, the client's part codes, whether the citizen exists.
_CONTEXT = sa.select(
    pvk_definisjon,
    pvk_parts_of(sa.bindparam("client_id", type_=sa.String)).label("client_parts"),
    registries.citizen_exists(sa.bindparam("fnr", type_=sa.String)).label("citizen_known"),
).where(pvk_definisjon.c.guid == sa.bindparam("guid", type_=pvk_definisjon.c.guid.type))


def set_setting(conn: sa.Connection, client_id: str | None, change: SettingChange, now: dt.datetime) -> str:
    """Apply one change in the caller's transaction; ``endret`` or ``ikkeEndret``. Raises before writing.
    The checks run in the order of every endpoint's (definition, part right, citizen) on one query's answer."""
    context = conn.execute(_CONTEXT, {"client_id": client_id, "fnr": change.fnr, "guid": change.definition_guid}).first()
    if context is None:
        raise errors.unknown_definition(change.definition_guid)
    definition = _definition_from(context)
    _require_matching(definition, change.part_kode, change.type_pi)
    if client_id is None or context.client_parts is None or not may_use_part(tuple(context.client_parts), definition.part_kode):
        raise errors.part_forbidden()
    if not definition.active_on(now.date()):
        raise errors.definition_not_active(definition.guid)
    if not context.citizen_known:
        problem = fnr_problem(change.fnr)
        raise errors.invalid_fnr(problem) if problem else errors.citizen_not_found()
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
        if not _insert_setting(conn, change.fnr, definition.guid, {**values, "opprettet_tidspunkt": set_at}):
            # Another writer created it between our read and our insert: decide again against theirs.
            return _apply(conn, client_id, definition, change, now)
    else:
        conn.execute(
            _UPDATE_SETTING,
            {
                "current": current.row_id,
                **values,
                "versjon": current.sekvensnummer + 1,
                "opprettet_tidspunkt": min(current.first_set_at, set_at),
            },
        )
    _write_history(conn, client_id, definition, change, current, stored_metadata, set_at)
    if definition.is_helsenorge_consent:
        hooks.status_log().own_standing_changed(conn, change.fnr, now.date())
    return ENDRET


_UPDATE_SETTING = sa.update(pvk_innstilling).where(pvk_innstilling.c.sekvensnummer == sa.bindparam("current"))
_INSERT_HISTORY = sa.insert(pvk_historikk)


def _insert_setting(conn: sa.Connection, fnr: str, guid: str, values: dict[str, Any]) -> bool:
    statement = _INSERT_SETTING[conn.dialect.name]
    return conn.execute(statement, {"innbygger_fnr": fnr, "definisjon_guid": guid, **values}).first() is not None


# Built once per dialect (ON CONFLICT is spelt by each); RETURNING, not rowcount: psycopg reports -1 for
# INSERT ... ON CONFLICT through SQLAlchemy.
_INSERT_SETTING = {
    name: insert(pvk_innstilling)
    .on_conflict_do_nothing(index_elements=["innbygger_fnr", "definisjon_guid"])
    .returning(pvk_innstilling.c.sekvensnummer)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


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
        _INSERT_HISTORY,
        dict(
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
        ),
    )


def set_helsenorge_consent(conn: sa.Connection, fnr: str, give: bool, actor: str, now: dt.datetime | None = None) -> bool:
    """The operator's consent switch (the registries' test-data admin, through ``registries.hooks``): give or
    withdraw the Helsenorge consent of a citizen the caller knows exists, written as a change through the API is
    (the current value, a history row naming ``actor``, DigitaltAktiv's change log). The operator is not a PVK
    client, so no part right is asked. Giving it again keeps the citizen's own time limits. Whether it changed."""
    definition = get_definition(conn, HELSENORGE_CONSENT)
    if definition is None:  # the definition cannot be deleted (testdata.kinds refuses), so only a broken database
        raise errors.unknown_definition(HELSENORGE_CONSENT)
    current = _locked_setting(conn, fnr, definition.guid)
    change = SettingChange(
        fnr=fnr,
        definition_guid=definition.guid,
        part_kode=definition.part_kode,
        type_pi=definition.type_pi,
        aktiv=give,
        set_at=None,
        metadata=current.metadata if give and current else None,
        proof=None,
    )
    return _apply(conn, actor, definition, change, now or utcnow()) == ENDRET


def forget_citizen(conn: sa.Connection, fnr: str) -> None:
    """A citizen leaves the registry: their current settings go; their history stays (kept forever, SPEC 4)."""
    conn.execute(sa.delete(pvk_innstilling).where(pvk_innstilling.c.innbygger_fnr == fnr))


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
    ``pagingReference``. The answer's pagingReference is the page's last row id (the table's sekvensnummer
    column), or 0 on the last page; each setting's own sekvensnummer counts its versions from 1."""
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
        "opprettetTidspunkt": isoformat_z(setting.first_set_at),
        "sistEndretTidspunkt": isoformat_z(setting.set_at),
    }
