"""A worker configured from the settings, with the default handlers: what `helsebro worker` and the
embedded worker of `serve` run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import sqlalchemy as sa

from helsebro.jobs import outbox
from helsebro.jobs.worker import Handler, Worker
from helsebro.settings import Settings


def retry_policy(settings: Settings) -> outbox.RetryPolicy:
    return outbox.RetryPolicy(
        max_attempts=settings.worker_max_attempts,
        first_delay=dt.timedelta(seconds=settings.worker_retry_seconds),
        max_delay=dt.timedelta(seconds=settings.worker_retry_max_seconds),
    )


HandlerFactory = Callable[[Settings, sa.Engine], Mapping[str, Handler]]
_registered: list[HandlerFactory] = []


def register_handlers(factory: HandlerFactory) -> None:
    """The assembly registers where the job handlers come from (``helsebro.families.job_handlers``): the job
    runner itself knows no family."""
    _registered[:] = [factory]


def build_worker(settings: Settings, engine: sa.Engine, handlers: Mapping[str, Handler] | None = None) -> Worker:
    """A worker for ``handlers``; by default the registered ones (every family's)."""
    if handlers is None:
        if not _registered:
            raise RuntimeError("no job handlers registered: import helsebro.families first")
        handlers = _registered[0](settings, engine)
    return Worker(
        engine,
        handlers,
        lease=dt.timedelta(seconds=settings.worker_lease_seconds),
        policy=retry_policy(settings),
        poll_seconds=settings.worker_poll_seconds,
    )
