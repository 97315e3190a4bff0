"""The worker loop: claim a due job, run the handler for its kind, mark it done; each step its own transaction.

A worker can die between any two steps (SIGKILL, power loss). The outbox makes that safe:
- died before the handler committed: nothing happened; the lease runs out and the job runs again;
- died after the handler committed, before "done": the job runs again, so a handler must be idempotent
  (the SvarUt handlers make every change conditional on the status they expect, and write their next job in
  the same transaction as the change);
- died after "done": nothing left to do.
A handler that raises is retried with backoff and parked after the last attempt (``outbox.fail``). One that
loses its database connection gives the attempt back: an outage is not the job's fault, and a job must not be
parked because the database went away while it ran; the worker waits for the database as between jobs.

``stop()`` may be called from a signal handler or another thread: the job at hand is finished and marked,
then ``run`` returns.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from helsebro import logs
from helsebro._time import utcnow
from helsebro.jobs import outbox

log = logs.get_logger(__name__)

Handler = Callable[[dict[str, Any]], None]
MIN_SLEEP_SECONDS = 0.005


def _database_lost(exc: sa.exc.DBAPIError) -> bool:
    """The connection broke or could not be made (PostgreSQL gone, a session killed), not a bad statement."""
    return exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError)


def new_worker_id() -> str:
    """Names the lease holder in the outbox: host and process for an operator, a random part for uniqueness."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class RunStats:
    done: int = 0
    failed: int = 0
    parked: int = 0


@dataclass
class Worker:
    engine: sa.Engine
    handlers: Mapping[str, Handler]
    lease: dt.timedelta = dt.timedelta(seconds=60)
    policy: outbox.RetryPolicy = field(default_factory=outbox.RetryPolicy)
    poll_seconds: float = 1.0
    batch: int = 1
    worker_id: str = field(default_factory=new_worker_id)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _database_down: bool = field(default=False, init=False, repr=False)

    def stop(self) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self, *, until_idle: bool = False, max_seconds: float | None = None) -> RunStats:
        """Work until ``stop()``; with ``until_idle``, also until no job of a known kind is pending (not done,
        not parked), waiting for jobs that are due later; with ``max_seconds``, at most that long."""
        stats = RunStats()
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        while not self.stopping and (deadline is None or time.monotonic() < deadline):
            try:
                worked = self.run_once(stats)
                wake = None if worked else outbox.next_wake(self.engine, self.kinds)
            except sa.exc.DBAPIError as exc:  # unreachable or not migrated yet: wait and try again, never die of it
                self._database_trouble(exc)
                self._stopping.wait(self.poll_seconds)
                continue
            self._database_trouble(None)
            if worked:
                continue
            if wake is None and until_idle:
                break
            self._sleep_until(wake, deadline)
        return stats

    def _database_trouble(self, exc: Exception | None) -> None:
        """Log when the database goes away and when it is back, not on every retry."""
        if exc is not None and not self._database_down:
            log.warning(
                "worker cannot use the database, retrying", error_type=type(exc).__name__, error=str(getattr(exc, "orig", exc))[:200]
            )
        elif exc is None and self._database_down:
            log.info("worker can use the database again")
        self._database_down = exc is not None

    def run_once(self, stats: RunStats | None = None) -> int:
        """Claim one batch of due jobs and run them. Returns how many were claimed."""
        stats = stats or RunStats()
        jobs = outbox.claim(self.engine, self.worker_id, self.kinds, self.lease, self.policy, self.batch)
        for index, job in enumerate(jobs):
            if self.stopping and index > 0:
                for unstarted in jobs[index:]:  # hand them back at once rather than when the lease runs out
                    outbox.release(self.engine, unstarted, self.worker_id)
                break
            self._run_job(job, stats)
        return len(jobs)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.handlers)

    def _run_job(self, job: outbox.Job, stats: RunStats) -> None:
        try:
            self.handlers[job.kind](job.payload)
        except sa.exc.DBAPIError as exc:
            if not _database_lost(exc):
                self._record_failure(job, exc, stats)
                return
            try:
                outbox.release(self.engine, job, self.worker_id)  # its transaction rolled back: nothing happened
            except sa.exc.DBAPIError:
                pass  # still away: the lease runs out and the job comes back
            raise
        except Exception as exc:  # noqa: BLE001  (any failure of a handler is the job's, not the worker's)
            self._record_failure(job, exc, stats)
            return
        if outbox.complete(self.engine, job, self.worker_id):
            stats.done += 1

    def _record_failure(self, job: outbox.Job, exc: Exception, stats: RunStats) -> None:
        stats.failed += 1
        try:
            outcome = outbox.fail(self.engine, job, self.worker_id, f"{type(exc).__name__}: {exc}", self.policy)
        except sa.exc.DBAPIError as db_exc:  # the lease runs out and the job comes back
            log.warning("worker could not record a failed job", job_id=job.id, error_type=type(db_exc).__name__)
            return
        stats.parked += outcome == "parked"
        # Only the type: the message may hold a letter's data.
        log.warning("job failed", job_id=job.id, kind=job.kind, attempts=job.attempts, outcome=outcome, error_type=type(exc).__name__)

    def _sleep_until(self, wake: dt.datetime | None, deadline: float | None) -> None:
        seconds = self.poll_seconds
        if wake is not None:
            # A floor: a job due now that another worker is claiming this instant must not make us spin.
            seconds = min(seconds, max(MIN_SLEEP_SECONDS, (wake - utcnow()).total_seconds()))
        if deadline is not None:
            seconds = min(seconds, max(0.0, deadline - time.monotonic()))
        self._stopping.wait(seconds)
