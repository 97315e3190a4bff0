"""Loads the default data set into an empty database, and restores it on ``reset``."""

from __future__ import annotations

import functools
import json
from typing import Any

import sqlalchemy as sa
from joserfc.jwk import import_key

from helsebro import db
from helsebro._time import utcnow
from helsebro.auth import operator_secret
from helsebro.auth.clients import ApiClient, save_client
from helsebro.auth.passwords import hash_secret, verify_secret
from helsebro.auth.tables import api_clients, used_jtis
from helsebro.digitaltaktiv import changes
from helsebro.families import FAMILIES
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.personvern.tables import pvk_definisjon, pvk_historikk, pvk_innstilling
from helsebro.registries.tables import foreldreansvar, fullmakt, helsepersonell, innbygger, organisasjon
from helsebro.settings import Settings
from helsebro.steering import clock, faults, journal
from helsebro.testdata import environment, people
from helsebro.testdata.files import HERE, demo_private_key, read_json  # noqa: F401  (demo_private_key: for the loader's callers)
from helsebro.verktoy import store
from helsebro.verktoy.tables import veiledningstjeneste

# Tables the default data fills, children first (the order to empty them in): each family's, then the
# registries and the clients. Signing keys and the server secret are not data: they survive a reset so issued
# tokens and pseudonyms stay valid. Families that empty their own tables (PTS keeps its audit) do so in their loader.
DATA_TABLES = (
    *(table for family in FAMILIES for table in family.tables),
    fullmakt,
    foreldreansvar,
    innbygger,
    helsepersonell,
    organisasjon,
    used_jtis,
    api_clients,
)


def load_defaults(engine: sa.Engine) -> dict[str, int]:
    """Fill the database with the default data in one transaction, and the environment file (HELSEBRO_ENVIRONMENT)
    on top. Returns counts per kind."""
    extra = environment.configured()
    with db.write(engine) as conn:
        counts = _load(conn)
        return counts | (environment.apply(conn, extra) if extra else {})


def reset(engine: sa.Engine) -> dict[str, int]:
    """Empty every data table and load the default data again, and the environment file on top, atomically:
    when the file is refused, the data stays as it was. The server clock goes back to real time with it
    (what was stamped on a moved clock is gone); the injected faults and the request journal are emptied. A rotated
    operator secret is kept (``auth.operator_secret``)."""
    extra = environment.configured()
    try:
        with db.write(engine) as conn:
            clock.reset(conn)
            kept = _operator_hash(conn) if operator_secret.rotated(conn) else None
            faults.reset(conn)  # they may name clients the reset removes
            journal.reset(conn)
            for table in DATA_TABLES:
                conn.execute(sa.delete(table))
            counts = _load(conn)
            if kept is not None:
                conn.execute(sa.update(api_clients).where(api_clients.c.client_id == OPERATOR_CLIENT).values(secret_hash=kept))
            return counts | (environment.apply(conn, extra) if extra else {})
    finally:
        clock.after_reset(engine)  # the stored clock: real time, or as it was when the reset was refused
        journal.after_reset(engine)  # calls recorded before the reset are not written after it


def _load(conn: sa.Connection) -> dict[str, int]:
    clients = read_json("clients.json")["clients"]
    for entry in clients:
        save_client(conn, _client(entry))
    catalog = read_json("catalog.json")
    images = [
        {
            "id": image["id"],
            "type_id": image["type"],
            "content_type": store.CONTENT_TYPES[(HERE / image["fil"]).suffix.lower()],
            "data": (HERE / image["fil"]).read_bytes(),
        }
        for image in catalog["grafiske_elementer"]
    ]
    store.load_catalog(conn, catalog["kodeverk"], images, catalog["verktoy"])
    guidance = read_json("veiledningstjenester.json")["veiledningstjenester"]
    conn.execute(sa.insert(veiledningstjeneste), guidance)
    counts = {"clients": len(clients), "tools": len(catalog["verktoy"]), "images": len(catalog["grafiske_elementer"])}
    counts |= _load_people(conn)
    for family in FAMILIES:  # after the registries: a family's data may name their people and organisations
        if family.load_testdata is not None:
            counts |= family.load_testdata(conn)
    return counts


def _load_people(conn: sa.Connection) -> dict[str, int]:
    population = people.generate()
    conn.execute(sa.insert(organisasjon), population.organisasjoner)
    conn.execute(
        sa.insert(innbygger),
        [
            {
                "fnr": c.fnr,
                "fornavn": c.fornavn,
                "mellomnavn": c.mellomnavn,
                "etternavn": c.etternavn,
                "adresse": c.adresse,
                "postnummer": c.postnummer,
                "poststed": c.poststed,
                "dodsdato": c.dodsdato,
            }
            for c in population.citizens
        ],
    )
    conn.execute(sa.insert(foreldreansvar), [{"forelder_fnr": p, "barn_fnr": c} for p, c in population.foreldreansvar])
    conn.execute(
        sa.insert(fullmakt),
        [{"fullmaktsgiver_fnr": g, "fullmektig_fnr": h, "gyldig_fra": f, "gyldig_til": t} for g, h, f, t in population.fullmakter],
    )
    conn.execute(sa.insert(helsepersonell), population.helsepersonell)
    for definition in read_json("pvk_definitions.json")["definisjoner"]:
        conn.execute(
            sa.insert(pvk_definisjon).values(
                guid=definition["guid"],
                navn=definition["navn"],
                part_kode=definition["partKode"],
                type_pi=definition["typePi"],
                omfang_elementer=definition["omfangElementer"],
            )
        )
    now = utcnow()
    consenting = [c.fnr for c in population.citizens if c.helsenorge_samtykke]
    if consenting:
        conn.execute(
            sa.insert(pvk_innstilling),
            [{"innbygger_fnr": f, "definisjon_guid": HELSENORGE_CONSENT, "aktiv": True, "tidspunkt": now} for f in consenting],
        )
        conn.execute(
            sa.insert(pvk_historikk),
            [
                {"innbygger_fnr": f, "definisjon_guid": HELSENORGE_CONSENT, "client_id": None, "tidspunkt": now, "ny_aktiv": True}
                for f in consenting
            ],
        )
    # The whole population is new to whoever reads the change feed from the beginning.
    changes.record(conn, [c.fnr for c in population.citizens])
    return {
        "citizens": len(population.citizens),
        "health_personnel": len(population.helsepersonell),
        "organisations": len(population.organisasjoner),
    }


OPERATOR_CLIENT = "helsebro-operator"


def _secret_of(entry: dict[str, Any]) -> str | None:
    """A demo client's published secret; the operator's comes from HELSEBRO_OPERATOR_SECRET when that is set."""
    if entry["client_id"] == OPERATOR_CLIENT:
        return Settings().operator_secret or entry["secret"]
    return entry.get("secret")


def _operator_hash(conn: sa.Connection) -> str | None:
    return conn.execute(sa.select(api_clients.c.secret_hash).where(api_clients.c.client_id == OPERATOR_CLIENT)).scalar()


def apply_operator_secret(engine: sa.Engine, secret: str) -> bool:
    """Give the operator client this secret in a database loaded before it was set. True when it changed.
    Not after ``helsebro operator-secret rotate``: the rotated secret stands until the next rotation."""
    with db.write(engine) as conn:
        stored = _operator_hash(conn)
        if stored is None or operator_secret.rotated(conn) or verify_secret(secret, stored):
            return False
        conn.execute(sa.update(api_clients).where(api_clients.c.client_id == OPERATOR_CLIENT).values(secret_hash=hash_secret(secret)))
        return True


@functools.cache
def _demo_secret_hash(secret: str) -> str:
    """A published demo secret, hashed once per process (each process draws its own salt): tests reset the data
    often, and one stored hash keeps the verified-secret cache warm across resets."""
    return hash_secret(secret)


@functools.cache
def _public_jwk(key_file: str) -> tuple[tuple[str, Any], ...]:
    """The public half of a demo client's key file (importing an RSA private key costs ~50 ms)."""
    private = json.loads((HERE / key_file).read_text())
    return tuple({**import_key(private).as_dict(private=False), "kid": private["kid"]}.items())


def _client(entry: dict[str, Any]) -> ApiClient:
    jwks: dict[str, Any] = {"keys": []}
    if entry.get("key_file"):
        jwks["keys"].append(dict(_public_jwk(entry["key_file"])))
    return ApiClient(
        client_id=entry["client_id"],
        name=entry["name"],
        orgnr=entry["orgnr"],
        scopes=tuple(entry["scopes"]),
        jwks=jwks,
        secret_hash=_demo_secret_hash(secret) if (secret := _secret_of(entry)) else None,
        pvk_parts=tuple(entry.get("pvk_parts", [])),
        description=entry.get("description", ""),
        redirect_uris=tuple(entry.get("redirect_uris", [])),
        post_logout_redirect_uris=tuple(entry.get("post_logout_redirect_uris", [])),
        require_par=entry.get("require_par", False),
    )
