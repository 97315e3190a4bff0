"""Who is digitalt aktiv (SPEC section 3), worked out for many citizens at once. No HTTP in here.

aktiv selv:       alive, and their own Helsenorge consent (PVK, part HN) is active.
aktiv via andre:  someone who is aktiv selv acts for them: a parent while they are a minor, or the holder of
                  a valid power of attorney they have given.
tildelt fullmakt: they have given a valid power of attorney.
digitalt aktiv:   aktiv selv or aktiv via andre.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro.identifiers import has_fnr_shape
from helsebro.personvern.consent import helsenorge_consent_given
from helsebro.registries.service import is_minor
from helsebro.registries.tables import foreldreansvar, fullmakt, innbygger

_CHUNK = 500  # keeps IN lists well inside every database's parameter limit


@dataclass(frozen=True)
class Status:
    er_aktiv_selv: bool = False
    er_aktiv_via_andre: bool = False
    tildelt_fullmakt: bool = False

    @property
    def digitalt_aktiv(self) -> bool:
        return self.er_aktiv_selv or self.er_aktiv_via_andre


def statuses(conn: sa.Connection, fnrs: Sequence[str], today: dt.date) -> dict[str, Status]:
    """The status of each number; unknown numbers are not active in any way."""
    wanted = list(dict.fromkeys(fnrs))
    selv = _active_themselves(conn, wanted)
    representatives = _representatives(conn, wanted, today)
    active_representatives = _active_themselves(conn, sorted({r for rs in representatives.values() for r in rs}))
    givers = _have_given_power_of_attorney(conn, wanted, today)
    return {
        fnr: Status(
            er_aktiv_selv=fnr in selv,
            er_aktiv_via_andre=bool(representatives.get(fnr, set()) & active_representatives),
            tildelt_fullmakt=fnr in givers,
        )
        for fnr in wanted
    }


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _active_themselves(conn: sa.Connection, fnrs: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(fnrs):
        query = sa.select(innbygger.c.fnr).where(
            innbygger.c.fnr.in_(chunk), innbygger.c.dodsdato.is_(None), helsenorge_consent_given(innbygger.c.fnr)
        )
        found.update(conn.execute(query).scalars())
    return found


def _representatives(conn: sa.Connection, fnrs: Sequence[str], today: dt.date) -> dict[str, set[str]]:
    """For each citizen, who may act for them today: parents of a minor, holders of their fullmakt."""
    result: dict[str, set[str]] = {}
    for chunk in _chunks(fnrs):
        parents = conn.execute(
            sa.select(foreldreansvar.c.barn_fnr, foreldreansvar.c.forelder_fnr).where(foreldreansvar.c.barn_fnr.in_(chunk))
        )
        for child, parent in parents:
            if is_minor(child, today):
                result.setdefault(child, set()).add(parent)
        holders = conn.execute(
            sa.select(fullmakt.c.fullmaktsgiver_fnr, fullmakt.c.fullmektig_fnr).where(
                fullmakt.c.fullmaktsgiver_fnr.in_(chunk), *_valid_on(today)
            )
        )
        for giver, holder in holders:
            result.setdefault(giver, set()).add(holder)
    return result


def _have_given_power_of_attorney(conn: sa.Connection, fnrs: Sequence[str], today: dt.date) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(fnrs):
        query = sa.select(fullmakt.c.fullmaktsgiver_fnr).where(fullmakt.c.fullmaktsgiver_fnr.in_(chunk), *_valid_on(today))
        found.update(conn.execute(query).scalars())
    return found


def _valid_on(today: dt.date) -> tuple:
    return (fullmakt.c.gyldig_fra <= today, fullmakt.c.gyldig_til.is_(None) | (fullmakt.c.gyldig_til >= today))


# -- one citizen in one query (the send's check; its parts go into the send's own query) ---------------------

FNR = sa.bindparam("status_fnr", type_=sa.String)
MINOR = sa.bindparam("status_minor", type_=sa.Boolean)
TODAY = sa.bindparam("status_today", type_=sa.Date)


def _active_person(fnr: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    return (innbygger.c.fnr == fnr) & innbygger.c.dodsdato.is_(None) & helsenorge_consent_given(innbygger.c.fnr)


def _valid_today() -> sa.ColumnElement[bool]:
    return (fullmakt.c.gyldig_fra <= TODAY) & (fullmakt.c.gyldig_til.is_(None) | (fullmakt.c.gyldig_til >= TODAY))


def aktiv_selv() -> sa.ColumnElement[bool]:
    return sa.exists().where(_active_person(FNR))


def aktiv_via_andre() -> sa.ColumnElement[bool]:
    via_parent = sa.exists().where(foreldreansvar.c.barn_fnr == FNR, _active_person(foreldreansvar.c.forelder_fnr))
    via_attorney = sa.exists().where(fullmakt.c.fullmaktsgiver_fnr == FNR, _valid_today(), _active_person(fullmakt.c.fullmektig_fnr))
    return (MINOR & via_parent) | via_attorney


def tildelt_fullmakt() -> sa.ColumnElement[bool]:
    return sa.exists().where(fullmakt.c.fullmaktsgiver_fnr == FNR, _valid_today())


def known() -> sa.ColumnElement[bool]:
    return sa.exists().where(innbygger.c.fnr == FNR)


def parameters(fnr: object, today: dt.date) -> dict[str, object]:
    """The values of FNR, MINOR and TODAY for a citizen (a number of the wrong shape matches nobody)."""
    valid = isinstance(fnr, str) and has_fnr_shape(fnr)
    return {"status_fnr": fnr if valid else "", "status_minor": valid and is_minor(str(fnr), today), "status_today": today}


_ONE = sa.select(aktiv_selv().label("selv"), aktiv_via_andre().label("via"), tildelt_fullmakt().label("fullmakt"), known().label("known"))


def status_of(conn: sa.Connection, fnr: str, today: dt.date) -> tuple[Status, bool]:
    """One citizen's status and whether the registry knows them, in one query."""
    row = conn.execute(_ONE, parameters(fnr, today)).one()
    return Status(bool(row.selv), bool(row.via), bool(row.fullmakt)), bool(row.known)
