"""A pytest plugin for your own test suite: a real helsebro server with fresh default data per test.

    def test_a_task_expires(helsebro):
        helsebro.advance(days=93)   # the server clock, for every rule; see also freeze() and release()

    def test_my_error_handling(helsebro):
        helsebro.fault("verktoy", count=1)   # the next call answers 500 PVS-000204; also delay_ms, drop
        ...
        assert [r["status"] for r in helsebro.requests(client="my-client")] == [500, 200]

    def test_my_integration(helsebro):
        token = helsebro.token("verktoykatalog_read")
        response = httpx.get(helsebro.base_url + "/verktoy/v1/SelvstendigVerktoy",
                             headers={"Authorization": f"Bearer {token}"})

The server (uvicorn, in a thread of the test process, on a free port, with a SQLite file in a temporary
directory) starts once per test session; the ``helsebro`` fixture restores the default data before each
test. Installed with helsebro (entry point ``pytest11``); nothing to configure.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from helsebro import db, http_protocol, migrate
from helsebro.app import create_app
from helsebro.cli import tokens as tokens_cli
from helsebro.db import create_engine
from helsebro.settings import Settings
from helsebro.steering import clock, faults, journal
from helsebro.testdata import loader


class HelsebroServer:
    """A running helsebro for one test session."""

    def __init__(self, directory: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.settings = Settings(host="127.0.0.1", port=port, data_dir=directory, secret="helsebro-pytest")
        self.base_url = self.settings.base_url()
        self.engine = create_engine(self.settings.resolved_database_url())
        migrate.upgrade(self.engine)
        loader.reset(self.engine)
        self.app = create_app(self.settings, self.engine)
        # helsebro serve's protocol: an injected fault can drop a connection there.
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", http=http_protocol.PROTOCOL)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="helsebro", daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("helsebro did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        db.close(self.engine)

    def reset(self) -> None:
        """Restore the default data (every test starts from it), and the clock to real time."""
        loader.reset(self.engine)
        self.app.state.services.state["verktoy"].invalidate()

    # -- the server clock (reset to real time with the data before each test) ---------------------------

    def now(self) -> dt.datetime:
        """The server clock."""
        return clock.read(self.engine).now

    def advance(self, **duration: float) -> dt.datetime:
        """Move the server clock forward (``days=15``, ``hours=2`` ... as ``datetime.timedelta`` takes them);
        what falls due in between (task expiry, the feed's three-month horizon) happens at once. Returns the
        new time. Tokens you hold expire when the clock passes their ``exp``, as they would."""
        return clock.advance(self.engine, dt.timedelta(**duration)).now

    def freeze(self, at: dt.datetime | None = None) -> dt.datetime:
        """Stop the server clock (at ``at``, a later instant with a time zone, or now)."""
        return clock.freeze(self.engine, at).now

    def release(self) -> dt.datetime:
        """Let a frozen clock run again from where it stands."""
        return clock.release(self.engine).now

    # -- injected faults and the request journal (both emptied with the data before each test) ----------------

    def fault(
        self,
        family: str,
        answer: str = "feil",
        *,
        route: str | None = None,
        method: str | None = None,
        client: str | None = None,
        count: int | None = None,
        status: int | None = None,
        message: str | None = None,
        delay_ms: int | None = None,
        channel: str | None = None,
        duration: str | None = None,
    ) -> dict:
        """Inject a fault (as ``POST /operator/api/v1/feil``, with its rules): ``answer`` "feil" (the family's
        own error, or ``status``), "forsinkelse" (``delay_ms``), "brudd" (the connection dropped) or "levering"
        (SvarUt's ``channel`` fails); for the next ``count`` calls and/or ``duration`` ("PT10M"). Returns the
        fault as the API shows it; a definition that cannot match raises ValueError with the API's message."""
        from helsebro.operator import fault_routes

        body = fault_routes.InjisertFeilInn(
            familie=family,
            svar=answer,  # type: ignore[arg-type]
            rute=route,
            metode=method,  # type: ignore[arg-type]
            klientId=client,
            antall=count,
            status=status,
            melding=message,
            forsinkelseMs=delay_ms,
            kanal=channel,
            fra=None,
            til=None,
            varighet=duration,
        )
        try:
            return fault_routes.view(fault_routes.create(self.engine, body)).model_dump(mode="json")
        except faults.FaultRefused as exc:
            raise ValueError(exc.message) from None

    def clear_faults(self) -> int:
        return faults.clear(self.engine)

    def requests(
        self,
        client: str | None = None,
        *,
        family: str | None = None,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> list[dict]:
        """The calls your code made, oldest first, as the request journal keeps them (WireMock's ``verify``):
        ``{"metode", "sti", "sporring", "klientId", "status", "feilkode", "avvisning", ...}``."""
        from helsebro.operator import journal_routes

        found = journal.Filter(client_id=client, family=family, status=status, method=method, path=path)
        entries, _ = journal.query(self.engine, found, limit=10_000)
        return [journal_routes.view(entry).model_dump(mode="json") for entry in reversed(entries)]

    def token(self, *scopes: str, client: str | None = None, dpop_key: Path | None = None) -> str:
        """An access token from helsebro's HelseID for a demo client holding the scopes (or ``client``)."""
        return self.token_response(*scopes, client=client, dpop_key=dpop_key)["access_token"]

    def token_response(self, *scopes: str, client: str | None = None, dpop_key: Path | None = None) -> dict:
        return tokens_cli.fetch(self.settings, self.engine, list(scopes), client, None, dpop_key)

    def operator_token(self) -> str:
        response = httpx.post(
            self.base_url + "/helseid/connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "helsebro-operator",
                "client_secret": "helsebro-operator",
                "scope": "helsebro:operator",
            },
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def demo_private_key(self, client_id: str) -> dict:
        """The TEST ONLY private JWK of a demo client, for your own private_key_jwt code."""
        return json.loads(json.dumps(loader.demo_private_key(client_id)))


@pytest.fixture(scope="session")
def helsebro_server() -> Iterator[HelsebroServer]:
    with tempfile.TemporaryDirectory(prefix="helsebro-pytest-") as directory:
        server = HelsebroServer(Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture()
def helsebro(helsebro_server: HelsebroServer) -> HelsebroServer:
    helsebro_server.reset()
    return helsebro_server
