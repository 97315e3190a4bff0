"""Parental responsibility and powers of attorney between citizens."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from helsebro.identifiers import birth_date
from helsebro.registries import hooks
from helsebro.registries import service as registry
from helsebro.registries.admin.checks import check_lookup_shape, existing_citizen, utc_today
from helsebro.registries.admin.errors import AlreadyExists, InvalidDate, InvalidInput, NotAMinor, NotFound
from helsebro.registries.admin.models import KEEP, NewPowerOfAttorney, PowerOfAttorney
from helsebro.registries.tables import foreldreansvar, fullmakt


def add_parental_responsibility(conn: sa.Connection, forelder_fnr: str, barn_fnr: str, *, today: dt.date | None = None) -> None:
    today = today or utc_today()
    check_lookup_shape(forelder_fnr, "forelderen")
    check_lookup_shape(barn_fnr, "barnet")
    if forelder_fnr == barn_fnr:
        raise InvalidInput("En person kan ikke ha foreldreansvar for seg selv")
    existing_citizen(conn, forelder_fnr, "forelderen")
    existing_citizen(conn, barn_fnr, "barnet")
    if not registry.is_minor(barn_fnr, today):
        raise NotAMinor("Barnet er ikke mindreårig: foreldreansvar gjelder bare barn under 18 år")
    parent_born, child_born = birth_date(forelder_fnr), birth_date(barn_fnr)
    if parent_born and child_born and parent_born >= child_born:
        raise InvalidInput("Forelderen må være født før barnet")
    if barn_fnr in registry.children_of(conn, forelder_fnr):
        raise AlreadyExists("Forelderen har allerede foreldreansvar for barnet")
    conn.execute(sa.insert(foreldreansvar).values(forelder_fnr=forelder_fnr, barn_fnr=barn_fnr))
    hooks.status_log().record(conn, [forelder_fnr, barn_fnr])


def remove_parental_responsibility(conn: sa.Connection, forelder_fnr: str, barn_fnr: str) -> None:
    check_lookup_shape(forelder_fnr, "forelderen")
    check_lookup_shape(barn_fnr, "barnet")
    removed = conn.execute(
        sa.delete(foreldreansvar).where((foreldreansvar.c.forelder_fnr == forelder_fnr) & (foreldreansvar.c.barn_fnr == barn_fnr))
    ).rowcount
    if not removed:
        raise NotFound("Fant ikke foreldreansvar mellom disse to")
    hooks.status_log().record(conn, [forelder_fnr, barn_fnr])


def add_power_of_attorney(conn: sa.Connection, new: NewPowerOfAttorney, *, today: dt.date | None = None) -> int:
    """Register a power of attorney; returns its id."""
    giver, holder = new.fullmaktsgiver_fnr, new.fullmektig_fnr
    check_lookup_shape(giver, "fullmaktsgiver")
    check_lookup_shape(holder, "fullmektig")
    if giver == holder:
        raise InvalidInput("Fullmaktsgiver og fullmektig kan ikke være samme person")
    _check_period(new.gyldig_fra, new.gyldig_til)
    existing_citizen(conn, giver, "fullmaktsgiver")
    existing_citizen(conn, holder, "fullmektig")
    if registry.is_minor(holder, today or utc_today()):
        raise InvalidInput("Fullmektig må være over 18 år")
    _check_no_overlap(conn, giver, holder, new.gyldig_fra, new.gyldig_til, except_id=None)
    result = conn.execute(
        sa.insert(fullmakt).values(fullmaktsgiver_fnr=giver, fullmektig_fnr=holder, gyldig_fra=new.gyldig_fra, gyldig_til=new.gyldig_til)
    )
    hooks.status_log().record(conn, [giver, holder])
    return int(result.inserted_primary_key[0])


def change_power_of_attorney(
    conn: sa.Connection, fullmakt_id: int, *, gyldig_fra: dt.date | None = KEEP, gyldig_til: dt.date | None = KEEP
) -> PowerOfAttorney:
    """Move a power of attorney's period (e.g. end it by setting ``gyldig_til``)."""
    current = get_power_of_attorney(conn, fullmakt_id)
    fra = current.gyldig_fra if gyldig_fra is KEEP else gyldig_fra
    til = current.gyldig_til if gyldig_til is KEEP else gyldig_til
    _check_period(fra, til)
    _check_no_overlap(conn, current.fullmaktsgiver_fnr, current.fullmektig_fnr, fra, til, except_id=fullmakt_id)
    conn.execute(sa.update(fullmakt).where(fullmakt.c.id == fullmakt_id).values(gyldig_fra=fra, gyldig_til=til))
    hooks.status_log().record(conn, [current.fullmaktsgiver_fnr, current.fullmektig_fnr])
    return get_power_of_attorney(conn, fullmakt_id)


def remove_power_of_attorney(conn: sa.Connection, fullmakt_id: int) -> None:
    current = get_power_of_attorney(conn, fullmakt_id)
    conn.execute(sa.delete(fullmakt).where(fullmakt.c.id == fullmakt_id))
    hooks.status_log().record(conn, [current.fullmaktsgiver_fnr, current.fullmektig_fnr])


def get_power_of_attorney(conn: sa.Connection, fullmakt_id: int) -> PowerOfAttorney:
    found = powers_of_attorney(conn, fullmakt.c.id == fullmakt_id)
    if not found:
        raise NotFound("Fant ingen fullmakt med denne id-en")
    return found[0]


def _check_period(gyldig_fra: dt.date | None, gyldig_til: dt.date | None) -> None:
    if gyldig_fra is None:
        raise InvalidDate("gyldigFra må oppgis")
    if gyldig_til is not None and gyldig_til < gyldig_fra:
        raise InvalidDate("gyldigTil kan ikke være før gyldigFra")


def _check_no_overlap(conn: sa.Connection, giver: str, holder: str, fra: dt.date, til: dt.date | None, *, except_id: int | None) -> None:
    """One power of attorney per pair at a time: two overlapping ones would make ending one meaningless."""
    overlapping = (
        (fullmakt.c.fullmaktsgiver_fnr == giver)
        & (fullmakt.c.fullmektig_fnr == holder)
        & (fullmakt.c.gyldig_til.is_(None) | (fullmakt.c.gyldig_til >= fra))
    )
    if til is not None:
        overlapping &= fullmakt.c.gyldig_fra <= til
    if except_id is not None:
        overlapping &= fullmakt.c.id != except_id
    if conn.execute(sa.select(fullmakt.c.id).where(overlapping).limit(1)).first() is not None:
        raise AlreadyExists("Fullmektig har allerede en fullmakt fra fullmaktsgiver i denne perioden")


def powers_of_attorney(conn: sa.Connection, where: sa.ColumnElement[bool]) -> list[PowerOfAttorney]:
    rows = conn.execute(sa.select(fullmakt).where(where).order_by(fullmakt.c.id))
    return [PowerOfAttorney(r.id, r.fullmaktsgiver_fnr, r.fullmektig_fnr, r.gyldig_fra, r.gyldig_til) for r in rows]
