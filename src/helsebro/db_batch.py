"""Group commit: the durable writes of one process share a transaction and one commit (one fsync).

A writer takes its turn on the process's open write transaction (or opens one), runs its block inside a
savepoint of its own and hands the turn on to the next writer in line. The writer that finds nobody waiting
(or the batch full) commits for everyone; every writer of the batch returns only once that commit succeeded,
so no answer goes out before its write is on disk. A block that raises rolls back to its savepoint: its own
part is gone, the others' stay. If the commit itself fails, every writer of the batch gets that error and
nothing of the batch is written (one transaction: a crash mid-batch leaves all of it or none).

Blocks run one at a time per process, as before on SQLite (one writer at a time anyway); what was a commit
and an fsync per write becomes one per batch. That is the default on SQLite only. On PostgreSQL the server
groups concurrent commits itself (one WAL flush covers every commit waiting for it), a savepoint costs the
round trips a transaction of its own would, and a batch would hold every member's row locks until the last
member is done, so two processes' batches could deadlock each other; there ``Concurrent`` runs each write in
a transaction of its own, side by side, with the same bound on waiting writers.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator

from sqlalchemy.engine import Connection, Engine

WRITE_OPTION = "helsebro_write"  # execution option: SQLite begins such a transaction IMMEDIATE
MAX_BATCH = 128  # writers per commit: bounds how long the first of a batch waits for the last
_SAVEPOINT, _ROLLBACK_TO, _RELEASE = "SAVEPOINT hb_member", "ROLLBACK TO SAVEPOINT hb_member", "RELEASE SAVEPOINT hb_member"


def _live(ref: weakref.ref[Engine]) -> Engine:
    engine = ref()
    if engine is None:  # only reachable through a writer whose engine is gone: nobody can call it
        raise RuntimeError("the engine of this writer no longer exists")
    return engine


class WriterBusy(Exception):
    """Too many writers of this process already wait for their turn: try again shortly (503, Retry-After)."""

    retry_after_seconds = 1

    def __init__(self, waiting: int):
        super().__init__(f"{waiting} writes already wait for the database")
        self.waiting = waiting


class _Batch:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.transaction = conn.begin()
        self.members = 0
        self.broken: BaseException | None = None  # a savepoint that could not be closed spoils the batch
        self.error: BaseException | None = None  # the commit's failure, for every member
        self.done = threading.Event()


class Writer:
    """The turn-taking and batching for one engine (one per engine per process)."""

    def __init__(self, engine: Engine, max_waiting: int, max_batch: int = MAX_BATCH):
        # Weakly: db keeps the writers in a WeakKeyDictionary by engine, and a value that held its key
        # strongly would keep every engine (and its pooled connections) alive for good.
        self._engine = weakref.ref(engine)
        self.max_waiting = max_waiting
        self.max_batch = max_batch
        self._state = threading.Lock()  # guards _waiting and the hand-on decision
        self._turn = threading.Lock()  # held by the writer whose block runs on the batch's connection
        self._waiting = 0
        self._batch: _Batch | None = None
        self._holder = threading.local()
        self.commits = 0  # batches committed (for tests and benchmarks)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        held = getattr(self._holder, "batch", None)
        if held is not None:  # a write inside a write of the same thread: part of the outer one
            with held.conn.begin_nested():
                yield held.conn
            return
        batch = self._take_turn()
        own_error: BaseException | None = None
        self._holder.batch = batch
        try:
            # The member's savepoint, on the driver's connection: SQLAlchemy's begin_nested costs as much
            # Python as a query, twice per write.
            driver = batch.conn.connection.dbapi_connection
            assert driver is not None  # a checked-out connection always has its driver connection
            driver.execute(_SAVEPOINT)
            try:
                yield batch.conn
            except BaseException as exc:  # noqa: BLE001  (this request's own failure, cancellation included: re-raised below)
                own_error = exc
                driver.execute(_ROLLBACK_TO)
                driver.execute(_RELEASE)
            else:
                driver.execute(_RELEASE)
        except BaseException as exc:  # noqa: BLE001  (the savepoint itself failed: the transaction is unusable)
            batch.broken = batch.broken or exc
            own_error = own_error or exc
        finally:
            self._holder.batch = None
            batch.members += 1
            self._end_turn(batch)
        batch.done.wait()
        if own_error is not None:  # the member's own failure first: the batch's is often its consequence (a full disk)
            raise own_error
        if batch.error is not None:
            raise batch.error

    def _take_turn(self) -> _Batch:
        with self._state:
            if self._waiting >= self.max_waiting:
                raise WriterBusy(self._waiting)
            self._waiting += 1
        self._turn.acquire()
        with self._state:
            self._waiting -= 1
        try:
            if self._batch is None:
                self._batch = _Batch(_live(self._engine).connect().execution_options(**{WRITE_OPTION: True}))
            return self._batch
        except BaseException:
            self._turn.release()
            raise

    def _commit(self, batch: _Batch) -> None:
        batch.transaction.commit()
        self.commits += 1

    def _end_turn(self, batch: _Batch) -> None:
        with self._state:
            # Someone counted in _waiting is blocked on _turn (or about to be): they continue this batch.
            hand_on = self._waiting > 0 and batch.members < self.max_batch and batch.broken is None
            if not hand_on:
                self._batch = None
        if hand_on:
            self._turn.release()
            return
        try:
            if batch.broken is not None:
                raise batch.broken
            self._commit(batch)
        except BaseException as exc:  # noqa: BLE001  (every waiting request gets the batch's failure)
            batch.error = exc
            with contextlib.suppress(Exception):
                batch.transaction.rollback()
        finally:
            with contextlib.suppress(Exception):
                batch.conn.close()
            self._turn.release()
            batch.done.set()


class Concurrent:
    """Each write its own transaction on its own connection (PostgreSQL), at most ``max_waiting`` at once."""

    def __init__(self, engine: Engine, max_waiting: int):
        # Weakly: db keeps the writers in a WeakKeyDictionary by engine, and a value that held its key
        # strongly would keep every engine (and its pooled connections) alive for good.
        self._engine = weakref.ref(engine)
        self.max_waiting = max_waiting
        self._state = threading.Lock()
        self._active = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._state:
            if self._active >= self.max_waiting:
                raise WriterBusy(self._active)
            self._active += 1
        try:
            with _live(self._engine).connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
                yield conn
        finally:
            with self._state:
                self._active -= 1
