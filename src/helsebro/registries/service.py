"""Reading the registries: the facts other families' rules stand on. No HTTP in here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro.identifiers import birth_date
from helsebro.registries.tables import foreldreansvar, fullmakt, helsepersonell, innbygger, organisasjon

MAJORITY_AGE = 18


@dataclass(frozen=True)
class Citizen:
    fnr: str
    fornavn: str
    mellomnavn: str | None
    etternavn: str
    adresse: str | None
    postnummer: str | None
    poststed: str | None
    dodsdato: dt.date | None

    @property
    def alive(self) -> bool:
        return self.dodsdato is None

    @property
    def navn(self) -> str:
        return " ".join(p for p in (self.fornavn, self.mellomnavn, self.etternavn) if p)


@dataclass(frozen=True)
class HealthPerson:
    hpr_nummer: str
    fnr: str | None
    fornavn: str
    etternavn: str
    autorisasjoner: list

    @property
    def navn(self) -> str:
        return f"{self.fornavn} {self.etternavn}"


def get_citizen(conn: sa.Connection, fnr: str) -> Citizen | None:
    row = conn.execute(sa.select(innbygger).where(innbygger.c.fnr == fnr)).first()
    if row is None:
        return None
    return Citizen(row.fnr, row.fornavn, row.mellomnavn, row.etternavn, row.adresse, row.postnummer, row.poststed, row.dodsdato)


def citizen_exists(fnr: sa.ColumnElement[str]) -> sa.Exists:
    """Whether the registry knows the number, for a caller's own query."""
    return sa.exists().where(innbygger.c.fnr == fnr)


def is_minor(fnr: str, on: dt.date) -> bool:
    return is_younger_than(fnr, MAJORITY_AGE, on)


def is_younger_than(fnr: str, years: int, on: dt.date) -> bool:
    """Whether the person the number encodes has not yet turned ``years`` on that day (False when it encodes
    no birth date)."""
    born = birth_date(fnr)
    if born is None:
        return False
    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:  # born 29 February
        birthday = dt.date(born.year + years, 3, 1)
    return on < birthday


def parents_of(conn: sa.Connection, fnr: str) -> list[str]:
    rows = conn.execute(sa.select(foreldreansvar.c.forelder_fnr).where(foreldreansvar.c.barn_fnr == fnr))
    return [r.forelder_fnr for r in rows]


def children_of(conn: sa.Connection, fnr: str) -> list[str]:
    rows = conn.execute(sa.select(foreldreansvar.c.barn_fnr).where(foreldreansvar.c.forelder_fnr == fnr))
    return [r.barn_fnr for r in rows]


def _valid_on(on: dt.date):  # noqa: ANN202
    return (fullmakt.c.gyldig_fra <= on) & (fullmakt.c.gyldig_til.is_(None) | (fullmakt.c.gyldig_til >= on))


def principals_of(conn: sa.Connection, fnr: str, on: dt.date) -> list[str]:
    """Whom this citizen holds a valid power of attorney from."""
    rows = conn.execute(sa.select(fullmakt.c.fullmaktsgiver_fnr).where((fullmakt.c.fullmektig_fnr == fnr) & _valid_on(on)))
    return [r.fullmaktsgiver_fnr for r in rows]


def get_health_person(conn: sa.Connection, hpr_nummer: str) -> HealthPerson | None:
    row = conn.execute(sa.select(helsepersonell).where(helsepersonell.c.hpr_nummer == hpr_nummer)).first()
    return health_person_from(row) if row else None


def get_health_person_by_fnr(conn: sa.Connection, fnr: str) -> HealthPerson | None:
    row = conn.execute(sa.select(helsepersonell).where(helsepersonell.c.fnr == fnr)).first()
    return health_person_from(row) if row else None


def health_person_from(row) -> HealthPerson:  # noqa: ANN001
    return HealthPerson(row.hpr_nummer, row.fnr, row.fornavn, row.etternavn, list(row.autorisasjoner or []))


@dataclass(frozen=True)
class Organisation:
    orgnr: str
    navn: str
    her_id: str | None


def get_organisation(conn: sa.Connection, orgnr: str) -> Organisation | None:
    row = conn.execute(sa.select(organisasjon).where(organisasjon.c.orgnr == orgnr)).first()
    return None if row is None else Organisation(row.orgnr, row.navn, row.her_id)
