"""The database away or unable to write: 503 in the family's format, with Retry-After, instead of a 500.

A lost or refused connection (PostgreSQL restarted, a session terminated, the network gone), a read-only
SQLite file or a full disk all surface as SQLAlchemy's ``OperationalError``. Answered here, by an exception
handler the framework does not re-raise, the connection to the client stays usable (an exception that reaches
uvicorn makes it close the connection, and a client on keep-alive then sees a reset instead of an answer).
The engine's pool pre-ping replaces dead connections, so the server recovers by itself once the database is
back. The transaction that failed was rolled back: nothing was written, and the client may send it again.
"""

from __future__ import annotations

import sqlite3

import psycopg
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response

from helsebro.errors import format_for
from helsebro.logs import get_logger

log = get_logger(__name__)

RETRY_AFTER_SECONDS = 1
UNAVAILABLE = "Databasen er ikke tilgjengelig akkurat nå; ingenting ble lagret. Prøv igjen om litt"
READ_ONLY = "Databasen kan ikke skrives til (filen er skrivebeskyttet); ingenting ble lagret"
DISK_FULL = "Databasen kan ikke skrives til (disken er full); ingenting ble lagret"


# SQLAlchemy's wrapper, and the drivers' own errors where a write goes to the driver connection directly
# (group commit's savepoints, helsebro.db_batch).
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (sa.exc.OperationalError, sqlite3.OperationalError, psycopg.OperationalError)


def _driver_error(exc: Exception) -> Exception:
    return getattr(exc, "orig", None) or exc


def message_for(exc: Exception) -> str:
    text = str(_driver_error(exc)).lower()
    if "readonly" in text or "read-only" in text:
        return READ_ONLY
    if "disk is full" in text or "no space left" in text or "disk full" in text:
        return DISK_FULL
    return UNAVAILABLE


async def handle_database_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable", path=request.url.path, error_type=type(_driver_error(exc)).__name__)
    return format_for(request).render(request.url.path, 503, "HB-000503", message_for(exc), {"Retry-After": str(RETRY_AFTER_SECONDS)})


def install(app) -> None:  # noqa: ANN001
    for error in UNAVAILABLE_ERRORS:
        app.add_exception_handler(error, handle_database_unavailable)
