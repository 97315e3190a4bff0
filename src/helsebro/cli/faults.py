"""``helsebro faults``: inject, list and remove faults (as the operator API's /feil does, with its rules and
messages), on the database of ``HELSEBRO_DATABASE_URL``; a running server applies a change within
``HELSEBRO_FAULT_REFRESH_SECONDS``. Refused definitions end with their message and exit code 2."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from helsebro.cli import common

faults_app = typer.Typer(
    help="Injected faults: a family, route or client answers with an error, a delay or a dropped connection.", no_args_is_help=True
)


def _refused(call: Any, *args: Any) -> Any:
    from helsebro.steering.faults import FaultRefused

    try:
        return call(*args)
    except FaultRefused as exc:
        common.err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None


def _line(item: Any) -> str:
    from helsebro import _time

    where = " ".join(
        part for part in (item.family, item.method or "", item.route or "", f"klient={item.client_id}" if item.client_id else "") if part
    )
    answer = {
        "feil": f"feil {item.status or ''}".strip(),
        "forsinkelse": f"forsinkelse {item.delay_ms} ms",
        "levering": f"levering {item.channel}",
    }.get(item.kind, item.kind)
    left = f"{item.remaining} igjen" if item.remaining is not None else "uten antall"
    until = f", til {_time.isoformat_z(item.ends_at)}" if item.ends_at else ""
    state = "aktiv" if item.active(_time.utcnow()) else "ikke aktiv"
    return f"{item.id}  {where}: {answer} ({left}{until}; {state})"


@faults_app.command("add")
def add(
    family: Annotated[
        str, typer.Option("--family", help="helseid, maskinporten, verktoy, digitaltaktiv, pvk, pts, svarut, helsenorge-login")
    ],
    answer: Annotated[
        str, typer.Option("--answer", help="feil (the family's own error), forsinkelse, brudd (drop) or levering (a SvarUt channel)")
    ] = "feil",
    method: Annotated[str | None, typer.Option(help="Only calls with this method")] = None,
    route: Annotated[str | None, typer.Option(help="Only calls to this route (template or path)")] = None,
    client: Annotated[str | None, typer.Option(help="Only calls from this client_id")] = None,
    status: Annotated[int | None, typer.Option(help="feil: the status (429, 500-511)")] = None,
    message: Annotated[str | None, typer.Option(help="feil: the message")] = None,
    delay_ms: Annotated[int | None, typer.Option("--delay-ms", help="forsinkelse: milliseconds")] = None,
    channel: Annotated[str | None, typer.Option(help="levering: the channel that fails (SDP, PRINT, NHN, ...)")] = None,
    count: Annotated[int | None, typer.Option(help="For the next this many calls (or letters)")] = None,
    start: Annotated[str | None, typer.Option("--from", help="From this instant (server clock)")] = None,
    until: Annotated[str | None, typer.Option(help="Until this instant (server clock)")] = None,
    duration: Annotated[str | None, typer.Option(help="For this long from now (P1D, PT10M, seconds)")] = None,
) -> None:
    """Inject a fault; prints it."""
    from pydantic import ValidationError

    from helsebro.operator import fault_routes

    try:
        body = fault_routes.InjisertFeilInn(
            familie=family,
            svar=answer,  # type: ignore[arg-type]
            metode=method.upper() if method else None,  # type: ignore[arg-type]
            rute=route,
            klientId=client,
            status=status,
            melding=message,
            forsinkelseMs=delay_ms,
            kanal=channel,
            antall=count,
            fra=common.instant(start) if start else None,
            til=common.instant(until) if until else None,
            varighet=duration,
        )
    except ValidationError as exc:
        from helsebro.operator.errors import invalid_request

        common.err.print(f"[red]{invalid_request(exc.errors()).message}[/red]")
        raise typer.Exit(2) from None
    typer.echo(_line(_refused(fault_routes.create, common.prepared_engine(), body)))


@faults_app.command("list")
def list_faults() -> None:
    """Every stored fault, oldest first."""
    from helsebro.steering import faults

    for item in faults.list_all(common.prepared_engine()):
        typer.echo(_line(item))


@faults_app.command("remove")
def remove(fault_id: Annotated[str, typer.Argument(help="The fault's id (from list)")]) -> None:
    """Remove one fault."""
    from helsebro.steering import faults

    _refused(faults.remove, common.prepared_engine(), fault_id)
    typer.echo(f"Fjernet {fault_id}")


@faults_app.command("clear")
def clear() -> None:
    """Remove every fault."""
    from helsebro.steering import faults

    typer.echo(f"Fjernet {faults.clear(common.prepared_engine())}")
