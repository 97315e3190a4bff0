"""One way to own a transaction: a unit of work (cosmicpython's pattern, over SQLAlchemy Core).

A family's service function takes a ``UnitOfWork`` and plain data, and opens the work itself::

    with uow.reading() as statuses:      # or uow.writing(): one atomic write (``db.write``)
        found = statuses.statuses(numbers, today)

What the block gets is the family's repository: its data access over one connection, built by the
``repository`` factory the unit was made with. The route only builds the unit (``SqlUnitOfWork(engine,
SqlX)``) and translates HTTP; a unit test gives the service a ``FakeUnitOfWork`` around an in-memory
repository, so the rules run without a database. A block that raises commits nothing, in both.

Core plumbing: it knows no family.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

import sqlalchemy as sa

from helsebro import db

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class UnitOfWork(Protocol[R_co]):
    def reading(self) -> contextlib.AbstractContextManager[R_co]: ...

    def writing(self) -> contextlib.AbstractContextManager[R_co]: ...


class SqlUnitOfWork(Generic[R]):
    """Reads in one transaction (``db.read``), writes as one atomic, durable write (``db.write``)."""

    def __init__(self, engine: sa.Engine, repository: Callable[[sa.Connection], R]) -> None:
        self._engine, self._repository = engine, repository

    @contextlib.contextmanager
    def reading(self) -> Iterator[R]:
        with db.read(self._engine) as conn:
            yield self._repository(conn)

    @contextlib.contextmanager
    def writing(self) -> Iterator[R]:
        with db.write(self._engine) as conn:
            yield self._repository(conn)


class FakeUnitOfWork(Generic[R]):
    """For unit tests: hands out one in-memory repository and counts the work done with it."""

    def __init__(self, repository: R) -> None:
        self.repository = repository
        self.opened = 0  # blocks entered
        self.committed = 0  # writing blocks that ended without error

    @contextlib.contextmanager
    def reading(self) -> Iterator[R]:
        self.opened += 1
        yield self.repository

    @contextlib.contextmanager
    def writing(self) -> Iterator[R]:
        self.opened += 1
        yield self.repository
        self.committed += 1
