"""Scale-out on one PostgreSQL database, with real processes: API A (`helsebro serve --workers 2`, two API
processes), API B (a second `helsebro serve` on another port), both without the embedded delivery worker, and
two separate `helsebro worker` processes. Both APIs share one HELSEBRO_PUBLIC_URL, as behind a load balancer.

Several threads run every family's happy paths at once through the typed client (helsebro.client) against
both APIs; the writes that must be idempotent are raced: the same call on A and on B at the same moment (v2
send, PVK set, SvarUt send with one Idempotency-Key). Meanwhile one reader per API follows the DigitaltAktiv
feed with its safe offsets. Then nothing may be lost or duplicated:
- every 2xx write exists exactly once in the database (tasks, PVK history, PTS restrictions, letters); of two
  raced writes exactly one changed something;
- every letter went through its channel's lifecycle once (no status twice) and every outbox job is done,
  none parked; the two workers' own counts add up to exactly the jobs, and each did some;
- each feed reader saw every citizen whose status changed, no number twice within one answer, and a last read
  from the first offset holds exactly those citizens, once each.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.client import Document, HelsenorgeError
from helsebro.client.demo import DEMO_KONTO_ID, DemoClients, demo_clients
from helsebro.db import create_engine
from helsebro.jobs.tables import outbox
from helsebro.personvern.tables import pvk_historikk
from helsebro.pts.tables import (
    pts_privacy_restriction,
    pts_safety_attribute,
    pts_safety_restriction,
)
from helsebro.svarut import status as svarut_status
from helsebro.svarut.letters import OUTBOX_KIND
from helsebro.svarut.tables import svarut_forsendelse
from helsebro.verktoy.tables import verktoy_oppgave
from tests.conftest import postgres_database
from tests.e2e.conftest import STARTUP_SECONDS, free_port, wait_until_healthy

pytestmark = pytest.mark.server

THREADS = 4
CITIZENS_PER_THREAD = 4
DELIVERY_SECONDS = 300  # after the writes, a bound (not a figure) for the workers to deliver every letter
SEED_TOOL = "08ead360-0d65-448c-ba9e-8a08f0921c90"
SEED_CITIZEN = "12048645510"  # a Helsenorge inbox in KRR: SENDT_DIGITALT -> VARSLET
NFS = "3fe2a80a-4200-42e2-817b-da8a6236708a"
HN_CONSENT = "5b0e3c1d-8a47-4f6e-9b2d-7c1a0e4f3d58"
DIGITAL = ["MOTTATT", "AKSEPTERT", "SENDT_DIGITALT", "VARSLET"]
PRINT = ["MOTTATT", "AKSEPTERT", "SENDT_PRINT", "PRINTET"]  # a registered citizen who is not in KRR
ENV = {
    "HELSEBRO_EMBEDDED_WORKER": "false",  # only the two worker processes deliver
    "HELSEBRO_SVARUT_STEP_SECONDS": "0.2",
    "HELSEBRO_WORKER_POLL_SECONDS": "0.1",
}


# -- the processes -------------------------------------------------------------------------------------------------


@dataclass
class Cluster:
    api_urls: list[str]
    public_url: str
    database_url: str
    logs: Path
    workers: list[subprocess.Popen] = field(default_factory=list)

    def log_text(self, name: str) -> str:
        return (self.logs / name).read_text(errors="replace")


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "helsebro", *args], env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> int | None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
        return None


def wait_until_started(process: subprocess.Popen, log: Path) -> None:
    """Wait (bounded) until a ``helsebro worker`` logs that it runs; on a loaded machine start-up takes a while."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while "worker started" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"helsebro worker did not start (exit {process.poll()}):\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


@pytest.fixture()
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("scale-out")
    for database_url in postgres_database(tmp_path_factory):
        ports = [free_port(), free_port()]
        public_url = f"http://127.0.0.1:{ports[0]}"
        base_env = {
            **os.environ,
            **ENV,
            "HELSEBRO_DATABASE_URL": database_url,
            "HELSEBRO_DATA_DIR": str(logs),
            "HELSEBRO_PUBLIC_URL": public_url,
        }
        processes: list[subprocess.Popen] = []
        made = Cluster([f"http://127.0.0.1:{p}" for p in ports], public_url, database_url, logs)
        try:
            # A first: it migrates and loads the default data; B and the workers find the database ready.
            for name, port, workers in (("api-a.log", ports[0], 2), ("api-b.log", ports[1], 1)):
                env = {**base_env, "HELSEBRO_HOST": "127.0.0.1", "HELSEBRO_PORT": str(port)}
                process = _spawn(["serve", "--workers", str(workers)], env, logs / name)
                processes.append(process)
                wait_until_healthy(process, f"http://127.0.0.1:{port}", logs / name)
            for index in (1, 2):
                made.workers.append(_spawn(["worker", "--log-level", "info"], base_env, logs / f"worker-{index}.log"))
            processes += made.workers
            for index, process in enumerate(made.workers, start=1):
                wait_until_started(process, logs / f"worker-{index}.log")  # both claim from the start: each does some
            yield made
        finally:
            for process in reversed(processes):
                _stop(process)


# -- the work --------------------------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """What the threads were told, for comparing with the database afterwards."""

    citizens: list[str] = field(default_factory=list)
    sends: list[tuple[str, str]] = field(default_factory=list)  # (fnr, "ok" | error code), two per citizen
    pvk_nfs: list[tuple[str, str]] = field(default_factory=list)  # (fnr, instansEndret)
    pvk_hn: list[tuple[str, str]] = field(default_factory=list)
    safety: list[str] = field(default_factory=list)  # attribute ids
    privacy: list[str] = field(default_factory=list)
    letters: dict[str, list[str]] = field(default_factory=dict)  # id -> the lifecycle it must go through
    raced_letters: list[tuple[str, str]] = field(default_factory=list)  # the ids A and B answered for one key
    catalog_reads: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, value: Any) -> None:
        with self.lock:
            getattr(self, name).append(value)


def race(pool: ThreadPoolExecutor, call: Callable[[DemoClients], Any], apis: list[DemoClients]) -> list[Any]:
    """The same call on both APIs at once; each outcome is its result or the exception it raised."""
    gate = threading.Barrier(len(apis))

    def one(api: DemoClients) -> Any:
        gate.wait(10)
        try:
            return call(api)
        except HelsenorgeError as exc:
            return exc

    return list(pool.map(one, apis))


def letter(fnr: str, filnavn: str) -> dict:
    return {
        "tittel": "Vedtak om tildeling av omsorgsbolig",
        "mottaker": {
            "navn": "Klient Testesen",
            "digitalId": fnr,
            "adresse": {"adresselinje1": "Storgata 1", "postnummer": "0150", "poststed": "OSLO"},
        },
        "avgivendeSystem": "helsebro-scale-out",
        "dokumenter": [{"filnavn": filnavn, "mimeType": "application/pdf"}],
    }


def citizen_story(fnr: str, index: int, apis: list[DemoClients], pool: ThreadPoolExecutor, out: Outcomes, pdf_file: Path) -> None:
    """Every family's happy path for one citizen, writes spread over both APIs, idempotent ones raced."""
    one, other = apis[index % 2], apis[(index + 1) % 2]

    tools = one.verktoy.list_tools(antall_verktoy=5)
    assert other.verktoy.get_tool(tools[0]["VerktoyId"]) == tools[0]
    assert any(t["Navn"] == "Å leve med langvarige smerter" for t in other.verktoy.search_tools("smerte"))
    with out.lock:
        out.catalog_reads += 3

    for outcome in race(pool, lambda api: api.verktoy.send_v2(SEED_TOOL, fnr, "913748263", "Poliklinikk"), apis):
        out.add("sends", (fnr, "ok" if isinstance(outcome, dict) and outcome.get("PseudoId") else getattr(outcome, "code", repr(outcome))))

    for outcome in race(pool, lambda api: api.personvern.set_setting(fnr, NFS, "NFS", "samtykke", True), apis):
        out.add("pvk_nfs", (fnr, outcome["instansEndret"] if isinstance(outcome, dict) else repr(outcome)))
    assert one.personvern.check_status(fnr, NFS, "NFS")["aktiv"] is True

    # Withdrawing the Helsenorge consent changes the DigitaltAktiv status: the feed must tell.
    for outcome in race(pool, lambda api: api.personvern.set_setting(fnr, HN_CONSENT, "HN", "samtykke", False), apis):
        out.add("pvk_hn", (fnr, outcome["instansEndret"] if isinstance(outcome, dict) else repr(outcome)))
    for api in apis:
        assert api.digitaltaktiv.aktivsjekk([fnr])["erAktivListe"][fnr]["erDigitaltAktivSelv"] is False

    attribute = one.pts.create_safety_restriction(fnr, "Rekvisisjon", str(uuid.uuid4()), "NORU", delay_days=14)
    out.add("safety", attribute["id"])
    shield = other.pts.create_privacy_restriction(fnr, "Shield", "Hard", hpr_numbers=["4128168"])
    out.add("privacy", shield["id"])
    assert [a["id"] for a in other.pts.search_safety(fnr)] == [attribute["id"]]

    # One letter to the citizen (print: not in KRR), from a file; one to the seed citizen, raced with one key.
    printed = other.svarut.send_person(DEMO_KONTO_ID, letter(fnr, "vedtak.pdf"), [Document("vedtak.pdf", pdf_file)])
    with out.lock:
        out.letters[printed] = PRINT
    key = str(uuid.uuid4())
    body = f"%PDF-1.7\n% brev {index}\n".encode()
    raced = race(
        pool,
        lambda api: api.svarut.send_person(
            DEMO_KONTO_ID, letter(SEED_CITIZEN, "brev.pdf"), [Document("brev.pdf", body)], idempotency_key=key
        ),
        apis,
    )
    out.add("raced_letters", tuple(raced))
    with out.lock:
        out.letters[raced[0]] = DIGITAL


@dataclass
class FeedReader:
    """Follows the DigitaltAktiv feed through one API, always passing back the offset it got."""

    api: DemoClients
    offset: str
    pages: list[list[str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def read_once(self) -> list[str]:
        page = self.api.digitaltaktiv.status_changes(self.offset)
        self.pages.append(page["fnr"])
        self.offset = page["offset"]
        return page["fnr"]

    def run(self) -> None:
        while not self.stop.is_set():
            self.read_once()
            self.stop.wait(0.05)

    def drain(self) -> None:
        """After the writers: read on until an answer is empty."""
        for _ in range(50):
            if not self.read_once():
                return
        raise AssertionError("the feed never ran dry")


# -- the database afterwards -------------------------------------------------------------------------------------------


def count_by(conn: sa.Connection, column: sa.Column, values: list[str], *where: Any) -> Counter:
    rows = conn.execute(sa.select(column).where(column.in_(values), *where)).scalars()
    return Counter(rows)


def wait_until_delivered(engine: sa.Engine, letters: dict[str, list[str]], deadline: float) -> dict[str, str]:
    while True:
        with db.read(engine) as conn:
            statuses = dict(conn.execute(sa.select(svarut_forsendelse.c.id, svarut_forsendelse.c.status)).all())
        if all(statuses.get(i) == lifecycle[-1] for i, lifecycle in letters.items()) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.3)


DONE = re.compile(r"worker stopped.*?done=(\d+).*?failed=(\d+).*?parked=(\d+)")


def test_two_apis_and_two_workers_lose_and_duplicate_nothing(cluster: Cluster, tmp_path: Path):
    started = time.monotonic()
    engine = create_engine(cluster.database_url)
    apis = [demo_clients(url, public_url=cluster.public_url) for url in cluster.api_urls]
    pdf_file = tmp_path / "vedtak.pdf"
    pdf_file.write_bytes(b"%PDF-1.7\n% vedtak\n" + b"0" * 200_000)
    out = Outcomes()
    try:
        # Set-up: new digitally active citizens, made through both APIs' operator endpoints.
        for index in range(THREADS * CITIZENS_PER_THREAD):
            born = dt.date(1950, 1, 1) + dt.timedelta(days=index * 397)
            made = apis[index % 2].operator.create_citizen("Skalert", f"Testesen{index}", fodselsdato=born, helsenorge_samtykke=True)
            out.citizens.append(made["fnr"])
        with db.read(engine) as conn:
            letters_before = conn.execute(sa.select(sa.func.count()).select_from(svarut_forsendelse)).scalar_one()
        readers = [FeedReader(api, api.digitaltaktiv.status_changes()["offset"]) for api in apis]
        first_offset = readers[0].offset

        reader_threads = [threading.Thread(target=r.run, name=f"feed-{i}") for i, r in enumerate(readers)]
        for thread in reader_threads:
            thread.start()

        def worker(thread_index: int) -> None:
            with ThreadPoolExecutor(2, thread_name_prefix=f"race-{thread_index}") as pool:
                for j in range(CITIZENS_PER_THREAD):
                    index = thread_index * CITIZENS_PER_THREAD + j
                    citizen_story(out.citizens[index], index, apis, pool, out, pdf_file)

        try:
            with ThreadPoolExecutor(THREADS, thread_name_prefix="story") as stories:
                for future in [stories.submit(worker, i) for i in range(THREADS)]:
                    future.result()
        finally:
            for reader in readers:
                reader.stop.set()
            for thread in reader_threads:
                thread.join(30)
        for reader in readers:
            reader.drain()
        final_feed = apis[0].digitaltaktiv.status_changes(first_offset)["fnr"]
        statuses = wait_until_delivered(engine, out.letters, time.monotonic() + DELIVERY_SECONDS)
        writing_done = time.monotonic() - started
    finally:
        for api in apis:
            api.close()
        worker_exits = [_stop(w) for w in cluster.workers]

    citizens = out.citizens
    n = len(citizens)

    # Raced idempotent writes: exactly one of each pair changed something.
    sends = Counter(outcome for _, outcome in out.sends)
    assert sends == {"ok": n, "VER-000232": n}, sends
    assert Counter(o for _, o in out.pvk_nfs) == {"endret": n, "ikkeEndret": n}, out.pvk_nfs
    assert Counter(o for _, o in out.pvk_hn) == {"endret": n, "ikkeEndret": n}, out.pvk_hn
    assert all(a == b for a, b in out.raced_letters), out.raced_letters  # one key, one letter, on either API
    assert len(out.letters) == 2 * n

    with db.read(engine) as conn:
        tasks = count_by(conn, verktoy_oppgave.c.innbygger_fnr, citizens, verktoy_oppgave.c.verktoy_id == SEED_TOOL)
        nfs_history = count_by(conn, pvk_historikk.c.innbygger_fnr, citizens, pvk_historikk.c.definisjon_guid == NFS)
        withdrawn = count_by(
            conn,
            pvk_historikk.c.innbygger_fnr,
            citizens,
            pvk_historikk.c.definisjon_guid == HN_CONSENT,
            pvk_historikk.c.ny_aktiv.is_(False),
        )
        safety = count_by(conn, pts_safety_attribute.c.off_id, citizens)
        safety_restrictions = conn.execute(
            sa.select(sa.func.count()).select_from(pts_safety_restriction).where(pts_safety_restriction.c.attribute_id.in_(out.safety))
        ).scalar_one()
        privacy = count_by(conn, pts_privacy_restriction.c.off_id, citizens)
        letters_after = conn.execute(sa.select(sa.func.count()).select_from(svarut_forsendelse)).scalar_one()
        histories = {i: [s for s, _ in svarut_status.history(conn, i)] for i in out.letters}
        jobs = conn.execute(sa.select(outbox.c.kind, outbox.c.payload, outbox.c.done_at, outbox.c.parked_at)).all()
    engine.dispose()

    every_once = Counter({fnr: 1 for fnr in citizens})
    assert tasks == every_once and nfs_history == every_once and withdrawn == every_once
    assert safety == every_once and privacy == every_once and safety_restrictions == n
    assert sorted(out.safety) == sorted(set(out.safety)) and len(out.privacy) == n
    assert letters_after - letters_before == 2 * n  # the raced sends stored one letter each

    # Every letter went its channel's way once, by the two workers and nobody else.
    undelivered = {i: (statuses.get(i), histories[i]) for i, lifecycle in out.letters.items() if histories[i] != lifecycle}
    assert not undelivered, f"{len(undelivered)} letters not through their lifecycle exactly once: {list(undelivered.items())[:5]}"
    ours = [j for j in jobs if j.kind == OUTBOX_KIND and j.payload.get("forsendelseId") in out.letters]
    assert len(ours) == sum(len(lifecycle) - 1 for lifecycle in out.letters.values())
    assert all(j.done_at is not None and j.parked_at is None for j in ours)
    assert worker_exits == [0, 0], worker_exits
    done_counts = []
    for index in (1, 2):
        match = DONE.search(cluster.log_text(f"worker-{index}.log"))
        assert match, cluster.log_text(f"worker-{index}.log")[-2000:]
        done_counts.append(int(match.group(1)))
        assert match.group(2) == match.group(3) == "0"
    assert all(count > 0 for count in done_counts), f"a worker did nothing: {done_counts}"
    done_jobs = sum(j.done_at is not None for j in jobs)
    assert sum(done_counts) == done_jobs, (done_counts, done_jobs)  # no job done twice, none by an API process

    # The feed: every withdrawal seen by each reader, nothing twice in one answer, and the whole run once.
    changed = set(citizens)
    for reader in readers:
        seen = [fnr for page in reader.pages for fnr in page]
        assert changed <= set(seen), f"the feed lost {len(changed - set(seen))} changes"
        assert all(len(page) == len(set(page)) for page in reader.pages)
        assert set(seen) == changed  # nothing that did not change
    assert sorted(final_feed) == sorted(changed)

    # Two API processes behind A (uvicorn's --workers 2), one behind B; no fødselsnummer in any log.
    assert len(re.findall(r"Started server process \[\d+\]", cluster.log_text("api-a.log"))) == 2
    logs = "".join(cluster.log_text(name) for name in ("api-a.log", "api-b.log", "worker-1.log", "worker-2.log"))
    assert not [fnr for fnr in [*citizens, SEED_CITIZEN] if fnr in logs]

    repeats = sum(len(p) for r in readers for p in r.pages) - 2 * len(changed)
    print(
        f"\n{n} citizens, {len(out.letters)} letters, {len(ours)} jobs (workers {done_counts}), "
        f"{out.catalog_reads} catalog reads, feed pages {[len(r.pages) for r in readers]} "
        f"(numbers repeated across pages: {repeats}), writes and delivery {writing_done:.1f} s"
    )
