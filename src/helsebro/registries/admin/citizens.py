"""Citizens in the population registry: create, change, die, consent, delete, look up and list."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable

import sqlalchemy as sa

from helsebro.identifiers import FnrKind, birth_date, fnr_problem, make_fnr
from helsebro.registries import hooks
from helsebro.registries import service as registry
from helsebro.registries.admin.checks import DEFAULT_PAGE_SIZE, check_window, existing_citizen, page, text, utc_today
from helsebro.registries.admin.errors import AlreadyExists, InvalidDate, InvalidFnr, InvalidInput
from helsebro.registries.admin.models import (
    KEEP,
    CitizenChanges,
    CitizenProfile,
    CitizenSummary,
    NewCitizen,
    Page,
    PersonRef,
    full_name,
)
from helsebro.registries.admin.relations import powers_of_attorney
from helsebro.registries.tables import foreldreansvar, fullmakt, helsepersonell, innbygger


def create_citizen(
    conn: sa.Connection, new: NewCitizen, *, actor: str, today: dt.date | None = None, rng: random.Random | None = None
) -> str:
    """Add a citizen; returns the fødselsnummer (the given one, or a new synthetic Tenor number)."""
    today = today or utc_today()
    values = _person_values(
        {k: getattr(new, k) for k in ("fornavn", "mellomnavn", "etternavn", "adresse", "postnummer", "poststed")},
        creating=True,
    )
    fnr = _given_or_new_number(conn, new.fnr, new.fodselsdato, today, rng or random.SystemRandom())
    dodsdato = _checked_death_date(new.dodsdato, fnr, today)
    conn.execute(sa.insert(innbygger).values(fnr=fnr, dodsdato=dodsdato, **values))
    if new.helsenorge_samtykke:
        hooks.consent().set(conn, fnr, True, actor)
    hooks.status_log().record(conn, [fnr])
    return fnr


def update_citizen(conn: sa.Connection, fnr: str, update: CitizenChanges, *, actor: str, today: dt.date | None = None) -> None:
    """Change the given fields; every one is checked before any is written."""
    citizen = existing_citizen(conn, fnr)
    given = update.given()
    values = _person_values({k: v for k, v in given.items() if k not in ("dodsdato", "helsenorge_samtykke")}, creating=False)
    dodsdato = given.get("dodsdato", KEEP)
    if dodsdato is not KEEP:
        dodsdato = _checked_death_date(dodsdato, fnr, today or utc_today())
    consent = given.get("helsenorge_samtykke", KEEP)
    if consent is None:
        raise InvalidInput("helsenorgeSamtykke må være true eller false")
    if values:
        conn.execute(sa.update(innbygger).where(innbygger.c.fnr == fnr).values(**values))
    if dodsdato is not KEEP:
        _write_death_date(conn, citizen, dodsdato)
    if consent is not KEEP:
        hooks.consent().set(conn, fnr, consent, actor)


def set_death_date(conn: sa.Connection, fnr: str, dodsdato: dt.date | None, *, today: dt.date | None = None) -> bool:
    """Mark a citizen dead on ``dodsdato``, or alive again with None. Returns whether anything changed."""
    citizen = existing_citizen(conn, fnr)
    checked = _checked_death_date(dodsdato, fnr, today or utc_today())
    return _write_death_date(conn, citizen, checked)


def set_helsenorge_consent(conn: sa.Connection, fnr: str, give: bool, *, actor: str) -> bool:
    """Give or withdraw the citizen's Helsenorge consent (the PVK setting DigitaltAktiv stands on).

    Returns whether anything changed: giving it twice, or withdrawing one never given, is no change.
    """
    existing_citizen(conn, fnr)
    return hooks.consent().set(conn, fnr, give, actor)


def delete_citizen(conn: sa.Connection, fnr: str) -> None:
    """Remove a citizen with their parental links, powers of attorney and current PVK settings.

    The PVK history stays: it is kept forever (SPEC section 4).
    """
    existing_citizen(conn, fnr)
    affected = _with_relatives(conn, fnr)
    conn.execute(sa.delete(fullmakt).where((fullmakt.c.fullmaktsgiver_fnr == fnr) | (fullmakt.c.fullmektig_fnr == fnr)))
    conn.execute(sa.delete(foreldreansvar).where((foreldreansvar.c.forelder_fnr == fnr) | (foreldreansvar.c.barn_fnr == fnr)))
    hooks.consent().forget(conn, fnr)
    conn.execute(sa.delete(innbygger).where(innbygger.c.fnr == fnr))
    hooks.status_log().record(conn, affected)


def citizen_profile(conn: sa.Connection, fnr: str) -> CitizenProfile:
    citizen = existing_citizen(conn, fnr)
    parents, children = sorted(registry.parents_of(conn, fnr)), sorted(registry.children_of(conn, fnr))
    names = _names_of(conn, parents + children)
    return CitizenProfile(
        citizen=citizen,
        helsenorge_samtykke=_has_consent(conn, fnr),
        foreldre=[PersonRef(p, names.get(p, "")) for p in parents],
        barn=[PersonRef(c, names.get(c, "")) for c in children],
        fullmakter_gitt=powers_of_attorney(conn, fullmakt.c.fullmaktsgiver_fnr == fnr),
        fullmakter_mottatt=powers_of_attorney(conn, fullmakt.c.fullmektig_fnr == fnr),
    )


def list_citizens(conn: sa.Connection, navn: str | None = None, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0) -> Page[CitizenSummary]:
    """Citizens in name order, optionally those whose names contain every word of ``navn``."""
    check_window(limit, offset)
    rows = conn.execute(
        sa.select(
            innbygger.c.fnr,
            innbygger.c.fornavn,
            innbygger.c.mellomnavn,
            innbygger.c.etternavn,
            innbygger.c.dodsdato,
            hooks.consent().given(innbygger.c.fnr).label("aktiv"),
        )
    )
    found = [CitizenSummary(r.fnr, r.fornavn, r.mellomnavn, r.etternavn, r.dodsdato, bool(r.aktiv)) for r in rows]
    return page(found, navn, lambda c: c.navn, lambda c: (c.etternavn, c.fornavn, c.mellomnavn or "", c.fnr), limit, offset)


_POSTNUMMER = re.compile(r"[0-9]{4}")
_PERSON_TEXT = {"fornavn": True, "mellomnavn": False, "etternavn": True, "adresse": False, "poststed": False}


def _person_values(given: dict[str, str | None], *, creating: bool) -> dict[str, str | None]:
    """The name and address columns among ``given``, checked. First and last name may never be blank."""
    values: dict[str, str | None] = {}
    for name, required in _PERSON_TEXT.items():
        if creating or name in given:
            values[name] = text(given.get(name), name, innbygger.c[name], required=required)
    if creating or "postnummer" in given:
        postnummer = text(given.get("postnummer"), "postnummer", innbygger.c.postnummer, required=False)
        if postnummer is not None and not (postnummer.isascii() and _POSTNUMMER.fullmatch(postnummer)):
            raise InvalidInput("postnummer må være fire sifre")
        values["postnummer"] = postnummer
    return values


def _given_or_new_number(conn: sa.Connection, fnr: str | None, fodselsdato: dt.date | None, today: dt.date, rng: random.Random) -> str:
    if fnr is None:
        if fodselsdato is None:
            raise InvalidInput("Oppgi fnr, eller fodselsdato så lages et syntetisk fødselsnummer")
        if fodselsdato > today:
            raise InvalidDate("fodselsdato kan ikke være fram i tid")
        return _unused_tenor_number(conn, fodselsdato, rng)
    problem = fnr_problem(fnr)
    if problem:
        raise InvalidFnr(f"Ugyldig fødselsnummer: {problem}")
    born = birth_date(fnr)
    if fodselsdato is not None and fodselsdato != born:
        raise InvalidDate("fodselsdato stemmer ikke med fødselsdatoen i fødselsnummeret")
    if born is not None and born > today:
        raise InvalidDate("Fødselsdatoen i fødselsnummeret er fram i tid")
    if registry.get_citizen(conn, fnr) is not None:
        raise AlreadyExists("Det finnes allerede en innbygger med dette fødselsnummeret")
    return fnr


def _unused_tenor_number(conn: sa.Connection, born: dt.date, rng: random.Random) -> str:
    """A Tenor number (month + 80) for the date whose individual number nobody has yet, picked at random so
    that concurrent creations rarely collide (a collision that does happen fails as a conflict, not twice)."""
    candidates = [n for n in (make_fnr(born, i, FnrKind.TENOR) for i in range(1000)) if n]
    if not candidates:
        raise InvalidDate("Kan ikke lage fødselsnummer for denne fødselsdatoen (gyldige år er 1854-2039)")
    prefix = candidates[0][:6]
    taken = set(conn.execute(sa.select(innbygger.c.fnr).where(innbygger.c.fnr.startswith(prefix))).scalars())
    # Health personnel carry numbers too; a new citizen must not silently become one of them.
    taken |= set(conn.execute(sa.select(helsepersonell.c.fnr).where(helsepersonell.c.fnr.startswith(prefix))).scalars())
    free = [n for n in candidates if n not in taken]
    if not free:
        raise AlreadyExists("Alle syntetiske fødselsnumre for denne fødselsdatoen er i bruk")
    return rng.choice(free)


def _checked_death_date(dodsdato: dt.date | None, fnr: str, today: dt.date) -> dt.date | None:
    if dodsdato is None:
        return None
    if dodsdato > today:
        raise InvalidDate("dodsdato kan ikke være fram i tid")
    born = birth_date(fnr)
    if born is not None and dodsdato < born:
        raise InvalidDate("dodsdato kan ikke være før fødselsdatoen")
    return dodsdato


def _write_death_date(conn: sa.Connection, citizen: registry.Citizen, dodsdato: dt.date | None) -> bool:
    if citizen.dodsdato == dodsdato:
        return False
    conn.execute(sa.update(innbygger).where(innbygger.c.fnr == citizen.fnr).values(dodsdato=dodsdato))
    # Dying ends acting for one's children and principals too: their status may change with it.
    hooks.status_log().record(conn, _with_relatives(conn, citizen.fnr))
    return True


def _has_consent(conn: sa.Connection, fnr: str) -> bool:
    return bool(conn.execute(sa.select(hooks.consent().given(sa.literal(fnr)))).scalar())


def _with_relatives(conn: sa.Connection, fnr: str) -> set[str]:
    """The citizen and everyone linked to them by parental responsibility or a power of attorney (of any
    period): the people whose DigitaltAktiv status may follow theirs. A superset is fine: the feed says
    *may* have changed."""
    links = conn.execute(
        sa.select(fullmakt.c.fullmaktsgiver_fnr, fullmakt.c.fullmektig_fnr).where(
            (fullmakt.c.fullmaktsgiver_fnr == fnr) | (fullmakt.c.fullmektig_fnr == fnr)
        )
    ).all()
    family = conn.execute(
        sa.select(foreldreansvar.c.forelder_fnr, foreldreansvar.c.barn_fnr).where(
            (foreldreansvar.c.forelder_fnr == fnr) | (foreldreansvar.c.barn_fnr == fnr)
        )
    ).all()
    return {fnr, *(n for row in [*links, *family] for n in row)}


def _names_of(conn: sa.Connection, fnrs: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(fnrs))
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(innbygger.c.fnr, innbygger.c.fornavn, innbygger.c.mellomnavn, innbygger.c.etternavn).where(innbygger.c.fnr.in_(wanted))
    )
    return {r.fnr: full_name(r.fornavn, r.mellomnavn, r.etternavn) for r in rows}
