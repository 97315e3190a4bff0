"""Setting up test data in the registries: what the operator API and CLI do. No HTTP in here.

Every function takes the caller's connection (inside ``db.write`` for writes), checks every rule before it
writes anything, and records a DigitaltAktiv change in the same transaction whenever someone's status may
have changed (SPEC sections 3 and 7). A refused change raises an ``AdminError``; the caller's transaction
then rolls back, so nothing is half done.

Messages are Norwegian (they reach the API's clients) and never contain a fødselsnummer: they name the role
(``barnet``, ``fullmektig``) instead, so they are safe to log.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from helsebro._time import utcnow
from helsebro.digitaltaktiv import changes
from helsebro.identifiers import FnrKind, birth_date, fnr_problem, has_fnr_shape, is_valid_orgnr, make_fnr
from helsebro.personvern.tables import pvk_historikk, pvk_innstilling
from helsebro.registries import service as registry
from helsebro.registries.tables import foreldreansvar, fullmakt, helsepersonell, innbygger, organisasjon
from helsebro.testdata.loader import HELSENORGE_CONSENT

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


# --- errors --------------------------------------------------------------------------------------------


class AdminError(Exception):
    """A change the registries refuse. Raised before anything is written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(AdminError):
    """A value that breaks a rule of the registries."""


class InvalidFnr(InvalidInput):
    pass


class InvalidDate(InvalidInput):
    pass


class NotAMinor(InvalidInput):
    pass


class InvalidHpr(InvalidInput):
    pass


class InvalidOrgnr(InvalidInput):
    pass


class NotFound(AdminError):
    pass


class AlreadyExists(AdminError):
    pass


# --- inputs ----------------------------------------------------------------------------------------------


class _Keep:
    """The value of a field an update leaves as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class NewCitizen:
    fornavn: str | None
    etternavn: str | None
    fnr: str | None = None  # None: a new synthetic Tenor number is made from fodselsdato
    fodselsdato: dt.date | None = None
    mellomnavn: str | None = None
    adresse: str | None = None
    postnummer: str | None = None
    poststed: str | None = None
    dodsdato: dt.date | None = None
    helsenorge_samtykke: bool = False


@dataclass(frozen=True)
class CitizenChanges:
    """An update of a citizen: fields left at KEEP stay as they are; None clears an optional field."""

    fornavn: str | None = KEEP
    mellomnavn: str | None = KEEP
    etternavn: str | None = KEEP
    adresse: str | None = KEEP
    postnummer: str | None = KEEP
    poststed: str | None = KEEP
    dodsdato: dt.date | None = KEEP
    helsenorge_samtykke: bool | None = KEEP

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP}


@dataclass(frozen=True)
class NewPowerOfAttorney:
    fullmaktsgiver_fnr: str
    fullmektig_fnr: str
    gyldig_fra: dt.date | None
    gyldig_til: dt.date | None = None


@dataclass(frozen=True)
class Authorisation:
    kode: str
    navn: str


@dataclass(frozen=True)
class HealthPersonData:
    hpr_nummer: str
    fornavn: str | None
    etternavn: str | None
    fnr: str | None = None
    autorisasjoner: Sequence[Authorisation] = ()


@dataclass(frozen=True)
class OrganisationData:
    orgnr: str
    navn: str | None
    her_id: str | None = None


# --- views -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    fnr: str
    navn: str


@dataclass(frozen=True)
class PowerOfAttorney:
    id: int
    fullmaktsgiver_fnr: str
    fullmektig_fnr: str
    gyldig_fra: dt.date
    gyldig_til: dt.date | None


@dataclass(frozen=True)
class CitizenSummary:
    fnr: str
    fornavn: str
    mellomnavn: str | None
    etternavn: str
    dodsdato: dt.date | None
    helsenorge_samtykke: bool

    @property
    def navn(self) -> str:
        return _full_name(self.fornavn, self.mellomnavn, self.etternavn)


@dataclass(frozen=True)
class CitizenProfile:
    citizen: registry.Citizen
    helsenorge_samtykke: bool
    foreldre: list[PersonRef]
    barn: list[PersonRef]
    fullmakter_gitt: list[PowerOfAttorney]
    fullmakter_mottatt: list[PowerOfAttorney]

    @property
    def fodselsdato(self) -> dt.date | None:
        return birth_date(self.citizen.fnr)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


# --- citizens --------------------------------------------------------------------------------------------


def create_citizen(
    conn: sa.Connection, new: NewCitizen, *, actor: str, today: dt.date | None = None, rng: random.Random | None = None
) -> str:
    """Add a citizen; returns the fødselsnummer (the given one, or a new synthetic Tenor number)."""
    today = today or _today()
    values = _person_values(
        {k: getattr(new, k) for k in ("fornavn", "mellomnavn", "etternavn", "adresse", "postnummer", "poststed")},
        creating=True,
    )
    fnr = _given_or_new_number(conn, new.fnr, new.fodselsdato, today, rng or random.SystemRandom())
    dodsdato = _checked_death_date(new.dodsdato, fnr, today)
    conn.execute(sa.insert(innbygger).values(fnr=fnr, dodsdato=dodsdato, **values))
    if new.helsenorge_samtykke:
        _write_consent(conn, fnr, True, actor)
    changes.record(conn, [fnr])
    return fnr


def update_citizen(
    conn: sa.Connection, fnr: str, update: CitizenChanges, *, actor: str, today: dt.date | None = None
) -> None:
    """Change the given fields; every one is checked before any is written."""
    citizen = _existing_citizen(conn, fnr)
    given = update.given()
    values = _person_values({k: v for k, v in given.items() if k not in ("dodsdato", "helsenorge_samtykke")}, creating=False)
    dodsdato = given.get("dodsdato", KEEP)
    if dodsdato is not KEEP:
        dodsdato = _checked_death_date(dodsdato, fnr, today or _today())
    consent = given.get("helsenorge_samtykke", KEEP)
    if consent is None:
        raise InvalidInput("helsenorgeSamtykke må være true eller false")
    if values:
        conn.execute(sa.update(innbygger).where(innbygger.c.fnr == fnr).values(**values))
    if dodsdato is not KEEP:
        _write_death_date(conn, citizen, dodsdato)
    if consent is not KEEP:
        _write_consent(conn, fnr, consent, actor)


def set_death_date(conn: sa.Connection, fnr: str, dodsdato: dt.date | None, *, today: dt.date | None = None) -> bool:
    """Mark a citizen dead on ``dodsdato``, or alive again with None. Returns whether anything changed."""
    citizen = _existing_citizen(conn, fnr)
    checked = _checked_death_date(dodsdato, fnr, today or _today())
    return _write_death_date(conn, citizen, checked)


def set_helsenorge_consent(conn: sa.Connection, fnr: str, give: bool, *, actor: str) -> bool:
    """Give or withdraw the citizen's Helsenorge consent (the PVK setting DigitaltAktiv stands on).

    Returns whether anything changed: giving it twice, or withdrawing one never given, is no change.
    """
    _existing_citizen(conn, fnr)
    return _write_consent(conn, fnr, give, actor)


def delete_citizen(conn: sa.Connection, fnr: str) -> None:
    """Remove a citizen with their parental links, powers of attorney and current PVK settings.

    The PVK history stays: it is kept forever (SPEC section 4).
    """
    _existing_citizen(conn, fnr)
    affected = _with_relatives(conn, fnr)
    conn.execute(sa.delete(fullmakt).where((fullmakt.c.fullmaktsgiver_fnr == fnr) | (fullmakt.c.fullmektig_fnr == fnr)))
    conn.execute(sa.delete(foreldreansvar).where((foreldreansvar.c.forelder_fnr == fnr) | (foreldreansvar.c.barn_fnr == fnr)))
    conn.execute(sa.delete(pvk_innstilling).where(pvk_innstilling.c.innbygger_fnr == fnr))
    conn.execute(sa.delete(innbygger).where(innbygger.c.fnr == fnr))
    changes.record(conn, affected)


def citizen_profile(conn: sa.Connection, fnr: str) -> CitizenProfile:
    citizen = _existing_citizen(conn, fnr)
    parents, children = sorted(registry.parents_of(conn, fnr)), sorted(registry.children_of(conn, fnr))
    names = _names_of(conn, parents + children)
    return CitizenProfile(
        citizen=citizen,
        helsenorge_samtykke=_has_consent(conn, fnr),
        foreldre=[PersonRef(p, names.get(p, "")) for p in parents],
        barn=[PersonRef(c, names.get(c, "")) for c in children],
        fullmakter_gitt=_powers_of_attorney(conn, fullmakt.c.fullmaktsgiver_fnr == fnr),
        fullmakter_mottatt=_powers_of_attorney(conn, fullmakt.c.fullmektig_fnr == fnr),
    )


def list_citizens(conn: sa.Connection, navn: str | None = None, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0) -> Page[CitizenSummary]:
    """Citizens in name order, optionally those whose names contain every word of ``navn``."""
    _check_window(limit, offset)
    consent = pvk_innstilling.alias("samtykke")
    rows = conn.execute(
        sa.select(
            innbygger.c.fnr, innbygger.c.fornavn, innbygger.c.mellomnavn, innbygger.c.etternavn, innbygger.c.dodsdato,
            consent.c.aktiv,
        ).select_from(
            innbygger.outerjoin(
                consent, (consent.c.innbygger_fnr == innbygger.c.fnr) & (consent.c.definisjon_guid == HELSENORGE_CONSENT)
            )
        )
    )
    found = [CitizenSummary(r.fnr, r.fornavn, r.mellomnavn, r.etternavn, r.dodsdato, bool(r.aktiv)) for r in rows]
    return _page(found, navn, lambda c: c.navn, lambda c: (c.etternavn, c.fornavn, c.mellomnavn or "", c.fnr), limit, offset)


# --- parental responsibility -----------------------------------------------------------------------------


def add_parental_responsibility(conn: sa.Connection, forelder_fnr: str, barn_fnr: str, *, today: dt.date | None = None) -> None:
    today = today or _today()
    _check_lookup_shape(forelder_fnr, "forelderen")
    _check_lookup_shape(barn_fnr, "barnet")
    if forelder_fnr == barn_fnr:
        raise InvalidInput("En person kan ikke ha foreldreansvar for seg selv")
    _existing_citizen(conn, forelder_fnr, "forelderen")
    _existing_citizen(conn, barn_fnr, "barnet")
    if not registry.is_minor(barn_fnr, today):
        raise NotAMinor("Barnet er ikke mindreårig: foreldreansvar gjelder bare barn under 18 år")
    parent_born, child_born = birth_date(forelder_fnr), birth_date(barn_fnr)
    if parent_born and child_born and parent_born >= child_born:
        raise InvalidInput("Forelderen må være født før barnet")
    if barn_fnr in registry.children_of(conn, forelder_fnr):
        raise AlreadyExists("Forelderen har allerede foreldreansvar for barnet")
    conn.execute(sa.insert(foreldreansvar).values(forelder_fnr=forelder_fnr, barn_fnr=barn_fnr))
    changes.record(conn, [forelder_fnr, barn_fnr])


def remove_parental_responsibility(conn: sa.Connection, forelder_fnr: str, barn_fnr: str) -> None:
    _check_lookup_shape(forelder_fnr, "forelderen")
    _check_lookup_shape(barn_fnr, "barnet")
    removed = conn.execute(
        sa.delete(foreldreansvar).where((foreldreansvar.c.forelder_fnr == forelder_fnr) & (foreldreansvar.c.barn_fnr == barn_fnr))
    ).rowcount
    if not removed:
        raise NotFound("Fant ikke foreldreansvar mellom disse to")
    changes.record(conn, [forelder_fnr, barn_fnr])


# --- powers of attorney ----------------------------------------------------------------------------------


def add_power_of_attorney(conn: sa.Connection, new: NewPowerOfAttorney, *, today: dt.date | None = None) -> int:
    """Register a power of attorney; returns its id."""
    giver, holder = new.fullmaktsgiver_fnr, new.fullmektig_fnr
    _check_lookup_shape(giver, "fullmaktsgiver")
    _check_lookup_shape(holder, "fullmektig")
    if giver == holder:
        raise InvalidInput("Fullmaktsgiver og fullmektig kan ikke være samme person")
    _check_period(new.gyldig_fra, new.gyldig_til)
    _existing_citizen(conn, giver, "fullmaktsgiver")
    _existing_citizen(conn, holder, "fullmektig")
    if registry.is_minor(holder, today or _today()):
        raise InvalidInput("Fullmektig må være over 18 år")
    _check_no_overlap(conn, giver, holder, new.gyldig_fra, new.gyldig_til, except_id=None)
    result = conn.execute(
        sa.insert(fullmakt).values(
            fullmaktsgiver_fnr=giver, fullmektig_fnr=holder, gyldig_fra=new.gyldig_fra, gyldig_til=new.gyldig_til
        )
    )
    changes.record(conn, [giver, holder])
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
    changes.record(conn, [current.fullmaktsgiver_fnr, current.fullmektig_fnr])
    return get_power_of_attorney(conn, fullmakt_id)


def remove_power_of_attorney(conn: sa.Connection, fullmakt_id: int) -> None:
    current = get_power_of_attorney(conn, fullmakt_id)
    conn.execute(sa.delete(fullmakt).where(fullmakt.c.id == fullmakt_id))
    changes.record(conn, [current.fullmaktsgiver_fnr, current.fullmektig_fnr])


def get_power_of_attorney(conn: sa.Connection, fullmakt_id: int) -> PowerOfAttorney:
    found = _powers_of_attorney(conn, fullmakt.c.id == fullmakt_id)
    if not found:
        raise NotFound("Fant ingen fullmakt med denne id-en")
    return found[0]


# --- health personnel ------------------------------------------------------------------------------------


def create_health_person(conn: sa.Connection, data: HealthPersonData) -> registry.HealthPerson:
    hpr = _checked_hpr(data.hpr_nummer)
    values = _health_person_values(conn, data, hpr)
    if registry.get_health_person(conn, hpr) is not None:
        raise AlreadyExists("Det finnes allerede helsepersonell med dette HPR-nummeret")
    conn.execute(sa.insert(helsepersonell).values(hpr_nummer=hpr, **values))
    return get_health_person(conn, hpr)


def update_health_person(conn: sa.Connection, hpr_nummer: str, data: HealthPersonData) -> registry.HealthPerson:
    """Replace everything but the HPR number, which names the person."""
    get_health_person(conn, hpr_nummer)
    if data.hpr_nummer != hpr_nummer:
        raise InvalidHpr("HPR-nummeret kan ikke endres")
    values = _health_person_values(conn, data, hpr_nummer)
    conn.execute(sa.update(helsepersonell).where(helsepersonell.c.hpr_nummer == hpr_nummer).values(**values))
    return get_health_person(conn, hpr_nummer)


def get_health_person(conn: sa.Connection, hpr_nummer: str) -> registry.HealthPerson:
    hpr = _checked_hpr(hpr_nummer)
    person = registry.get_health_person(conn, hpr)
    if person is None:
        raise NotFound("Fant ikke helsepersonell med dette HPR-nummeret")
    return person


def list_health_personnel(
    conn: sa.Connection, navn: str | None = None, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
) -> Page[registry.HealthPerson]:
    _check_window(limit, offset)
    rows = conn.execute(sa.select(helsepersonell))
    found = [registry.health_person_from(r) for r in rows]
    return _page(found, navn, lambda p: p.navn, lambda p: (p.etternavn, p.fornavn, p.hpr_nummer), limit, offset)


# --- organisations ---------------------------------------------------------------------------------------


def create_organisation(conn: sa.Connection, data: OrganisationData) -> registry.Organisation:
    orgnr = _checked_orgnr(data.orgnr)
    values = _organisation_values(conn, data, orgnr)
    if registry.get_organisation(conn, orgnr) is not None:
        raise AlreadyExists("Det finnes allerede en organisasjon med dette organisasjonsnummeret")
    conn.execute(sa.insert(organisasjon).values(orgnr=orgnr, **values))
    return get_organisation(conn, orgnr)


def update_organisation(conn: sa.Connection, orgnr: str, data: OrganisationData) -> registry.Organisation:
    get_organisation(conn, orgnr)
    if data.orgnr != orgnr:
        raise InvalidOrgnr("Organisasjonsnummeret kan ikke endres")
    values = _organisation_values(conn, data, orgnr)
    conn.execute(sa.update(organisasjon).where(organisasjon.c.orgnr == orgnr).values(**values))
    return get_organisation(conn, orgnr)


def get_organisation(conn: sa.Connection, orgnr: str) -> registry.Organisation:
    found = registry.get_organisation(conn, _checked_orgnr(orgnr))
    if found is None:
        raise NotFound("Fant ingen organisasjon med dette organisasjonsnummeret")
    return found


def list_organisations(
    conn: sa.Connection, navn: str | None = None, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
) -> Page[registry.Organisation]:
    _check_window(limit, offset)
    rows = conn.execute(sa.select(organisasjon.c.orgnr, organisasjon.c.navn, organisasjon.c.her_id))
    found = [registry.Organisation(r.orgnr, r.navn, r.her_id) for r in rows]
    return _page(found, navn, lambda o: o.navn, lambda o: (o.navn, o.orgnr), limit, offset)


# --- rules -----------------------------------------------------------------------------------------------


def _today() -> dt.date:
    return utcnow().date()


def _full_name(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def _max_length(column: sa.Column) -> int:
    return column.type.length  # type: ignore[attr-defined]


def _text(value: str | None, label: str, column: sa.Column, *, required: bool) -> str | None:
    """A stripped text that fits its column; blank counts as absent."""
    text = value.strip() if isinstance(value, str) else None
    if not text:
        if required:
            raise InvalidInput(f"{label} må fylles ut")
        return None
    if len(text) > _max_length(column):
        raise InvalidInput(f"{label} kan ha høyst {_max_length(column)} tegn")
    return text


_POSTNUMMER = re.compile(r"[0-9]{4}")
_PERSON_TEXT = {"fornavn": True, "mellomnavn": False, "etternavn": True, "adresse": False, "poststed": False}


def _person_values(given: dict[str, str | None], *, creating: bool) -> dict[str, str | None]:
    """The name and address columns among ``given``, checked. First and last name may never be blank."""
    values: dict[str, str | None] = {}
    for name, required in _PERSON_TEXT.items():
        if creating or name in given:
            values[name] = _text(given.get(name), name, innbygger.c[name], required=required)
    if creating or "postnummer" in given:
        postnummer = _text(given.get("postnummer"), "postnummer", innbygger.c.postnummer, required=False)
        if postnummer is not None and not (postnummer.isascii() and _POSTNUMMER.fullmatch(postnummer)):
            raise InvalidInput("postnummer må være fire sifre")
        values["postnummer"] = postnummer
    return values


def _check_lookup_shape(fnr: str, role: str = "innbyggeren") -> None:
    """A number used to look someone up must have the shape of one (SPEC section 0: else 400)."""
    if not has_fnr_shape(fnr):
        raise InvalidFnr(f"Ugyldig fødselsnummer for {role}: et fødselsnummer har 11 sifre")


def _existing_citizen(conn: sa.Connection, fnr: str, role: str = "innbyggeren") -> registry.Citizen:
    _check_lookup_shape(fnr, role)
    citizen = registry.get_citizen(conn, fnr)
    if citizen is None:
        # Say when the number itself is wrong: the likeliest reason for a typed number not to be found.
        problem = fnr_problem(fnr)
        raise NotFound(f"Fant ikke {role} i folkeregisteret" + (f" ({problem})" if problem else ""))
    return citizen


def _given_or_new_number(
    conn: sa.Connection, fnr: str | None, fodselsdato: dt.date | None, today: dt.date, rng: random.Random
) -> str:
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
    changes.record(conn, _with_relatives(conn, citizen.fnr))
    return True


def _has_consent(conn: sa.Connection, fnr: str) -> bool:
    return bool(
        conn.execute(
            sa.select(pvk_innstilling.c.aktiv).where(
                (pvk_innstilling.c.innbygger_fnr == fnr) & (pvk_innstilling.c.definisjon_guid == HELSENORGE_CONSENT)
            )
        ).scalar()
    )


def _write_consent(conn: sa.Connection, fnr: str, give: bool, actor: str) -> bool:
    """Set the HN consent as a citizen's own PVK change would: the current value and a history row."""
    where = (pvk_innstilling.c.innbygger_fnr == fnr) & (pvk_innstilling.c.definisjon_guid == HELSENORGE_CONSENT)
    current = conn.execute(sa.select(pvk_innstilling.c.aktiv, pvk_innstilling.c.metadata).where(where)).first()
    was_active = None if current is None else bool(current.aktiv)
    if was_active is give or (was_active is None and not give):
        return False
    now = utcnow()
    metadata = None if current is None else current.metadata
    if current is None:
        conn.execute(
            sa.insert(pvk_innstilling).values(innbygger_fnr=fnr, definisjon_guid=HELSENORGE_CONSENT, aktiv=give, tidspunkt=now)
        )
    else:
        conn.execute(sa.update(pvk_innstilling).where(where).values(aktiv=give, tidspunkt=now))
    conn.execute(
        sa.insert(pvk_historikk).values(
            innbygger_fnr=fnr,
            definisjon_guid=HELSENORGE_CONSENT,
            client_id=actor,
            tidspunkt=now,
            gammel_aktiv=was_active,
            ny_aktiv=give,
            gammel_metadata=metadata,
            ny_metadata=metadata,
        )
    )
    # The citizen's own status changes, and so may that of everyone they act for.
    changes.record(conn, _with_relatives(conn, fnr))
    return True


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
        sa.select(innbygger.c.fnr, innbygger.c.fornavn, innbygger.c.mellomnavn, innbygger.c.etternavn).where(
            innbygger.c.fnr.in_(wanted)
        )
    )
    return {r.fnr: _full_name(r.fornavn, r.mellomnavn, r.etternavn) for r in rows}


def _check_period(gyldig_fra: dt.date | None, gyldig_til: dt.date | None) -> None:
    if gyldig_fra is None:
        raise InvalidDate("gyldigFra må oppgis")
    if gyldig_til is not None and gyldig_til < gyldig_fra:
        raise InvalidDate("gyldigTil kan ikke være før gyldigFra")


def _check_no_overlap(
    conn: sa.Connection, giver: str, holder: str, fra: dt.date, til: dt.date | None, *, except_id: int | None
) -> None:
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


def _powers_of_attorney(conn: sa.Connection, where: sa.ColumnElement[bool]) -> list[PowerOfAttorney]:
    rows = conn.execute(sa.select(fullmakt).where(where).order_by(fullmakt.c.id))
    return [PowerOfAttorney(r.id, r.fullmaktsgiver_fnr, r.fullmektig_fnr, r.gyldig_fra, r.gyldig_til) for r in rows]


_HPR = re.compile(r"[1-9][0-9]{0,8}")


def _checked_hpr(value: str) -> str:
    """HPR numbers: 1-9 digits, no check digit (SPEC section 0); no leading zero, so one number has one spelling."""
    if not (isinstance(value, str) and value.isascii() and _HPR.fullmatch(value)):
        raise InvalidHpr("Ugyldig HPR-nummer: 1-9 sifre, uten innledende null")
    return value


def _health_person_values(conn: sa.Connection, data: HealthPersonData, hpr: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "fornavn": _text(data.fornavn, "fornavn", helsepersonell.c.fornavn, required=True),
        "etternavn": _text(data.etternavn, "etternavn", helsepersonell.c.etternavn, required=True),
        "autorisasjoner": _checked_authorisations(data.autorisasjoner),
        "fnr": data.fnr,
    }
    if data.fnr is not None:
        problem = fnr_problem(data.fnr)
        if problem:
            raise InvalidFnr(f"Ugyldig fødselsnummer: {problem}")
        other = registry.get_health_person_by_fnr(conn, data.fnr)
        if other is not None and other.hpr_nummer != hpr:
            raise AlreadyExists("Fødselsnummeret tilhører allerede annet helsepersonell")
    return values


_AUTHORISATION_CODE_MAX, _AUTHORISATION_NAME_MAX = 20, 100


def _checked_authorisations(authorisations: Sequence[Authorisation]) -> list[dict[str, str]]:
    checked: list[dict[str, str]] = []
    for index, item in enumerate(authorisations):
        kode, navn = (item.kode or "").strip(), (item.navn or "").strip()
        if not kode or not navn:
            raise InvalidInput(f"autorisasjoner[{index}] må ha kode og navn")
        if len(kode) > _AUTHORISATION_CODE_MAX or len(navn) > _AUTHORISATION_NAME_MAX:
            raise InvalidInput(
                f"autorisasjoner[{index}]: kode kan ha høyst {_AUTHORISATION_CODE_MAX} tegn, navn høyst {_AUTHORISATION_NAME_MAX}"
            )
        if any(c["kode"] == kode for c in checked):
            raise InvalidInput(f"autorisasjoner: koden {kode} står mer enn én gang")
        checked.append({"kode": kode, "navn": navn})
    return checked


def _checked_orgnr(value: str) -> str:
    if not is_valid_orgnr(value):
        raise InvalidOrgnr("Ugyldig organisasjonsnummer: 9 sifre med gyldig kontrollsiffer (mod 11)")
    return value


_HER_ID = re.compile(r"[1-9][0-9]*")


def _organisation_values(conn: sa.Connection, data: OrganisationData, orgnr: str) -> dict[str, Any]:
    navn = _text(data.navn, "navn", organisasjon.c.navn, required=True)
    her_id = _text(data.her_id, "herId", organisasjon.c.her_id, required=False)
    if her_id is not None:
        if not (her_id.isascii() and _HER_ID.fullmatch(her_id)):
            raise InvalidInput("herId må være et tall (HER-id har ikke kontrollsiffer)")
        holder = conn.execute(sa.select(organisasjon.c.orgnr).where(organisasjon.c.her_id == her_id)).scalar()
        if holder is not None and holder != orgnr:
            raise AlreadyExists("HER-id-en tilhører allerede en annen organisasjon")
    return {"navn": navn, "her_id": her_id}


def _check_window(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit må være mellom 1 og {MAX_PAGE_SIZE}")
    if offset < 0:
        raise InvalidInput("offset kan ikke være negativ")


# Norwegian alphabetical order: æ, ø, å come after z (as {, |, } do in ASCII).
_NORWEGIAN_TAIL = str.maketrans({"æ": "{", "ø": "|", "å": "}"})


def _sort_text(value: str) -> str:
    return value.casefold().translate(_NORWEGIAN_TAIL)


def _page(
    items: list[T],
    navn: str | None,
    name_of: Callable[[T], str],
    order: Callable[[T], tuple[str, ...]],
    limit: int,
    offset: int,
) -> Page[T]:
    """Filter by name words and page, in Python: SQLite's lower() and collation know only ASCII, and these
    operator lists must answer the same on both databases (they are small and never on a hot path)."""
    words = [w.casefold() for w in (navn or "").split()]
    if words:
        items = [item for item in items if all(w in name_of(item).casefold() for w in words)]
    items.sort(key=lambda item: tuple(_sort_text(part) for part in order(item)))
    return Page(items[offset : offset + limit], len(items), limit, offset)
