"""Injected faults (ours): a family, one of its routes and/or one client answers with the family's own error,
a delay or a dropped connection, for the next N calls or for a time window on the server clock.

A fault answers before the route's handler runs (``steering.middleware``), so it never writes anything of
the family's; the only write is its own counter. ``remaining`` is taken down by one conditional UPDATE, so
several API processes on one database together answer exactly N calls. Each process keeps the active faults
in memory and reads them again every ``REFRESH_SECONDS`` (the process that changed them at once), so a call
with no fault costs no query. A delivery fault (kind ``levering``) makes a family's delivery channel fail:
SvarUt's worker asks ``delivery_fault`` inside the transaction that decides a letter's channel.

Rules only, no HTTP: the definition's family, route and client are checked against the assembly's catalogue
(``steering.catalogue``), so a fault that could never match is refused.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, replace

import sqlalchemy as sa

from helsebro import _time, db
from helsebro._time import as_utc
from helsebro.steering.tables import fault as fault_table

ERROR, DELAY, DROP, DELIVERY = "feil", "forsinkelse", "brudd", "levering"
KINDS = (ERROR, DELAY, DROP, DELIVERY)
REFRESH_SECONDS = 1.0
MAX_DELAY_MS = 60_000
MAX_COUNT = 1_000_000
MAX_FAULTS = 200  # stored at once: each call is matched against all of them
ERROR_STATUSES = (*range(500, 512), 429)


class FaultRefused(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status  # 400: the definition is wrong; 404: no such fault; 409: too many


@dataclass(frozen=True)
class Fault:
    id: str
    family: str
    kind: str
    method: str | None = None
    route: str | None = None  # a route template of the family, e.g. /verktoy/system/verktoy/v2
    client_id: str | None = None
    status: int | None = None  # ERROR: the status (default: the family's outage status)
    message: str | None = None  # ERROR: the message (default: the family's)
    delay_ms: int | None = None  # DELAY
    channel: str | None = None  # DELIVERY
    count: int | None = None  # the calls it was made for (None: until ends_at or removed)
    remaining: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    created_at: dt.datetime | None = None

    def active(self, now: dt.datetime) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.ends_at is None or now < self.ends_at

    def matches(self, family: str, method: str, route: str | None, client_id: str | None) -> bool:
        """A call of ``family`` to ``route`` (its template, None when no route matched) by ``client_id``."""
        if self.kind == DELIVERY or self.family != family:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.route is not None and self.route != route:
            return False
        return self.client_id is None or self.client_id == client_id


def _from_row(row: sa.Row) -> Fault:
    def aware(value: dt.datetime | None) -> dt.datetime | None:
        return as_utc(value) if value is not None else None

    return Fault(
        id=row.id,
        family=row.family,
        kind=row.kind,
        method=row.method,
        route=row.route,
        client_id=row.client_id,
        status=row.status,
        message=row.message,
        delay_ms=row.delay_ms,
        channel=row.channel,
        count=row._mapping["count"],  # Row.count is a tuple method
        remaining=row.remaining,
        starts_at=aware(row.starts_at),
        ends_at=aware(row.ends_at),
        created_at=aware(row.created_at),
    )


# -- changing them ---------------------------------------------------------------------------------------------


def create(engine: sa.Engine, definition: Fault) -> Fault:
    """Store a checked definition (``steering.catalogue.check`` first); its id and times are given here."""
    now = _time.utcnow()
    stored = replace(definition, id=str(uuid.uuid4()), remaining=definition.count, created_at=now)
    if stored.ends_at is not None and stored.ends_at <= (stored.starts_at or now):
        raise FaultRefused("til må ligge etter fra (og etter tjenerens klokke nå)")
    with db.write(engine) as conn:
        stored_now = conn.execute(sa.select(sa.func.count()).select_from(fault_table)).scalar_one()
        if stored_now >= MAX_FAULTS:
            raise FaultRefused(f"Høyst {MAX_FAULTS} feil om gangen: fjern noen først", 409)
        conn.execute(sa.insert(fault_table).values(**_columns(stored)))
    CACHE.invalidate()
    return stored


def _columns(item: Fault) -> dict[str, object]:
    return {name: getattr(item, name) for name in fault_table.c.keys()}


def list_all(engine: sa.Engine) -> list[Fault]:
    with db.read(engine) as conn:
        rows = conn.execute(sa.select(fault_table).order_by(fault_table.c.created_at, fault_table.c.id)).all()
    return [_from_row(row) for row in rows]


def get(engine: sa.Engine, fault_id: str) -> Fault:
    with db.read(engine) as conn:
        row = conn.execute(sa.select(fault_table).where(fault_table.c.id == fault_id)).first()
    if row is None:
        raise FaultRefused(f"Feilen {fault_id!r} finnes ikke", 404)
    return _from_row(row)


def remove(engine: sa.Engine, fault_id: str) -> None:
    with db.write(engine) as conn:
        removed = conn.execute(sa.delete(fault_table).where(fault_table.c.id == fault_id)).rowcount
    CACHE.invalidate()
    if not removed:
        raise FaultRefused(f"Feilen {fault_id!r} finnes ikke", 404)


def clear(engine: sa.Engine) -> int:
    with db.write(engine) as conn:
        removed = conn.execute(sa.delete(fault_table)).rowcount
    CACHE.invalidate()
    return removed


def reset(conn: sa.Connection) -> None:
    """Every fault gone, inside the data reset's transaction (they may name clients the reset removes)."""
    conn.execute(sa.delete(fault_table))
    CACHE.invalidate()


# -- applying them ---------------------------------------------------------------------------------------------


def _take(conn: sa.Connection, item: Fault) -> bool:
    """Count one call against a counted fault; False when other calls used it up first."""
    if item.remaining is None:
        return True
    taken = conn.execute(
        sa.update(fault_table)
        .where((fault_table.c.id == item.id) & (fault_table.c.remaining > 0))
        .values(remaining=fault_table.c.remaining - 1)
    ).rowcount
    return bool(taken)


def take(engine: sa.Engine, item: Fault) -> bool:
    """Whether this call gets ``item``'s answer (a counted fault is taken down by one, across processes)."""
    if item.remaining is None:
        return True
    with db.write(engine) as conn:
        taken = _take(conn, item)
    if not taken or item.remaining <= 1:
        CACHE.invalidate()  # used up here or elsewhere: stop matching it before the next refresh
    return taken


def delivery_fault(conn: sa.Connection, family: str, channel: str, now: dt.datetime) -> Fault | None:
    """The delivery fault that makes ``family``'s ``channel`` fail now, taken down by one inside the caller's
    transaction (so a delivery rolled back gives its count back)."""
    rows = conn.execute(
        sa.select(fault_table)
        .where((fault_table.c.family == family) & (fault_table.c.kind == DELIVERY) & (fault_table.c.channel == channel))
        .order_by(fault_table.c.created_at, fault_table.c.id)
    ).all()
    for row in rows:
        item = _from_row(row)
        if item.active(now) and _take(conn, item):
            return item
    return None


class Cache:
    """This process's copy of one database's stored faults, read again every ``refresh_seconds``."""

    def __init__(self, refresh_seconds: float = REFRESH_SECONDS):
        self.refresh_seconds = refresh_seconds
        self._faults: tuple[Fault, ...] = ()
        self._read_at = float("-inf")
        self._lock = threading.Lock()
        self._refreshing = False

    def stale(self) -> bool:
        return time.monotonic() - self._read_at >= self.refresh_seconds

    def claim_refresh(self) -> bool:
        """Whether this call should read the faults again: the first call to find them stale does (the others
        meanwhile go on with the copy they have, instead of all waiting for one read)."""
        if not self.stale() or self._refreshing:
            return False
        self._refreshing = True
        return True

    def invalidate(self) -> None:
        self._read_at = float("-inf")

    def load(self, engine: sa.Engine) -> tuple[Fault, ...]:
        """Read the stored faults (call from a thread: it queries)."""
        with self._lock:
            try:
                if self.stale():
                    read_at = time.monotonic()
                    try:
                        with db.read(engine) as conn:
                            rows = conn.execute(sa.select(fault_table).where(fault_table.c.kind != DELIVERY)).all()
                    except sa.exc.SQLAlchemyError:  # not migrated, or the database away: no faults until it answers
                        rows = []
                    self._faults = tuple(_from_row(row) for row in rows)
                    self._read_at = read_at
                return self._faults
            finally:
                self._refreshing = False

    def current(self) -> tuple[Fault, ...]:
        return self._faults


class _Caches:
    """One cache per engine (a process may serve several databases: tests do), invalidated together."""

    def __init__(self) -> None:
        self._by_engine: weakref.WeakKeyDictionary[sa.Engine, Cache] = weakref.WeakKeyDictionary()

    def of(self, engine: sa.Engine, refresh_seconds: float = REFRESH_SECONDS) -> Cache:
        cache = self._by_engine.get(engine)
        if cache is None:
            cache = self._by_engine.setdefault(engine, Cache(refresh_seconds))
        return cache

    def invalidate(self) -> None:
        for cache in list(self._by_engine.values()):
            cache.invalidate()


CACHE = _Caches()


def matching(faults: tuple[Fault, ...], family: str, method: str, route: str | None, client_id: str | None) -> Fault | None:
    """The first active fault (oldest first) for this call."""
    now = _time.utcnow()
    for item in sorted(faults, key=lambda f: (f.created_at or now, f.id)):
        if item.active(now) and item.matches(family, method, route, client_id):
            return item
    return None
