"""A real helsebro server process, started the way the README starts it (``helsebro serve``), on a free
port with its own data directory; once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import postgres_database
from tests.e2e import browser


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]
    log: Path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run the helsebro CLI against this server's database."""
        return subprocess.run(
            [sys.executable, "-m", "helsebro", *args], env=self.env, capture_output=True, text=True, check=check, timeout=120
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# How long a started server may take to answer /healthz: a bound, not a figure. On a quiet machine start-up takes
# a few seconds; on a loaded 2-core CI machine (migrations, data load, several processes starting at once) 35-60 s
# has been seen, so the bound is generous.
STARTUP_SECONDS = 180


def wait_until_healthy(
    process: subprocess.Popen,
    base_url: str,
    log: Path,
    seconds: float = STARTUP_SECONDS,
    poll: float = 0.2,
    verify: ssl.SSLContext | bool = True,
) -> float:
    """Wait for a started ``helsebro serve`` to answer /healthz; fails the test with its log if it exits or
    takes longer than ``seconds``. Returns how long it took. ``verify``: httpx's (a CA file for HTTPS)."""
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            pytest.fail(f"helsebro serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(base_url + "/healthz", timeout=1, verify=verify).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() - started > seconds:
            pytest.fail(f"helsebro serve did not come up in {seconds:.0f} s:\n{log.read_text()[-3000:]}")
        time.sleep(poll)


def start_server(
    data_dir: Path, extra_env: dict[str, str], serve_args: tuple[str, ...] = (), verify: ssl.SSLContext | bool = True
) -> Iterator[LiveServer]:
    """``helsebro serve [serve_args]`` on a free port; with ``--tls`` on https, checked with ``verify``."""
    port = free_port()
    env = {
        **os.environ,
        "HELSEBRO_HOST": "127.0.0.1",
        "HELSEBRO_PORT": str(port),
        "HELSEBRO_DATA_DIR": str(data_dir),
        **extra_env,
    }
    log = data_dir / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "helsebro", "serve", *serve_args], env=env, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"{'https' if '--tls' in serve_args else 'http'}://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base_url, log, verify=verify)
        yield LiveServer(base_url, env, log)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live_server(request, tmp_path_factory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    if request.param == "sqlite":
        yield from start_server(data_dir, {})
    else:
        for url in postgres_database(tmp_path_factory):
            yield from start_server(data_dir, {"HELSEBRO_DATABASE_URL": url})


@pytest.fixture(scope="module")
def chromium():
    """Headless Debian Chromium for the pages' browser tests (tests/e2e/browser.py): one per test file (each test
    opens a context of its own, so no cookie or page is shared), as starting it costs about a second."""
    yield from browser.launch()
