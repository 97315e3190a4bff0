"""Catalog list (10 tools, one filter) against a bare Starlette hello endpoint, in the same run.

    .venv/bin/python -m bench.catalog_floor [--seconds 10]

Prints requests/s of both and the ratio (goal: at least 0.5 of the bare floor). Both servers run as one
uvicorn process with the same options; wrk (one thread, 32 connections) is the load tool for both.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench._harness import bare_starlette, cli_token, helsebro_server, wrk

CATALOG_PATH = "/verktoy/v1/SelvstendigVerktoy?Fagomrader=1&AntallVerktoy=10"
GOAL = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    console = Console()

    with bare_starlette() as bare_url:
        console.print("wrk: bare Starlette /hello ...")
        floor = wrk(bare_url + "/hello", seconds=options.seconds, connections=options.connections)

    with helsebro_server() as (base_url, env):
        token = cli_token(env, "verktoykatalog_read")
        headers = {"Authorization": f"Bearer {token}"}
        check = httpx.get(base_url + CATALOG_PATH, headers=headers)
        assert check.status_code == 200 and len(check.json()) == 10, check.text
        console.print("wrk: helsebro catalog list ...")
        catalog = wrk(base_url + CATALOG_PATH, headers, seconds=options.seconds, connections=options.connections)
        response_bytes = len(check.content)

    ratio = catalog["requests_per_second"] / floor["requests_per_second"]
    table = Table(title="Catalog list vs the bare Starlette floor (same run, same load tool)")
    for column in ("endpoint", "requests/s", "p99 ms", "non-2xx", "response bytes"):
        table.add_column(column)
    table.add_row("bare Starlette GET /hello", f"{floor['requests_per_second']:.0f}", f"{floor['p99_ms']:.1f}", str(floor["non_2xx"]), "17")
    table.add_row(
        f"helsebro GET {CATALOG_PATH} (Bearer)",
        f"{catalog['requests_per_second']:.0f}",
        f"{catalog['p99_ms']:.1f}",
        str(catalog["non_2xx"]),
        str(response_bytes),
    )
    console.print(table)
    verdict = "meets" if ratio >= GOAL else "BELOW"
    console.print(f"ratio helsebro / bare floor = {ratio:.2f}  ({verdict} the goal of {GOAL})")
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / "catalog_floor.json").write_text(json.dumps({"floor": floor, "catalog": catalog, "ratio": ratio}, indent=2))


if __name__ == "__main__":
    main()
