"""50 simultaneous identical v2 sends against a running server create exactly one task (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import httpx
import sqlalchemy as sa

from helsebro import db
from helsebro.db import create_engine
from helsebro.settings import Settings
from helsebro.verktoy.tables import verktoy_oppgave
from tests.support import SEED_TOOL

BODY = {
    "VerktoyId": SEED_TOOL,
    "InnbyggerFnr": "12048645510",
    "AvsenderOrgNummer": "913748263",
    "AvsenderNavn": "Poliklinikk for angstlidelser",
}


async def _send_all(url: str, token: str, count: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return await asyncio.gather(*(client.post(url, json=BODY, headers={"Authorization": f"Bearer {token}"}) for _ in range(count)))


def test_fifty_simultaneous_identical_sends_create_one_task(live_server):
    token = live_server.cli("token", "-s", "verktoysendtilinnbygger").stdout.strip()
    responses = asyncio.run(_send_all(live_server.base_url + "/verktoy/system/verktoy/v2", token, 50))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 49, [r.text for r in responses if r.status_code not in (200, 400)]
    assert {r.json()["Code"] for r in responses if r.status_code == 400} == {"VER-000232"}
    settings = Settings(data_dir=live_server.env["HELSEBRO_DATA_DIR"], database_url=live_server.env.get("HELSEBRO_DATABASE_URL", ""))
    engine = create_engine(settings.resolved_database_url())
    with db.read(engine) as conn:
        open_tasks = conn.execute(
            sa.select(sa.func.count())
            .select_from(verktoy_oppgave)
            .where(verktoy_oppgave.c.verktoy_id == SEED_TOOL, verktoy_oppgave.c.status == "aapen")
        ).scalar()
    engine.dispose()
    assert open_tasks == 1
