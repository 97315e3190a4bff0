"""A soak run: every family's happy paths at a steady rate for a long while against ``helsebro serve --workers 2``
on PostgreSQL, with a separate ``helsebro worker`` delivering the SvarUt letters. Reports per family the
requests, errors (goal 0) and latency percentiles (p50, p95, p99, max), the letters delivered, and the
memory (RSS) of the server's processes and the worker after warm-up and at the end (goal: flat).

    .venv/bin/python -m bench.soak [--minutes 10] [--rate 20] [--postgres postgresql://postgres@127.0.0.1:5432/test]

Bounded: at most ``minutes x 60 x rate`` requests, started on a fixed schedule (rate per second over all
families) and each with a 30 s timeout; then the worker gets at most 60 s to deliver what is left, and every
process is stopped. Only 127.0.0.1, on free ports, in a scratch schema dropped afterwards. The clients are
helsebro's own (``helsebro.client.demo``), as a user's code would call it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import queue
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from rich.console import Console
from rich.table import Table

from bench._harness import ROOT, free_port, process, scratch_schema, stop
from helsebro.client import Document
from helsebro.client.auth import client_assertion, load_key
from helsebro.client.demo import DEMO_KONTO_ID, KOMMUNE_CLIENT, DemoClients, demo_clients
from helsebro.client.maskinporten import Maskinporten
from helsebro.testdata import loader

HOST = "127.0.0.1"
THREADS = 16  # enough that a slow answer does not hold up the schedule
TIMEOUT = 30.0
SEED_TOOL = "08ead360-0d65-448c-ba9e-8a08f0921c90"  # in the default catalog, owned by the demo vendor
CITIZEN = "12048645510"  # adult, alive, with Helsenorge consent, in the default data
LOGIN_CLIENT, LOGIN_REDIRECT = "helsebro-demo-verktoy", "http://localhost:3000/callback"  # a demo client's registered redirect
NFS_CONSENT = "3fe2a80a-4200-42e2-817b-da8a6236708a"
PDF = b"%PDF-1.7\n% soak\n" + b"0" * 20_000


# -- the processes ---------------------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """The process and all its children, from /proc (``serve --workers 2`` is a supervisor and two API processes)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
    return found


def rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def label(pid: int) -> str:
    with contextlib.suppress(OSError):
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if "resource_tracker" in command:
            return "multiprocessing's resource tracker"
        if "spawn_main" in command or "multiprocessing" in command:
            return "API process"
    return "process"


def memory(server_pid: int, worker_pid: int) -> dict[str, float]:
    children = sorted(pid for pid in descendants(server_pid) if pid != server_pid)
    rows = {"serve (supervisor)": rss_mib(server_pid)}
    for pid in children:
        rows[f"{label(pid)} (pid {pid})"] = rss_mib(pid)
    return rows | {"helsebro worker": rss_mib(worker_pid)}


@contextlib.contextmanager
def servers(database_url: str) -> Iterator[tuple[str, subprocess.Popen, subprocess.Popen, dict[str, str]]]:
    with tempfile.TemporaryDirectory(prefix="helsebro-soak-") as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "HELSEBRO_HOST": HOST,
            "HELSEBRO_PORT": str(port),
            "HELSEBRO_DATA_DIR": data_dir,
            "HELSEBRO_DATABASE_URL": database_url,
            "HELSEBRO_EMBEDDED_WORKER": "false",
            "HELSEBRO_SVARUT_STEP_SECONDS": "0.5",
        }
        base = f"http://{HOST}:{port}"
        serve = [sys.executable, "-m", "helsebro", "serve", "--workers", "2", "--log-level", "warning"]
        with process(serve, env, base + "/healthz") as server:
            worker = subprocess.Popen(
                [sys.executable, "-m", "helsebro", "worker", "--log-level", "warning"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                yield base, server, worker, env
            finally:
                stop(worker)


# -- the happy paths -------------------------------------------------------------------------------------------


@dataclass
class Clients:
    """One load thread's clients: every family's (helsebro.client.demo), and Maskinporten's token client."""

    base: str
    api: DemoClients
    maskinporten: Maskinporten

    @classmethod
    def at(cls, base: str) -> Clients:
        api = demo_clients(base, timeout=TIMEOUT)
        key = loader.demo_private_key(KOMMUNE_CLIENT)
        maskinporten = Maskinporten(
            KOMMUNE_CLIENT, key, issuer=base + "/maskinporten", token_endpoint=base + "/maskinporten/token", http=api.http
        )
        return cls(base, api, maskinporten)

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.close()


@dataclass
class Shared:
    """What one path makes and another uses: citizens made through the operator API, letters sent."""

    citizens: queue.Queue[str] = field(default_factory=queue.Queue)
    letters: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def next(self) -> int:
        with self.lock:
            return next(self.counter)


def new_citizen(c: Clients, s: Shared) -> None:
    n = s.next()
    # A birth date of its own each: one date has only a few hundred synthetic numbers (the first soak run
    # used one date and ran out after 466 citizens: "Alle syntetiske fødselsnumre ... er i bruk").
    born = dt.date(1950, 1, 1) + dt.timedelta(days=n % 20_000)
    citizen = c.api.operator.create_citizen("Soak", f"Test{n}", fodselsdato=born.isoformat(), helsenorge_samtykke=True)
    s.citizens.put(citizen["fnr"])


def fresh_citizen(c: Clients, s: Shared) -> str:
    try:
        return s.citizens.get_nowait()
    except queue.Empty:
        new_citizen(c, s)
        return s.citizens.get_nowait()


def send_tool(c: Clients, s: Shared) -> None:
    c.api.verktoy.send_v2(
        SEED_TOOL, fresh_citizen(c, s), "913748263", "Soak-poliklinikk", frist_dato=dt.date.today() + dt.timedelta(days=30)
    )


def send_letter(c: Clients, s: Shared) -> None:
    forsendelse = {
        "tittel": f"Soak {s.next()}",
        "avgivendeSystem": "soak",
        "dokumenter": [{"filnavn": "vedtak.pdf", "mimeType": "application/pdf"}],
        "mottaker": {
            "navn": "Line Danser",
            "digitalId": CITIZEN,
            "adresse": {"adresselinje1": "Storgata 1", "postnummer": "0150", "poststed": "OSLO"},
        },
    }
    letter_id = c.api.svarut.send_person(DEMO_KONTO_ID, forsendelse, [Document("vedtak.pdf", PDF)])
    with s.lock:
        s.letters.append(letter_id)


def letter_status(c: Clients, s: Shared) -> None:
    with s.lock:
        ids = s.letters[-5:]
    if ids:
        c.api.svarut.status(DEMO_KONTO_ID, ids)


def pts_restriction(c: Clients, s: Shared) -> None:
    off_id = "9" + "".join(secrets.choice("0123456789") for _ in range(10))
    object_id = str(secrets.token_hex(16))
    c.api.pts.create_safety_restriction(off_id, "Rekvisisjon", object_id, "NORU", delay_days=14)
    c.api.pts.access_check(off_id, "Rekvisisjon", object_id, hpr_number="4128168")


def citizen_login(c: Clients, s: Shared) -> None:
    """The Helsenorge login as a web app's backend and a browser go through it: authorization code with PKCE."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": LOGIN_CLIENT,
        "redirect_uri": LOGIN_REDIRECT,
        "scope": "openid profile",
        "state": "soak",
        "nonce": secrets.token_hex(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    authorize = c.base + "/helsenorge-login/connect/authorize"
    page = c.api.http.get(authorize, params=params).raise_for_status()
    form = {**dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)), "fnr": CITIZEN}
    back = c.api.http.post(authorize, data=form, follow_redirects=False)
    if back.status_code != 302:
        raise RuntimeError(f"login form: {back.status_code}")
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    assertion = client_assertion(LOGIN_CLIENT, load_key(loader.demo_private_key(LOGIN_CLIENT)), c.base + "/helsenorge-login")
    c.api.http.post(
        c.base + "/helsenorge-login/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": LOGIN_REDIRECT,
            "code_verifier": verifier,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    ).raise_for_status()


# (family, what, call): one row of the report each. The token endpoints are asked afresh (no cached token).
PATHS: list[tuple[str, str, Callable[[Clients, Shared], object]]] = [
    ("HelseID", "token, private_key_jwt + DPoP", lambda c, s: c.api.vendor.token(["verktoykatalog_read"], fresh=True)),
    ("Helsenorge login", "authorization code + PKCE", citizen_login),
    ("Maskinporten", "token, jwt-bearer", lambda c, s: c.maskinporten.token(fresh=True)),
    ("Verktøy", "catalog list", lambda c, s: c.api.verktoy.list_tools(fagomrader=[1], antall_verktoy=10)),
    ("Verktøy", "send v2 to a new citizen", send_tool),
    ("DigitaltAktiv", "aktivsjekk", lambda c, s: c.api.digitaltaktiv.aktivsjekk([CITIZEN])),
    ("DigitaltAktiv", "change feed", lambda c, s: c.api.digitaltaktiv.status_changes()),
    ("PVK", "set a setting", lambda c, s: c.api.personvern.set_setting(CITIZEN, NFS_CONSENT, "NFS", "samtykke", True)),
    ("PVK", "check status", lambda c, s: c.api.personvern.check_status(CITIZEN, NFS_CONSENT, "NFS")),
    ("PTS", "restriction + access check (DPoP)", pts_restriction),
    ("SvarUt", "send a person letter (20 KB)", send_letter),
    ("SvarUt", "status of the last 5", letter_status),
    ("Operator", "create a citizen", new_citizen),
]


# -- the run ---------------------------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    late: int = 0  # requests that started more than a second after their slot: the rate was not held
    lock: threading.Lock = field(default_factory=threading.Lock)


def run(base: str, minutes: float, rate: float) -> Results:
    results, shared = Results(), Shared()
    total = int(minutes * 60 * rate)
    slots = itertools.count()
    slot_lock = threading.Lock()
    start = time.monotonic() + 1.0

    def client_loop() -> None:
        with Clients.at(base) as clients:
            while True:
                with slot_lock:
                    slot = next(slots)
                if slot >= total:
                    return
                due = start + slot / rate
                if (wait := due - time.monotonic()) > 0:
                    time.sleep(wait)
                index = slot % len(PATHS)
                began = time.monotonic()
                try:
                    PATHS[index][2](clients, shared)
                except Exception as exc:  # every failure is counted and shown
                    with results.lock:
                        results.errors[index].append(f"{type(exc).__name__}: {str(exc)[:200]}")
                    continue
                with results.lock:
                    results.latencies[index].append((time.monotonic() - began) * 1000)
                    results.late += began - due > 1.0

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(minutes * 60 + 120)
    return results


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_for_deliveries(env: dict[str, str], seconds: float = 60) -> int:
    """Pending outbox jobs after at most ``seconds`` of the worker delivering the rest."""
    import sqlalchemy as sa

    from helsebro.db import create_engine
    from helsebro.jobs.tables import outbox

    engine = create_engine(env["HELSEBRO_DATABASE_URL"])
    try:
        deadline = time.monotonic() + seconds
        while True:
            with engine.connect() as conn:
                pending = conn.execute(
                    sa.select(sa.func.count()).select_from(outbox).where(outbox.c.done_at.is_(None) & outbox.c.parked_at.is_(None))
                ).scalar()
            if not pending or time.monotonic() > deadline:
                return int(pending or 0)
            time.sleep(0.5)
    finally:
        engine.dispose()


def report(
    results: Results, memory_start: dict[str, float], memory_end: dict[str, float], minutes: float, rate: float, pending: int
) -> dict:
    console = Console(width=150)
    table = Table(title=f"Soak: {minutes:g} min at {rate:g} requests/s over all families (serve --workers 2, PostgreSQL, separate worker)")
    for column in ("family", "happy path", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column in ("family", "happy path") else "right")
    rows = []
    for index, (family, what, _) in enumerate(PATHS):
        values = results.latencies[index]
        row = {
            "family": family,
            "path": what,
            "requests": len(values) + len(results.errors[index]),
            "errors": len(results.errors[index]),
            "p50": percentile(values, 0.50),
            "p95": percentile(values, 0.95),
            "p99": percentile(values, 0.99),
            "max": max(values) if values else float("nan"),
        }
        rows.append(row)
        table.add_row(family, what, str(row["requests"]), str(row["errors"]), *(f"{row[k]:.1f}" for k in ("p50", "p95", "p99", "max")))
    console.print(table)
    mem = Table(title="Memory (RSS, MiB)")
    for column in ("process", "after warm-up", "at the end", "growth"):
        mem.add_column(column, justify="left" if column == "process" else "right")
    for name in memory_start:
        mem.add_row(
            name, f"{memory_start[name]:.1f}", f"{memory_end.get(name, 0):.1f}", f"{memory_end.get(name, 0) - memory_start[name]:+.1f}"
        )
    console.print(mem)
    console.print(
        f"requests started over a second late (rate not held): {results.late}; outbox jobs still pending 60 s after the end: {pending}"
    )
    for index, errors in results.errors.items():
        for error in sorted(set(errors))[:3]:
            console.print(f"[red]{PATHS[index][0]} {PATHS[index][1]}: {error}[/red]")
    return {
        "minutes": minutes,
        "rate": rate,
        "rows": rows,
        "memory_start": memory_start,
        "memory_end": memory_end,
        "late": results.late,
        "pending_jobs": pending,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the steady load runs (default 10)")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second over all families (default 20)")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds of the same load before the first memory reading (default 20)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    options = parser.parse_args()
    with scratch_schema(options.postgres) as url, servers(url) as (base, server, worker, env):
        assert httpx.URL(base).host == HOST  # a soak run targets this machine only
        run(base, options.warmup / 60, options.rate)
        memory_start = memory(server.pid, worker.pid)
        results = run(base, options.minutes, options.rate)
        memory_end = memory(server.pid, worker.pid)
        pending = wait_for_deliveries(env)
        summary = report(results, memory_start, memory_end, options.minutes, options.rate, pending)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "soak.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    (out / "soak.md").write_text(markdown(summary))


def markdown(summary: dict) -> str:
    """The report as bench/README.md's tables."""
    lines = ["| family | happy path | requests | errors | p50 ms | p95 ms | p99 ms | max ms |", "|---|---|---|---|---|---|---|---|"]
    lines += [
        f"| {r['family']} | {r['path']} | {r['requests']} | {r['errors']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} |"
        for r in summary["rows"]
    ]
    lines += ["", "| process | RSS after warm-up (MiB) | at the end | growth |", "|---|---|---|---|"]
    lines += [
        f"| {name} | {start:.1f} | {summary['memory_end'].get(name, 0):.1f} | {summary['memory_end'].get(name, 0) - start:+.1f} |"
        for name, start in summary["memory_start"].items()
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
