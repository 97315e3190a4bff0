"""SvarUt letters accepted per second with a 1 MB PDF through REST v3 and REST v2 side by side, and the server's
peak memory while it receives one 350 MB letter, on SQLite and on PostgreSQL, against a real ``helsebro serve``
process, in one run.

    .venv/bin/python -m bench.svarut [--seconds 10] [--letters 400] [--clients 4] [--postgres postgresql://...]

For each database: a fresh helsebro (default data) with its delivery worker off (``HELSEBRO_EMBEDDED_WORKER
=false``), so what is measured is receiving alone: a letter counts once it is answered ``200 {"id"}``, i.e.
its metadata checked and its file stored durably (blob directory + fsync on SQLite, database chunks on
PostgreSQL) and the letter committed.
1. throughput: ``--clients`` concurrent clients, each sending person letters with a 1 MB PDF one after the
   other, until ``--seconds`` have passed or ``--letters`` are sent; once through v3
   (``.../forsendelser/person``) and once through v2 (``/api/v2/kontoer/{kontoId}/forsendelser/`` with the
   parts and JSON KS's SendKlientV2 sends), on the same server, and their ratio;
2. memory, on a fresh server warmed up by one 1 MB letter: one 35 MB letter, then one 350 MB letter (the
   spec's maximum), each streamed from the client in 1 MiB pieces generated on the fly (never held whole on
   either side); the server's RSS is sampled every 20 ms from /proc. Goal: the peak growth over the RSS
   before the two does not grow with the letter (the 350 MB letter's close to the 35 MB letter's, both far
   below the letter's size). Then one 350 MB letter through v2, which streams through the same receiver.
Only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import httpx
from joserfc import jwt
from rich.console import Console
from rich.table import Table

from bench._harness import both_databases, free_port, process
from helsebro.auth.client_side import load_private_key
from helsebro.svarut import testdata
from helsebro.testdata import loader

MB = 1024 * 1024
CLIENT = "helsebro-demo-kommune"
SEND = {
    "v3": f"/svarut/api/v3/kontoer/{testdata.DEMO_KONTO_ID}/forsendelser/person",
    "v2": f"/api/v2/kontoer/{testdata.DEMO_KONTO_ID}/forsendelser/",  # as SendKlientV2 posts it
}
CITIZEN = "12048645510"
PIECE = MB


def memory_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


@contextlib.contextmanager
def server(database_url: str) -> Iterator[tuple[str, int]]:
    with tempfile.TemporaryDirectory(prefix="helsebro-bench-") as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "HELSEBRO_HOST": "127.0.0.1",
            "HELSEBRO_PORT": str(port),
            "HELSEBRO_DATA_DIR": data_dir,
            "HELSEBRO_DATABASE_URL": database_url or f"sqlite:///{data_dir}/helsebro.sqlite",
            "HELSEBRO_EMBEDDED_WORKER": "false",
        }
        base = f"http://127.0.0.1:{port}"
        # `serve` with one API process runs uvicorn in its own process: the Popen's pid is the server.
        with process([sys.executable, "-m", "helsebro", "serve", "--log-level", "warning"], env, base + "/healthz") as proc:
            yield base, proc.pid


def maskinporten_token(base: str) -> str:
    key = load_private_key(loader.demo_private_key(CLIENT))
    now = int(time.time())
    claims = {"aud": base + "/maskinporten", "iss": CLIENT, "scope": "ks:fiks", "iat": now, "exp": now + 60, "jti": secrets.token_hex(16)}
    assertion = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    response = httpx.post(
        base + "/maskinporten/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}, timeout=30
    )
    response.raise_for_status()
    return response.json()["access_token"]


def headers(token: str, boundary: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "IntegrasjonId": testdata.DEMO_INTEGRASJON_ID,
        "IntegrasjonPassord": testdata.DEMO_INTEGRASJON_PASSORD,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }


def letter_frame(boundary: str, filnavn: str, api: str = "v3") -> tuple[bytes, bytes]:
    """The multipart bytes before and after the file's content."""
    if api == "v2":  # Jackson's JSON (explicit nulls) and Jetty's parts, as KS's SendKlientV2 sends them
        metadata = json.dumps(
            {
                "tittel": "Benchmark",
                "mottaker": {
                    "navn": "Line Danser",
                    "digitalId": CITIZEN,
                    "adresselinje1": "Storgata 1",
                    "adresselinje2": None,
                    "adresselinje3": None,
                    "postnummer": "0150",
                    "poststed": "OSLO",
                    "land": None,
                },
                "kunDigitalLevering": False,
                "kryptert": False,
                "svarSendesTil": None,
                "eksternReferanse": None,
                "dokumenter": [{"filnavn": filnavn, "mimeType": "application/pdf", "skalSigneres": False, "dokumentType": None}],
            }  # fmt: skip
        )
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="forsendelse"\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\n{metadata}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="filer_0"; filename="{filnavn}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        return head, f"\r\n--{boundary}--\r\n".encode()
    metadata = json.dumps(
        {
            "tittel": "Benchmark",
            "mottaker": {
                "navn": "Line Danser",
                "digitalId": CITIZEN,
                "adresse": {"adresselinje1": "Storgata 1", "postnummer": "0150", "poststed": "OSLO"},
            },
            "dokumenter": [{"filnavn": filnavn, "mimeType": "application/pdf"}],
        }
    )
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="forsendelse"\r\nContent-Type: application/json\r\n\r\n{metadata}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="dokumenter"; filename="{filnavn}"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    return head, f"\r\n--{boundary}--\r\n".encode()


def pdf_pieces(size: int) -> Iterator[bytes]:
    """A PDF of ``size`` bytes, made one piece at a time."""
    header = b"%PDF-1.7\n% helsebro benchmark\n"
    yield header
    left = size - len(header)
    filler = b"0" * PIECE
    while left > 0:
        piece = filler[: min(PIECE, left)]
        left -= len(piece)
        yield piece


# -- 1. throughput ---------------------------------------------------------------------------------------


async def throughput(base: str, token: str, seconds: float, letters: int, clients: int, api: str = "v3") -> dict[str, float]:
    boundary = "benchsvarut" + secrets.token_hex(8)
    head, tail = letter_frame(boundary, "brev.pdf", api)
    body = head + b"".join(pdf_pieces(MB)) + tail  # the same 1 MB letter every time: the client is not measured
    sent = ok = failed = 0
    deadline = time.monotonic() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal sent, ok, failed
        while sent < letters and time.monotonic() < deadline:
            sent += 1
            response = await http.post(base + SEND[api], headers=headers(token, boundary), content=body)
            if response.status_code == 200:
                ok += 1
            else:
                failed += 1

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=clients)) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return {"ok": ok, "failed": failed, "seconds": elapsed, "per_second": ok / elapsed, "mib_per_second": ok * len(body) / MB / elapsed}


# -- 2. memory -------------------------------------------------------------------------------------------


class RssSampler:
    """The highest VmRSS of a process, sampled every 20 ms in a thread (VmHWM would also keep earlier peaks)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, memory_kib(self.pid))
            time.sleep(0.02)
        self.peak = max(self.peak, memory_kib(self.pid))


def big_letter(base: str, token: str, pid: int, size: int, api: str = "v3") -> dict[str, float]:
    boundary = "benchsvarut" + secrets.token_hex(8)
    head, tail = letter_frame(boundary, "stor.pdf", api)

    def body() -> Iterator[bytes]:
        yield head
        yield from pdf_pieces(size)
        yield tail

    length = len(head) + size + len(tail)
    baseline = memory_kib(pid)
    with RssSampler(pid) as sampler:
        start = time.perf_counter()
        response = httpx.post(
            base + SEND[api], headers={**headers(token, boundary), "Content-Length": str(length)}, content=body(), timeout=600
        )
        elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"the {size // MB} MB letter was refused: {response.status_code} {response.text}")
    return {"size": size, "seconds": elapsed, "baseline_kib": baseline, "peak_kib": sampler.peak, "api": api}


def measure(database_url: str, options: argparse.Namespace) -> dict:
    with server(database_url) as (base, _pid):
        token = maskinporten_token(base)
        for api in SEND:  # warm up: imports, connections, caches
            asyncio.run(throughput(base, token, 2, 20, options.clients, api))
        result = {
            "throughput": {
                api: asyncio.run(throughput(base, token, options.seconds, options.letters, options.clients, api)) for api in SEND
            }
        }
    # Memory on a fresh server: after the throughput run the allocator keeps what the concurrent requests used,
    # and a baseline that high would hide any growth. One 1 MB letter warms it up (imports, connections).
    with server(database_url) as (base, pid):
        token = maskinporten_token(base)
        big_letter(base, token, pid, MB)
        baseline = memory_kib(pid)
        result["memory"] = [{**big_letter(base, token, pid, size * MB), "baseline_kib": baseline} for size in (35, 350)]
        result["memory_v2"] = {**big_letter(base, token, pid, 350 * MB, "v2"), "baseline_kib": baseline}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--letters", type=int, default=400, help="at most this many letters in the throughput run")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    options = parser.parse_args()
    console = Console()
    rows = {}
    with both_databases(options.postgres) as databases:
        for name, url in databases:
            console.print(f"measuring {name} ...")
            rows[name] = measure(url, options)

    table = Table(title=f"SvarUt person letters with a 1 MB PDF, {options.clients} clients, worker off; same machine, same run")
    for column in ("database", "API", "letters accepted", "letters/s", "MiB/s", "refused", "v2 / v3"):
        table.add_column(column)
    for name, result in rows.items():
        v3_rate = result["throughput"]["v3"]["per_second"]
        for api, t in result["throughput"].items():
            ratio = f"{t['per_second'] / v3_rate:.2f}" if api == "v2" and v3_rate else ""
            table.add_row(
                name,
                api,
                f"{t['ok']} in {t['seconds']:.1f} s",
                f"{t['per_second']:.1f}",
                f"{t['mib_per_second']:.1f}",
                str(t["failed"]),
                ratio,
            )
    console.print(table)

    table = Table(title="Server RSS while receiving one streamed letter (sampled every 20 ms)")
    for column in ("database", "letter", "upload", "RSS before", "peak RSS", "peak growth"):
        table.add_column(column)
    verdicts = []
    for name, result in rows.items():
        for m in [*result["memory"], result["memory_v2"]]:
            table.add_row(
                name,
                f"{m['size'] // MB} MB ({m['api']})",
                f"{m['seconds']:.1f} s",
                f"{m['baseline_kib'] / 1024:.0f} MiB",
                f"{m['peak_kib'] / 1024:.0f} MiB",
                f"{(m['peak_kib'] - m['baseline_kib']) / 1024:.1f} MiB",
            )
        small, large = result["memory"]
        extra = ((large["peak_kib"] - large["baseline_kib"]) - (small["peak_kib"] - small["baseline_kib"])) / 1024
        verdicts.append(
            f"{name}: ten times the letter raised the peak growth by {extra:.1f} MiB (goal: flat, under 10 MiB: {'met' if extra < 10 else 'NOT met'})"
        )
    console.print(table)
    for verdict in verdicts:
        console.print(verdict)


if __name__ == "__main__":
    main()
