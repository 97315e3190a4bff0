"""Rotating the operator client's secret while the server runs (``helsebro operator-secret rotate``).

The new hash replaces the old one for every API process at once (each request reads the client from the
database; a session cookie names the secret it was opened with), and the client's page sessions end. The
rotation is remembered in the database, so that neither HELSEBRO_OPERATOR_SECRET (applied by every command
and at start) nor a reset of the test data brings the old secret back.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from helsebro import _time
from helsebro.auth.passwords import hash_secret
from helsebro.auth.tables import api_clients, operator_sessions, server_secrets

ROTATED = "operator_secret_rotated"  # its row in server_secrets: when the secret was last rotated


class NotRotatable(Exception):
    pass


def rotate(conn: sa.Connection, client_id: str, secret: str | None = None) -> str:
    """Give the client a new secret (a random one unless given) and end its sessions; returns the secret."""
    new = secret or secrets.token_urlsafe(24)
    updated = conn.execute(sa.update(api_clients).where(api_clients.c.client_id == client_id).values(secret_hash=hash_secret(new)))
    if updated.rowcount != 1:
        raise NotRotatable(f"no client {client_id!r}")
    conn.execute(sa.delete(operator_sessions).where(operator_sessions.c.client_id == client_id))
    conn.execute(sa.delete(server_secrets).where(server_secrets.c.name == ROTATED))
    conn.execute(sa.insert(server_secrets).values(name=ROTATED, value=_time.real_utcnow().isoformat()))
    return new


def rotated(conn: sa.Connection) -> bool:
    return conn.execute(sa.select(server_secrets.c.name).where(server_secrets.c.name == ROTATED)).first() is not None
