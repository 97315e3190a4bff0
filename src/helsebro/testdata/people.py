"""The default synthetic population: citizens, families, powers of attorney, health personnel, organisations.

Generated from a fixed random seed, so the same data comes out on every machine. Generated citizens get
synthetic numbers only (Tenor's month + 80 and the NAV month + 40 forms), never the ordinary form that
could belong to a real person. The identifiers the seeds' examples use are added as they are.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

from helsebro.identifiers import FnrKind, make_fnr

SEED = 20261124
TODAY = dt.date(2026, 11, 24)  # the data set's reference date: ages are fixed, whatever day it is loaded

# The citizen of every seed example (its check digits are wrong: kept verbatim so examples work).
SEED_CITIZEN = "12048645510"

FORNAVN_K = [
    "Kari",
    "Ingrid",
    "Anne",
    "Marit",
    "Liv",
    "Nora",
    "Emma",
    "Sara",
    "Ida",
    "Maja",
    "Sofie",
    "Astrid",
    "Hanne",
    "Silje",
    "Tone",
    "Ragnhild",
    "Solveig",
    "Åse",
    "Bodil",
    "Ellinor",
    "Frøydis",
    "Gunhild",
]
FORNAVN_M = [
    "Ola",
    "Per",
    "Lars",
    "Jan",
    "Knut",
    "Bjørn",
    "Erik",
    "Jonas",
    "Emil",
    "Noah",
    "Aksel",
    "Filip",
    "Håkon",
    "Magnus",
    "Odd",
    "Sindre",
    "Tor",
    "Øystein",
    "Ståle",
    "Vidar",
    "Arne",
    "Geir",
]
ETTERNAVN = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Solberg",
    "Bakken",
    "Strand",
    "Moen",
    "Aas",
    "Løvås",
    "Øvrebø",
    "Sæther",
    "Brøndbo",
    "Fjellheim",
    "Nygård",
]
GATER = [
    "Storgata",
    "Kirkeveien",
    "Skolegata",
    "Fjordveien",
    "Bjørkeveien",
    "Granåsen",
    "Sjøgata",
    "Elvebakken",
    "Solbakken",
    "Måkeveien",
    "Tunveien",
    "Løkkeveien",
    "Åsveien",
    "Nedre Bakke",
    "Øvre Slottsgate",
]
POSTSTEDER = [
    ("0150", "OSLO"),
    ("5003", "BERGEN"),
    ("7010", "TRONDHEIM"),
    ("9008", "TROMSØ"),
    ("4006", "STAVANGER"),
    ("2317", "HAMAR"),
    ("8006", "BODØ"),
    ("6002", "ÅLESUND"),
    ("3015", "DRAMMEN"),
    ("9600", "HAMMERFEST"),
    ("4612", "KRISTIANSAND S"),
    ("1607", "FREDRIKSTAD"),
]


@dataclass
class Citizen:
    fnr: str
    fornavn: str
    etternavn: str
    adresse: str
    postnummer: str
    poststed: str
    mellomnavn: str | None = None
    dodsdato: dt.date | None = None
    helsenorge_samtykke: bool = False  # gives the HN consent (so: digitalt aktiv selv while alive)


@dataclass
class Population:
    citizens: list[Citizen] = field(default_factory=list)
    foreldreansvar: list[tuple[str, str]] = field(default_factory=list)  # (parent, child)
    fullmakter: list[tuple[str, str, dt.date, dt.date | None]] = field(default_factory=list)  # giver, holder, from, to
    helsepersonell: list[dict] = field(default_factory=list)
    organisasjoner: list[dict] = field(default_factory=list)


def _number(rng: random.Random, born: dt.date, used: set[str]) -> str:
    kind = FnrKind.TENOR if rng.random() < 0.8 else FnrKind.SYNTHETIC
    # Individual numbers by century, as the fødselsnummer rules want them.
    low, high = (500, 999) if born.year >= 2000 else (0, 499)
    while True:
        number = make_fnr(born, rng.randint(low, high), kind)
        if number and number not in used:
            used.add(number)
            return number


def _person(rng: random.Random, born: dt.date, used: set[str], etternavn: str | None = None) -> Citizen:
    female = rng.random() < 0.5
    postnummer, poststed = rng.choice(POSTSTEDER)
    return Citizen(
        fnr=_number(rng, born, used),
        fornavn=rng.choice(FORNAVN_K if female else FORNAVN_M),
        mellomnavn=rng.choice(FORNAVN_K if female else FORNAVN_M) if rng.random() < 0.2 else None,
        etternavn=etternavn or rng.choice(ETTERNAVN),
        adresse=f"{rng.choice(GATER)} {rng.randint(1, 120)}",
        postnummer=postnummer,
        poststed=poststed,
    )


def _born(rng: random.Random, min_age: int, max_age: int) -> dt.date:
    return TODAY - dt.timedelta(days=rng.randint(min_age * 365 + 1, max_age * 365 + 300))


@functools.cache
def generate(families: int = 70, singles: int = 60) -> Population:
    """The synthetic population: the same on every call (a fixed seed and reference date), so it is made once per
    process and shared: every reset and every family's test data read it, none may change it."""
    return _generate(families, singles)


def _generate(families: int, singles: int) -> Population:
    rng = random.Random(SEED)
    used: set[str] = {SEED_CITIZEN}
    population = Population()
    seed_person = Citizen(SEED_CITIZEN, "Line", "Danser", "Storgata 1", "0150", "OSLO", helsenorge_samtykke=True)
    population.citizens.append(seed_person)

    for _ in range(families):
        etternavn = rng.choice(ETTERNAVN)
        parents = [_person(rng, _born(rng, 28, 55), used, etternavn) for _ in range(rng.choice((1, 2, 2)))]
        children = [_person(rng, _born(rng, 0, 17), used, etternavn) for _ in range(rng.randint(1, 3))]
        for parent in parents:
            parent.helsenorge_samtykke = rng.random() < 0.85
            for child in children:
                population.foreldreansvar.append((parent.fnr, child.fnr))
        for child in children:
            # Teenagers may have their own consent; small children never do.
            child.helsenorge_samtykke = (TODAY.year - _birth_year(child.fnr)) >= 16 and rng.random() < 0.5
        population.citizens.extend(parents + children)

    for _ in range(singles):
        person = _person(rng, _born(rng, 18, 99), used)
        person.helsenorge_samtykke = rng.random() < 0.7
        population.citizens.append(person)

    elderly = [c for c in population.citizens if TODAY.year - _birth_year(c.fnr) >= 75]
    for person in elderly[:3]:
        person.dodsdato = TODAY - dt.timedelta(days=rng.randint(30, 400))
    adults = [c for c in population.citizens if 30 <= TODAY.year - _birth_year(c.fnr) <= 70 and c.dodsdato is None]
    for giver in elderly[3:9]:
        holder = rng.choice(adults)
        population.fullmakter.append((giver.fnr, holder.fnr, TODAY - dt.timedelta(days=200), None))
        giver.helsenorge_samtykke = False  # they rely on the holder: digitalt aktiv via andre

    population.helsepersonell = _health_personnel(rng, used)
    population.organisasjoner = ORGANISASJONER
    return population


def _birth_year(fnr: str) -> int:
    from helsebro.identifiers import birth_date

    born = birth_date(fnr)
    return born.year if born else 1986


def _health_personnel(rng: random.Random, used: set[str]) -> list[dict]:
    lege = [{"kode": "LE", "navn": "Lege"}]
    people = [
        {"hpr_nummer": "565513636", "fornavn": "Venstre", "etternavn": "Morfar", "autorisasjoner": lege},
        {"hpr_nummer": "4128168", "fornavn": "Linda Ingrid", "etternavn": "Telle", "autorisasjoner": lege},
        {"hpr_nummer": "1234567", "fornavn": "Per", "etternavn": "Olsen", "autorisasjoner": [{"kode": "SP", "navn": "Sykepleier"}]},
    ]
    kinds = [("LE", "Lege"), ("SP", "Sykepleier"), ("PS", "Psykolog"), ("FT", "Fysioterapeut"), ("JO", "Jordmor")]
    for index in range(27):
        kode, navn = rng.choice(kinds)
        female = rng.random() < 0.5
        people.append(
            {
                "hpr_nummer": str(9_100_000 + index * 37),
                "fornavn": rng.choice(FORNAVN_K if female else FORNAVN_M),
                "etternavn": rng.choice(ETTERNAVN),
                "autorisasjoner": [{"kode": kode, "navn": navn}],
            }
        )
    for person in people:
        person["fnr"] = _number(rng, _born(rng, 28, 66), used)
    return people


# Organisations: the demo clients' and the catalog's data controllers (all numbers valid, all fictional).
ORGANISASJONER = [
    {"orgnr": "910000004", "navn": "Demo Verktøyleverandør AS", "her_id": None},
    {"orgnr": "910000012", "navn": "Annen Verktøyleverandør AS", "her_id": None},
    {"orgnr": "910000020", "navn": "Demo EPJ-leverandør AS", "her_id": None},
    {"orgnr": "910000039", "navn": "Demo klient med hemmelighet", "her_id": None},
    {"orgnr": "913748263", "navn": "Helse Vestfjord HF", "her_id": "8100001"},
    {"orgnr": "992184736", "navn": "Sykehuset Innlandsdal HF", "her_id": "8100002"},
    {"orgnr": "983651208", "navn": "Nordlys universitetssykehus HF", "her_id": "8100003"},
    {"orgnr": "964107580", "navn": "Fjordvik kommune", "her_id": "8100004"},
    {"orgnr": "945702133", "navn": "Bakkestad kommune", "her_id": "8100005"},
    {"orgnr": "926385143", "navn": "Mestringsverket AS", "her_id": None},
    {"orgnr": "928741613", "navn": "Digital Omsorg Norge AS", "her_id": None},
    {"orgnr": "997453026", "navn": "Stiftelsen Barnas Helse", "her_id": None},
    {"orgnr": "971836458", "navn": "Sápmi Helse SA", "her_id": None},
]
