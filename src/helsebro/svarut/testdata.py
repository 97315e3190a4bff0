"""SvarUt's default data (TEST ONLY): the demo kommune's account and Fiks integration, and the registries
behind delivery: fastlegeregisteret, KRR and the organisations that receive through SvarInn.

The demo kommune is the Maskinporten client ``helsebro-demo-kommune`` (orgnr 910000063, testdata/clients.json).
Its integration's password is published on purpose; never use it anywhere but helsebro.

| what | id | secret |
|---|---|---|
| account (konto) "Demo kommune", HER-id 8100010 | ``DEMO_KONTO_ID`` | |
| Fiks integration "Demo kommune sak/arkiv" | ``DEMO_INTEGRASJON_ID`` | ``DEMO_INTEGRASJON_PASSORD`` |

Where a letter to a person goes depends on KRR (``svarut.delivery``). The seed citizen 12048645510 gets
letters in the Helsenorge/Altinn inbox. Of the default population's living adults, in order (see
``krr_roles()``): two have Digipost and one e-Boks (Digital Post til innbygger), two are reserved against
digital post, one is in KRR without contact details (cannot be notified), three more use the inbox; every
other citizen is not in KRR. Both of the last kinds get paper. The kommuner (``SVARINN_ORGNR``) receive
through SvarInn; every other organisation in Altinn.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa

from helsebro.auth.passwords import hash_secret
from helsebro.registries.service import is_minor
from helsebro.registries.tables import organisasjon
from helsebro.svarut.accounts import Account, save_account, save_integration
from helsebro.svarut.tables import (
    fastlege,
    krr,
    outbox,
    svarinn_mottaker,
    svarut_blob,
    svarut_blob_chunk,
    svarut_dokument,
    svarut_eksponert,
    svarut_forsendelse,
    svarut_forsendelsestype,
    svarut_hendelse,
    svarut_integrasjon,
    svarut_konto,
    svarut_konto_integrasjon,
    svarut_mottakersystem,
    svarut_status_historikk,
)
from helsebro.testdata import people

DEMO_ORGNR = "910000063"
DEMO_KONTO_ID = "7d3c9a52-4b1e-4f0a-9c6d-2e8b5a1f0c37"
DEMO_KONTO_HER_ID = "8100010"
DEMO_INTEGRASJON_ID = "c4f1e8b2-6a3d-4e5f-8b9c-0d1e2f3a4b5c"
DEMO_INTEGRASJON_PASSORD = "helsebro-demo-integrasjon"

# Fastleger (GPs) of the GP register, by HER-id; the seed citizen's GP is the first.
GP_HER_IDS = ("8200001", "8200002", "8200003")
GP_PATIENTS = 6  # generated citizens who get a GP besides the seed citizen

# KRR, by role: (role, how many generated adults get it, reservert, digital_postkasse, varslingsstatus).
KRR_ROLES = (
    ("digipost", 2, False, "digipost", "KAN_VARSLES"),
    ("eboks", 1, False, "eboks", "KAN_VARSLES"),
    ("reservert", 2, True, None, "KAN_VARSLES"),
    ("uten_kontaktinfo", 1, False, None, "KAN_IKKE_VARSLES"),
    ("innboks", 3, False, None, "KAN_VARSLES"),
)
SVARINN_ORGNR = (DEMO_ORGNR, "964107580", "945702133")  # Demo, Fjordvik and Bakkestad kommune

# Children first: the order to empty them in.
DATA_TABLES = (
    outbox,
    svarut_hendelse,
    svarut_eksponert,
    svarut_status_historikk,
    svarut_dokument,
    svarut_forsendelse,
    svarut_konto_integrasjon,
    svarut_konto,
    svarut_integrasjon,
    svarut_blob_chunk,
    svarut_blob,
    fastlege,
    krr,
    svarinn_mottaker,
    svarut_forsendelsestype,
    svarut_mottakersystem,
)
# v2: the forsendelsestyper SvarUt knows, and one receiving system registered for a type (the organisation
# gets its other letters in Altinn): Helse Vestfjord HF fetches its epikriser through SvarInn.
FORSENDELSESTYPER = ("Byggesak", "Faktura", "Helse.Epikrise", "Vedtak")
MOTTAKERSYSTEM = {
    "id": "3e6f1a2b-9c8d-4e7f-a6b5-4c3d2e1f0a9b",
    "navn": "Helse Vestfjord DIPS",
    "orgnr": "913748263",
    "forsendelse_type": "Helse.Epikrise",
    "niva": 4,
}


@cache
def _demo_password_hash() -> str:
    """The published demo password, hashed once per process: tests reset the data often (scrypt ~45 ms)."""
    return hash_secret(DEMO_INTEGRASJON_PASSORD)


def load_defaults(conn: sa.Connection) -> dict[str, int]:
    """Replace SvarUt's data with the defaults, in the caller's transaction. Returns counts per kind.

    Letters are emptied too (``reset`` restores the default data); files in a local blob directory that no
    letter refers to any more are removed by ``blobs.sweep_orphans``.
    """
    for table in DATA_TABLES:
        conn.execute(sa.delete(table))
    _ensure_demo_organisation(conn)
    save_integration(conn, DEMO_INTEGRASJON_ID, "Demo kommune sak/arkiv", None, DEMO_ORGNR, passord_hash=_demo_password_hash())
    save_account(conn, Account(DEMO_KONTO_ID, "Demo kommune", DEMO_ORGNR, DEMO_KONTO_HER_ID), [DEMO_INTEGRASJON_ID])
    gp_rows = _gp_register()
    conn.execute(sa.insert(fastlege), gp_rows)
    krr_rows = _krr_register()
    conn.execute(sa.insert(krr), krr_rows)
    conn.execute(sa.insert(svarinn_mottaker), [{"orgnr": orgnr} for orgnr in SVARINN_ORGNR])
    conn.execute(sa.insert(svarut_forsendelsestype), [{"navn": navn} for navn in FORSENDELSESTYPER])
    if conn.execute(sa.select(organisasjon.c.orgnr).where(organisasjon.c.orgnr == MOTTAKERSYSTEM["orgnr"])).first() is not None:
        conn.execute(sa.insert(svarut_mottakersystem).values(**MOTTAKERSYSTEM))
    return {
        "svarut_accounts": 1,
        "svarut_integrations": 1,
        "gp_patients": len(gp_rows),
        "krr_entries": len(krr_rows),
        "svarinn_receivers": len(SVARINN_ORGNR),
        "forsendelsestyper": len(FORSENDELSESTYPER),
    }


@cache
def krr_roles() -> dict[str, tuple[str, ...]]:
    """The fødselsnummer of each KRR role in the default data (for tests and documentation)."""
    adults = iter(_living_adults())
    roles: dict[str, tuple[str, ...]] = {role: tuple(next(adults) for _ in range(count)) for role, count, *_ in KRR_ROLES}
    roles["innboks"] = (people.SEED_CITIZEN, *roles["innboks"])
    roles["ikke_i_krr"] = (next(adults),)
    return roles


def _krr_register() -> list[dict]:
    roles = krr_roles()
    return [
        {"fnr": fnr, "reservert": reservert, "digital_postkasse": postkasse, "varslingsstatus": varsling}
        for role, _count, reservert, postkasse, varsling in KRR_ROLES
        for fnr in roles[role]
    ]


def _living_adults() -> list[str]:
    return [c.fnr for c in people.generate().citizens if c.fnr != people.SEED_CITIZEN and c.dodsdato is None and _adult(c.fnr)]


def _ensure_demo_organisation(conn: sa.Connection) -> None:
    """The demo kommune in Enhetsregisteret with its HER-id in the address register (added if missing)."""
    if conn.execute(sa.select(organisasjon.c.orgnr).where(organisasjon.c.orgnr == DEMO_ORGNR)).first() is None:
        conn.execute(sa.insert(organisasjon).values(orgnr=DEMO_ORGNR, navn="Demo kommune", her_id=DEMO_KONTO_HER_ID))


def _gp_register() -> list[dict[str, str]]:
    """The seed citizen and the first living adults of the default population, spread over the GPs."""
    patients = [people.SEED_CITIZEN]
    for citizen in people.generate().citizens:
        if len(patients) > GP_PATIENTS:
            break
        if citizen.fnr != people.SEED_CITIZEN and citizen.dodsdato is None and _adult(citizen.fnr):
            patients.append(citizen.fnr)
    return [{"fnr": fnr, "her_id": GP_HER_IDS[index % len(GP_HER_IDS)]} for index, fnr in enumerate(patients)]


def _adult(fnr: str) -> bool:
    return not is_minor(fnr, people.TODAY)
