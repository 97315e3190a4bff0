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
from helsebro.svarut.tables import (
    svarut_forsendelse,
    svarut_integrasjon,
    svarut_konto,
    svarut_konto_integrasjon,
)


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


def save_integration(
    conn: sa.Connection, integrasjon_id: str, navn: str, passord: str | None, orgnr: str, *, passord_hash: str | None = None
) -> None:
    """Insert or replace an integration; the accounts that granted it access keep their grants. Give the
    password, or its stored hash (``helsebro export`` writes hashes: passwords are never kept)."""
    stored = conn.execute(
        sa.select(svarut_integrasjon.c.passord_hash).where(svarut_integrasjon.c.integrasjon_id == integrasjon_id)
    ).scalar()
    if passord is not None:
        # An unchanged password keeps its hash, so applying the same data twice changes nothing.
        passord_hash = stored if stored is not None and verify_secret(passord, stored) else hash_secret(passord)
    if passord_hash is None:
        raise ValueError("an integration needs a password or a password hash")
    values = {"navn": navn, "passord_hash": passord_hash, "orgnr": orgnr}
    if stored is None:
        conn.execute(sa.insert(svarut_integrasjon).values(integrasjon_id=integrasjon_id, **values))
    else:
        conn.execute(sa.update(svarut_integrasjon).where(svarut_integrasjon.c.integrasjon_id == integrasjon_id).values(**values))


def list_integrations(conn: sa.Connection) -> list[sa.Row]:
    return list(conn.execute(sa.select(svarut_integrasjon).order_by(svarut_integrasjon.c.integrasjon_id)))


def list_accounts(conn: sa.Connection) -> list[tuple[Account, list[str]]]:
    """Every account with the integrations it has granted access to, ordered by kontoId."""
    grants: dict[str, list[str]] = {}
    for row in conn.execute(sa.select(svarut_konto_integrasjon).order_by(svarut_konto_integrasjon.c.integrasjon_id)):
        grants.setdefault(str(row.konto_id), []).append(str(row.integrasjon_id))
    rows = conn.execute(sa.select(svarut_konto).order_by(svarut_konto.c.konto_id))
    return [(Account(str(r.konto_id), r.navn, r.orgnr, r.her_id), grants.get(str(r.konto_id), [])) for r in rows]


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


_INTEGRATION = sa.bindparam("integrasjon_id", type_=svarut_integrasjon.c.integrasjon_id.type)
_ACCOUNT = sa.bindparam("konto_id", type_=svarut_konto.c.konto_id.type)


def _integration(column: sa.Column) -> sa.ScalarSelect:
    return sa.select(column).where(svarut_integrasjon.c.integrasjon_id == _INTEGRATION).scalar_subquery()


def _account(column: sa.Column) -> sa.ScalarSelect:
    return sa.select(column).where(svarut_konto.c.konto_id == _ACCOUNT).scalar_subquery()


# Everything the rule needs in one round trip: the integration, the account and the account's grant.
_ACCESS = sa.select(
    _integration(svarut_integrasjon.c.passord_hash).label("passord_hash"),
    _integration(svarut_integrasjon.c.orgnr).label("integration_orgnr"),
    _account(svarut_konto.c.konto_id).label("konto_id"),
    _account(svarut_konto.c.navn).label("navn"),
    _account(svarut_konto.c.orgnr).label("orgnr"),
    _account(svarut_konto.c.her_id).label("her_id"),
    sa.exists()
    .where(svarut_konto_integrasjon.c.konto_id == _ACCOUNT, svarut_konto_integrasjon.c.integrasjon_id == _INTEGRATION)
    .label("granted"),
)


def authorize(engine: sa.Engine, konto_id: str, integrasjon_id: str | None, passord: str | None, consumer_orgnr: str | None) -> Access:
    with db.read(engine) as conn:
        return authorize_on(conn, konto_id, integrasjon_id, passord, consumer_orgnr)


def authorize_on(conn: sa.Connection, konto_id: str, integrasjon_id: str | None, passord: str | None, consumer_orgnr: str | None) -> Access:
    if consumer_orgnr is None:
        raise errors.token_not_maskinporten()
    if not integrasjon_id or passord is None:
        raise errors.integration_headers_missing()
    integration_key = _uuid(integrasjon_id)
    account_key = _uuid(konto_id)
    row = conn.execute(_ACCESS, {"integrasjon_id": integration_key, "konto_id": account_key}).one()
    # verify_secret runs for an unknown integration too (one scrypt either way): no timing tells which.
    if not verify_secret(passord, row.passord_hash) or row.passord_hash is None:
        raise errors.integration_invalid()
    if row.integration_orgnr != consumer_orgnr:
        raise errors.consumer_mismatch()
    if account_key is None:
        raise errors.invalid_path_id("kontoId", konto_id)
    if row.konto_id is None:
        raise errors.account_unknown(konto_id)
    if not row.granted:
        raise errors.account_not_granted(konto_id)
    return Access(Account(str(row.konto_id), row.navn, row.orgnr, row.her_id), integration_key)


def authenticate(engine: sa.Engine, integrasjon_id: str | None, passord: str | None, consumer_orgnr: str | None) -> str:
    """The integration's id, for a call that names no account (v2's forsendelsestyper, mottakersystem)."""
    with db.read(engine) as conn:
        return _authenticate(conn, integrasjon_id, passord, consumer_orgnr)


def authorize_letter(
    engine: sa.Engine, forsendelse_id: str, integrasjon_id: str | None, passord: str | None, consumer_orgnr: str | None
) -> tuple[Access, str]:
    """v2's calls on one letter (``/forsendelser/{forsendelseId}/...``): the integration must have access to the
    account the letter was sent from. A letter that does not exist and one of an account the integration has
    no access to get the same 404, so ids of other accounts' letters cannot be probed."""
    with db.read(engine) as conn:
        integration_key = _authenticate(conn, integrasjon_id, passord, consumer_orgnr)
        letter_key = _uuid(forsendelse_id)
        if letter_key is None:
            raise errors.invalid_path_id("forsendelseId", forsendelse_id)
        konto_id = conn.execute(sa.select(svarut_forsendelse.c.konto_id).where(svarut_forsendelse.c.id == letter_key)).scalar()
        if konto_id is None or not _granted(conn, str(konto_id), integration_key):
            raise errors.letter_unknown(forsendelse_id)
        account = get_account(conn, str(konto_id))
    assert account is not None  # the letter's account (a foreign key)
    return Access(account, integration_key), letter_key


def _authenticate(conn: sa.Connection, integrasjon_id: str | None, passord: str | None, consumer_orgnr: str | None) -> str:
    if consumer_orgnr is None:
        raise errors.token_not_maskinporten()
    if not integrasjon_id or passord is None:
        raise errors.integration_headers_missing()
    integration_key = _uuid(integrasjon_id)
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
    return integration_key  # type: ignore[return-value]


def _granted(conn: sa.Connection, konto_id: str, integration_key: str) -> bool:
    return (
        conn.execute(
            sa.select(svarut_konto_integrasjon.c.konto_id).where(
                (svarut_konto_integrasjon.c.konto_id == konto_id) & (svarut_konto_integrasjon.c.integrasjon_id == integration_key)
            )
        ).first()
        is not None
    )


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        return None
