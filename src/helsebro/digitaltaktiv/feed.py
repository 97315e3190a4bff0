"""The DigitaltAktivStatusEndringer feed: citizens whose status may have changed since an offset.

The promise (SPEC section 3): a client that always passes back the last offset it got never misses a
change, even when writes commit out of order on several nodes. Two steps keep it:

1. ``safe_offset``: a time such that every change not yet visible will be recorded at or after it. On
   PostgreSQL that is the start of the oldest helsebro transaction on this database and schema that is
   writing (a writer takes a transaction id before it reads the clock, see ``changes.record``; sessions are
   told apart by the application_name ``db.create_engine`` sets), or now. On SQLite, writers are serial: taking the
   write lock for a moment means no writer is half-way, so now is safe.
2. Only then read the changes at or after the client's offset. A change that commits after the read has a
   time at or after the new offset, so the next call returns it. A citizen may come twice; never not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import sqlalchemy as sa

from helsebro import db
from helsebro._time import as_utc, utcnow
from helsebro.digitaltaktiv import errors
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring

HORIZON = dt.timedelta(days=92)  # "Det returneres uansett ikke endringer eldre enn 3 måneder"
BATCH = 10_000

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_offset(raw: str | None) -> dt.datetime | None:
    """The client's offset; None (everything) when empty. ISO 8601, any precision; no zone means UTC."""
    if raw is None or not raw.strip():
        return None
    text = _FRACTION.sub(r"\1", raw.strip().replace(" ", "+"))  # a "+" arrives as a space when unescaped
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise errors.invalid_offset(raw) from exc
    return as_utc(parsed)


def format_offset(value: dt.datetime) -> str:
    """The seed's format, yyyy-mm-ddThh:mm:ss.fffffZ, rounded down so that it never skips a change."""
    value = as_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 10:05d}Z"


def safe_offset(engine: sa.Engine) -> dt.datetime:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            # A new transaction for a fresh view of pg_stat_activity, which is frozen per transaction.
            return conn.execute(
                sa.text(
                    "SELECT least(clock_timestamp(), min(xact_start)) FROM pg_stat_activity "
                    "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
                    "AND application_name = current_setting('application_name')"
                )
            ).scalar_one()
    with db.write(engine):
        return utcnow()


def changed_since(engine: sa.Engine, offset: dt.datetime | None, now: dt.datetime) -> Iterator[list[str]]:
    """Batches of numbers changed at or after ``offset`` (and within the horizon), streamed from the database."""
    since = max(offset, now - HORIZON) if offset else now - HORIZON
    query = sa.select(digitaltaktiv_endring.c.fnr).where(digitaltaktiv_endring.c.endret >= since)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=BATCH, stream_results=True).execute(query)
        for partition in result.partitions(BATCH):
            yield [row[0] for row in partition]


def purge(engine: sa.Engine, now: dt.datetime | None = None) -> int:
    """Delete changes older than the horizon: they are never returned anyway. Returns how many went."""
    cutoff = (now or utcnow()) - HORIZON
    with db.write(engine) as conn:
        return conn.execute(sa.delete(digitaltaktiv_endring).where(digitaltaktiv_endring.c.endret < cutoff)).rowcount
