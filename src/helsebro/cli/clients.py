"""``helsebro clients add``: register an API client from the command line."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, import_key
from stdnum.no import orgnr as orgnr_check

from helsebro import db
from helsebro.auth import certificates, organisations
from helsebro.auth.clients import ApiClient, save_client
from helsebro.auth.passwords import hash_secret
from helsebro.auth.scopes import is_known_scope


class ClientCommandError(Exception):
    pass


@dataclass(frozen=True)
class LoginRegistration:
    """A client's settings for the professional login (HelseID user flows)."""

    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()
    require_par: bool = False


@dataclass(frozen=True)
class Organisations:
    """Which organisations a HelseID client may name in its token requests (helsebro.auth.organisations)."""

    multi_tenant: bool = False
    child_organisations: tuple[str, ...] = ()


def add(
    engine: sa.Engine,
    client_id: str,
    name: str,
    orgnr: str,
    scopes: list[str],
    jwk_file: Path | None,
    generate_key: Path | None,
    secret: str | None,
    pvk_parts: list[str],
    certificate_files: list[Path] = (),
    *,
    login: LoginRegistration = LoginRegistration(),
    orgs: Organisations = Organisations(),
) -> str:
    if not orgnr_check.is_valid(orgnr):
        raise ClientCommandError(f"{orgnr!r} is not a valid organisasjonsnummer (9 digits, mod-11 check digit)")
    unknown = [s for s in scopes if not is_known_scope(s)]
    if unknown:
        raise ClientCommandError(f"unknown scope(s): {' '.join(unknown)}")
    problem = organisations.registration_problem(orgnr, orgs.multi_tenant, orgs.child_organisations)
    if problem:
        raise ClientCommandError(problem.replace("child_organisations", "--child-organisation"))
    public_keys: list[dict] = []
    if jwk_file:
        public_keys.extend(_public_keys(jwk_file))
    message = f"Client {client_id} saved."
    if generate_key:
        key = ECKey.generate_key("P-256", parameters={"kid": f"{client_id}-1"}, private=True)
        # Owner-only before the private key is in it (write-then-chmod left it readable for a moment).
        fd = os.open(generate_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(json.dumps(key.as_dict(private=True), indent=1))
        public_keys.append(key.as_dict(private=False))
        message += f" Private key (ES256) written to {generate_key}."
    if not public_keys and not secret and not certificate_files:
        raise ClientCommandError("give the client a key (--jwk or --generate-key), a certificate (--certificate) or a secret (--secret)")
    client = ApiClient(
        client_id=client_id,
        name=name,
        orgnr=orgnr,
        scopes=tuple(scopes),
        jwks={"keys": public_keys},
        secret_hash=hash_secret(secret) if secret else None,
        pvk_parts=tuple(pvk_parts),
        redirect_uris=login.redirect_uris,
        post_logout_redirect_uris=login.post_logout_redirect_uris,
        require_par=login.require_par,
        multi_tenant=orgs.multi_tenant,
        child_organisations=orgs.child_organisations,
    )
    client = with_certificate_files(client, certificate_files)
    with db.write(engine) as conn:
        save_client(conn, client)
    return message


def with_certificate_files(client: ApiClient, paths: list[Path]) -> ApiClient:
    """The client with the PEM certificates in these files registered (Maskinporten's business certificates)."""
    for path in paths:
        try:
            client = certificates.with_certificates(client, [path.read_bytes()])
        except OSError as exc:
            raise ClientCommandError(f"--certificate {path}: cannot read it ({exc.strerror})") from exc
        except certificates.CertificateError as exc:
            raise ClientCommandError(f"--certificate {path}: {str(exc).removeprefix('certificate 1: ')}") from exc
    return client


def _public_keys(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text())
        keys = KeySet.import_key_set(data).keys if "keys" in data else [import_key(data)]
    except (OSError, ValueError, JoseError) as exc:
        raise ClientCommandError(f"cannot read a JWK or JWKS from {path}: {exc}") from exc
    return [{**k.as_dict(private=False), **({"kid": k.kid} if k.kid else {})} for k in keys]
