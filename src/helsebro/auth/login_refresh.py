"""Refresh tokens of the professional login, with rotation: each use gives a new refresh token and uses the
old one up. A used refresh token presented again means it was stolen or replayed, so every token of its
family is revoked (OAuth 2.0 Security BCP section 4.14.2). Opaque values; only their hashes are stored.
No HTTP in here."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro._time import as_utc, utcnow
from helsebro.auth.login_tables import login_sessions, refresh_families, refresh_tokens
from helsebro.errors import OAuthError

FAMILY_SECONDS = 8 * 3600  # a login's refresh tokens end with the working day, however often they rotate


@dataclass(frozen=True)
class Family:
    family_id: str
    client_id: str
    sid: str
    scope: str
    expires_at: dt.datetime


class RefreshReused(OAuthError):
    """A used refresh token again: its family is to be revoked (after the refusing transaction)."""

    def __init__(self, family_id: str):
        super().__init__("invalid_grant", "refresh token has already been used; every refresh token of its login is now revoked")
        self.family_id = family_id


def start(conn: sa.Connection, client_id: str, sid: str, scope: str) -> tuple[str, Family]:
    """A new family for a code exchange, and its first refresh token."""
    family = Family(secrets.token_hex(16), client_id, sid, scope, utcnow() + dt.timedelta(seconds=FAMILY_SECONDS))
    conn.execute(
        sa.insert(refresh_families).values(
            family_id=family.family_id, client_id=client_id, sid=sid, scope=scope, expires_at=family.expires_at
        )
    )
    return _new_token(conn, family), family


def rotate(conn: sa.Connection, client_id: str, token: str) -> tuple[str, Family]:
    """Use ``token`` up and give the next of its family. Refused: unknown, another client's, used (then
    ``RefreshReused``), revoked, expired, or its session ended."""
    now = utcnow()
    row = conn.execute(
        sa.select(
            refresh_tokens.c.token_hash,
            refresh_tokens.c.used_at,
            refresh_tokens.c.expires_at,
            *(refresh_families.c[name] for name in ("family_id", "client_id", "sid", "scope", "revoked_at", "revoked_reason")),
            login_sessions.c.ended_at,
        )
        .join(refresh_families, refresh_families.c.family_id == refresh_tokens.c.family_id)
        .join(login_sessions, login_sessions.c.sid == refresh_families.c.sid, isouter=True)
        .where(refresh_tokens.c.token_hash == _hash(token))
    ).first()
    if row is None:
        raise OAuthError("invalid_grant", "unknown refresh token (not issued by this HelseID)")
    if row.client_id != client_id:
        raise OAuthError("invalid_grant", f"refresh token was issued to another client than {client_id}")
    if row.revoked_at is not None:
        raise OAuthError("invalid_grant", f"refresh token is revoked: {row.revoked_reason}")
    if row.used_at is not None:
        raise RefreshReused(row.family_id)
    if row.ended_at is not None:
        raise OAuthError("invalid_grant", "the login session of this refresh token has ended (logged out)")
    if as_utc(row.expires_at) <= now:
        raise OAuthError("invalid_grant", "refresh token has expired; log the professional in again")
    used = conn.execute(
        sa.update(refresh_tokens)
        .where(refresh_tokens.c.token_hash == row.token_hash, refresh_tokens.c.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if not used:  # a concurrent request used it a moment ago: a reuse all the same
        raise RefreshReused(row.family_id)
    family = Family(row.family_id, row.client_id, row.sid, row.scope, as_utc(row.expires_at))
    return _new_token(conn, family), family


def revoke(conn: sa.Connection, family_id: str, reason: str) -> None:
    conn.execute(
        sa.update(refresh_families)
        .where(refresh_families.c.family_id == family_id, refresh_families.c.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def _new_token(conn: sa.Connection, family: Family) -> str:
    token = secrets.token_urlsafe(32)
    conn.execute(sa.insert(refresh_tokens).values(token_hash=_hash(token), family_id=family.family_id, expires_at=family.expires_at))
    return token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
