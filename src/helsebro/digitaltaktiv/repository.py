"""DigitaltAktiv's data access for its checks, over one connection (see ``helsebro.unit_of_work``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

import sqlalchemy as sa

from helsebro.digitaltaktiv import status
from helsebro.digitaltaktiv.status import Status


class Statuses(Protocol):
    def statuses(self, fnrs: Sequence[str], today: dt.date) -> dict[str, Status]: ...

    def status_of(self, fnr: str, today: dt.date) -> tuple[Status, bool]: ...


class SqlStatuses:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def statuses(self, fnrs: Sequence[str], today: dt.date) -> dict[str, Status]:
        return status.statuses(self._conn, fnrs, today)

    def status_of(self, fnr: str, today: dt.date) -> tuple[Status, bool]:
        return status.status_of(self._conn, fnr, today)
