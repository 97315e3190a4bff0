"""Fiks integrations and SvarUt accounts as data, and the rule that decides who may act for an account.

A call is allowed when its Maskinporten token names an organisation (``consumer``), the headers
``IntegrasjonId`` + ``IntegrasjonPassord`` name an integration owned by that organisation with the right
password, and the account (``kontoId``) has granted that integration access. Failures, in the order checked:
401 (no or wrong integration credentials, or an integration of another organisation), 400 (a kontoId that
is no UUID), 404 (no such account), 403 (the account has not granted the integration).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro import db
from helsebro.auth.passwords import hash_secret, verify_secret
from helsebro.svarut import errors
from helsebro.svarut.tables import svarut_integrasjon, svarut_konto, svarut_konto_integrasjon


@dataclass(frozen=True)
class Account:
    konto_id: str
    navn: str
    orgnr: str
    her_id: str | None


@dataclass(frozen=True)
class Access:
    account: Account
    integrasjon_id: str


# -- data ----------------------------------------------------------------------------------------------


def save_integration(conn: sa.Connection, integrasjon_id: str, navn: str, passord: str, orgnr: str) -> None:
    conn.execute(sa.delete(svarut_integrasjon).where(svarut_integrasjon.c.integrasjon_id == integrasjon_id))
    conn.execute(
        sa.insert(svarut_integrasjon).values(integrasjon_id=integrasjon_id, navn=navn, passord_hash=hash_secret(passord), orgnr=orgnr)
    )


def save_account(conn: sa.Connection, account: Account, integrations: Sequence[str] = ()) -> None:
    """Insert or replace an account and the integrations it grants access to."""
    values = {"navn": account.navn, "orgnr": account.orgnr, "her_id": account.her_id}
    updated = conn.execute(sa.update(svarut_konto).where(svarut_konto.c.konto_id == account.konto_id).values(**values)).rowcount
    if not updated:
        conn.execute(sa.insert(svarut_konto).values(konto_id=account.konto_id, **values))
    conn.execute(sa.delete(svarut_konto_integrasjon).where(svarut_konto_integrasjon.c.konto_id == account.konto_id))
    for integrasjon_id in integrations:
        conn.execute(sa.insert(svarut_konto_integrasjon).values(konto_id=account.konto_id, integrasjon_id=integrasjon_id))


def get_account(conn: sa.Connection, konto_id: str) -> Account | None:
    row = conn.execute(sa.select(svarut_konto).where(svarut_konto.c.konto_id == konto_id)).first()
    return Account(row.konto_id, row.navn, row.orgnr, row.her_id) if row else None


# -- the access rule -----------------------------------------------------------------------------------


def authorize(
    engine: sa.Engine, konto_id: str, integrasjon_id: str | None, passord: str | None, consumer_orgnr: str | None
) -> Access:
    if consumer_orgnr is None:
        raise errors.token_not_maskinporten()
    if not integrasjon_id or passord is None:
        raise errors.integration_headers_missing()
    integration_key = _uuid(integrasjon_id)
    with db.read(engine) as conn:
        integration = (
            conn.execute(sa.select(svarut_integrasjon).where(svarut_integrasjon.c.integrasjon_id == integration_key)).first()
            if integration_key
            else None
        )
        # verify_secret runs for an unknown integration too (one scrypt either way): no timing tells which.
        if not verify_secret(passord, integration.passord_hash if integration else None) or integration is None:
            raise errors.integration_invalid()
        if integration.orgnr != consumer_orgnr:
            raise errors.consumer_mismatch()
        account_key = _uuid(konto_id)
        if account_key is None:
            raise errors.invalid_path_id("kontoId", konto_id)
        account = get_account(conn, account_key)
        if account is None:
            raise errors.account_unknown(konto_id)
        granted = conn.execute(
            sa.select(svarut_konto_integrasjon.c.konto_id).where(
                (svarut_konto_integrasjon.c.konto_id == account_key) & (svarut_konto_integrasjon.c.integrasjon_id == integration_key)
            )
        ).first()
    if granted is None:
        raise errors.account_not_granted(konto_id)
    return Access(account, integration_key)


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        return None

