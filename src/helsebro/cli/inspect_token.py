"""``helsebro inspect-token``: says, check by check, whether helsebro would accept a token (and DPoP proof)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

if TYPE_CHECKING:
    from helsebro.auth.inspection import Report

app = typer.Typer()

ACCEPTED, REFUSED, UNUSABLE = 0, 1, 2


def _read(value: str, what: str) -> str:
    """The argument, or stdin for '-'."""
    from helsebro.auth.inspection import UnusableInput

    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        raise UnusableInput(f"{what} is empty")
    return text


def _run(token: str, proof: str | None, method: str | None, url: str | None, path: str | None, family: str | None) -> Report:
    import helsebro.families  # noqa: F401  (tells the inspector what each route asks)
    from helsebro import services
    from helsebro.auth.inspection import inspect
    from helsebro.cli.common import engine as _engine
    from helsebro.cli.common import prepare as _prepare
    from helsebro.cli.common import settings as _settings

    settings = _settings()
    _prepare(settings)
    guard = services.build(settings, _engine(settings)).guard
    return asyncio.run(inspect(guard, token, proof=proof, method=method, url=url, path=path, family=family))


def print_report(report: Report, console: Console) -> None:
    from helsebro.auth.inspection import FAILED, PASSED, title

    style = {PASSED: "green", FAILED: "red"}
    for heading, value in (
        ("Header", report.header),
        ("Claims", report.claims),
        ("DPoP proof header", report.proof_header),
        ("DPoP proof claims", report.proof_claims),
    ):
        if value is not None:
            console.print(f"[bold]{heading}[/bold]")
            console.print_json(json.dumps(value, ensure_ascii=False, default=str))
    table = Table(
        Column("check", no_wrap=True), Column("result", no_wrap=True), Column("why", overflow="fold"), title="Checks, in the guard's order"
    )
    for line in report.lines:
        result = f"[{style.get(line.status, 'dim')}]{line.status}[/]" + (" ◀" if line.decisive else "")
        table.add_row(title(line.name), result, escape(line.en))
    console.print(table)
    where = _where(report)
    if report.failure is None:
        console.print(f"[green]Accepted[/green]: helsebro would let this token in{where}.")
    else:
        failure = report.failure
        console.print(
            f"[red]Refused[/red]{where}: the API answers {failure.status} {failure.error}: {escape(failure.description)}"
            f"\n  WWW-Authenticate: {escape(failure.www_authenticate())}"
        )


def _where(report: Report) -> str:
    endpoint: Any = report.endpoint
    if endpoint is None:
        return " (the token alone: name the API with --path or --family to check audience, DPoP and scope)"
    return f" at {endpoint.path}" if endpoint.path else f" at some endpoint of {endpoint.family}"


@app.command("inspect-token")
def inspect_token(
    token: Annotated[str, typer.Argument(help="The access token, or 'Bearer <token>' / 'DPoP <token>'; '-' reads it from stdin.")],
    path: Annotated[str | None, typer.Option(help="The path the token is sent to, e.g. /pts/v0.5/access-check.")] = None,
    family: Annotated[str | None, typer.Option(help="Or the API family: verktoy, digitaltaktiv, pvk, pts, svarut, operator.")] = None,
    dpop: Annotated[str | None, typer.Option(help="The DPoP proof sent with it ('-' reads it from stdin).")] = None,
    method: Annotated[str | None, typer.Option(help="The request's HTTP method (for the DPoP proof's htm).")] = None,
    url: Annotated[str | None, typer.Option(help="The request's full URL (for the proof's htu; also names the path).")] = None,
) -> None:
    """Explain, check by check, whether helsebro would accept TOKEN (the same checks as the APIs, in the same
    order). Exit code 0: accepted, 1: refused, 2: unusable input. The token is never logged or stored."""
    from helsebro.auth.inspection import UnusableInput

    out, err = Console(), Console(stderr=True)
    if token == "-" and dpop == "-":
        err.print("[red]only one of TOKEN and --dpop can be read from stdin[/red]")
        raise typer.Exit(UNUSABLE)
    try:
        report = _run(_read(token, "TOKEN"), _read(dpop, "--dpop") if dpop else None, method, url, path, family)
    except UnusableInput as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(UNUSABLE) from exc
    print_report(report, out)
    if not report.decodable:
        raise typer.Exit(UNUSABLE)
    raise typer.Exit(ACCEPTED if report.accepted else REFUSED)
