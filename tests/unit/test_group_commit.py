"""Group commit (helsebro.db_batch) on SQLite and PostgreSQL: concurrent writers share one commit, one
writer's refusal rolls back only its own part, a failed commit fails every writer of the batch and leaves
nothing, a batch cut in half by a crash leaves nothing, and a full queue refuses at once with WriterBusy."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.db_batch import Writer, WriterBusy

probe_metadata = sa.MetaData()
probe = sa.Table("group_commit_probe", probe_metadata, sa.Column("n", sa.Integer, primary_key=True))


@pytest.fixture()
def table(engine: sa.Engine) -> Iterator[sa.Table]:
    probe_metadata.drop_all(engine)
    probe_metadata.create_all(engine)
    yield probe
    probe_metadata.drop_all(engine)


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def stored(engine: sa.Engine) -> set[int]:
    with db.read(engine) as conn:
        return set(conn.execute(sa.select(probe.c.n)).scalars())


def run_batch(writer: Writer, count: int, block: Callable[[sa.Connection, int], None]) -> dict[int, object]:
    """``count`` writers; the first holds its turn until all others wait, so all of them form one batch."""
    outcomes: dict[int, object] = {}

    def one(n: int) -> None:
        try:
            with writer.transaction() as conn:
                if n == 0:
                    wait_for(lambda: writer._waiting == count - 1)
                block(conn, n)
            outcomes[n] = "ok"
        except Exception as exc:
            outcomes[n] = exc

    first = threading.Thread(target=one, args=(0,))
    first.start()
    wait_for(lambda: writer._batch is not None)
    others = [threading.Thread(target=one, args=(n,)) for n in range(1, count)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join()
    return outcomes


def insert(conn: sa.Connection, n: int) -> None:
    conn.execute(sa.insert(probe).values(n=n))


def test_concurrent_writers_share_one_commit(engine, table):
    writer = Writer(engine, max_waiting=100)
    outcomes = run_batch(writer, 20, insert)
    assert outcomes == {n: "ok" for n in range(20)}
    assert writer.commits == 1
    assert stored(engine) == set(range(20))


def test_a_refusal_rolls_back_only_its_own_part(engine, table):
    class Refused(Exception):
        pass

    def block(conn: sa.Connection, n: int) -> None:
        insert(conn, n)
        if n == 7:
            raise Refused
        if n == 9:
            insert(conn, 3)  # a constraint violation (3 is taken in the same batch): on PostgreSQL it aborts
            # the transaction unless the savepoint is rolled back

    writer = Writer(engine, max_waiting=100)
    outcomes = run_batch(writer, 12, block)
    assert isinstance(outcomes.pop(7), Refused)
    assert isinstance(outcomes.pop(9), sa.exc.IntegrityError)
    assert outcomes == {n: "ok" for n in range(12) if n not in (7, 9)}
    assert writer.commits == 1
    assert stored(engine) == set(range(12)) - {7, 9}


def test_a_failed_commit_fails_every_writer_and_leaves_nothing(engine, table, monkeypatch):
    writer = Writer(engine, max_waiting=100)

    def failing_commit(batch) -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(writer, "_commit", failing_commit)
    outcomes = run_batch(writer, 10, insert)
    assert all(isinstance(outcome, sa.exc.OperationalError) for outcome in outcomes.values()), outcomes
    assert stored(engine) == set()
    with db.write(engine) as conn:  # the database is usable afterwards
        insert(conn, 100)
    assert stored(engine) == {100}


def test_a_batch_cut_in_half_by_a_crash_leaves_nothing_of_it(database_url, engine, table):
    # A child process: one committed write, then a batch of 10 writers killed (os._exit) after 5 of them
    # ran their blocks, before the batch's commit. None of the 10 was answered, so none may be there.
    child = textwrap.dedent(
        f"""
        import os, threading, time
        import sqlalchemy as sa
        from helsebro import db
        from tests.unit.test_group_commit import probe, run_batch
        from helsebro.db_batch import Writer
        engine = db.create_engine({database_url!r})
        with db.write(engine) as conn:
            conn.execute(sa.insert(probe).values(n=1000))
        print("committed", flush=True)
        def block(conn, n):
            conn.execute(sa.insert(probe).values(n=n))
            if n == 5:
                os._exit(9)
        run_batch(Writer(engine, max_waiting=100), 10, block)
        """
    )
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120, env={**os.environ})
    assert result.returncode == 9, result.stderr
    assert "committed" in result.stdout
    assert stored(engine) == {1000}


def test_a_full_queue_refuses_at_once(engine, table):
    writer = Writer(engine, max_waiting=2)
    release = threading.Event()
    results: list[object] = []

    def holder() -> None:
        with writer.transaction() as conn:
            insert(conn, 1)
            release.wait(30)
        results.append("holder")

    def waiter(n: int) -> None:
        with writer.transaction() as conn:
            insert(conn, n)
        results.append(n)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    wait_for(lambda: writer._batch is not None)
    threads += [threading.Thread(target=waiter, args=(n,)) for n in (2, 3)]
    for thread in threads[1:]:
        thread.start()
    wait_for(lambda: writer._waiting == 2)
    with pytest.raises(WriterBusy):
        with writer.transaction() as conn:
            insert(conn, 4)
    release.set()
    for thread in threads:
        thread.join(30)
    assert sorted(map(str, results)) == ["2", "3", "holder"]
    assert stored(engine) == {1, 2, 3}


def test_a_write_inside_a_write_joins_it(engine, table):
    with db.write(engine) as outer:
        insert(outer, 1)
        with db.write(engine) as inner:
            insert(inner, 2)
        with pytest.raises(RuntimeError), db.write(engine) as inner:
            insert(inner, 3)
            raise RuntimeError
    assert stored(engine) == {1, 2}


def test_an_engine_that_wrote_is_freed_with_its_connections(tmp_path):
    """The writer db keeps per engine must not keep the engine alive: every app or script that made one would
    otherwise hold its pooled connections until the process ends (the test suite ran PostgreSQL out of them)."""
    import gc
    import weakref

    engine = db.create_engine(f"sqlite:///{tmp_path / 'freed.sqlite'}")
    with db.write(engine) as conn:
        conn.execute(sa.text("create table t (x integer)"))
    gone = weakref.ref(engine)
    del engine, conn
    gc.collect()
    assert gone() is None
