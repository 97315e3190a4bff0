"""Server CPU per request for catalog reads and the three durable writes, on SQLite.

    .venv/bin/python -m bench.cpu_per_request [--seconds 5] [--rounds 1]

Requests per second on a shared machine say as much about the other processes as about helsebro; the CPU
the server process spends per request does not (much). For each path: the server's user + system CPU time
(from /proc/PID/stat) over a wrk run (one thread, 16 connections, bench.writes' requests), divided by the
requests it answered, less what the server spends idle in as long (its housekeeping threads), measured
just before. Same server and data as bench.writes (a fresh SQLite helsebro with 20,000 extra
digitally active citizens). Linux only.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench import writes
from bench._harness import cli_token, wrk

CONNECTIONS = 16
IDLE_SECONDS = 3


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def serving_pid(data_dir: str) -> int:
    """The process that serves (with one API process: `helsebro serve` itself) for this data directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"serve" in cmdline and f"HELSEBRO_DATA_DIR={data_dir}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    if len(found) != 1:
        raise SystemExit(f"expected one server process for {data_dir}, found {found}")
    return found[0]


def idle_rate(pid: int) -> float:
    """CPU seconds per second the server spends with no requests."""
    before = sum(cpu_seconds(pid))
    time.sleep(IDLE_SECONDS)
    return (sum(cpu_seconds(pid)) - before) / IDLE_SECONDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1, help="measure every path this many times (in turns)")
    args = parser.parse_args()
    with writes.server("") as (base, env, engine):
        pid = serving_pid(env["HELSEBRO_DATA_DIR"])
        runs = {
            "catalog read": (base + writes.CATALOG, {"Authorization": f"Bearer {cli_token(env, 'verktoykatalog_read')}"}, None),
            "v2 send": (base + writes.SEND, None, writes.sends_script(engine, cli_token(env, "verktoysendtilinnbygger"))),
            "PVK write": (base + writes.PVK, None, writes.toggles_script(cli_token(env, "Personverninnstillinger_skriv"))),
            "PTS create (DPoP)": (base + writes.PTS_SAFETY, None, writes.pts_script(env, base)),
        }
        print("| path | requests/s | non-2xx | idle CPU | CPU ms per request (user + system), less idle |")
        print("|---|--:|--:|--:|--:|")
        for _ in range(args.rounds):
            for name, (url, headers, script) in runs.items():
                idle = idle_rate(pid)
                user, system = cpu_seconds(pid)
                result = wrk(url, headers, args.seconds, CONNECTIONS, script)
                user_after, system_after = cpu_seconds(pid)
                answered = max(result["requests_per_second"] * args.seconds, 1)
                used = user_after - user + system_after - system - idle * args.seconds
                ms = [1000 * seconds / answered for seconds in (used, user_after - user, system_after - system)]
                cpu = f"{ms[0]:.2f} ({ms[1]:.2f} + {ms[2]:.2f})"
                print(f"| {name} | {result['requests_per_second']:,.0f} | {result['non_2xx']} | {100 * idle:.1f}% | {cpu} |", flush=True)


if __name__ == "__main__":
    main()
