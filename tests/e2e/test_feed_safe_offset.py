"""The safe-offset promise under real concurrency: several writer processes whose transactions commit out
of order (each records its change, then waits a random while before committing) and a reader that polls
the feed with the offsets it is given. Every changed citizen must be seen at least once.

Runs on PostgreSQL, where commits really can come out of order, and on SQLite, where writers are serial.
"""

from __future__ import annotations

import multiprocessing
import random
import time

import pytest

from helsebro import db, migrate
from helsebro.db import create_engine
from helsebro.digitaltaktiv import changes, feed
from tests.conftest import postgres_database

WRITERS = 4
WRITES_EACH = 40


def _writer(url: str, writer: int, seed: int) -> None:
    rng = random.Random(seed)
    engine = create_engine(url)
    for i in range(WRITES_EACH):
        with db.write(engine) as conn:
            changes.record(conn, [f"{writer:02d}{i:09d}"])
            time.sleep(rng.uniform(0, 0.04))  # commit late: another writer's later change may commit first
    engine.dispose()


def _poll_until(url: str, processes: list) -> set[str]:
    engine = create_engine(url)
    seen: set[str] = set()
    offset = None
    polls = 0
    while True:
        done = all(not p.is_alive() for p in processes)
        new_offset = feed.safe_offset(engine)
        for batch in feed.changed_since(engine, offset, feed.utcnow()):
            seen.update(batch)
        offset = new_offset
        polls += 1
        if done:  # one last poll after every writer finished
            break
        time.sleep(0.005)
    engine.dispose()
    assert polls > 10, "the reader should poll while the writers write"
    return seen


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'feed.sqlite'}"
        migrate.upgrade(create_engine(url))
        yield url
    else:
        for url in postgres_database(tmp_path_factory):
            migrate.upgrade(create_engine(url))
            yield url


def test_a_reader_following_the_offsets_sees_every_change(database):
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_writer, args=(database, w, 1000 + w)) for w in range(WRITERS)]
    for process in processes:
        process.start()
    try:
        seen = _poll_until(database, processes)
    finally:
        for process in processes:
            process.join(30)
    assert all(p.exitcode == 0 for p in processes)
    written = {f"{w:02d}{i:09d}" for w in range(WRITERS) for i in range(WRITES_EACH)}
    missed = written - seen
    assert not missed, f"{len(missed)} changes never returned: {sorted(missed)[:5]}"
