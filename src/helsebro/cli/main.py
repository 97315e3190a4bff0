"""The ``helsebro`` command line: the server's own commands, and every command group added to one app."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from helsebro.cli import certs, clock, dpop, faults, inspect_token, key_files, kinds, registries, svarut, worker
from helsebro.cli import environment as environment_cli  # `environment` is an option of serve and reset
from helsebro.cli.common import engine as _engine
from helsebro.cli.common import err, safe_url
from helsebro.cli.common import prepare as _prepare
from helsebro.cli.common import settings as _settings

app = typer.Typer(help="helsebro: Norwegian health APIs, faithfully and statefully, for development and test.", no_args_is_help=True)
clients_app = typer.Typer(help="API clients: who may get tokens, with which keys and scopes.", no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys of helsebro's token services.", no_args_is_help=True)
app.add_typer(clients_app, name="clients")
app.add_typer(keys_app, name="keys")
operator_secret_app = typer.Typer(help="The operator client's secret (operator API and pages).", no_args_is_help=True)
app.add_typer(operator_secret_app, name="operator-secret")
app.add_typer(worker.app)  # `helsebro worker` and `helsebro jobs ...` (the outbox)
app.add_typer(registries.citizens_app, name="citizens")  # test data set-up: citizens, personnel, orgs
app.add_typer(registries.personnel_app, name="personnel")
app.add_typer(registries.orgs_app, name="orgs")
app.add_typer(svarut.svarut_app, name="svarut")  # SvarUt test data: KRR, SvarInn, forsendelsestyper
# The environment file's kinds one entry at a time (clients show|create|update|delete, svarut accounts|integrations).
kinds.register(clients_app, svarut.svarut_app)
app.add_typer(kinds.tools_app, name="tools")
app.add_typer(kinds.guidance_app, name="guidance-services")
app.add_typer(kinds.pvk_app, name="pvk-definitions")
app.add_typer(dpop.app)  # developer tools: DPoP proofs, token inspection
app.add_typer(inspect_token.app)
app.add_typer(certs.ca_app, name="ca")  # the local test CA and test business certificates
app.add_typer(certs.certs_app, name="certs")
app.command("export")(environment_cli.export)  # the test data as an environment file
app.add_typer(clock.clock_app, name="clock")  # steering the test environment: the server clock
app.add_typer(faults.faults_app, name="faults")  # and injected faults


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (HELSEBRO_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (HELSEBRO_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Number of API processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning.")] = "info",
    tls: Annotated[
        bool | None,
        typer.Option("--tls", help="HTTPS on every port, certificate from the local test CA (HELSEBRO_TLS); trust `helsebro ca export`."),
    ] = None,
    family_port: Annotated[
        list[str] | None,
        typer.Option(
            "--family-port",
            metavar="NAME=PORT",
            help="Serve a family also on a port of its own, at the real host's paths (repeat for more; HELSEBRO_FAMILY_PORTS). "
            "Names: helseid, maskinporten, helsenorge, helsenorge-login, pts, svarut.",
        ),
    ] = None,
    environment: Annotated[
        Path | None,
        typer.Option(
            help="Your own identifiers (YAML or JSON), applied on top of the default data at start and after every reset (HELSEBRO_ENVIRONMENT)."
        ),
    ] = None,
) -> None:
    """Start the server. An empty database is migrated and filled with the default data first."""
    from helsebro import family_ports
    from helsebro import tls as tls_setup
    from helsebro.families import FAMILIES
    from helsebro.logs import configure

    if environment is not None:  # read again by every reset, in this process and its workers
        os.environ["HELSEBRO_ENVIRONMENT"] = str(environment.resolve())
    ports = ",".join(family_port) if family_port else None
    settings = _settings(host=host, port=port, tls=tls, family_ports=ports)
    try:
        views = family_ports.port_views(settings, FAMILIES)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    configure(log_level)
    # The app factory reads its settings from the environment, also in worker processes.
    os.environ["HELSEBRO_HOST"] = settings.host
    os.environ["HELSEBRO_PORT"] = str(settings.port)
    os.environ["HELSEBRO_TLS"] = "1" if settings.tls else "0"
    os.environ["HELSEBRO_FAMILY_PORTS"] = settings.family_ports
    _prepare(settings, apply_environment=True)
    tls_options = tls_setup.uvicorn_options(settings)
    err.print(f"helsebro on {settings.base_url()}  (database: {safe_url(settings.resolved_database_url())})")
    if not settings.operator_secret and settings.host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            f"[yellow]Warning: listening on {settings.host} with the operator client's published secret: anyone who "
            "reaches this port can change all test data. Set HELSEBRO_OPERATOR_SECRET.[/yellow]"
        )
    err.print(f"  HelseID discovery: {settings.base_url()}/helseid/.well-known/openid-configuration")
    err.print(f"  API docs:          {settings.base_url()}/docs")
    if tls_options:
        err.print("  HTTPS with helsebro's test CA: trust it with  helsebro ca export > helsebro-ca.pem")
    for view in views.values():
        err.print(f"  {view.name + ':':<18} {view.base_url}")
    _run_uvicorn(settings, [view.port for view in views.values()], workers, log_level, tls_options)


def _run_uvicorn(settings, extra_ports: list[int], workers: int, log_level: str, tls_options: dict[str, str]) -> None:  # noqa: ANN001
    """One uvicorn server (and ``workers`` processes) for the main port and every family port: one app, one database."""
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from helsebro import http_protocol

    config = uvicorn.Config(
        "helsebro.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        http=http_protocol.PROTOCOL,  # bounds on slow and oversized request heads (README "Request limits")
        **tls_options,
    )
    server = uvicorn.Server(config)
    sockets = [config.bind_socket()]
    for port in extra_ports:
        family = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET, socket.SOCK_STREAM)
        family.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            family.bind((settings.host, port))
        except OSError as exc:
            err.print(f"[red]family port {port}: {exc.strerror}[/red]")
            raise typer.Exit(1) from None
        family.set_inheritable(True)
        sockets.append(family)
    if workers > 1:
        Multiprocess(config, sockets=sockets).run()
    else:
        server.run(sockets=sockets)


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (Alembic)."""
    from helsebro import migrate

    settings = _settings()
    engine = _engine(settings)
    migrate.upgrade(engine)
    err.print(f"Schema at revision {migrate.current_revision(engine)}")


@app.command()
def reset(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    environment: Annotated[Path | None, typer.Option(help="Apply this environment file on top (HELSEBRO_ENVIRONMENT).")] = None,
) -> None:
    """Throw away all data and restore the default data set (and the environment file on top)."""
    from helsebro import migrate
    from helsebro.testdata import loader

    if not yes:
        typer.confirm("Delete all data and restore the default data?", abort=True)
    if environment is not None:
        os.environ["HELSEBRO_ENVIRONMENT"] = str(environment.resolve())
    settings = _settings()
    engine = _engine(settings)
    migrate.upgrade(engine)
    with environment_cli.refusing_a_bad_file(), err.status("Restoring the default data ..."):
        counts = loader.reset(engine)
    err.print(f"Default data restored: {counts}")


@app.command()
def token(
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="Scope to ask for (repeat for more).")],
    client: Annotated[str | None, typer.Option(help="client_id; default: a demo client granted the scope.")] = None,
    key: Annotated[Path | None, typer.Option(help="The client's private JWK (JSON) if it is not a demo client.")] = None,
    dpop_key: Annotated[
        Path | None, typer.Option(help="Private JWK for a DPoP-bound token (a new EC key is written there if the file does not exist).")
    ] = None,
    hpr: Annotated[
        str | None, typer.Option(help="HPR number: a user token for this health professional (to exchange, e.g. for PTS).")
    ] = None,
    exchange: Annotated[
        bool,
        typer.Option("--exchange", help="With --hpr: exchange the user token at the token endpoint (RFC 8693), as NHN prefers for PTS."),
    ] = False,
    audience: Annotated[str | None, typer.Option(help="With --exchange: the API to exchange for, e.g. nhn:pts.")] = None,
    parent_organisation: Annotated[
        str | None, typer.Option(help="A multi-tenant client's customer (orgnr), named in authorization_details.")
    ] = None,
    child_organisation: Annotated[str | None, typer.Option(help="A child organisation (orgnr) to name in authorization_details.")] = None,
    full: Annotated[bool, typer.Option("--json", help="Print the whole token response.")] = False,
) -> None:
    """Print an access token from the built-in HelseID, as the token endpoint would issue it; with --hpr, a
    health professional's user token, as HelseID issues it after the professional has logged in."""
    from helsebro.cli import tokens as tokens_cli

    settings = _settings()
    _prepare(settings)
    if dpop_key and key_files.ensure_dpop_key(dpop_key):
        err.print(f"Wrote a new DPoP key (EC P-256) to {dpop_key}: sign your DPoP proofs with it.")
    if (exchange or audience) and not hpr:
        err.print("[red]--exchange and --audience exchange a health professional's user token: add --hpr[/red]")
        raise typer.Exit(2)
    details = None
    if parent_organisation or child_organisation:
        if hpr and not exchange:
            err.print("[red]--parent-organisation and --child-organisation go with client credentials or --exchange[/red]")
            raise typer.Exit(2)
        from helsebro.auth.organisations import details_for

        details = details_for(parent_organisation, child_organisation)
    try:
        if exchange:
            response = tokens_cli.exchanged(settings, _engine(settings), scope, client, key, dpop_key, hpr, audience, details)
        else:
            response = tokens_cli.fetch(settings, _engine(settings), scope, client, key, dpop_key, hpr, details)
    except key_files.TokenCommandError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    print(json.dumps(response, indent=2) if full else response["access_token"])


@app.command("client-assertion")
def client_assertion_command(
    client: Annotated[
        str, typer.Option(help="client_id (default: the demo EPJ, registered for the professional login).")
    ] = "helsebro-demo-epj",
    key: Annotated[Path | None, typer.Option(help="The client's private JWK (JSON) if it is not a demo client.")] = None,
    audience: Annotated[str | None, typer.Option(help="aud: default the built-in HelseID's issuer.")] = None,
) -> None:
    """Print a private_key_jwt client assertion (60 s, good once) for a curl to HelseID's PAR or token endpoint."""
    from helsebro.auth.client_side import client_assertion, load_private_key
    from helsebro.auth.issuers import HELSEID
    from helsebro.testdata.files import demo_private_key

    settings = _settings()
    try:
        jwk = key_files.read_private_jwk(key, "--key") if key else demo_private_key(client)
    except (FileNotFoundError, key_files.TokenCommandError) as exc:
        err.print(f"[red]no private key for {client!r}: pass --key FILE ({exc})[/red]")
        raise typer.Exit(2) from exc
    print(client_assertion(client, load_private_key(jwk), audience or HELSEID.url(settings.base_url())))


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
        keys = c.jwks.get("keys", [])
        kinds = [
            "private_key_jwt" if any(not k.get("x5c") for k in keys) else "",
            "virksomhetssertifikat" if any(k.get("x5c") for k in keys) else "",
        ]
        auth = ", ".join(filter(None, [*kinds, "secret" if c.secret_hash else ""]))
        table.add_row(c.client_id, c.name, c.orgnr, auth, "\n".join(c.scopes))
    Console().print(table)


@clients_app.command("add")
def clients_add(
    client_id: Annotated[str, typer.Argument(help="The new client's client_id.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    orgnr: Annotated[str, typer.Option(help="Organisasjonsnummer (9 digits, valid check digit).")],
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="Granted scope (repeat for more).")],
    jwk: Annotated[Path | None, typer.Option(help="A JWK or JWKS file with the client's public key(s).")] = None,
    generate_key: Annotated[Path | None, typer.Option(help="Generate a key pair; write the private JWK here.")] = None,
    secret: Annotated[str | None, typer.Option(help="A client secret (stored hashed; dev only).")] = None,
    pvk_part: Annotated[list[str] | None, typer.Option(help="PVK part code the client may write for.")] = None,
    certificate: Annotated[
        list[Path] | None, typer.Option(help="A business certificate (PEM) for Maskinporten grants (repeat for more).")
    ] = None,
    redirect_uri: Annotated[
        list[str] | None, typer.Option(help="Where a login may send the user back with a code (repeat for more).")
    ] = None,
    post_logout_redirect_uri: Annotated[
        list[str] | None, typer.Option(help="Where HelseID's logout may send the user back (repeat for more).")
    ] = None,
    require_par: Annotated[bool, typer.Option(help="The client must push its authorization requests (PAR, RFC 9126).")] = False,
    multi_tenant: Annotated[
        bool, typer.Option(help="HelseID multi-tenant: the client names the customer (parent organisation) in each request.")
    ] = False,
    child_organisation: Annotated[
        list[str] | None, typer.Option(help="A child organisation (orgnr) the client may name in authorization_details (repeat for more).")
    ] = None,
) -> None:
    """Register (or replace) an API client."""
    from helsebro.cli import clients as clients_cli

    settings = _settings()
    _prepare(settings)
    try:
        message = clients_cli.add(
            _engine(settings),
            client_id,
            name,
            orgnr,
            scope,
            jwk,
            generate_key,
            secret,
            pvk_part or [],
            certificate or [],
            login=clients_cli.LoginRegistration(tuple(redirect_uri or ()), tuple(post_logout_redirect_uri or ()), require_par),
            orgs=clients_cli.Organisations(multi_tenant, tuple(child_organisation or ())),
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


@operator_secret_app.command("rotate")
def operator_secret_rotate(
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the new secret from standard input instead of making a random one.")] = False,
) -> None:
    """Give the operator client a new secret, taken at once by every running server (no restart); its page
    sessions end. Prints the new secret. It stays until the next rotation: HELSEBRO_OPERATOR_SECRET and resets no longer change it."""
    from helsebro import db
    from helsebro.auth import operator_secret
    from helsebro.testdata.loader import OPERATOR_CLIENT

    secret = sys.stdin.read().strip() if stdin else None
    if stdin and not secret:
        err.print("[red]No secret on standard input[/red]")
        raise typer.Exit(2)
    settings = _settings()
    _prepare(settings)
    try:
        with db.write(_engine(settings)) as conn:
            new = operator_secret.rotate(conn, OPERATOR_CLIENT, secret)
    except operator_secret.NotRotatable as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    err.print(f"The operator client {OPERATOR_CLIENT} has a new secret; its sessions have ended.")
    if not stdin:
        print(new)


@app.command()
def openapi(output: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None) -> None:
    """Print helsebro's OpenAPI document."""
    from helsebro.app import create_app

    settings = _settings(database_url="sqlite://")
    document = json.dumps(create_app(settings).openapi(), indent=2, ensure_ascii=False)
    if output:
        output.write_text(document + "\n", encoding="utf-8")
    else:
        sys.stdout.write(document + "\n")


if __name__ == "__main__":  # pragma: no cover
    app()
