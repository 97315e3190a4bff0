"""``helsebro clock``: show and move the server clock every process on the database follows (as the operator
API's /klokke does). Works on the database of ``HELSEBRO_DATABASE_URL`` directly: a running server shows
the new time within ``HELSEBRO_CLOCK_REFRESH_SECONDS``."""

from __future__ import annotations

from typing import Annotated

import typer

from helsebro.cli import common

clock_app = typer.Typer(help="The server clock: show it, move it forward, freeze and release it.", no_args_is_help=True)


def _run(move, *args):  # noqa: ANN001, ANN002, ANN202
    from rich.console import Console

    from helsebro import _time, db, migrate
    from helsebro.db import create_engine
    from helsebro.settings import Settings
    from helsebro.steering import clock

    settings = Settings()
    engine = create_engine(settings.resolved_database_url())
    migrate.upgrade(engine)
    try:
        reading = move(engine, *[clock.parse_duration(a) if isinstance(a, _Duration) else a for a in args])
    except clock.ClockRefused as exc:
        Console(stderr=True).print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        db.close(engine)
    ahead = (reading.now - reading.real).total_seconds()
    state = "fryst" if reading.state.frozen_at is not None else "går"
    typer.echo(f"{_time.isoformat_z(reading.now)}  ({state}; {ahead:+.0f} s fra sann tid)")
    for job, count in reading.ran.items():
        if count:
            typer.echo(f"  {job}: {count}")


class _Duration(str):
    """A duration the service parses (so its message, not typer's, explains a bad one)."""


@clock_app.command("show")
def show() -> None:
    """Print the server clock."""
    from helsebro.steering import clock

    _run(clock.read)


@clock_app.command("advance")
def advance(duration: Annotated[str, typer.Argument(help="ISO 8601 duration (P15D, PT2H30M) or seconds.")]) -> None:
    """Move the clock forward; what falls due in between (task expiry, feed purge) runs at once."""
    from helsebro.steering import clock

    _run(clock.advance, _Duration(duration))


@clock_app.command("to")
def to(instant: Annotated[str, typer.Argument(help="An instant with a time zone, e.g. 2027-03-01T08:00:00Z.")]) -> None:
    """Move the clock forward to an instant."""
    from helsebro.steering import clock

    _run(clock.move_to, common.instant(instant))


@clock_app.command("freeze")
def freeze(at: Annotated[str | None, typer.Option(help="Freeze at this (later) instant; default: now.")] = None) -> None:
    """Stop the clock."""
    from helsebro.steering import clock

    _run(clock.freeze, common.instant(at) if at else None)


@clock_app.command("release")
def release() -> None:
    """Let a frozen clock run again from where it stands."""
    from helsebro.steering import clock

    _run(clock.release)


@clock_app.command("real")
def real() -> None:
    """Back to real time (only once real time has caught up; else `helsebro reset`)."""
    from helsebro.steering import clock

    _run(clock.back_to_real_time)
