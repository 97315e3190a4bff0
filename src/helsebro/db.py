"""Engine and transactions for the two supported databases.

SQLite (the embedded default) runs in WAL mode. Python's sqlite3 module starts transactions lazily and
deferred, so we take transaction control ourselves: reads begin ``DEFERRED``, writes ``IMMEDIATE`` so two
writers queue on the lock instead of failing half-way with ``database is locked``.
PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from helsebro.db_batch import WRITE_OPTION as _WRITE
from helsebro.db_batch import Concurrent, Writer, WriterBusy

__all__ = ["WriterBusy", "close", "create_engine", "is_sqlite", "metadata", "normalize_url", "on_close", "read", "write"]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

DEFAULT_WRITE_QUEUE = 256
_writers: weakref.WeakKeyDictionary[Engine, Writer | Concurrent] = weakref.WeakKeyDictionary()
_closers: list[Callable[[Engine], None]] = []


def on_close(closer: Callable[[Engine], None]) -> None:
    """Register what a module must stop when an engine is closed (a background thread that writes to it)."""
    _closers.append(closer)


def close(engine: Engine) -> None:
    """Done with ``engine``: stop what works on it in the background, then close its connections. Only
    ``dispose()`` would leave such a thread reconnecting (the pool reopens on demand), each keeping a
    connection open: a test suite that makes many engines ran PostgreSQL out of connections that way."""
    for closer in _closers:
        closer(engine)
    engine.dispose()


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and pick the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_engine(url: str, write_queue: int = DEFAULT_WRITE_QUEUE, group_commit: bool | None = None) -> Engine:
    """``write_queue``: how many writers of this process may wait for their turn before ``write`` answers
    ``WriterBusy`` (a 503 with Retry-After) instead of queueing without bound. ``group_commit``: writes share
    transactions (``db_batch``); by default on SQLite only."""
    engine = _create_engine(url)
    _writers[engine] = _new_writer(engine, write_queue, group_commit)
    return engine


def _new_writer(engine: Engine, write_queue: int, group_commit: bool | None) -> Writer | Concurrent:
    if group_commit if group_commit is not None else is_sqlite(engine):
        return Writer(engine, max_waiting=write_queue)
    return Concurrent(engine, max_waiting=write_queue)


def _writer_of(engine: Engine) -> Writer | Concurrent:
    writer = _writers.get(engine)
    if writer is None:  # an engine made with sqlalchemy.create_engine directly (tests, scripts)
        writer = _writers.setdefault(engine, _new_writer(engine, DEFAULT_WRITE_QUEUE, None))
    return writer


def _create_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    # Connections each process keeps (and may open beyond that under load): HELSEBRO_DATABASE_POOL_SIZE and
    # HELSEBRO_DATABASE_MAX_OVERFLOW; PostgreSQL's max_connections bounds the sum over every process.
    pool_size = int(os.environ.get("HELSEBRO_DATABASE_POOL_SIZE", "10"))
    max_overflow = int(os.environ.get("HELSEBRO_DATABASE_MAX_OVERFLOW", "20"))
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)
    _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        # Every helsebro process on the same database and schema names its sessions alike, however its URL
        # is spelt, so the DigitaltAktiv feed can tell its own running writers from other users' sessions.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('application_name', left('helsebro:' || current_database() || ':' || current_schema(), 63), false)"
            )
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the response goes out (SPEC: every write durable before the answer).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get(_WRITE) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextlib.contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One atomic write: the block's statements take effect together when it ends, or not at all when it raises.

    When the block ends without error, its write is durable (committed, fsynced) before ``write`` returns; a
    block that raises has changed nothing. On SQLite the writes of one process are group-committed (see
    ``helsebro.db_batch``): threads take turns on one transaction, each block in a savepoint of its own, and the
    last of a run commits for all, so concurrent writers share one fsync; on PostgreSQL each write is a
    transaction of its own and the server groups the commits. Raises ``WriterBusy`` when too many wait.
    """
    with _writer_of(engine).transaction() as conn:
        yield conn


@contextlib.contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn
