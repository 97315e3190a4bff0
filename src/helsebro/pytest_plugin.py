"""A pytest plugin for your own test suite: a real helsebro server with fresh default data per test.

    def test_my_integration(helsebro):
        token = helsebro.token("verktoykatalog_read")
        response = httpx.get(helsebro.base_url + "/verktoy/v1/SelvstendigVerktoy",
                             headers={"Authorization": f"Bearer {token}"})

The server (uvicorn, in a thread of the test process, on a free port, with a SQLite file in a temporary
directory) starts once per test session; the ``helsebro`` fixture restores the default data before each
test. Installed with helsebro (entry point ``pytest11``); nothing to configure.
"""

from __future__ import annotations

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

from helsebro import migrate, tokens_cli
from helsebro.app import create_app
from helsebro.db import create_engine
from helsebro.settings import Settings
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
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
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
        self.engine.dispose()

    def reset(self) -> None:
        """Restore the default data (every test starts from it)."""
        loader.reset(self.engine)
        self.app.state.services.catalog.invalidate()

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
