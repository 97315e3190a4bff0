"""The periodic reset of the PTS test data (``HELSEBRO_PTS_RESET_SECONDS``, 0 = never), as NHN resets its
test environment to the default data now and then.

Time is cut into windows of that many seconds (counted from the Unix epoch); the data is reset once per
window, by whichever API process gets there first: the window last reset in is kept in the database and
taken under a row lock, so several processes on one database reset once, not once each.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.concurrency import run_in_threadpool

from helsebro import db
from helsebro._time import epoch, utcnow
from helsebro.logs import get_logger
from helsebro.pts import testdata
from helsebro.pts.tables import pts_reset_schedule

SCHEDULE = "pts-testdata"
log = get_logger(__name__)


class ResetSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HELSEBRO_PTS_", extra="ignore")

    reset_seconds: float = 0.0


def reset_seconds() -> float:
    """``HELSEBRO_PTS_RESET_SECONDS`` from the environment (0: never)."""
    return max(ResetSettings().reset_seconds, 0.0)


def reset_if_due(engine: sa.Engine, period_seconds: float, now: float) -> bool:
    """Reset the PTS data if no process has done so in the current window. True when this call reset it.

    The first call on a database only starts the clock: its data was loaded with the database."""
    if period_seconds <= 0:
        return False
    window = int(now // period_seconds)
    try:
        with db.write(engine) as conn:
            last = conn.execute(
                sa.select(pts_reset_schedule.c.last_window).where(pts_reset_schedule.c.name == SCHEDULE).with_for_update()
            ).scalar()
            if last is None:
                conn.execute(sa.insert(pts_reset_schedule).values(name=SCHEDULE, last_window=window))
                return False
            if last >= window:
                return False
            conn.execute(
                sa.update(pts_reset_schedule).where(pts_reset_schedule.c.name == SCHEDULE).values(last_window=window, changed_at=utcnow())
            )
            counts = testdata.load_defaults(conn)
    except sa.exc.IntegrityError:
        return False  # another process started the clock at the same moment
    log.info("pts test data reset", **counts)
    return True


async def run(engine: sa.Engine, period_seconds: float) -> None:
    """Reset at the start of every window, until cancelled. Start it as a task when the period is above 0."""
    if period_seconds <= 0:
        return
    while True:
        await asyncio.sleep(period_seconds - epoch() % period_seconds + 0.5)
        try:
            await run_in_threadpool(reset_if_due, engine, period_seconds, epoch())
        except Exception as exc:  # noqa: BLE001  (try again next window)
            log.warning("pts test data reset failed", error_type=type(exc).__name__)
