"""Registering business certificates for an existing client: the one place the operator API and the CLI
change a client's certificates (the rules are helsebro.auth.certificates')."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro import db
from helsebro.auth import certificates
from helsebro.auth.certificates import BusinessCertificate, CertificateError
from helsebro.auth.clients import ApiClient, get_client, save_client


class UnknownClient(LookupError):
    pass


class UnknownCertificate(LookupError):
    pass


class AlreadyRegistered(ValueError):
    pass


def _client(conn: sa.Connection, client_id: str) -> ApiClient:
    client = get_client(conn, client_id)
    if client is None:
        raise UnknownClient(f"no client {client_id!r}")
    return client


def list_certificates(engine: sa.Engine, client_id: str) -> list[BusinessCertificate]:
    with db.read(engine) as conn:
        return certificates.registered(_client(conn, client_id))


def register(engine: sa.Engine, client_id: str, pem: str | bytes) -> BusinessCertificate:
    """Register one PEM certificate for the client; CertificateError says why one cannot be."""
    certificate = certificates.load_pem(pem)
    with db.write(engine) as conn:
        client = _client(conn, client_id)
        if certificate.der in {c.der for c in certificates.registered(client)}:
            raise AlreadyRegistered(f"client {client_id} has this certificate already (kid {certificate.thumbprint})")
        try:
            save_client(conn, certificates.with_certificates(client, [pem]))
        except CertificateError as exc:
            raise CertificateError(str(exc).removeprefix("certificate 1: ")) from None
    return certificate


def remove(engine: sa.Engine, client_id: str, kid: str) -> None:
    with db.write(engine) as conn:
        changed = certificates.without_certificate(_client(conn, client_id), kid)
        if changed is None:
            raise UnknownCertificate(f"client {client_id} has no certificate with kid {kid!r}")
        save_client(conn, changed)
