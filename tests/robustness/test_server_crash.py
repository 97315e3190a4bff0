"""Crash safety of the API process during writes, with real processes: a `helsebro serve` takes concurrent
writes of three kinds (PVK settings, Verktøy v2 sends, SvarUt letters of up to 3 MB) and is killed with
SIGKILL again and again mid-way, then restarted on the same database. Afterwards the database must be
consistent: every write that got a 2xx is there exactly once; one whose answer was lost is there once or not
at all; nothing is half-written (a PVK setting without its history, a task twice, a letter without its
document, its blob, its MOTTATT status or its outbox job). Once on SQLite, once on PostgreSQL; localhost only.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.db import create_engine
from helsebro.jobs.tables import outbox
from helsebro.personvern.tables import pvk_historikk, pvk_innstilling
from helsebro.settings import Settings
from helsebro.svarut import blobs
from helsebro.svarut.tables import (
    svarut_dokument,
    svarut_forsendelse,
    svarut_status_historikk,
)
from helsebro.verktoy.tables import verktoy_oppgave
from tests.conftest import postgres_database
from tests.e2e.conftest import free_port, wait_until_healthy
from tests.robustness.families import OPERATOR_FORM
from tests.support import EPJ_CLIENT, SEED_TOOL, VERKTOY_CLIENT, TokenHelper
from tests.support_svarut import (
    INTEGRASJON,
    KONTO,
    PASSORD,
    jwt_grant,
    letter_parts,
    multipart,
    pdf,
    person_letter,
    token_form,
)

pytestmark = pytest.mark.server

KILLS = 4  # kills in every run; more follow (up to MAX_KILLS) until one has cut off a write in flight
MAX_KILLS = 12
IN_FLIGHT_WAIT = 10.0  # seconds a kill waits for a write to be in flight before it goes ahead anyway
IN_FLIGHT_FOR = 0.005  # a write counts as in flight once its request has been under way this long
WRITERS_PER_KIND = 2
CITIZENS = 240  # fresh citizens, one per PVK write or send (a send to the same citizen twice is refused)
PAUSE_SECONDS = (0.05, 0.25)  # between two writes of a writer: the writes last through every kill
NFS_CONSENT = "3fe2a80a-4200-42e2-817b-da8a6236708a"
PVK_SET = "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"
SEND_V2 = "/verktoy/system/verktoy/v2"
LETTERS = f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/person"


class Server:
    """`helsebro serve` on a fixed port and data directory, which can be killed and started again."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str]):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "HELSEBRO_HOST": "127.0.0.1",
            "HELSEBRO_PORT": str(self.port),
            "HELSEBRO_DATA_DIR": str(data_dir),
            "HELSEBRO_EMBEDDED_WORKER": "false",
            **extra_env,
        }  # letters stay MOTTATT: the API's writes are under test
        self.log = data_dir / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        with self.log.open("a") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "helsebro", "serve"], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return wait_until_healthy(self.process, self.base_url, self.log, poll=0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def settings(self) -> Settings:
        return Settings(data_dir=self.env["HELSEBRO_DATA_DIR"], database_url=self.env.get("HELSEBRO_DATABASE_URL", ""))


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request, tmp_path_factory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("server-crash")
    if request.param == "sqlite":
        urls: Iterator[dict[str, str]] = iter([{}])
    else:
        urls = ({"HELSEBRO_DATABASE_URL": url} for url in postgres_database(tmp_path_factory))
    for extra in urls:
        server = Server(data_dir, extra)
        server.start()
        try:
            yield server
        finally:
            server.stop()


# -- the writes ---------------------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """Per kind: the keys of writes that got a 2xx, and of writes whose answer was lost in a crash."""

    acknowledged: dict[str, list[str]] = field(default_factory=lambda: {"pvk": [], "send": [], "letter": []})
    lost: dict[str, list[str]] = field(default_factory=lambda: {"pvk": [], "send": [], "letter": []})
    refused: list[str] = field(default_factory=list)  # 4xx/5xx: must not happen with these good requests
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, key: str, outcome: str, detail: str = "") -> None:
        with self.lock:
            if outcome == "ok":
                self.acknowledged[kind].append(key)
            elif outcome == "lost":
                self.lost[kind].append(key)
            else:
                self.refused.append(f"{kind} {key}: {detail}")


def create_citizens(base_url: str, count: int) -> list[str]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        token = client.post("/helseid/connect/token", data=OPERATOR_FORM).raise_for_status().json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def create(index: int) -> str:
            body = {
                "fodselsdato": f"19{50 + index % 40}-0{1 + index % 9}-1{index % 9}",
                "fornavn": "Krasj",
                "etternavn": f"Test{index}",
                "helsenorgeSamtykke": True,
            }
            response = client.post("/operator/api/v1/innbyggere", json=body, headers=headers)
            assert response.status_code == 201, response.text
            return response.json()["fnr"]

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(create, range(count)))


def tokens_for(base_url: str) -> dict[str, str]:
    """Tokens fetched once; they stay valid across restarts (the signing keys are in the database)."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        helper = TokenHelper(client, base_url)
        grant = jwt_grant(aud=f"{base_url}/maskinporten")
        return {
            "pvk": helper.get("Personverninnstillinger_skriv", EPJ_CLIENT),
            "send": helper.get("verktoysendtilinnbygger", VERKTOY_CLIENT),
            "letter": client.post("/maskinporten/token", data=token_form(grant)).raise_for_status().json()["access_token"],
        }


def request_for(kind: str, key: str, tokens: dict[str, str], rng: random.Random) -> tuple[str, dict[str, str], bytes]:
    """(path, headers, body) of one write; ``key`` is a fresh citizen (pvk, send) or a letter title (letter)."""
    if kind == "pvk":
        body = {
            "innbyggerFnr": key,
            "definisjonGuid": NFS_CONSENT,
            "definisjonNavn": "Samtykke til oppbevaring av biomateriale",
            "partKode": "NFS",
            "typePi": "samtykke",
            "aktiv": True,
        }
        return PVK_SET, {"Authorization": f"Bearer {tokens['pvk']}", "Content-Type": "application/json"}, json.dumps(body).encode()
    if kind == "send":
        body = {
            "VerktoyId": SEED_TOOL,
            "InnbyggerFnr": key,
            "AvsenderOrgNummer": "913748263",
            "AvsenderNavn": "Krasjtest",
            "FristDato": "2026-12-24",
            "Melding": f"krasj {key}",
        }
        return SEND_V2, {"Authorization": f"Bearer {tokens['send']}", "Content-Type": "application/json"}, json.dumps(body).encode()
    size = rng.choice([2_000, 200_000, 3_000_000])
    content_type, body = multipart(letter_parts(person_letter("vedtak.pdf", tittel=key), [("vedtak.pdf", pdf(key, size))]))
    headers = {
        "Authorization": f"Bearer {tokens['letter']}",
        "IntegrasjonId": INTEGRASJON,
        "IntegrasjonPassord": PASSORD,
        "Content-Type": content_type,
    }
    return LETTERS, headers, body


class InFlight:
    """The writes under way now, so that a kill can wait for one: a kill between two writes proves nothing."""

    def __init__(self) -> None:
        self._started: dict[int, float] = {}
        self._lock = threading.Lock()

    def begin(self) -> None:
        with self._lock:
            self._started[threading.get_ident()] = time.monotonic()

    def end(self) -> None:
        with self._lock:
            self._started.pop(threading.get_ident(), None)

    def wait_for_one(self, timeout: float) -> bool:
        """True once some write has been under way for IN_FLIGHT_FOR seconds (it is past connecting)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                now = time.monotonic()
                if any(now - started >= IN_FLIGHT_FOR for started in self._started.values()):
                    return True
            time.sleep(0.001)
        return False


def writer(
    kind: str,
    base_url: str,
    keys: Callable[[], str | None],
    tokens: dict[str, str],
    outcomes: Outcomes,
    stop: threading.Event,
    seed: int,
    in_flight: InFlight,
) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        key = None
        while not stop.is_set():
            key = key or keys()
            if key is None:
                return
            path, headers, body = request_for(kind, key, tokens, rng)
            in_flight.begin()
            try:
                response = client.post(path, headers=headers, content=body)
            except httpx.ConnectError:  # the server is down: nothing was sent, try the same write again
                time.sleep(0.05)
                continue
            except httpx.HTTPError:  # sent, and the answer lost: it may or may not have happened
                outcomes.record(kind, key, "lost")
                key = None
                continue
            finally:
                in_flight.end()
            if response.status_code in (200, 201):
                outcomes.record(kind, response.json()["id"] if kind == "letter" else key, "ok")
            else:
                outcomes.record(kind, key, "refused", f"{response.status_code} {response.text[:300]}")
            key = None
            time.sleep(rng.uniform(*PAUSE_SECONDS))


# -- the checks ---------------------------------------------------------------------------------------------------


def check_pvk(conn: sa.Connection, outcomes: Outcomes) -> None:
    for fnr, expected in [(f, {1}) for f in outcomes.acknowledged["pvk"]] + [(f, {0, 1}) for f in outcomes.lost["pvk"]]:
        settings = conn.execute(
            sa.select(sa.func.count())
            .select_from(pvk_innstilling)
            .where((pvk_innstilling.c.innbygger_fnr == fnr) & (pvk_innstilling.c.definisjon_guid == NFS_CONSENT))
        ).scalar()
        history = conn.execute(
            sa.select(sa.func.count())
            .select_from(pvk_historikk)
            .where((pvk_historikk.c.innbygger_fnr == fnr) & (pvk_historikk.c.definisjon_guid == NFS_CONSENT))
        ).scalar()
        assert settings in expected and history == settings, f"PVK {fnr}: {settings} settings, {history} history rows, expected {expected}"


def check_sends(conn: sa.Connection, outcomes: Outcomes) -> None:
    for fnr, expected in [(f, {1}) for f in outcomes.acknowledged["send"]] + [(f, {0, 1}) for f in outcomes.lost["send"]]:
        tasks = (
            conn.execute(
                sa.select(verktoy_oppgave.c.melding).where(
                    (verktoy_oppgave.c.innbygger_fnr == fnr) & (verktoy_oppgave.c.verktoy_id == SEED_TOOL)
                )
            )
            .scalars()
            .all()
        )
        assert len(tasks) in expected and all(m == f"krasj {fnr}" for m in tasks), f"send to {fnr}: {tasks}, expected {expected}"


def check_letters(conn: sa.Connection, store: blobs.BlobStore, outcomes: Outcomes, titles: list[str]) -> int:
    """Every letter sent here: complete or absent. Returns how many are in the database."""
    rows = conn.execute(sa.select(svarut_forsendelse.c.id, svarut_forsendelse.c.metadata, svarut_forsendelse.c.status)).all()
    by_title: dict[str, list[str]] = {}
    for row in rows:
        by_title.setdefault(row.metadata.get("tittel"), []).append(row.id)
    ours = [(row.id, row.status) for row in rows if row.metadata.get("tittel") in set(titles)]
    for letter_id in outcomes.acknowledged["letter"]:
        assert letter_id in {i for i, _ in ours}, f"acknowledged letter {letter_id} is missing"
    for title in titles:
        assert len(by_title.get(title, [])) <= 1, f"letter {title} stored {len(by_title[title])} times"
    jobs = {job.payload.get("forsendelseId") for job in conn.execute(sa.select(outbox.c.payload))}
    for letter_id, letter_status in ours:
        documents = conn.execute(sa.select(svarut_dokument).where(svarut_dokument.c.forsendelse_id == letter_id)).all()
        assert len(documents) == 1, f"letter {letter_id} has {len(documents)} documents"
        digest, size = hashlib.sha256(), 0
        for chunk in store.read(documents[0].blob_key):
            digest.update(chunk)
            size += len(chunk)
        assert (size, digest.hexdigest()) == (documents[0].storrelse, documents[0].sha256), f"letter {letter_id}: blob incomplete"
        statuses = (
            conn.execute(sa.select(svarut_status_historikk.c.status).where(svarut_status_historikk.c.forsendelse_id == letter_id))
            .scalars()
            .all()
        )
        assert statuses == ["MOTTATT"] == [letter_status], f"letter {letter_id}: {letter_status}, history {statuses}"
        assert letter_id in jobs, f"letter {letter_id} has no outbox job"
    return len(ours)


def test_server_killed_during_writes_leaves_a_consistent_database(server: Server):
    seed = int(os.environ.get("HELSEBRO_CRASH_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    started = time.monotonic()
    citizens = iter(create_citizens(server.base_url, CITIZENS))
    setup_seconds = time.monotonic() - started
    tokens = tokens_for(server.base_url)
    titles = [f"krasj-{uuid.uuid4()}" for _ in range(2 * CITIZENS)]
    sources = {"pvk": citizens, "send": citizens, "letter": iter(titles)}
    lock = threading.Lock()

    def next_key(kind: str) -> Callable[[], str | None]:
        def take() -> str | None:
            with lock:
                return next(sources[kind], None)

        return take

    outcomes, stop, in_flight = Outcomes(), threading.Event(), InFlight()
    threads = [
        threading.Thread(
            target=writer, args=(kind, server.base_url, next_key(kind), tokens, outcomes, stop, seed + i, in_flight), daemon=True
        )
        for i, kind in enumerate(["pvk", "send", "letter"] * WRITERS_PER_KIND)
    ]
    for thread in threads:
        thread.start()
    restarts: list[float] = []
    try:
        # Bounded: at least KILLS kills, and more until one has landed during a write (its answer lost).
        while len(restarts) < KILLS or (not any(outcomes.lost.values()) and len(restarts) < MAX_KILLS):
            time.sleep(rng.uniform(0.3, 1.0))
            in_flight.wait_for_one(IN_FLIGHT_WAIT)
            server.kill()
            time.sleep(rng.uniform(0.0, 0.3))
            restarts.append(server.start())
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    server.stop()  # a clean stop: what is in the database now is what the crashes left

    assert not outcomes.refused, f"good writes refused (seed {seed}): {outcomes.refused[:5]}"
    engine = create_engine(server.settings().resolved_database_url())
    try:
        with db.read(engine) as conn:
            check_pvk(conn, outcomes)
            check_sends(conn, outcomes)
            stored_letters = check_letters(conn, blobs.store_for(server.settings(), engine), outcomes, titles)
    finally:
        engine.dispose()
    acknowledged = {kind: len(keys) for kind, keys in outcomes.acknowledged.items()}
    lost = {kind: len(keys) for kind, keys in outcomes.lost.items()}
    print(
        f"seed {seed}: {len(restarts)} kills, restarts {[round(r, 1) for r in restarts]} s, acknowledged {acknowledged}, answers lost {lost}, "
        f"letters stored {stored_letters}, setup {setup_seconds:.1f} s, {time.monotonic() - started:.1f} s in all"
    )
    assert all(count > 0 for count in acknowledged.values()), f"a kind of write never got through: {acknowledged} (seed {seed})"
    assert sum(lost.values()) >= 1, f"no kill landed during a write in {len(restarts)} kills: {lost} (seed {seed})"
