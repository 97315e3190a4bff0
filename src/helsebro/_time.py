"""The one clock of the application (UTC), replaceable in tests."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def isoformat_z(value: dt.datetime) -> str:
    """ISO 8601 in UTC with a Z, as the Helsenorge APIs write it."""
    return as_utc(value).isoformat().replace("+00:00", "Z")
