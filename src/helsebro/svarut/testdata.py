"""SvarUt's default data (TEST ONLY): the demo kommune's account and Fiks integration, and fastlegeregisteret.

The demo kommune is the Maskinporten client ``helsebro-demo-kommune`` (orgnr 910000063, testdata/clients.json).
Its integration's password is published on purpose; never use it anywhere but helsebro.

| what | id | secret |
|---|---|---|
| account (konto) "Demo kommune", HER-id 8100010 | ``DEMO_KONTO_ID`` | |
| Fiks integration "Demo kommune sak/arkiv" | ``DEMO_INTEGRASJON_ID`` | ``DEMO_INTEGRASJON_PASSORD`` |
"""

from __future__ import annotations

import sqlalchemy as sa

from helsebro.registries.service import is_minor
from helsebro.registries.tables import organisasjon
from helsebro.svarut.accounts import Account, save_account, save_integration
from helsebro.svarut.tables import (
    fastlege,
    outbox,
    svarut_blob,
    svarut_blob_chunk,
    svarut_dokument,
    svarut_forsendelse,
    svarut_integrasjon,
    svarut_konto,
    svarut_konto_integrasjon,
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

# Children first: the order to empty them in.
DATA_TABLES = (
    outbox,
    svarut_status_historikk,
    svarut_dokument,
    svarut_forsendelse,
    svarut_konto_integrasjon,
    svarut_konto,
    svarut_integrasjon,
    svarut_blob_chunk,
    svarut_blob,
    fastlege,
)


def load_defaults(conn: sa.Connection) -> dict[str, int]:
    """Replace SvarUt's data with the defaults, in the caller's transaction. Returns counts per kind.

    Letters are emptied too (``reset`` restores the default data); files in a local blob directory that no
    letter refers to any more are removed by ``blobs.sweep_orphans``.
    """
    for table in DATA_TABLES:
        conn.execute(sa.delete(table))
    _ensure_demo_organisation(conn)
    save_integration(conn, DEMO_INTEGRASJON_ID, "Demo kommune sak/arkiv", DEMO_INTEGRASJON_PASSORD, DEMO_ORGNR)
    save_account(conn, Account(DEMO_KONTO_ID, "Demo kommune", DEMO_ORGNR, DEMO_KONTO_HER_ID), [DEMO_INTEGRASJON_ID])
    gp_rows = _gp_register()
    conn.execute(sa.insert(fastlege), gp_rows)
    return {"svarut_accounts": 1, "svarut_integrations": 1, "gp_patients": len(gp_rows)}


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
