"""Failed operator sign-ins, counted per client id and per address in the database, so every API process that
shares it refuses the same guesser: once a key has ``limit`` failures within the window, the next try is
refused (429, ``Retry-After``) until the oldest of them has aged out. A refused try is not checked at all, so
it tells nothing about the secret.

Real time (``helsebro._time.real_utcnow``), as the operator's session: freezing the server clock must not lock
the operator out for good, nor moving it let a guesser in sooner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro import _time, db
from helsebro.auth.tables import sign_in_failures
from helsebro.settings import Settings


@dataclass(frozen=True)
class TooManyFailures:
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = math.ceil(self.retry_after / 60)
        return f"For mange mislykkede innlogginger. Prøv igjen om {minutes} {'minutt' if minutes == 1 else 'minutter'}."


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"helsebro.sign-in\x00{kind}\x00{value}".encode()).hexdigest()


@dataclass(frozen=True)
class SignInLimits:
    engine: sa.Engine
    per_client: int
    per_address: int
    window_seconds: int

    @classmethod
    def of(cls, engine: sa.Engine, settings: Settings) -> SignInLimits:
        return cls(
            engine,
            settings.operator_sign_in_failures_per_client,
            settings.operator_sign_in_failures_per_address,
            settings.operator_sign_in_window_seconds,
        )

    def _keys(self, client_id: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(_key("client", client_id), self.per_client)]
        if address:
            keys.append((_key("address", address), self.per_address))
        return keys

    def refused(self, client_id: str, address: str | None) -> TooManyFailures | None:
        """Whether a sign-in as ``client_id`` from ``address`` must wait, and how long."""
        now = _time.real_utcnow()
        since = now - dt.timedelta(seconds=self.window_seconds)
        wait = 0.0
        with db.read(self.engine) as conn:
            for key, limit in self._keys(client_id, address):
                recent = (
                    sa.select(sign_in_failures.c.failed_at)
                    .where(sign_in_failures.c.key_hash == key, sign_in_failures.c.failed_at > since)
                    .order_by(sign_in_failures.c.failed_at.desc())
                )
                # The limit-th newest failure: once it has aged out, fewer than ``limit`` are left.
                oldest_that_counts = conn.execute(recent.offset(limit - 1).limit(1)).scalar()
                if oldest_that_counts is not None:
                    frees_at = _time.as_utc(oldest_that_counts) + dt.timedelta(seconds=self.window_seconds)
                    wait = max(wait, (frees_at - now).total_seconds())
        return TooManyFailures(max(1, math.ceil(wait))) if wait > 0 else None

    def failed(self, client_id: str, address: str | None) -> None:
        now = _time.real_utcnow()
        with db.write(self.engine) as conn:
            conn.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.failed_at <= now - dt.timedelta(seconds=self.window_seconds)))
            conn.execute(sa.insert(sign_in_failures), [{"key_hash": key, "failed_at": now} for key, _ in self._keys(client_id, address)])
