"""Rules every kind of registry entry shares: texts that fit their columns, looking a citizen up, and paging."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from helsebro._time import utcnow
from helsebro.identifiers import fnr_problem, has_fnr_shape
from helsebro.registries import service as registry
from helsebro.registries.admin.errors import InvalidFnr, InvalidInput, NotFound
from helsebro.registries.admin.models import Page, T

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def utc_today() -> dt.date:
    return utcnow().date()


def _max_length(column: sa.Column) -> int:
    return column.type.length  # type: ignore[attr-defined]


def text(value: str | None, label: str, column: sa.Column, *, required: bool) -> str | None:
    """A stripped text that fits its column; blank counts as absent."""
    text = value.strip() if isinstance(value, str) else None
    if not text:
        if required:
            raise InvalidInput(f"{label} må fylles ut")
        return None
    if len(text) > _max_length(column):
        raise InvalidInput(f"{label} kan ha høyst {_max_length(column)} tegn")
    return text


def check_lookup_shape(fnr: str, role: str = "innbyggeren") -> None:
    """A number used to look someone up must have the shape of one (SPEC section 0: else 400)."""
    if not has_fnr_shape(fnr):
        raise InvalidFnr(f"Ugyldig fødselsnummer for {role}: et fødselsnummer har 11 sifre")


def existing_citizen(conn: sa.Connection, fnr: str, role: str = "innbyggeren") -> registry.Citizen:
    check_lookup_shape(fnr, role)
    citizen = registry.get_citizen(conn, fnr)
    if citizen is None:
        # Say when the number itself is wrong: the likeliest reason for a typed number not to be found.
        problem = fnr_problem(fnr)
        raise NotFound(f"Fant ikke {role} i folkeregisteret" + (f" ({problem})" if problem else ""))
    return citizen


def check_window(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit må være mellom 1 og {MAX_PAGE_SIZE}")
    if offset < 0:
        raise InvalidInput("offset kan ikke være negativ")


# Norwegian alphabetical order: æ, ø, å come after z (as {, |, } do in ASCII).
_NORWEGIAN_TAIL = str.maketrans({"æ": "{", "ø": "|", "å": "}"})


def _sort_text(value: str) -> str:
    return value.casefold().translate(_NORWEGIAN_TAIL)


def page(
    items: list[T],
    navn: str | None,
    name_of: Callable[[T], str],
    order: Callable[[T], tuple[str, ...]],
    limit: int,
    offset: int,
) -> Page[T]:
    """Filter by name words and page, in Python: SQLite's lower() and collation know only ASCII, and these
    operator lists must answer the same on both databases (they are small and never on a hot path)."""
    words = [w.casefold() for w in (navn or "").split()]
    if words:
        items = [item for item in items if all(w in name_of(item).casefold() for w in words)]
    items.sort(key=lambda item: tuple(_sort_text(part) for part in order(item)))
    return Page(items[offset : offset + limit], len(items), limit, offset)
