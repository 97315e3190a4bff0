"""The process's copy of the shared server clock: the follower's periodic read never undoes a move made
while that read was under way (it may have read the row before the move committed). CI saw a token that
should have expired after a move of 61 minutes still accepted: the copy had gone back to real time."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from helsebro import _time, db, migrate
from helsebro.steering import clock


@pytest.fixture()
def engine(tmp_path) -> Iterator[sa.Engine]:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'clock.sqlite'}")
    migrate.upgrade(engine)
    clock.read(engine)  # followed, on real time
    yield engine
    db.close(engine)  # no longer followed
    _time.apply(_time.REAL)


def test_a_read_under_way_during_a_move_does_not_undo_it(engine, monkeypatch):
    read_row, started, go_on = clock._row, threading.Event(), threading.Event()

    def row_then_wait(conn, **kwargs):
        found = read_row(conn, **kwargs)
        if threading.current_thread().name == "follower":  # the follower has read the row before the move
            started.set()
            go_on.wait(10)
        return found

    monkeypatch.setattr(clock, "_row", row_then_wait)
    follower = threading.Thread(target=clock._read_followed, name="follower")
    follower.start()
    assert started.wait(10)
    clock.advance(engine, dt.timedelta(days=1))
    go_on.set()
    follower.join(10)
    assert not follower.is_alive()
    assert _time.utcnow() - _time.real_utcnow() > dt.timedelta(hours=23)


def test_the_next_read_puts_a_copy_right_that_the_database_does_not_hold(engine):
    """A reset that rolled back after taking its copy: the stored clock is what the process follows."""
    _time.apply(_time.ClockState(dt.timedelta(days=5)))
    clock._read_followed()
    assert abs(_time.utcnow() - _time.real_utcnow()) < dt.timedelta(seconds=5)


def test_a_closed_engine_is_no_longer_followed(engine):
    db.close(engine)
    assert clock._followed is None
