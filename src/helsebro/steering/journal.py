"""The request journal (ours): every call to a family's API, as WireMock's request journal keeps them, for the
operator API, the operator pages and the pytest plugin.

A call is recorded in memory (``Recorder.add``, no query on the request's path) and written with the others
of the same moment in one insert, by a thread of the process every ``flush_seconds``, through ``db.write``
(SQLite's group-commit writer, or one transaction per batch on PostgreSQL). A reader in the same process
writes what is pending first (``flush``), so a test sees its own calls at once; another process's calls
show within its flush interval. The same thread keeps the retention: at most ``max_entries`` rows and
none older than ``max_age_seconds`` (real time: moving the server clock does not purge it).

What is kept is masked by ``steering.masking``; headers never. Bodies only when ``HELSEBRO_JOURNAL_BODIES``
is on, each cut at ``HELSEBRO_JOURNAL_BODY_BYTES``.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic_settings import BaseSettings, SettingsConfigDict

from helsebro import _time, db
from helsebro._time import as_utc
from helsebro.auth.tables import api_clients
from helsebro.logs import get_logger
from helsebro.steering.tables import journal as journal_table

log = get_logger(__name__)

MAX_PENDING = 20_000  # calls held in memory when the database cannot keep up; beyond, the oldest are dropped
MAX_BATCH = 2_000
PRUNE_SECONDS = 10.0


class JournalSettings(BaseSettings):
    """``HELSEBRO_JOURNAL_...`` (README "Steering the test environment")."""

    model_config = SettingsConfigDict(env_prefix="HELSEBRO_JOURNAL_", extra="ignore")

    enabled: bool = True
    bodies: bool = False
    body_bytes: int = 4096
    max_entries: int = 100_000
    max_age_seconds: float = 7 * 86400.0
    flush_seconds: float = 0.2


@dataclass(frozen=True)
class Entry:
    """One recorded call, as the operator API shows it."""

    id: int
    at: dt.datetime
    family: str
    method: str
    path: str
    query: str | None
    client_id: str | None
    organisation: str | None
    status: int
    error_code: str | None
    duration_ms: float
    refusal_check: str | None
    refusal_reason: str | None
    verdict: list[dict[str, Any]] | None
    fault_id: str | None
    request_body: str | None
    response_body: str | None


def _entry(row: sa.Row) -> Entry:
    return Entry(
        id=row.id,
        at=as_utc(row.at),
        family=row.family,
        method=row.method,
        path=row.path,
        query=row.query,
        client_id=row.client_id,
        organisation=row.organisation,
        status=row.status,
        error_code=row.error_code,
        duration_ms=row.duration_ms,
        refusal_check=row.refusal_check,
        refusal_reason=row.refusal_reason,
        verdict=row.verdict,
        fault_id=row.fault_id,
        request_body=row.request_body,
        response_body=row.response_body,
    )


# -- recording -------------------------------------------------------------------------------------------------


class Recorder:
    """One process's pending calls for one database, and the thread that writes them."""

    def __init__(self, engine: sa.Engine, settings: JournalSettings):
        self._engine = weakref.ref(engine)
        self.settings = settings
        self._pending: deque[dict[str, Any]] = deque(maxlen=MAX_PENDING)
        self._lock = threading.Lock()  # guards _pending
        self._writing = threading.Lock()  # one flush at a time, so rows go in in the order of the calls
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._pruned_at = 0.0
        self.dropped = 0

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            if len(self._pending) == self._pending.maxlen:
                self.dropped += 1
            self._pending.append(row)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="helsebro-journal", daemon=True)
                self._thread.start()

    def discard(self) -> None:
        """Forget what is pending (the data reset emptied the journal)."""
        with self._lock:
            self._pending.clear()

    def flush(self) -> int:
        """Write what is pending now; returns how many rows."""
        engine = self._engine()
        if engine is None:
            return 0
        written = 0
        with self._writing:
            while True:
                with self._lock:
                    batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
                if not batch:
                    return written
                try:
                    _with_organisations(engine, batch)
                    with db.write(engine) as conn:
                        _insert(conn, batch)
                except Exception:
                    with self._lock:  # the database away: the calls wait for the next try (bounded by MAX_PENDING)
                        self._pending.extendleft(reversed(batch))
                    raise
                written += len(batch)

    def stop(self) -> None:
        """The engine is closed: the thread ends and what is still pending is dropped."""
        self._stopped = True
        self.discard()

    def _run(self) -> None:
        while self._engine() is not None and not self._stopped:
            time.sleep(self.settings.flush_seconds)
            if self._stopped:  # closed while asleep: not one more connection to it
                return
            try:
                self.flush()
                if time.monotonic() - self._pruned_at >= PRUNE_SECONDS:
                    self._pruned_at = time.monotonic()
                    engine = self._engine()
                    if engine is not None:
                        prune(engine, self.settings)
            except Exception as exc:  # noqa: BLE001  (database away: the rows stay pending, bounded; try again)
                log.warning("request journal not written", error_type=type(exc).__name__)
                time.sleep(1.0)


_COLUMNS = tuple(column.name for column in journal_table.c if column.name != "id")


def _insert(conn: sa.Connection, batch: list[dict[str, Any]]) -> None:
    """One batch in one statement: PostgreSQL's COPY (a fifth of the CPU of an executemany through SQLAlchemy,
    which on the catalog's hot path cost a noticeable share of the process), else a plain insert."""
    if conn.dialect.name != "postgresql":
        conn.execute(sa.insert(journal_table), batch)
        return
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # psycopg on PostgreSQL
    with cursor, cursor.copy(f"COPY {journal_table.name} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row(
                tuple(json.dumps(row[name]) if name == "verdict" and row.get(name) is not None else row.get(name) for name in _COLUMNS)
            )


def _with_organisations(engine: sa.Engine, batch: list[dict[str, Any]]) -> None:
    """The organisation of calls whose token did not name one (token requests): the client's, in one query."""
    unknown = {row["client_id"] for row in batch if row.get("client_id") and not row.get("organisation")}
    if not unknown:
        return
    with db.read(engine) as conn:
        found = dict(
            conn.execute(sa.select(api_clients.c.client_id, api_clients.c.orgnr).where(api_clients.c.client_id.in_(unknown))).all()
        )
    for row in batch:
        if not row.get("organisation") and row.get("client_id") in found:
            row["organisation"] = found[row["client_id"]]


_recorders: weakref.WeakKeyDictionary[sa.Engine, Recorder] = weakref.WeakKeyDictionary()
_recorders_lock = threading.Lock()


def recorder(engine: sa.Engine, settings: JournalSettings | None = None) -> Recorder:
    """This process's recorder for ``engine`` (made on first use)."""
    with _recorders_lock:
        found = _recorders.get(engine)
        if found is None:
            found = _recorders[engine] = Recorder(engine, settings or JournalSettings())
        return found


def _close(engine: sa.Engine) -> None:
    with _recorders_lock:
        found = _recorders.pop(engine, None)
    if found is not None:
        found.stop()


db.on_close(_close)


def flush(engine: sa.Engine) -> None:
    """Write this process's pending calls (before reading, so a caller sees its own calls)."""
    found = _recorders.get(engine)
    if found is not None:
        found.flush()


def prune(engine: sa.Engine, settings: JournalSettings) -> int:
    """Retention: rows older than ``max_age_seconds`` (real time) and beyond the newest ``max_entries``."""
    cutoff = _time.real_utcnow() - dt.timedelta(seconds=settings.max_age_seconds)
    with db.write(engine) as conn:
        removed = conn.execute(sa.delete(journal_table).where(journal_table.c.real_at < cutoff)).rowcount
        keep_from = conn.execute(
            sa.select(journal_table.c.id).order_by(journal_table.c.id.desc()).offset(settings.max_entries - 1).limit(1)
        ).scalar()
        if keep_from is not None:
            removed += conn.execute(sa.delete(journal_table).where(journal_table.c.id < keep_from)).rowcount
    return removed


def reset(conn: sa.Connection) -> None:
    """The journal emptied inside the data reset's transaction; ``after_reset`` forgets what is pending."""
    conn.execute(sa.delete(journal_table))


def after_reset(engine: sa.Engine) -> None:
    found = _recorders.get(engine)
    if found is not None:
        found.discard()


# -- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    client_id: str | None = None
    family: str | None = None
    status: int | None = None  # an exact status
    status_class: int | None = None  # 4 for 4xx
    since: dt.datetime | None = None  # server clock, inclusive
    until: dt.datetime | None = None  # server clock, exclusive
    error_code: str | None = None
    method: str | None = None
    path: str | None = None  # the path begins with this


def _where(found: Filter) -> list[sa.ColumnElement[bool]]:
    c = journal_table.c
    conditions: list[sa.ColumnElement[bool]] = []
    if found.client_id is not None:
        conditions.append(c.client_id == found.client_id)
    if found.family is not None:
        conditions.append(c.family == found.family)
    if found.status is not None:
        conditions.append(c.status == found.status)
    if found.status_class is not None:
        conditions.append(c.status.between(found.status_class * 100, found.status_class * 100 + 99))
    if found.since is not None:
        conditions.append(c.at >= found.since)
    if found.until is not None:
        conditions.append(c.at < found.until)
    if found.error_code is not None:
        conditions.append(c.error_code == found.error_code)
    if found.method is not None:
        conditions.append(c.method == found.method)
    if found.path is not None:
        escaped = found.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(c.path.like(escaped + "%", escape="\\"))
    return conditions


def query(engine: sa.Engine, found: Filter, limit: int = 100, offset: int = 0) -> tuple[list[Entry], bool]:
    """The calls that pass the filter, newest first, and whether there are more after this page."""
    flush(engine)
    with db.read(engine) as conn:
        rows = conn.execute(
            sa.select(journal_table)
            .where(*_where(found))
            .order_by(journal_table.c.real_at.desc(), journal_table.c.id.desc())
            .offset(offset)
            .limit(limit + 1)
        ).all()
    return [_entry(row) for row in rows[:limit]], len(rows) > limit


def get(engine: sa.Engine, entry_id: int) -> Entry | None:
    flush(engine)
    with db.read(engine) as conn:
        row = conn.execute(sa.select(journal_table).where(journal_table.c.id == entry_id)).first()
    return _entry(row) if row is not None else None
