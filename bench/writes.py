"""Durable writes per second on SQLite and on PostgreSQL, side by side with catalog reads in the same run,
and on PostgreSQL one API process against two (`serve --workers 2`) under the same write-heavy load.

    .venv/bin/python -m bench.writes [--seconds 8] [--postgres postgresql://postgres@127.0.0.1:5432/test]

For each database: a fresh helsebro with the default data plus 20,000 extra digitally active citizens, then
wrk (one thread, 16 connections) on
- catalog reads: GET /verktoy/v1/SelvstendigVerktoy?Fagomrader=1&AntallVerktoy=10;
- v2 sends: POST /verktoy/system/verktoy/v2, every request a new (tool, citizen) pair, so each one creates a task;
- PVK writes: POST .../SettInnbyggersPersonvernInnstilling/v2, each request turning a consent on or off;
- PTS creates: POST /pts/v0.5/access-restrictions/patient-safety with a DPoP-bound token (a professional's
  user token exchanged for PTS, as NHN prefers) and a new DPoP proof for every request (its jti is recorded
  against replay), each request a new restriction of a new person.
Every write is committed to disk before its answer (SQLite synchronous=FULL, PostgreSQL's default).
Then, on PostgreSQL, the sends and the PVK writes again against a fresh helsebro with two API processes.
Prints the rates and the ratios (writes over catalog reads; two processes over one) and writes
bench/results/writes.md and writes.png.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from bench._harness import (
    ROOT,
    both_databases,
    cli_token,
    free_port,
    process,
    scratch_schema,
    wrk,
)
from bench._lua import cycling_posts, cycling_signed_posts
from helsebro import db, migrate
from helsebro.db import create_engine
from helsebro.personvern.tables import pvk_innstilling
from helsebro.registries.tables import innbygger
from helsebro.testdata.loader import HELSENORGE_CONSENT

EXTRA_CITIZENS = 20_000
CATALOG = "/verktoy/v1/SelvstendigVerktoy?Fagomrader=1&AntallVerktoy=10"
SEND = "/verktoy/system/verktoy/v2"
PVK = "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"
PTS_SAFETY = "/pts/v0.5/access-restrictions/patient-safety"
PTS_PROFESSIONAL = "565513636"  # in the default HPR data
PTS_PROOFS = 20_000  # made before the run; a DPoP proof lives 60 s (dpop_proof_max_age_seconds)
NFS = {
    "definisjonGuid": "3FE2A80A-4200-42E2-817B-DA8A6236708A",
    "definisjonNavn": "Samtykke til oppbevaring av biomateriale",
    "partKode": "NFS",
    "typePi": "samtykke",
}


def extra_citizens() -> list[str]:
    return [f"7{n:010d}" for n in range(EXTRA_CITIZENS)]


def add_citizens(engine: sa.Engine) -> None:
    now = dt.datetime.now(dt.UTC)
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
def server(url: str, workers: int = 1) -> Iterator[tuple[str, dict[str, str], sa.Engine]]:
    with tempfile.TemporaryDirectory(prefix="helsebro-bench-") as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "HELSEBRO_DATA_DIR": data_dir,
            "HELSEBRO_DATABASE_URL": url or f"sqlite:///{data_dir}/h.sqlite",
            "HELSEBRO_PORT": str(port),
        }
        engine = create_engine(env["HELSEBRO_DATABASE_URL"])
        migrate.upgrade(engine)
        cli_token(env, "verktoykatalog_read")  # loads the default data
        add_citizens(engine)
        base = f"http://127.0.0.1:{port}"
        args = [sys.executable, "-m", "helsebro", "serve", "--log-level", "warning", "--workers", str(workers)]
        with process(args, env, base + "/healthz"):
            yield base, env, engine
        engine.dispose()


def sends_script(engine: sa.Engine, token: str, part: int = 0, parts: int = 1) -> Path:
    """Sends of (tool, citizen) pairs never sent before: the ``part``-th of ``parts`` slices of all pairs, so
    every request creates a task (more pairs in a slice than a run can send)."""
    tools = owned_tools(engine)
    pairs = [(tool, fnr) for fnr in extra_citizens() for tool in tools]
    size = len(pairs) // parts
    sends = [
        {"VerktoyId": tool, "InnbyggerFnr": fnr, "AvsenderOrgNummer": "913748263", "AvsenderNavn": "Bench"}
        for tool, fnr in pairs[part * size : part * size + min(size, 40_000)]
    ]
    return cycling_posts(sends, {"Authorization": f"Bearer {token}"})


def toggles_script(token: str, part: int = 0, parts: int = 1) -> Path:
    """On for each citizen of the ``part``-th slice, then off again: every request is a real change, also
    when wrk wraps around."""
    size = min(len(extra_citizens()) // parts, 15_000)
    citizens = extra_citizens()[part * size : (part + 1) * size]
    toggles = [{**NFS, "innbyggerFnr": f, "aktiv": on} for on in (True, False) for f in citizens]
    return cycling_posts(toggles, {"Authorization": f"Bearer {token}"})


def pts_script(env: dict[str, str], base: str) -> Path:
    """PTS creates as a PTS client sends them: ``Authorization: DPoP <token>`` and a proof of its own each."""
    import secrets
    import subprocess
    import uuid

    from helsebro.auth.client_side import dpop_proof, load_private_key
    from helsebro.cli.key_files import read_private_jwk

    key_file = Path(env["HELSEBRO_DATA_DIR"]) / "pts-dpop.jwk.json"
    command = [sys.executable, "-m", "helsebro", "token", "-s", "nhn:pts/api", "--hpr", PTS_PROFESSIONAL, "--exchange"]
    command += ["--audience", "nhn:pts", "--dpop-key", str(key_file)]
    token = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout.strip()
    key = load_private_key(read_private_jwk(key_file, "--dpop-key"))
    requests = []
    for _ in range(PTS_PROOFS):
        off_id = "9" + "".join(secrets.choice("0123456789") for _ in range(10))
        body = {
            "patientSafetyObject": {
                "person": {"offId": off_id},
                "confidentialObjectId": {"type": "Rekvisisjon", "value": str(uuid.uuid4())},
            },
            "confidentialityCode": "NORU",
            "delayDays": 14,
            "cause": "Manual",
        }
        proof = dpop_proof(key, "POST", base + PTS_SAFETY, access_token=token)
        requests.append((body, {"Authorization": f"DPoP {token}", "DPoP": proof}))
    return cycling_signed_posts(requests)


def measure(url: str, seconds: int, connections: int) -> dict[str, dict]:
    with server(url) as (base, env, engine):
        read_token = cli_token(env, "verktoykatalog_read")
        results = {"catalog": wrk(base + CATALOG, {"Authorization": f"Bearer {read_token}"}, seconds, connections)}
        results["send"] = wrk(base + SEND, None, seconds, connections, sends_script(engine, cli_token(env, "verktoysendtilinnbygger")))
        results["pvk"] = wrk(base + PVK, None, seconds, connections, toggles_script(cli_token(env, "Personverninnstillinger_skriv")))
        results["pts"] = wrk(base + PTS_SAFETY, None, seconds, connections, pts_script(env, base))
    return results


def scale(postgres: str, seconds: int, connections: int, rounds: int = 2) -> dict[int, dict[str, dict]]:
    """One and two API processes on PostgreSQL, both up at once (each on a schema of its own), measured in
    turns (one, two, one, two, ...) so the machine's other load falls on both alike; the best round each."""
    with contextlib.ExitStack() as stack:
        servers = {}
        for workers in (1, 2):
            url = stack.enter_context(scratch_schema(postgres))
            base, env, engine = stack.enter_context(server(url, workers))
            servers[workers] = (base, engine, cli_token(env, "verktoysendtilinnbygger"), cli_token(env, "Personverninnstillinger_skriv"))
        best: dict[int, dict[str, dict]] = {1: {}, 2: {}}
        for n in range(rounds):
            for kind in ("send", "pvk"):
                for workers, (base, engine, send_token, pvk_token) in servers.items():
                    if kind == "send":
                        script = sends_script(engine, send_token, part=n, parts=rounds)  # each round new pairs
                        result = wrk(base + SEND, None, seconds, connections, script)
                    else:
                        result = wrk(base + PVK, None, seconds, connections, toggles_script(pvk_token, part=n, parts=rounds))
                    if kind not in best[workers] or result["requests_per_second"] > best[workers][kind]["requests_per_second"]:
                        best[workers][kind] = result
    return best


def rate(result: dict) -> str:
    return f"{result['requests_per_second']:,.0f}/s (p99 {result['p99_ms']:.0f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    options = parser.parse_args()
    console = Console()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()[0]
    rows = {}
    with both_databases(options.postgres) as databases:
        for name, url in databases:
            console.print(f"measuring {name} ...")
            rows[name] = measure(url, options.seconds, options.connections)
    console.print("measuring PostgreSQL with one and with two API processes, in turns ...")
    scaled = scale(options.postgres, options.seconds, options.connections)
    two = scaled[2]
    load_after = os.getloadavg()[0]

    table = Table(
        title="Requests per second (wrk, one thread, %d connections) and p99 latency, same machine, same run" % options.connections
    )
    for column in (
        "database",
        "catalog reads",
        "v2 sends (durable)",
        "× catalog",
        "PVK writes (durable)",
        "× catalog",
        "PTS creates, DPoP (durable)",
        "× catalog",
        "non-2xx",
    ):
        table.add_column(column)
    lines = [
        "| database | catalog reads | v2 sends (durable) | sends × catalog | PVK writes (durable) | PVK × catalog | PTS creates, DPoP (durable) | PTS × catalog | non-2xx |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, result in rows.items():
        catalog = result["catalog"]["requests_per_second"]
        cells = [
            name,
            rate(result["catalog"]),
            rate(result["send"]),
            f"{result['send']['requests_per_second'] / catalog:.3f}",
            rate(result["pvk"]),
            f"{result['pvk']['requests_per_second'] / catalog:.3f}",
            rate(result["pts"]),
            f"{result['pts']['requests_per_second'] / catalog:.3f}",
            str(sum(r["non_2xx"] + r["socket_errors"] for r in result.values())),
        ]
        table.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    one = scaled[1]
    scale_lines = [
        "",
        "| PostgreSQL, best of 2 rounds each, in turns | one API process | two API processes | two ÷ one | non-2xx (two) |",
        "|---|--:|--:|--:|--:|",
    ]
    for key, what in (("send", "v2 sends"), ("pvk", "PVK writes")):
        ratio = two[key]["requests_per_second"] / one[key]["requests_per_second"]
        scale_lines.append(
            f"| {what} | {rate(one[key])} | {rate(two[key])} | {ratio:.2f} | {two[key]['non_2xx'] + two[key]['socket_errors']} |"
        )
    console.print(table)
    for line in scale_lines[1:]:
        console.print(line)
    machine = f"{os.cpu_count()} cores; 1-minute load average {load_before:.1f} before the run, {load_after:.1f} after it"
    header = [f"Measured {when} with `.venv/bin/python -m bench.writes --seconds {options.seconds}` on {machine}.", ""]
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "writes.md").write_text("\n".join([*header, *lines, *scale_lines, "", "![writes](writes.png)"]) + "\n")
    plot(rows, two, results / "writes.png", when)
    console.print(f"written: {results / 'writes.md'}, {results / 'writes.png'}")


def plot(rows: dict[str, dict], two: dict, path, when: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = []
    for name, result in rows.items():
        bars += [
            (f"{name}: catalog reads", result["catalog"]),
            (f"{name}: v2 sends", result["send"]),
            (f"{name}: PVK writes", result["pvk"]),
        ]
        bars += [(f"{name}: PTS creates (DPoP)", result["pts"])]
    bars += [("PostgreSQL, 2 processes: v2 sends", two["send"]), ("PostgreSQL, 2 processes: PVK writes", two["pvk"])]
    bars.reverse()
    fig, axis = plt.subplots(figsize=(10, 0.45 * len(bars) + 1.4))
    values = [b[1]["requests_per_second"] for b in bars]
    axis.barh(
        range(len(bars)),
        values,
        color=["#1f77b4" if "catalog" in b[0] else "#d62728" if "2 processes" in b[0] else "#ff7f0e" for b in bars],
    )
    axis.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    axis.set_xscale("log")
    for i, value in enumerate(values):
        axis.text(value * 1.05, i, f"{value:,.0f}/s", va="center", fontsize=8)
    axis.set_xlim(right=max(values) * 3)
    axis.set_xlabel("requests/s (wrk, one thread; log scale, higher is better)", fontsize=8)
    fig.suptitle(f"Durable writes against catalog reads, one run on a shared 2-core machine ({when})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
