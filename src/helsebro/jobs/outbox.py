"""The outbox's operations: enqueue, claim due jobs under a lease, mark them done, retry with backoff, park.

Claiming is one short write transaction. On PostgreSQL the due rows are selected ``FOR UPDATE SKIP LOCKED``:
workers claiming at the same moment take different rows instead of queueing behind each other. On SQLite
the transaction is ``BEGIN IMMEDIATE`` (``db.write``), which already serialises writers; SQLAlchemy leaves
``FOR UPDATE`` out there. A claim is a lease (``claimed_by`` until ``claimed_until``): a worker that dies
holding jobs gives them back when the lease runs out. Every later write of a claimed job is conditional on
``claimed_by`` still naming the worker, so a worker whose lease was taken over cannot undo the new holder.

Times come from the application clock (``utcnow``), never the database's: SQLite has none worth the name,
and one clock keeps both dialects alike. Hosts sharing a PostgreSQL database need synchronised clocks (NTP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro._time import as_utc, utcnow
from helsebro.jobs.tables import outbox

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int  # including this claim


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    first_delay: dt.timedelta = dt.timedelta(seconds=1)
    max_delay: dt.timedelta = dt.timedelta(minutes=10)

    def delay(self, attempts: int) -> dt.timedelta:
        """Exponential backoff: first_delay after the first attempt, doubling, at most max_delay. No jitter:
        retries are few and spread by their own failure times, and a fixed delay is easy to reason about."""
        return min(self.max_delay, self.first_delay * (2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class ParkedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    parked_at: dt.datetime
    last_error: str | None


def enqueue(conn: sa.Connection, kind: str, payload: dict[str, Any], available_at: dt.datetime | None = None) -> None:
    """Add a job in the caller's transaction: it exists exactly when the change that caused it commits."""
    at = available_at or utcnow()
    conn.execute(sa.insert(outbox).values(kind=kind, payload=payload, created=utcnow(), available_at=at))


def _pending(kinds: Collection[str]) -> sa.ColumnElement[bool]:
    return outbox.c.done_at.is_(None) & outbox.c.parked_at.is_(None) & outbox.c.kind.in_(list(kinds))


def _lease_free(now: dt.datetime) -> sa.ColumnElement[bool]:
    return outbox.c.claimed_until.is_(None) | (outbox.c.claimed_until < now)


def claim(
    engine: sa.Engine,
    worker_id: str,
    kinds: Collection[str],
    lease: dt.timedelta,
    policy: RetryPolicy,
    limit: int = 1,
    now: dt.datetime | None = None,
) -> list[Job]:
    """Claim up to ``limit`` due jobs of these kinds, oldest first, for ``lease``."""
    now = now or utcnow()
    with db.write(engine) as conn:
        _park_exhausted(conn, kinds, policy, now)
        due = (
            sa.select(outbox.c.id)
            .where(_pending(kinds) & (outbox.c.available_at <= now) & _lease_free(now))
            .order_by(outbox.c.available_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = conn.execute(due).scalars().all()
        if not ids:
            return []
        rows = conn.execute(
            sa.update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(
                claimed_by=worker_id,
                claimed_until=now + lease,
                attempts=outbox.c.attempts + 1,
                # A lease that ran out means its worker died mid-job: say so where an operator looks.
                last_error=sa.case(
                    (outbox.c.claimed_until.is_not(None), sa.literal("lease expired, worker stopped: ") + outbox.c.claimed_by),
                    else_=outbox.c.last_error,
                ),
            )
            .returning(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts)
        ).all()
    return sorted((Job(r.id, r.kind, r.payload, r.attempts) for r in rows), key=lambda job: ids.index(job.id))


def _park_exhausted(conn: sa.Connection, kinds: Collection[str], policy: RetryPolicy, now: dt.datetime) -> None:
    """Park jobs whose last attempt died with its worker (the lease ran out): claiming them again could kill
    worker after worker. A job that failed with an error was parked by ``fail`` already."""
    conn.execute(
        sa.update(outbox)
        .where(_pending(kinds) & (outbox.c.claimed_until < now) & (outbox.c.attempts >= policy.max_attempts))
        .values(
            parked_at=now,
            claimed_by=None,
            claimed_until=None,
            last_error=sa.literal("lease expired on the last attempt, worker stopped: ") + outbox.c.claimed_by,
        )
    )


def complete(engine: sa.Engine, job: Job, worker_id: str, now: dt.datetime | None = None) -> bool:
    """Mark a job done. False if the lease was lost: the new holder re-runs the (idempotent) job and marks it."""
    now = now or utcnow()
    with db.write(engine) as conn:
        result = conn.execute(
            sa.update(outbox)
            .where((outbox.c.id == job.id) & (outbox.c.claimed_by == worker_id) & outbox.c.done_at.is_(None))
            .values(done_at=now, claimed_by=None, claimed_until=None)
        )
    return result.rowcount == 1


def fail(engine: sa.Engine, job: Job, worker_id: str, error: str, policy: RetryPolicy, now: dt.datetime | None = None) -> str:
    """Record a failed attempt: retry after the backoff delay, or park after the last attempt.
    Returns "retry", "parked", or "lost" (the lease had passed to another worker)."""
    now = now or utcnow()
    parked = job.attempts >= policy.max_attempts
    changes: dict[str, Any] = {"claimed_by": None, "claimed_until": None, "last_error": error[:MAX_ERROR_CHARS]}
    changes |= {"parked_at": now} if parked else {"available_at": now + policy.delay(job.attempts)}
    with db.write(engine) as conn:
        result = conn.execute(
            sa.update(outbox)
            .where((outbox.c.id == job.id) & (outbox.c.claimed_by == worker_id) & outbox.c.done_at.is_(None))
            .values(**changes)
        )
    if result.rowcount != 1:
        return "lost"
    return "parked" if parked else "retry"


def release(engine: sa.Engine, job: Job, worker_id: str) -> None:
    """Hand back a claimed job that was not started (the worker is stopping): due again, the claim uncounted."""
    with db.write(engine) as conn:
        conn.execute(
            sa.update(outbox)
            .where((outbox.c.id == job.id) & (outbox.c.claimed_by == worker_id) & outbox.c.done_at.is_(None))
            .values(claimed_by=None, claimed_until=None, attempts=outbox.c.attempts - 1)
        )


def next_wake(engine: sa.Engine, kinds: Collection[str]) -> dt.datetime | None:
    """When the next pending job of these kinds can be claimed (due, and any lease run out), or None if there
    is none: the worker's idle test and its sleep."""
    ready_at = sa.case(
        (outbox.c.claimed_until.is_not(None) & (outbox.c.claimed_until > outbox.c.available_at), outbox.c.claimed_until),
        else_=outbox.c.available_at,
    )
    with db.read(engine) as conn:
        value = conn.execute(sa.select(sa.func.min(ready_at)).where(_pending(kinds))).scalar()
    if value is None:
        return None
    return as_utc(value) if isinstance(value, dt.datetime) else as_utc(dt.datetime.fromisoformat(value))


def parked(engine: sa.Engine) -> list[ParkedJob]:
    """The parked jobs, oldest first: what needs an operator."""
    with db.read(engine) as conn:
        rows = conn.execute(sa.select(outbox).where(outbox.c.parked_at.is_not(None)).order_by(outbox.c.parked_at, outbox.c.id)).all()
    return [ParkedJob(r.id, r.kind, r.payload, r.attempts, as_utc(r.parked_at), r.last_error) for r in rows]


def retry(engine: sa.Engine, job_id: int, now: dt.datetime | None = None) -> bool:
    """Give a parked job a fresh set of attempts, due now. last_error stays until the next attempt tells more."""
    now = now or utcnow()
    with db.write(engine) as conn:
        result = conn.execute(
            sa.update(outbox)
            .where((outbox.c.id == job_id) & outbox.c.parked_at.is_not(None) & outbox.c.done_at.is_(None))
            .values(parked_at=None, attempts=0, available_at=now, claimed_by=None, claimed_until=None)
        )
    return result.rowcount == 1
