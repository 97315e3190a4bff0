"""What the command groups share: settings, the migrated database with its default data, and one way for a
refused change to end a command (its message, exit code 2)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    import sqlalchemy as sa

    from helsebro.settings import Settings

T = TypeVar("T")

err = Console(stderr=True)


def settings(**overrides: Any) -> Settings:
    from helsebro.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def engine(settings: Settings) -> sa.Engine:
    from helsebro.db import create_engine

    return create_engine(settings.resolved_database_url())


def prepare(settings: Settings, *, apply_environment: bool = False) -> None:
    """Migrate, make the first signing key, and load the default data into an empty database."""
    from helsebro import migrate
    from helsebro.auth.clients import none_registered
    from helsebro.auth.keys import KeyStore
    from helsebro.cli import environment

    database = engine(settings)
    if not migrate.is_current(database):  # the check alone skips importing every family's models
        migrate.upgrade(database)
    # Before any API process starts, so that several workers do not each make a first key.
    KeyStore(database, settings.access_token_seconds).load()
    empty = none_registered(database)  # never loaded
    if not empty and not apply_environment and not settings.operator_secret:
        return  # the common case of a command: nothing to load (and the loader, which knows every family, not imported)
    from helsebro.testdata import loader

    with environment.refusing_a_bad_file():
        if empty:
            with err.status("Loading the default data ..."):
                counts = loader.load_defaults(database)
            err.print(f"Loaded default data: {counts}")
        elif apply_environment:  # at start: the environment file on top of the data already there
            environment.apply_configured(database)
    if settings.operator_secret:
        loader.apply_operator_secret(database, settings.operator_secret)


def prepared_engine() -> sa.Engine:
    """The configured database, migrated and holding the default data (as every command that changes data needs)."""
    import helsebro.families  # noqa: F401  (registers the hooks by which the registries' rules reach PVK and DigitaltAktiv)

    configured = settings()
    prepare(configured)
    return engine(configured)


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """A change the rules refuse (or a concurrent one that won) ends the command with exit code 2."""
    import sqlalchemy as sa

    from helsebro.registries import admin

    try:
        yield
    except admin.AdminError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    except sa.exc.IntegrityError as exc:
        err.print("[red]En samtidig endring kom først; prøv igjen[/red]")
        raise typer.Exit(2) from exc


def write(change: Callable[..., T]) -> T:
    from helsebro import db

    with refusals(), db.write(prepared_engine()) as conn:
        return change(conn)


def read(query: Callable[..., T]) -> T:
    from helsebro import db

    with refusals(), db.read(prepared_engine()) as conn:
        return query(conn)


def print_json(model: Any) -> None:
    print(json.dumps(model.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False))


def instant(text: str) -> dt.datetime:
    """An option's ISO 8601 instant with its time zone; typer's BadParameter (exit 2) otherwise."""
    from helsebro._time import parse_instant

    value = parse_instant(text)
    if value is None:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 instant with a time zone, e.g. 2027-03-01T08:00:00Z")
    return value


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
