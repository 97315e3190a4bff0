"""The movable server clock, shared in the database by every API process and worker on it.

The operator moves it forward by a duration or to an instant, freezes and releases it, or sends it back to
real time. It never goes backwards past the time it shows now: everything stored was stamped at or before
that, and a rule that saw a later time must not see an earlier one again (refused with ``ClockRefused``).
Resetting the test data sets it back to real time, as the data stamped on the moved clock is gone.

Each process keeps a copy (``helsebro._time``) and reads the row again every ``REFRESH_SECONDS`` in a thread
of its own, so reading the time costs no query; the process that moved the clock has the new time at once,
the others within that interval. After a move, what fell due in between runs at once: every family's
periodic jobs (tasks expiring three months after their deadline, the DigitaltAktiv feed forgetting changes
older than three months, PTS's scheduled reset). They are idempotent, so each expiry happens exactly once
however many processes run them; queued jobs (SvarUt delivery steps) fall due for the workers by the same
clock.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from pydantic import TypeAdapter, ValidationError

from helsebro import _time, db
from helsebro._time import ClockState, as_utc
from helsebro.logs import get_logger
from helsebro.steering.tables import server_clock

log = get_logger(__name__)

NAME = "main"
REFRESH_SECONDS = 1.0
# The furthest one move may go (a typo of a year 20260 must not strand the data centuries ahead).
MAX_STEP = dt.timedelta(days=366 * 20)
_DURATION = TypeAdapter(dt.timedelta)
_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")


class ClockRefused(Exception):
    def __init__(self, message: str, *, invalid: bool = False):
        super().__init__(message)
        self.message = message
        self.invalid = invalid  # True: the request itself is wrong (400); else the clock's state refuses it (409)


@dataclass(frozen=True)
class Reading:
    """The clock as the operator sees it."""

    now: dt.datetime
    real: dt.datetime
    state: ClockState
    version: int
    ran: dict[str, int] = field(default_factory=dict)  # after a move: what fell due, per periodic job


# -- reading and following -----------------------------------------------------------------------------------


def _row(conn: sa.Connection, *, lock: bool = False) -> tuple[ClockState, int]:
    query = sa.select(server_clock.c.offset_ms, server_clock.c.frozen_at, server_clock.c.version).where(server_clock.c.name == NAME)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        return _time.REAL, 0
    frozen = as_utc(row.frozen_at) if row.frozen_at is not None else None
    return ClockState(dt.timedelta(milliseconds=row.offset_ms), frozen), row.version


def read(engine: sa.Engine) -> Reading:
    """The stored clock (and make it this process's)."""
    with db.read(engine) as conn:
        state, version = _row(conn)
    _take(engine, state, version)
    real = _time.real_utcnow()
    return Reading(state.now(real), real, state, version)


_followed: sa.Engine | None = None
_version = -1
_follow_lock = threading.Lock()
_follower: threading.Thread | None = None


_taken = 0  # grows with every copy this process takes itself (a move, a read, a reset)


def _take(engine: sa.Engine, state: ClockState, version: int) -> None:
    global _followed, _version, _taken
    with _follow_lock:
        _followed, _version = engine, version
        _taken += 1
        _time.apply(state)


def follow(engine: sa.Engine, interval: float = REFRESH_SECONDS) -> None:
    """Make this process follow the clock stored in ``engine``'s database: read it now, then every
    ``interval`` seconds (one thread per process; the engine last given is the one followed)."""
    global _follower, _followed
    try:
        read(engine)
    except sa.exc.SQLAlchemyError as exc:  # not migrated yet, or down: real time until the next read
        log.warning("server clock not readable", error_type=type(exc).__name__)
        with _follow_lock:
            _followed = engine
    with _follow_lock:
        if _follower is None or not _follower.is_alive():
            _time.set_refresher(_refresh_now)
            _follower = threading.Thread(target=_follow_loop, args=(interval,), name="helsebro-clock", daemon=True)
            _follower.start()


_MIN_REFRESH_SECONDS = 0.2
_last_refresh = 0.0


def _refresh_now() -> None:
    """Read the followed clock at once, at most every 0.2 s (a flood of future-dated tokens costs no more)."""
    global _last_refresh
    if time.monotonic() - _last_refresh < _MIN_REFRESH_SECONDS:
        return
    _last_refresh = time.monotonic()
    _read_followed()


def _follow_loop(interval: float) -> None:
    while True:
        time.sleep(interval)
        _read_followed()


def _unfollow(engine: sa.Engine) -> None:
    global _followed
    with _follow_lock:
        if _followed is engine:
            _followed = None


db.on_close(_unfollow)


def _read_followed() -> None:
    global _version
    with _follow_lock:
        engine, taken = _followed, _taken
    if engine is None:
        return
    try:
        with db.read(engine) as conn:
            state, version = _row(conn)
    except Exception:  # noqa: BLE001  (database down or engine disposed: keep the copy, try again)
        return
    with _follow_lock:
        # Applied whenever nothing was taken meanwhile (so a copy set by a rolled-back reset is put right too),
        # never over a move made while this read was under way: that read may have seen the row before it.
        if engine is _followed and taken == _taken:
            _version = version
            _time.apply(state)


def parse_duration(text: str) -> dt.timedelta:
    """An ISO 8601 duration in weeks, days and smaller (a month or year has no fixed length), or seconds."""
    value = text.strip()
    if _SECONDS.fullmatch(value):
        return dt.timedelta(seconds=float(value))
    date_part = value.upper().split("T", 1)[0]
    if value.upper().startswith("P") and ("Y" in date_part or "M" in date_part):
        raise ClockRefused(
            f"varighet {text!r}: måneder og år har ingen fast lengde; skriv dager (tre måneder etter en frist: P92D)",
            invalid=True,
        )
    try:
        return _DURATION.validate_python(value)
    except ValidationError:
        raise ClockRefused(
            f"varighet {text!r} er ikke en varighet: skriv ISO 8601 (P15D, PT2H30M) eller sekunder (3600)", invalid=True
        ) from None


# -- moving ----------------------------------------------------------------------------------------------------


def advance(engine: sa.Engine, by: dt.timedelta) -> Reading:
    """Move the clock forward by ``by`` (frozen or running, it stays so)."""
    if by <= dt.timedelta(0):
        raise ClockRefused("Varigheten må være positiv: klokka går bare fram", invalid=True)
    if by > MAX_STEP:
        raise ClockRefused(f"Høyst {MAX_STEP.days} dager om gangen", invalid=True)
    return _move(engine, lambda state, now, real: _shifted(state, now + by, real))


def move_to(engine: sa.Engine, instant: dt.datetime) -> Reading:
    """Move the clock to ``instant`` (frozen or running, it stays so)."""
    target = _aware(instant)
    return _move(engine, lambda state, now, real: _shifted(state, target, real))


def freeze(engine: sa.Engine, at: dt.datetime | None = None) -> Reading:
    """Stop the clock at ``at`` (default: the time it shows now)."""
    target = _aware(at) if at is not None else None
    return _move(engine, lambda state, now, real: ClockState(dt.timedelta(0), target or now))


def release(engine: sa.Engine) -> Reading:
    """Let a frozen clock run again from the instant it shows."""
    return _move(engine, lambda state, now, real: ClockState(now - real) if state.frozen_at is not None else state)


def back_to_real_time(engine: sa.Engine) -> Reading:
    """Run on real time again: only when real time has caught up with the clock (else the data reset does it)."""
    return _move(engine, lambda state, now, real: _time.REAL)


def reset(conn: sa.Connection) -> None:
    """Back to real time inside the data reset's transaction (the data stamped on the moved clock is gone).
    Call ``after_reset`` once it is committed."""
    state, version = _row(conn, lock=True)
    if not state.is_real:
        _store(conn, _time.REAL, version)
    _time.apply(_time.REAL)  # the default data is stamped on real time


def after_reset(engine: sa.Engine) -> None:
    """Follow the stored clock again (real time, unless the reset was rolled back)."""
    read(engine)


def _shifted(state: ClockState, target: dt.datetime, real: dt.datetime) -> ClockState:
    if state.frozen_at is not None:
        return ClockState(dt.timedelta(0), target)
    return ClockState(target - real)


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ClockRefused("Tidspunktet må ha tidssone (f.eks. 2027-01-15T09:00:00Z)", invalid=True)
    return value.astimezone(dt.UTC)


def _move(engine: sa.Engine, change) -> Reading:  # noqa: ANN001  (ClockState, now, real -> ClockState)
    with db.write(engine) as conn:
        state, version = _row(conn, lock=True)
        real = _time.real_utcnow()
        now = state.now(real)
        new = change(state, now, real)
        new_now = new.now(real)
        # Milliseconds are what the row keeps: a move to "now" must not count as going back by a rounding.
        if new_now < now - dt.timedelta(milliseconds=1):
            raise ClockRefused(
                f"Klokka kan ikke gå bakover: den viser {_time.isoformat_z(now)}, og data kan være lagret fram til da "
                f"(ønsket {_time.isoformat_z(new_now)}). Tilbakestill testdataene (POST /operator/api/v1/tilbakestill eller helsebro reset) for å "
                "begynne på nytt i sann tid."
            )
        if new_now - now > MAX_STEP:
            raise ClockRefused(f"Høyst {MAX_STEP.days} dager om gangen", invalid=True)
        version = _store(conn, new, version)
    _take(engine, new, version)
    ran = run_due(engine)
    log.info("server clock moved", now=_time.isoformat_z(new_now), frozen=new.frozen_at is not None, **ran)
    real = _time.real_utcnow()
    return Reading(new.now(real), real, new, version, ran)


def _store(conn: sa.Connection, state: ClockState, version: int) -> int:
    values = {
        "offset_ms": round(state.offset.total_seconds() * 1000),
        "frozen_at": state.frozen_at,
        "version": version + 1,
        "changed_at": _time.real_utcnow(),
    }
    updated = conn.execute(sa.update(server_clock).where(server_clock.c.name == NAME).values(**values)).rowcount
    if not updated:
        conn.execute(sa.insert(server_clock).values(name=NAME, **values))
    return version + 1


def run_due(engine: sa.Engine) -> dict[str, int]:
    """Run every family's periodic jobs now, on the moved clock: what fell due in between happens at once."""
    from helsebro.families import (
        FAMILIES,  # the assembly's list (this module is below it)
    )

    ran: dict[str, int] = {}
    for family in FAMILIES:
        for name, job in family.periodic:
            try:
                ran[name] = int(job(engine))
            except Exception as exc:  # noqa: BLE001  (the housekeeping loop tries again on its round)
                log.warning("due job failed after a clock move", job=name, error_type=type(exc).__name__)
    return ran
