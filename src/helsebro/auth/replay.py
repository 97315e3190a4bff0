"""One-time identifiers (client assertion and DPoP proof ``jti``): the database remembers each until it
expires, so a replay is refused by every process that shares the database."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from helsebro import db
from helsebro._time import real_utcnow as utcnow  # jtis expire on the client's (real) clock
from helsebro.auth.tables import used_jtis


class ReplayCache:
    def __init__(self, engine: Engine):
        self.engine = engine
        # Built once: a statement made per call costs as much Python as the rest of the check (values()
        # coerces each value, and the cache key is worked out again every time).
        insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(used_jtis).values(
            kind=sa.bindparam("kind"), issuer=sa.bindparam("issuer"), jti=sa.bindparam("jti"), expires_at=sa.bindparam("expires_at")
        )
        # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT through SQLAlchemy.
        self._insert = insert.on_conflict_do_nothing().returning(used_jtis.c.jti)
        self._purged_at = utcnow()

    def first_use(self, kind: str, issuer: str, jti: str, expires_at: dt.datetime) -> bool:
        """True the first time (kind, issuer, jti) is seen; False for a replay."""
        with db.write(self.engine) as conn:
            inserted = conn.execute(self._insert, {"kind": kind, "issuer": issuer, "jti": jti, "expires_at": expires_at}).first()
            fresh = inserted is not None
            self._purge_now_and_then(conn)
        return fresh

    def seen(self, kind: str, issuer: str, jti: str) -> bool:
        """Whether (kind, issuer, jti) was used before, without using it (for the token inspector)."""
        query = sa.select(used_jtis.c.jti).where(used_jtis.c.kind == kind, used_jtis.c.issuer == issuer, used_jtis.c.jti == jti)
        with db.read(self.engine) as conn:
            return conn.execute(query).first() is not None

    def _purge_now_and_then(self, conn: sa.Connection) -> None:
        now = utcnow()
        if (now - self._purged_at).total_seconds() < 60:
            return
        self._purged_at = now
        conn.execute(sa.delete(used_jtis).where(used_jtis.c.expires_at < now))
