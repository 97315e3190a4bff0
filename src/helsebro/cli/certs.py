"""``helsebro ca export`` and ``helsebro certs issue``: the local test CA and the test business certificates
(virksomhetssertifikat) it issues for Maskinporten's ``x5c`` grants."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from rich.console import Console
from stdnum.no import orgnr as orgnr_check

from helsebro.auth import local_ca

ca_app = typer.Typer(help="The local test CA (HTTPS with serve --tls, business certificates).", no_args_is_help=True)
certs_app = typer.Typer(help="Test business certificates (virksomhetssertifikat) from the local test CA.", no_args_is_help=True)

err = Console(stderr=True)

# The alias KS's Maskinporten client README loads the key and certificate under.
P12_ALIAS = b"authentication certificate"


def _data_dir() -> Path:
    from helsebro.settings import Settings

    return Settings().data_dir


@ca_app.command("export")
def ca_export() -> None:
    """Print the CA certificate (PEM) to trust, e.g. `helsebro ca export > helsebro-ca.pem`."""
    sys.stdout.write(local_ca.load_or_create(_data_dir()).pem.decode())


@certs_app.command("issue")
def certs_issue(
    orgnr: Annotated[str, typer.Option(help="The organisation's organisasjonsnummer (9 digits, valid check digit).")],
    name: Annotated[str | None, typer.Option(help="Organisation name in the certificate (O and CN).")] = None,
    out: Annotated[Path | None, typer.Option(help="Path prefix of the files (default: virksomhetssertifikat-<orgnr>).")] = None,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Validity in days.")] = 365,
    seid: Annotated[
        int, typer.Option(min=1, max=2, help="Profile: 2 puts the orgnr in organizationIdentifier (NTRNO-<orgnr>), 1 in serialNumber.")
    ] = 2,
    p12_password: Annotated[str, typer.Option(help="Password of the PKCS#12 keystore (.p12).")] = "helsebro",
) -> None:
    """Write a business certificate for ORGNR from the local test CA: <out>.pem (certificate), <out>.key
    (private key, PKCS#8 PEM) and <out>.p12 (both, for Java's KeyStore, alias "authentication certificate")."""
    if not orgnr_check.is_valid(orgnr):
        err.print(f"[red]--orgnr {orgnr!r} is not a valid organisasjonsnummer (9 digits, mod-11 check digit)[/red]")
        raise typer.Exit(2)
    prefix = out or Path(f"virksomhetssertifikat-{orgnr}")
    paths = {kind: prefix.with_name(prefix.name + suffix) for kind, suffix in (("cert", ".pem"), ("key", ".key"), ("p12", ".p12"))}
    taken = [str(p) for p in paths.values() if p.exists() or p.is_symlink()]
    if taken:
        err.print(f"[red]{', '.join(taken)} already exist(s): choose another --out[/red]")
        raise typer.Exit(2)
    ca = local_ca.load_or_create(_data_dir())
    key, certificate = ca.issue_business_certificate(orgnr, name or f"TESTVIRKSOMHET {orgnr}", seid=seid, days=days)
    p12 = pkcs12.serialize_key_and_certificates(
        P12_ALIAS, key, certificate, [ca.certificate], serialization.BestAvailableEncryption(p12_password.encode())
    )
    try:
        local_ca.write_private(paths["key"], local_ca.private_pem(key))
        local_ca.write_private(paths["p12"], p12)
        paths["cert"].write_bytes(local_ca.certificate_pem(certificate))
    except FileExistsError as exc:
        err.print(f"[red]{exc.filename} appeared meanwhile: choose another --out[/red]")
        raise typer.Exit(2) from exc
    err.print(f"Certificate {paths['cert']}, key {paths['key']}, keystore {paths['p12']} (password {p12_password!r})")
    err.print(f"  subject: {certificate.subject.rfc4514_string()}")
    err.print(f"  valid until {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; issuer: {certificate.issuer.rfc4514_string()}")


# -- certificates registered for a client -------------------------------------------------------------------


def _engine():  # noqa: ANN202
    from helsebro.cli.common import prepared_engine

    return prepared_engine()


ClientId = Annotated[str, typer.Argument(help="The client's client_id.")]


@certs_app.command("register")
def certs_register(
    client_id: ClientId,
    files: Annotated[list[Path], typer.Argument(help="PEM certificate file(s), e.g. virksomhetssertifikat-<orgnr>.pem.")],
) -> None:
    """Register business certificates for an existing Maskinporten client: grants may then carry them in
    x5c (also when they are not from helsebro's test CA) or name them by kid (the SHA-256 thumbprint)."""
    from helsebro.auth import certificate_registry as registry

    engine = _engine()
    for path in files:
        try:
            certificate = registry.register(engine, client_id, path.read_bytes())
        except OSError as exc:
            err.print(f"[red]{path}: cannot read it ({exc.strerror})[/red]")
            raise typer.Exit(2) from exc
        except (registry.UnknownClient, registry.AlreadyRegistered, ValueError) as exc:
            err.print(f"[red]{path}: {exc}[/red]")
            raise typer.Exit(2) from exc
        err.print(f"{path}: registered for {client_id}, kid {certificate.thumbprint} ({certificate.subject})")


@certs_app.command("list")
def certs_list(client_id: ClientId) -> None:
    """Show the certificates registered for a client (kid, organisation, validity, subject)."""
    from helsebro.auth import certificate_registry as registry

    try:
        found = registry.list_certificates(_engine(), client_id)
    except registry.UnknownClient as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    for certificate in found:  # one line each: the kid is what `certs remove` takes
        until = f"{certificate.certificate.not_valid_after_utc:%Y-%m-%d}"
        print(f"{certificate.thumbprint}  orgnr {certificate.orgnr or '-'}  valid until {until}  {certificate.subject}")


@certs_app.command("remove")
def certs_remove(client_id: ClientId, kid: Annotated[str, typer.Argument(help="The certificate's kid (see certs list).")]) -> None:
    """Remove a registered certificate from a client."""
    from helsebro.auth import certificate_registry as registry

    try:
        registry.remove(_engine(), client_id, kid)
    except (registry.UnknownClient, registry.UnknownCertificate) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    err.print(f"Removed certificate {kid} from {client_id}")
