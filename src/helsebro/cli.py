"""The ``helsebro`` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from helsebro.jobs import cli as jobs_cli
from rich.console import Console
from rich.table import Column, Table

app = typer.Typer(help="helsebro: Norwegian health APIs, faithfully and statefully, for development and test.", no_args_is_help=True)
clients_app = typer.Typer(help="API clients: who may get tokens, with which keys and scopes.", no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys of helsebro's token services.", no_args_is_help=True)
app.add_typer(clients_app, name="clients")
app.add_typer(keys_app, name="keys")
app.add_typer(jobs_cli.app)  # `helsebro worker` and `helsebro jobs ...` (the outbox)

from helsebro import operator_cli  # noqa: E402  (test data set-up: citizens, personnel, orgs)

app.add_typer(operator_cli.citizens_app, name="citizens")
app.add_typer(operator_cli.personnel_app, name="personnel")
app.add_typer(operator_cli.orgs_app, name="orgs")

from helsebro import svarut_cli  # noqa: E402  (SvarUt test data: KRR, SvarInn)

app.add_typer(svarut_cli.svarut_app, name="svarut")

from helsebro import dpop_cli, inspect_cli  # noqa: E402  (developer tools: DPoP proofs, token inspection)

app.add_typer(dpop_cli.app)
app.add_typer(inspect_cli.app)

err = Console(stderr=True)


def _settings(**overrides):  # noqa: ANN202
    from helsebro.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _engine(settings):  # noqa: ANN001, ANN202
    from helsebro.db import create_engine

    return create_engine(settings.resolved_database_url())


def _prepare(settings) -> None:  # noqa: ANN001
    """Migrate, make the first signing key, and load the default data into an empty database."""
    from helsebro import migrate
    from helsebro.auth.keys import KeyStore
    from helsebro.testdata import loader

    engine = _engine(settings)
    migrate.upgrade(engine)
    # Before any API process starts, so that several workers do not each make a first key.
    KeyStore(engine, settings.access_token_seconds).load()
    if loader.is_empty(engine):
        with err.status("Loading the default data ..."):
            counts = loader.load_defaults(engine)
        err.print(f"Loaded default data: {counts}")
    if settings.operator_secret:
        loader.apply_operator_secret(engine, settings.operator_secret)


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Interface to listen on (HELSEBRO_HOST).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (HELSEBRO_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Number of API processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning.")] = "info",
) -> None:
    """Start the server. An empty database is migrated and filled with the default data first."""
    import uvicorn

    from helsebro.logs import configure

    settings = _settings(host=host, port=port)
    configure(log_level)
    # The app factory reads its settings from the environment, also in worker processes.
    os.environ["HELSEBRO_HOST"] = settings.host
    os.environ["HELSEBRO_PORT"] = str(settings.port)
    _prepare(settings)
    err.print(f"helsebro on {settings.base_url()}  (database: {_safe_url(settings.resolved_database_url())})")
    if not settings.operator_secret and settings.host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            f"[yellow]Warning: listening on {settings.host} with the operator client's published secret: anyone who "
            "reaches this port can change all test data. Set HELSEBRO_OPERATOR_SECRET.[/yellow]"
        )
    err.print(f"  HelseID discovery: {settings.base_url()}/helseid/.well-known/openid-configuration")
    err.print(f"  API docs:          {settings.base_url()}/docs")
    uvicorn.run(
        "helsebro.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (Alembic)."""
    from helsebro import migrate

    settings = _settings()
    engine = _engine(settings)
    migrate.upgrade(engine)
    err.print(f"Schema at revision {migrate.current_revision(engine)}")


@app.command()
def reset(yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    """Throw away all data and restore the default data set."""
    from helsebro import migrate
    from helsebro.testdata import loader

    if not yes:
        typer.confirm("Delete all data and restore the default data?", abort=True)
    settings = _settings()
    engine = _engine(settings)
    migrate.upgrade(engine)
    with err.status("Restoring the default data ..."):
        counts = loader.reset(engine)
    err.print(f"Default data restored: {counts}")


@app.command()
def token(
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="Scope to ask for (repeat for more).")],
    client: Annotated[Optional[str], typer.Option(help="client_id; default: a demo client granted the scope.")] = None,
    key: Annotated[Optional[Path], typer.Option(help="The client's private JWK (JSON) if it is not a demo client.")] = None,
    dpop_key: Annotated[Optional[Path], typer.Option(help="Private JWK for a DPoP-bound token (a new EC key is written there if the file does not exist).")] = None,
    hpr: Annotated[Optional[str], typer.Option(help="HPR number: a user token for this health professional (to exchange, e.g. for PTS).")] = None,
    exchange: Annotated[bool, typer.Option("--exchange", help="With --hpr: exchange the user token at the token endpoint (RFC 8693), as NHN prefers for PTS.")] = False,
    audience: Annotated[Optional[str], typer.Option(help="With --exchange: the API to exchange for, e.g. nhn:pts.")] = None,
    full: Annotated[bool, typer.Option("--json", help="Print the whole token response.")] = False,
) -> None:
    """Print an access token from the built-in HelseID, as the token endpoint would issue it; with --hpr, a
    health professional's user token, as HelseID issues it after the professional has logged in."""
    from helsebro import tokens_cli

    settings = _settings()
    _prepare(settings)
    if dpop_key and tokens_cli.ensure_dpop_key(dpop_key):
        err.print(f"Wrote a new DPoP key (EC P-256) to {dpop_key}: sign your DPoP proofs with it.")
    if (exchange or audience) and not hpr:
        err.print("[red]--exchange and --audience exchange a health professional's user token: add --hpr[/red]")
        raise typer.Exit(2)
    try:
        if exchange:
            response = tokens_cli.exchanged(settings, _engine(settings), scope, client, key, dpop_key, hpr, audience)
        else:
            response = tokens_cli.fetch(settings, _engine(settings), scope, client, key, dpop_key, hpr)
    except tokens_cli.TokenCommandError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    print(json.dumps(response, indent=2) if full else response["access_token"])


@clients_app.command("list")
def clients_list() -> None:
    """Show the registered API clients."""
    from helsebro import db
    from helsebro.auth.clients import list_clients

    settings = _settings()
    _prepare(settings)
    with db.read(_engine(settings)) as conn:
        rows = list_clients(conn)
    # client_id whole (it is what you type next), one scope a line: in an 80-column terminal both ended in "…"
    table = Table(Column("client_id", no_wrap=True), "name", "orgnr", "auth", Column("scopes", overflow="fold"))
    for c in rows:
        auth = ", ".join(filter(None, ["private_key_jwt" if c.jwks.get("keys") else "", "secret" if c.secret_hash else ""]))
        table.add_row(c.client_id, c.name, c.orgnr, auth, "\n".join(c.scopes))
    Console().print(table)


@clients_app.command("add")
def clients_add(
    client_id: Annotated[str, typer.Argument(help="The new client's client_id.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    orgnr: Annotated[str, typer.Option(help="Organisasjonsnummer (9 digits, valid check digit).")],
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="Granted scope (repeat for more).")],
    jwk: Annotated[Optional[Path], typer.Option(help="A JWK or JWKS file with the client's public key(s).")] = None,
    generate_key: Annotated[Optional[Path], typer.Option(help="Generate a key pair; write the private JWK here.")] = None,
    secret: Annotated[Optional[str], typer.Option(help="A client secret (stored hashed; dev only).")] = None,
    pvk_part: Annotated[Optional[list[str]], typer.Option(help="PVK part code the client may write for.")] = None,
) -> None:
    """Register (or replace) an API client."""
    from helsebro import clients_cli

    settings = _settings()
    _prepare(settings)
    try:
        message = clients_cli.add(
            _engine(settings), client_id, name, orgnr, scope, jwk, generate_key, secret, pvk_part or []
        )
    except clients_cli.ClientCommandError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    err.print(message)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Start a new signing key. The old one stays in the JWKS until its tokens have expired."""
    from helsebro.auth.keys import KeyStore

    settings = _settings()
    _prepare(settings)
    kid = KeyStore(_engine(settings), settings.access_token_seconds).rotate()
    err.print(f"New signing key: {kid}")


@app.command()
def openapi(output: Annotated[Optional[Path], typer.Option(help="Write to this file instead of stdout.")] = None) -> None:
    """Print helsebro's OpenAPI document."""
    from helsebro.app import create_app

    settings = _settings(database_url="sqlite://")
    document = json.dumps(create_app(settings).openapi(), indent=2, ensure_ascii=False)
    if output:
        output.write_text(document + "\n", encoding="utf-8")
    else:
        sys.stdout.write(document + "\n")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    app()
