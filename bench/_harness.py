"""Shared benchmark plumbing: start servers on free ports, run wrk, parse its numbers."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if it has not exited 15 s later."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], health_url: str) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(health_url, proc)
        yield proc
    finally:
        stop(proc)


@contextlib.contextmanager
def bare_starlette() -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    with process(args, {**os.environ, "PYTHONPATH": str(ROOT)}, f"http://127.0.0.1:{port}/hello"):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def helsebro_server(extra_env: dict[str, str] | None = None, workers: int = 1) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="helsebro-bench-") as data_dir:
        env = {**os.environ, "HELSEBRO_PORT": str(port), "HELSEBRO_DATA_DIR": data_dir, **(extra_env or {})}
        args = [sys.executable, "-m", "helsebro", "serve", "--log-level", "warning", "--workers", str(workers)]
        with process(args, env, f"http://127.0.0.1:{port}/healthz"):
            yield f"http://127.0.0.1:{port}", env


def cli_token(env: dict[str, str], scope: str) -> str:
    result = subprocess.run([sys.executable, "-m", "helsebro", "token", "-s", scope], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0 and shutil.which("apt-get"):
        if subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update"], check=False, capture_output=True)  # a fresh machine has no lists yet
            subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
        wrk = shutil.which("wrk")
        if wrk:
            return wrk
    sys.exit("The benchmarks use wrk as the load tool: apt-get install -y wrk")


def wrk(
    url: str,
    headers: dict[str, str] | None = None,
    seconds: int = 10,
    connections: int = 32,
    script: Path | None = None,
    timeout: int | None = None,
) -> dict[str, float]:
    """Requests/s and latency from one wrk run (one thread: the other core serves)."""
    args = [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if timeout is not None:  # wrk leaves requests slower than this (default 2 s) out of its latency figures
        args += ["--timeout", f"{timeout}s"]
    if script is not None:
        args += ["-s", str(script)]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests_per_second": rps,
        "p50_ms": float(p50.group(1)) * scale[p50.group(2)] if p50 else float("nan"),
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    }


@contextlib.contextmanager
def scratch_schema(postgres: str) -> Iterator[str]:
    """A database URL for a new, empty schema on ``postgres``, dropped afterwards."""
    with both_databases(postgres) as databases:
        yield databases[1][1]


@contextlib.contextmanager
def both_databases(postgres: str) -> Iterator[list[tuple[str, str]]]:
    """(name, database URL) for SQLite (empty URL: the server's own file) and for a scratch schema on
    ``postgres``, which is dropped afterwards."""
    import secrets

    import sqlalchemy as sa

    from helsebro.db import create_engine

    schema = "hb_bench_" + secrets.token_hex(3)
    admin = create_engine(postgres)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield [("SQLite", ""), ("PostgreSQL", f"{postgres}?options=-csearch_path%3D{schema}")]
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
