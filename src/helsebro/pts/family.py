"""NHN PTS as the assembly sees it."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import sqlalchemy as sa

from helsebro import formats
from helsebro._time import epoch
from helsebro.family import Family
from helsebro.pts import operator_routes, routes, schedule, tables, testdata


def _scheduled_reset(engine: sa.Engine) -> Coroutine[Any, Any, None] | None:
    """PTS test data restored on a schedule, as NHN's test environment does (seed 002)."""
    period = schedule.reset_seconds()
    return schedule.run(engine, period) if period > 0 else None


def _reset_if_due(engine: sa.Engine) -> int:
    """Also run with the periodic jobs, so a moved clock that crossed a reset window resets at once."""
    return int(schedule.reset_if_due(engine, schedule.reset_seconds(), epoch()))


FAMILY = Family(
    name="pts",
    port_name="pts",
    title="NHN PTS",
    prefixes=("/pts",),
    own_port_strip="/pts",
    errors=formats.PROBLEM,
    routers=(routes.router,),
    operator_routers=(operator_routes.router,),
    # Emptied by the loader itself (the audit stays); listed for the metadata.
    kept_tables=(
        tables.pts_safety_attribute,
        tables.pts_safety_restriction,
        tables.pts_privacy_restriction,
        tables.pts_privacy_history,
        tables.pts_audit,
        tables.pts_reset_schedule,
    ),
    load_testdata=testdata.load_defaults,
    background=(_scheduled_reset,),
    periodic=(("pts_reset", _reset_if_due),),
)
