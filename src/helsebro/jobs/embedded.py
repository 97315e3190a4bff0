"""The worker inside an API process (`serve`, setting ``embedded_worker``): the embedded default needs no
second process. It runs in a thread of its own; several API processes each run one and share the outbox."""

from __future__ import annotations

import asyncio

from helsebro import logs, services
from helsebro.jobs.factory import build_worker

log = logs.get_logger(__name__)


async def run_in_app(svc: services.Services, stop_event: asyncio.Event) -> None:
    """Deliver until ``stop_event`` is set; then let the job at hand finish and return."""
    worker = build_worker(svc.settings, svc.engine)
    thread = asyncio.ensure_future(asyncio.to_thread(worker.run))
    stopper = asyncio.ensure_future(stop_event.wait())
    try:
        await asyncio.wait({thread, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        worker.stop()
        stopper.cancel()
        try:
            await thread
        except Exception as exc:  # noqa: BLE001  (a dead worker must not take the server's shutdown with it)
            log.error("embedded worker stopped with an error", error_type=type(exc).__name__)
