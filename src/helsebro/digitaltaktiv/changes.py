"""Recording that citizens' DigitaltAktiv status may have changed, in the caller's transaction.

Every write that can change someone's status (their Helsenorge consent, death, parental responsibility,
a power of attorney) calls ``record`` or ``own_standing_changed`` in the same transaction, so the feed can never
show a change that did not commit, nor miss one that did. Other families reach them through
``registries.hooks.status_log()`` (registered as ``STATUS_LOG`` by ``digitaltaktiv.family``), never by import.

The time recorded is what makes the feed's offsets safe (see ``feed.safe_offset``): on PostgreSQL the
transaction first takes a transaction id, so a reader can see that it is running, and only then reads the
clock; on SQLite writers are serial (BEGIN IMMEDIATE) and readers take the write lock too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from helsebro._time import utcnow
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring
from helsebro.registries import hooks
from helsebro.registries import service as registries


def record(conn: sa.Connection, fnrs: Iterable[str]) -> None:
    numbers = sorted(set(fnrs))  # sorted: concurrent writers lock rows in the same order, no deadlock
    if not numbers:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_current_xact_id()"))  # visible as a running writer from here on
        when = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
        statement: postgresql.Insert | sqlite.Insert = postgresql.insert(digitaltaktiv_endring)
    else:
        when = utcnow()
        statement = sqlite.insert(digitaltaktiv_endring)
    rows = [{"fnr": fnr, "endret": when} for fnr in numbers]
    conn.execute(statement.on_conflict_do_update(index_elements=["fnr"], set_={"endret": when}), rows)


def own_standing_changed(conn: sa.Connection, fnr: str, today: dt.date) -> None:
    """The citizen's own standing changed (their Helsenorge consent, being alive, being in the registry): their
    status may change, and so may that of everyone they act for today ("aktiv via andre", see ``status``): their
    children and those who gave them a power of attorney valid today. The one answer to "who is affected by a
    consent change", for PVK's API and the operator's consent switch alike."""
    record(conn, [fnr, *registries.children_of(conn, fnr), *registries.principals_of(conn, fnr, today)])


STATUS_LOG = hooks.StatusLog(record=record, own_standing_changed=own_standing_changed)
