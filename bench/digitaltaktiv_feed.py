"""The DigitaltAktiv change feed with 1,000,000 changed citizens: time to first byte, total time, and the
server's peak memory while streaming, in one run.

    .venv/bin/python -m bench.digitaltaktiv_feed [--citizens 1000000] [--postgres postgresql://...]

Goal: the whole feed in under 3 s, and memory that does not grow with the feed (the peak growth while
streaming stays far below the size of the answer).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from bench._harness import cli_token, free_port, process
from helsebro import db, migrate
from helsebro.db import create_engine
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring

FEED = "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer"


def fill(engine: sa.Engine, citizens: int, console: Console) -> dt.datetime:
    """The newest tenth of the changes an hour later than the rest; returns the time that splits them."""
    now = dt.datetime.now(dt.UTC)
    split = now - dt.timedelta(minutes=30)
    with console.status(f"Writing {citizens:,} changed citizens ..."):
        with db.write(engine) as conn:
            conn.execute(sa.delete(digitaltaktiv_endring))
            batch = 50_000
            for start in range(0, citizens, batch):
                rows = [
                    {"fnr": f"{n:011d}", "endret": now if n >= citizens * 9 // 10 else now - dt.timedelta(hours=1)}
                    for n in range(start, min(start + batch, citizens))
                ]
                conn.execute(sa.insert(digitaltaktiv_endring), rows)
    return split


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def stream(url: str, token: str) -> dict[str, float]:
    start = time.perf_counter()
    first_byte = None
    size = 0
    with httpx.stream("GET", url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            if first_byte is None:
                first_byte = time.perf_counter() - start
            size += len(chunk)
    return {"ttfb_s": first_byte or 0.0, "total_s": time.perf_counter() - start, "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="run against this PostgreSQL URL (a schema of its own is best)")
    options = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="helsebro-bench-") as data_dir:
        url = options.postgres or f"sqlite:///{data_dir}/helsebro.sqlite"
        engine = create_engine(url)
        migrate.upgrade(engine)
        port = free_port()  # before the token: the issuer URL names the port
        env = {**os.environ, "HELSEBRO_DATA_DIR": data_dir, "HELSEBRO_DATABASE_URL": url, "HELSEBRO_PORT": str(port)}
        token = cli_token(env, "digitaltaktiv")  # migrates and loads the default data first
        split = fill(engine, options.citizens, console)
        base = f"http://127.0.0.1:{port}"
        args = [sys.executable, "-m", "helsebro", "serve", "--log-level", "warning"]
        with process(args, env, base + "/healthz") as server:
            stream(base + FEED + "?offset=2099-01-01T00:00:00Z", token)  # warm up: imports, caches
            baseline = memory_kib(server.pid, "VmRSS")
            # A tenth of the feed first, then all of it: the peak must not grow with the feed's size.
            small = stream(base + FEED + "?offset=" + split.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), token)
            small_peak = memory_kib(server.pid, "VmHWM")
            whole = stream(base + FEED, token)
            whole_peak = memory_kib(server.pid, "VmHWM")
    table = Table(title=f"DigitaltAktivStatusEndringer ({engine.dialect.name}); server RSS before: {baseline / 1024:.0f} MiB")
    for column in ("changed citizens", "time to first byte", "total", "answer", "server peak growth"):
        table.add_column(column)
    for count, result, peak in ((options.citizens // 10, small, small_peak), (options.citizens, whole, whole_peak)):
        table.add_row(
            f"{count:,}",
            f"{result['ttfb_s'] * 1000:.0f} ms",
            f"{result['total_s']:.2f} s",
            f"{result['bytes'] / 1024 / 1024:.1f} MiB",
            f"{(peak - baseline) / 1024:.1f} MiB",
        )
    console.print(table)
    extra = (whole_peak - small_peak) / 1024
    console.print(
        f"whole feed in {whole['total_s']:.2f} s (goal < 3 s: {'met' if whole['total_s'] < 3 else 'NOT met'}); "
        f"ten times the feed raised the peak by {extra:.1f} MiB more "
        f"(goal: flat, under 2 MiB: {'met' if extra < 2 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
