"""Engine and transactions for the two supported databases.

SQLite (the embedded default) runs in WAL mode. Python's sqlite3 module starts transactions lazily and
deferred, so we take transaction control ourselves: reads begin ``DEFERRED``, writes ``IMMEDIATE`` so two
writers queue on the lock instead of failing half-way with ``database is locked``.
PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_WRITE = "helsebro_write"


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and pick the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    engine = sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        # Every helsebro process on the same database and schema names its sessions alike, however its URL
        # is spelt, so the DigitaltAktiv feed can tell its own running writers from other users' sessions.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('application_name', left('helsebro:' || current_database() || ':' || current_schema(), 63), false)"
            )
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
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


_sqlite_writers: dict[int, threading.RLock] = {}


@contextlib.contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One atomic write transaction: committed when the block ends, rolled back on any error.

    On SQLite the threads of one process queue on a lock of their own first: SQLite's busy handler makes a
    blocked writer sleep in growing steps, which under load costs far more than waiting in line.
    """
    queue = _sqlite_writers.setdefault(id(engine), threading.RLock()) if is_sqlite(engine) else contextlib.nullcontext()
    with queue, engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
        yield conn


@contextlib.contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn
