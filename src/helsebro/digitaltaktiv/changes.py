"""Recording that citizens' DigitaltAktiv status may have changed, in the caller's transaction.

Every write that can change someone's status (their Helsenorge consent, death, parental responsibility,
a power of attorney) calls ``record`` in the same transaction, so the feed can never show a change that
did not commit, nor miss one that did.

The time recorded is what makes the feed's offsets safe (see ``feed.safe_offset``): on PostgreSQL the
transaction first takes a transaction id, so a reader can see that it is running, and only then reads the
clock; on SQLite writers are serial (BEGIN IMMEDIATE) and readers take the write lock too.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from helsebro._time import utcnow
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring


def record(conn: sa.Connection, fnrs: Iterable[str]) -> None:
    numbers = sorted(set(fnrs))  # sorted: concurrent writers lock rows in the same order, no deadlock
    if not numbers:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_current_xact_id()"))  # visible as a running writer from here on
        when = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
        statement = postgresql.insert(digitaltaktiv_endring)
    else:
        when = utcnow()
        statement = sqlite.insert(digitaltaktiv_endring)
    rows = [{"fnr": fnr, "endret": when} for fnr in numbers]
    conn.execute(statement.on_conflict_do_update(index_elements=["fnr"], set_={"endret": when}), rows)
