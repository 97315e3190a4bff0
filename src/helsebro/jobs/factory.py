"""A worker configured from the settings, with the default handlers: what `helsebro worker` and the
embedded worker of `serve` run."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from helsebro.jobs import outbox
from helsebro.jobs.handlers import default_handlers
from helsebro.jobs.worker import Worker
from helsebro.settings import Settings


def retry_policy(settings: Settings) -> outbox.RetryPolicy:
    return outbox.RetryPolicy(
        max_attempts=settings.worker_max_attempts,
        first_delay=dt.timedelta(seconds=settings.worker_retry_seconds),
        max_delay=dt.timedelta(seconds=settings.worker_retry_max_seconds),
    )


def build_worker(settings: Settings, engine: sa.Engine) -> Worker:
    return Worker(
        engine,
        default_handlers(settings, engine),
        lease=dt.timedelta(seconds=settings.worker_lease_seconds),
        policy=retry_policy(settings),
        poll_seconds=settings.worker_poll_seconds,
    )
