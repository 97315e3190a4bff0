"""What families keep about a citizen, reached by registration, since the registries import no family (DESIGN.md).

Two families keep facts that the registries' test-data admin reads and changes:

- PVK keeps the Helsenorge consent (``ConsentKeeper``): read as an SQL condition, so a list stays one query;
  written as PVK's own API writes a change; a deleted citizen's current settings removed.
- DigitaltAktiv keeps the log of citizens whose status may have changed (``StatusLog``). PVK feeds it here too,
  so a consent change records the same people whichever way it comes in.

Each family registers itself when its ``family`` module is imported (``helsebro.families`` imports every one).
Everything runs in the caller's connection and transaction. Asking before a registration fails loudly: a write
that silently left out the consent or the change log would be a wrong answer much later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

_T = TypeVar("_T")


@dataclass(frozen=True)
class ConsentKeeper:
    # True where the citizen (a column or a bound parameter) has given the Helsenorge consent.
    given: Callable[[sa.ColumnElement[str]], sa.ColumnElement[bool]]
    # (conn, fnr, give, actor) -> whether anything changed; the caller has checked that the citizen exists.
    set: Callable[[sa.Connection, str, bool, str], bool]
    # (conn, fnr): remove the current settings of a citizen about to be deleted (their history stays).
    forget: Callable[[sa.Connection, str], None]


@dataclass(frozen=True)
class StatusLog:
    # These people's status may have changed (a link between them, or they themselves).
    record: Callable[[sa.Connection, Iterable[str]], None]
    # (conn, fnr, today): the citizen's own standing changed (consent, death, removal); the log decides who
    # else that reaches (everyone they act for).
    own_standing_changed: Callable[[sa.Connection, str, dt.date], None]


_registered: dict[type, object] = {}


def register(part: ConsentKeeper | StatusLog) -> None:
    _registered[type(part)] = part


def consent() -> ConsentKeeper:
    return _get(ConsentKeeper)


def status_log() -> StatusLog:
    return _get(StatusLog)


def _get(kind: type[_T]) -> _T:
    part = _registered.get(kind)
    if not isinstance(part, kind):
        raise RuntimeError(f"no family has registered a {kind.__name__} (import helsebro.families first)")
    return part
