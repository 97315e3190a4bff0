"""The one clock of the application (UTC): every time rule reads it.

The server clock is real time moved by an offset, or frozen at an instant. The operator moves it
(``helsebro.steering.clock``, which keeps it in the database so every process on it agrees); this module
only holds the process's copy, so reading the time costs no query.

Two frames of time meet at the token services. What helsebro stamps (tokens it issues, tasks, letters,
sessions) and what it checks against its own stamps (an access token's ``exp``) run on the server clock.
What a client stamps with its own clock (a client assertion's ``iat``/``exp``, a DPoP proof's ``iat``, the
one-time ``jti``s they carry) is checked against ``real_epoch()``: a vendor's unchanged code signs with the
real time, whatever the operator did to helsebro's clock.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_UTC = dt.UTC


@dataclass(frozen=True)
class ClockState:
    """Where the server clock stands: real time plus ``offset``, or ``frozen_at`` when frozen."""

    offset: dt.timedelta = dt.timedelta(0)
    frozen_at: dt.datetime | None = None

    def now(self, real: dt.datetime) -> dt.datetime:
        return self.frozen_at if self.frozen_at is not None else real + self.offset

    @property
    def is_real(self) -> bool:
        return self.frozen_at is None and not self.offset


REAL = ClockState()
_state = REAL
_lock = threading.Lock()


def real_utcnow() -> dt.datetime:
    """The real time: for what a client stamped with its own clock, and for intervals between two reads."""
    return dt.datetime.now(_UTC)


def real_epoch() -> float:
    return time.time()


def utcnow() -> dt.datetime:
    """The server clock."""
    return _state.now(dt.datetime.now(_UTC))


def epoch() -> float:
    """The server clock in seconds since the Unix epoch (for JWT ``iat``/``exp``)."""
    state = _state
    if state.frozen_at is not None:
        return state.frozen_at.timestamp()
    return time.time() + state.offset.total_seconds()


def today() -> dt.date:
    """The server clock's date (UTC)."""
    return utcnow().date()


def state() -> ClockState:
    return _state


def apply(new: ClockState) -> None:
    """Set this process's copy of the server clock (the database's copy is set by helsebro.steering.clock)."""
    global _state
    with _lock:
        _state = new


_refresher: Callable[[], None] | None = None


def set_refresher(refresh: Callable[[], None] | None) -> None:
    """How ``refresh`` reads the shared clock again (set by helsebro.steering.clock when a process follows it)."""
    global _refresher
    _refresher = refresh


def refresh() -> bool:
    """Read the shared clock now, outside the interval: for a token stamped after this process's copy of the
    clock (another process moved it a moment ago). False when there is nothing to read it from."""
    refresher = _refresher
    if refresher is None:
        return False
    refresher()
    return True


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)


def isoformat_z(value: dt.datetime) -> str:
    """ISO 8601 in UTC with a Z, as the Helsenorge APIs write it."""
    return as_utc(value).isoformat().replace("+00:00", "Z")


def parse_instant(text: str) -> dt.datetime | None:
    """An ISO 8601 instant with its time zone (as the operator API takes one), or None when the text is not one:
    a time without a zone is refused, since the server would have to guess whose clock it meant."""
    try:
        instant = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None
