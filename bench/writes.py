"""Durable writes per second on SQLite and on PostgreSQL, side by side with catalog reads in the same run.

    .venv/bin/python -m bench.writes [--seconds 8] [--postgres postgresql://postgres@127.0.0.1:5432/test]

For each database: a fresh helsebro with the default data plus 20,000 extra digitally active citizens, then
wrk (one thread, 16 connections) on
- catalog reads: GET /verktoy/v1/SelvstendigVerktoy?Fagomrader=1&AntallVerktoy=10;
- v2 sends: POST /verktoy/system/verktoy/v2, every request a new (tool, citizen) pair, so each one creates a task;
- PVK writes: POST .../SettInnbyggersPersonvernInnstilling/v2, each request turning a consent on or off.
Every write is committed to disk before its answer (SQLite synchronous=FULL, PostgreSQL's default).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from bench._harness import both_databases, cli_token, free_port, process, wrk
from bench._lua import cycling_posts
from helsebro import db, migrate
from helsebro.db import create_engine
from helsebro.personvern.tables import pvk_innstilling
from helsebro.registries.tables import innbygger
from helsebro.testdata.loader import HELSENORGE_CONSENT

EXTRA_CITIZENS = 20_000
CATALOG = "/verktoy/v1/SelvstendigVerktoy?Fagomrader=1&AntallVerktoy=10"
SEND = "/verktoy/system/verktoy/v2"
PVK = "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"
NFS = {"definisjonGuid": "3FE2A80A-4200-42E2-817B-DA8A6236708A", "definisjonNavn": "Samtykke til oppbevaring av biomateriale", "partKode": "NFS", "typePi": "samtykke"}


def extra_citizens() -> list[str]:
    return [f"7{n:010d}" for n in range(EXTRA_CITIZENS)]


def add_citizens(engine: sa.Engine) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with db.write(engine) as conn:
        conn.execute(sa.insert(innbygger), [{"fnr": f, "fornavn": "Bench", "etternavn": "Testesen"} for f in extra_citizens()])
        conn.execute(
            sa.insert(pvk_innstilling),
            [{"innbygger_fnr": f, "definisjon_guid": HELSENORGE_CONSENT, "aktiv": True, "tidspunkt": now} for f in extra_citizens()],
        )


def owned_tools(engine: sa.Engine) -> list[str]:
    from helsebro.verktoy.tables import verktoy

    with db.read(engine) as conn:
        return list(conn.execute(sa.select(verktoy.c.id).where(verktoy.c.eier_client_id == "helsebro-demo-verktoy")).scalars())


@contextlib.contextmanager
def server(url: str) -> Iterator[tuple[str, dict[str, str], sa.Engine]]:
    with tempfile.TemporaryDirectory(prefix="helsebro-bench-") as data_dir:
        port = free_port()
        env = {**os.environ, "HELSEBRO_DATA_DIR": data_dir, "HELSEBRO_DATABASE_URL": url or f"sqlite:///{data_dir}/h.sqlite", "HELSEBRO_PORT": str(port)}
        engine = create_engine(env["HELSEBRO_DATABASE_URL"])
        migrate.upgrade(engine)
        cli_token(env, "verktoykatalog_read")  # loads the default data
        add_citizens(engine)
        base = f"http://127.0.0.1:{port}"
        with process([sys.executable, "-m", "helsebro", "serve", "--log-level", "warning"], env, base + "/healthz"):
            yield base, env, engine
        engine.dispose()


def measure(url: str, seconds: int, connections: int) -> dict[str, dict]:
    with server(url) as (base, env, engine):
        read_token = cli_token(env, "verktoykatalog_read")
        send_token = cli_token(env, "verktoysendtilinnbygger")
        pvk_token = cli_token(env, "Personverninnstillinger_skriv")
        results = {"catalog": wrk(base + CATALOG, {"Authorization": f"Bearer {read_token}"}, seconds, connections)}
        tools = owned_tools(engine)
        # More distinct pairs than a run can send: every request creates a task (none is a duplicate).
        sends = [
            {"VerktoyId": tool, "InnbyggerFnr": fnr, "AvsenderOrgNummer": "913748263", "AvsenderNavn": "Bench"}
            for fnr in extra_citizens()[: 40_000 // len(tools)]
            for tool in tools
        ]
        script = cycling_posts(sends, {"Authorization": f"Bearer {send_token}"})
        results["send"] = wrk(base + SEND, None, seconds, connections, script)
        # On for each citizen, then off again: every request is a real change, also when wrk wraps around.
        toggles = [{**NFS, "innbyggerFnr": f, "aktiv": on} for on in (True, False) for f in extra_citizens()[:15_000]]
        script = cycling_posts(toggles, {"Authorization": f"Bearer {pvk_token}"})
        results["pvk"] = wrk(base + PVK, None, seconds, connections, script)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    options = parser.parse_args()
    console = Console()
    rows = {}
    with both_databases(options.postgres) as databases:
        for name, url in databases:
            console.print(f"measuring {name} ...")
            rows[name] = measure(url, options.seconds, options.connections)
    table = Table(title="Requests per second (wrk, one thread) and p99 latency, same machine, same run")
    table.add_column("database")
    for column in ("catalog reads/s", "v2 sends/s (durable)", "PVK writes/s (durable)", "non-2xx"):
        table.add_column(column)
    for name, result in rows.items():
        table.add_row(
            name,
            f"{result['catalog']['requests_per_second']:.0f} (p99 {result['catalog']['p99_ms']:.0f} ms)",
            f"{result['send']['requests_per_second']:.0f} (p99 {result['send']['p99_ms']:.0f} ms)",
            f"{result['pvk']['requests_per_second']:.0f} (p99 {result['pvk']['p99_ms']:.0f} ms)",
            str(sum(r["non_2xx"] for r in result.values())),
        )
    console.print(table)


if __name__ == "__main__":
    main()
