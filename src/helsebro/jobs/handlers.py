"""Which function runs a job of each kind: the one place where the worker meets the families."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from helsebro.jobs.worker import Handler
from helsebro.settings import Settings


def default_handlers(settings: Settings, engine: sa.Engine) -> dict[str, Handler]:
    from helsebro.svarut import blobs, delivery, letters

    svarut = delivery.Delivery(engine, blobs.store_for(settings, engine), dt.timedelta(seconds=settings.svarut_step_seconds))
    return {letters.OUTBOX_KIND: svarut.handle}
