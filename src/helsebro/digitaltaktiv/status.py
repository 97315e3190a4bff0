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

from helsebro.personvern.tables import pvk_definisjon, pvk_innstilling
from helsebro.registries.service import is_minor
from helsebro.registries.tables import foreldreansvar, fullmakt, innbygger

HELSENORGE_PART = "HN"
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
        query = (
            sa.select(innbygger.c.fnr)
            .join(pvk_innstilling, pvk_innstilling.c.innbygger_fnr == innbygger.c.fnr)
            .join(pvk_definisjon, pvk_definisjon.c.guid == pvk_innstilling.c.definisjon_guid)
            .where(
                innbygger.c.fnr.in_(chunk),
                innbygger.c.dodsdato.is_(None),
                pvk_innstilling.c.aktiv.is_(True),
                pvk_definisjon.c.part_kode == HELSENORGE_PART,
                pvk_definisjon.c.type_pi == "samtykke",
            )
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
