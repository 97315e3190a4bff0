"""A professional's HelseID login session: begun when they log in, its ``sid`` in every token of the login
(OpenID Connect ``sid``), ended by logout. An ended session's refresh tokens, userinfo and token exchange
are refused."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro._time import utcnow
from helsebro.auth.login_tables import login_sessions, refresh_families


def begin(conn: sa.Connection, client_id: str, hpr_number: str, auth_time: int) -> str:
    sid = secrets.token_hex(16)
    conn.execute(sa.insert(login_sessions).values(sid=sid, client_id=client_id, hpr_number=hpr_number, auth_time=auth_time))
    return sid


@dataclass(frozen=True)
class Session:
    sid: str
    client_id: str
    hpr_number: str
    auth_time: int


def active(conn: sa.Connection, sid: str) -> Session | None:
    """The session, if it has begun and not ended."""
    row = conn.execute(sa.select(login_sessions).where(login_sessions.c.sid == sid, login_sessions.c.ended_at.is_(None))).first()
    return None if row is None else Session(row.sid, row.client_id, row.hpr_number, row.auth_time)


def end(conn: sa.Connection, sid: str) -> bool:
    """End the session and revoke its refresh tokens; False if it was unknown or already over."""
    now = utcnow()
    ended = conn.execute(
        sa.update(login_sessions).where(login_sessions.c.sid == sid, login_sessions.c.ended_at.is_(None)).values(ended_at=now)
    ).rowcount
    conn.execute(
        sa.update(refresh_families)
        .where(refresh_families.c.sid == sid, refresh_families.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason="the professional logged out")
    )
    return bool(ended)
