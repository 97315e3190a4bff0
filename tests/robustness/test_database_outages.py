"""Database outages under traffic, with a real ``helsebro serve`` on PostgreSQL: its sessions killed again and
again (``pg_terminate_backend`` on helsebro's own sessions, named by their application_name), and the database
unreachable for a while (a TCP proxy in front of it that the test stops and starts). While it lasts every
answer is the write's 2xx or a 5xx in the family's format, never a stack trace or a hang past the client's
timeout; afterwards the server recovers without a restart, every acknowledged write is there exactly once,
and none is there twice. PostgreSQL only: SQLite has no server to lose (its failures are in
test_sqlite_failures.py).
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.db import create_engine
from tests.conftest import PG_BASE, postgres_database
from tests.e2e.conftest import free_port, wait_until_healthy
from tests.robustness.test_server_crash import Outcomes, check_pvk, check_sends, create_citizens, request_for, tokens_for

pytestmark = [pytest.mark.server, pytest.mark.postgres]

WRITERS = 4
CITIZENS = 160
OUTAGE_ROUNDS = 3
RECOVERY_SECONDS = 120  # bounded wait for the first good answer after an outage
CLIENT_TIMEOUT = 30  # no answer may take longer than this, outage or not


class Proxy:
    """A TCP proxy to PostgreSQL that can be stopped (listener and every connection closed) and started again
    on the same port: to helsebro, the database is gone and comes back."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread, which holds the port otherwise
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def via_proxy(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


class Server:
    def __init__(self, data_dir: Path, database_url: str):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.env = {
            **os.environ,
            "HELSEBRO_HOST": "127.0.0.1",
            "HELSEBRO_PORT": str(self.port),
            "HELSEBRO_DATA_DIR": str(data_dir),
            "HELSEBRO_DATABASE_URL": database_url,
            "HELSEBRO_EMBEDDED_WORKER": "false",
        }
        self.log = data_dir / "server.log"
        with self.log.open("a") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "helsebro", "serve"], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_until_healthy(self.process, self.base_url, self.log)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture()
def schema_url(tmp_path_factory) -> Iterator[str]:
    yield from postgres_database(tmp_path_factory)


def assert_family_5xx(response: httpx.Response) -> None:
    """A failure while the database is away: 503 in the family's format with Retry-After (PVK's business error
    form, the Verktøy API's Helsenorge form), nothing of the code's insides."""
    assert response.status_code == 503 and response.headers["retry-after"], f"{response.status_code} {response.text[:300]}"
    body = response.json()
    if response.request.url.path.startswith("/personvern"):
        assert set(body) == {"code", "message", "errorCategory"} and body["code"].startswith("EPVK-"), body
    else:
        assert set(body) == {"Code", "Message"} and body["Code"], body
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower() and "psycopg" not in response.text.lower(), body


def writer(
    kind: str,
    server: Server,
    keys: Iterator[str],
    lock: threading.Lock,
    tokens: dict[str, str],
    outcomes: Outcomes,
    failures: list[httpx.Response],
    stop: threading.Event,
    seed: int,
) -> None:
    """Fresh writes until told to stop; 2xx is acknowledged, a 5xx (or a lost answer) may or may not have happened."""
    rng = random.Random(seed)
    with httpx.Client(base_url=server.base_url, timeout=CLIENT_TIMEOUT) as client:
        while not stop.is_set():
            with lock:
                key = next(keys, None)
            if key is None:
                return
            path, headers, body = request_for(kind, key, tokens, rng)
            try:
                response = client.post(path, headers=headers, content=body)
            except httpx.TimeoutException:
                outcomes.record(kind, key, "refused", f"no answer in {CLIENT_TIMEOUT} s")
                continue
            except httpx.TransportError as exc:  # the server dropped the connection instead of answering
                outcomes.record(kind, key, "refused", f"connection lost: {type(exc).__name__} {exc}")
                continue
            if response.status_code in (200, 201):
                outcomes.record(kind, key, "ok")
            elif response.status_code >= 500:
                outcomes.record(kind, key, "lost")
                failures.append(response)
            else:
                outcomes.record(kind, key, "refused", f"{response.status_code} {response.text[:300]}")
            time.sleep(rng.uniform(0.01, 0.05))


def run_traffic(server: Server, outage: callable) -> tuple[Outcomes, list[httpx.Response]]:
    """Writers of two kinds (PVK settings, Verktøy sends) to fresh citizens while ``outage()`` runs."""
    citizens = iter(create_citizens(server.base_url, CITIZENS))
    tokens = tokens_for(server.base_url)
    outcomes, failures, stop, lock = Outcomes(), [], threading.Event(), threading.Lock()
    threads = [
        threading.Thread(target=writer, args=(kind, server, citizens, lock, tokens, outcomes, failures, stop, i), daemon=True)
        for i, kind in enumerate(["pvk", "send"] * (WRITERS // 2))
    ]
    for thread in threads:
        thread.start()
    try:
        outage()
        wait_for_recovery(server, tokens)
        time.sleep(0.5)  # the writers get through again after the last outage
    finally:
        stop.set()
        for thread in threads:
            thread.join(CLIENT_TIMEOUT + 10)
    return outcomes, failures


def wait_for_recovery(server: Server, tokens: dict[str, str]) -> None:
    """The server answers reads from the database again by itself (bounded)."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    with httpx.Client(base_url=server.base_url, timeout=CLIENT_TIMEOUT) as client:
        while time.monotonic() < deadline:
            response = client.get(
                "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy",
                params={"SokeOrd": "test", "RowCount": "1"},
                headers={"Authorization": f"Bearer {tokens['send']}"},
            )
            if response.status_code in (200, 403):  # 403: the send token lacks the catalog scope, but the database answered
                return
            time.sleep(0.2)
    pytest.fail(f"the server did not recover within {RECOVERY_SECONDS} s")


def check_database(database_url: str, outcomes: Outcomes) -> None:
    assert not outcomes.refused, f"good writes refused or hung: {outcomes.refused[:5]}"
    engine = create_engine(database_url)
    try:
        with db.read(engine) as conn:
            check_pvk(conn, outcomes)
            check_sends(conn, outcomes)
    finally:
        engine.dispose()
    acknowledged = {kind: len(keys) for kind, keys in outcomes.acknowledged.items() if kind != "letter"}
    assert all(count > 0 for count in acknowledged.values()), f"a kind of write never got through: {acknowledged}"


def test_sessions_killed_again_and_again_mid_traffic(schema_url: str, tmp_path: Path):
    server = Server(tmp_path, schema_url)
    schema = schema_url.rsplit("%3D", 1)[1]
    admin = create_engine(PG_BASE)
    killed: list[int] = []

    def outage() -> None:
        with admin.connect() as conn:
            for _ in range(6 * OUTAGE_ROUNDS):
                time.sleep(0.4)
                pids = (
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = left('helsebro:' || current_database() || ':' || :schema, 63) AND pid <> pg_backend_pid()"
                        ),
                        {"schema": schema},
                    )
                    .scalars()
                    .all()
                )
                killed.append(len(pids))
                conn.commit()

    try:
        outcomes, failures = run_traffic(server, outage)
    finally:
        server.stop()
        admin.dispose()
    assert sum(killed) > 0, "no helsebro session was ever killed"
    for response in failures:
        assert_family_5xx(response)
    check_database(schema_url, outcomes)
    print(f"sessions killed {sum(killed)}, acknowledged {[len(v) for v in outcomes.acknowledged.values()]}, failed {len(failures)}")


def test_database_unreachable_for_a_while(schema_url: str, tmp_path: Path):
    target = urlsplit(PG_BASE.replace("postgresql+psycopg", "postgresql"))
    proxy = Proxy((target.hostname or "127.0.0.1", target.port or 5432))
    proxy.start()
    server = Server(tmp_path, via_proxy(schema_url, proxy.port))

    def outage() -> None:
        for _ in range(OUTAGE_ROUNDS):
            time.sleep(1.0)
            proxy.stop()
            time.sleep(3.0)  # the writers keep trying meanwhile
            proxy.start()

    try:
        outcomes, failures = run_traffic(server, outage)
    finally:
        server.stop()
        proxy.stop()
    assert failures, "no request failed while the database was unreachable: the outage was not seen"
    for response in failures:
        assert_family_5xx(response)
    check_database(schema_url, outcomes)
    print(f"outages {OUTAGE_ROUNDS}, acknowledged {[len(v) for v in outcomes.acknowledged.values()]}, failed {len(failures)}")
