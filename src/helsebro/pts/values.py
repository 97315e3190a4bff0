"""Reading and writing the values PTS bodies share: the JSON body, offId, object identifiers, times, enums.

Bodies arrive with property names lower-cased (``helsebro.casing.lower_keys``): ASP.NET binds names and
enum values case-insensitively, and SPEC section 0 asks the same of every family. Errors name the property
as the service spells it (``PatientSafetyObject.Person.OffId``); see ``helsebro.pts.errors``.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from helsebro._time import as_utc
from helsebro.casing import lower_keys
from helsebro.identifiers import has_fnr_shape
from helsebro.pts import errors
from helsebro.pts.errors import Problems

# The instant .NET writes for DateTime.MaxValue: PTS's "withheld forever".
FOREVER_TEXT = "9999-12-31T23:59:59.9999999Z"
# From here on a time means "no end" (DateTime.MaxValue and its neighbours): stored as such, never as the
# instant (see pts.tables).
FOREVER_FROM = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
MAX_TEXT = 200  # the longest object value (pts.tables)
MAX_OBJECT_TYPE = 50


@dataclass(frozen=True)
class ObjectId:
    """A confidential object's identifier: ``{"type": "Rekvisisjon", "value": "5ede44e1-..."}``."""

    type: str
    value: str

    def as_wire(self) -> dict[str, str]:
        return {"type": self.type, "value": self.value}


# Object types seen in the documentation, in their spelling; others are taken as sent.
REKVISISJON, SVARRAPPORT = "Rekvisisjon", "Svarrapport"
_KNOWN_OBJECT_TYPES = {t.lower(): t for t in (REKVISISJON, SVARRAPPORT)}


def read_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise errors.body_missing()
    try:
        value = orjson.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError as exc:
        raise errors.body_not_json("it is not UTF-8") from exc
    except orjson.JSONDecodeError as exc:
        raise errors.body_not_json(str(exc)) from exc
    if not isinstance(value, dict):
        raise errors.body_not_json("expected a JSON object")
    return lower_keys(value)


def member(body: Mapping[str, Any], name: str) -> Any:
    """A property by its lower-cased name (bodies are lower-cased on arrival)."""
    return body.get(name.lower())


def required_text(body: Mapping[str, Any], name: str, field: str, problems: Problems, *, limit: int = MAX_TEXT) -> str | None:
    value = member(body, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(field, required_message(field))
        return None
    if not isinstance(value, str):
        problems.add(field, f"{field} must be a string")
        return None
    if len(value.strip()) > limit:
        problems.add(field, f"{field} must be at most {limit} characters")
        return None
    return value.strip()


def required_message(field: str) -> str:
    # ASP.NET's [Required] message, with the property's last name.
    return f"The {field.rsplit('.', 1)[-1]} field is required."


def required_object(body: Mapping[str, Any], name: str, field: str, problems: Problems) -> Mapping[str, Any] | None:
    value = member(body, name)
    if value is None:
        problems.add(field, required_message(field))
        return None
    if not isinstance(value, Mapping):
        problems.add(field, f"{field} must be a JSON object")
        return None
    return value


def off_id(value: Any, field: str, problems: Problems) -> str | None:
    if value is None or value == "":
        problems.add(field, required_message(field))
        return None
    if not has_fnr_shape(value):
        problems.add(field, f"{field} must be 11 digits (a fødselsnummer or D-number)")
        return None
    return value


def object_id(body: Mapping[str, Any], name: str, field: str, problems: Problems, *, required: bool = True) -> ObjectId | None:
    value = member(body, name)
    if value is None and not required:
        return None
    holder = required_object(body, name, field, problems)
    if holder is None:
        return None
    kind = required_text(holder, "type", f"{field}.Type", problems, limit=MAX_OBJECT_TYPE)
    text = required_text(holder, "value", f"{field}.Value", problems)
    if kind is None or text is None:
        return None
    return ObjectId(_KNOWN_OBJECT_TYPES.get(kind.lower(), kind), _canonical_value(text))


def _canonical_value(value: str) -> str:
    """A GUID in the one spelling .NET writes (lower case, hyphens), so every spelling names one object."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def enum(value: Any, field: str, allowed: Iterable[str], problems: Problems, *, required: bool = True) -> str | None:
    """An enum value in the service's spelling, matched case-insensitively (ASP.NET's enum converter)."""
    options = tuple(allowed)
    if value is None:
        if required:
            problems.add(field, required_message(field))
        return None
    if isinstance(value, str):
        for option in options:
            if option.lower() == value.strip().lower():
                return option
    problems.add(field, f"{field} must be {_one_of(options)}")
    return None


def _one_of(options: tuple[str, ...]) -> str:
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]


def boolean(value: Any, field: str, problems: Problems) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        problems.add(field, f"{field} must be true or false")
        return False
    return value


def whole_number(value: Any, field: str, problems: Problems) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value != int(value):
        problems.add(field, f"{field} must be a whole number")
        return None
    return int(value)


@dataclass(frozen=True)
class Time:
    """A parsed time; ``forever`` for DateTime.MaxValue and the like (the instant is then not kept)."""

    at: dt.datetime | None
    forever: bool = False


def time(value: Any, field: str, problems: Problems) -> Time | None:
    """ISO 8601; without an offset taken as UTC (ours). None when absent or broken (then a problem is added)."""
    if value is None:
        return None
    parsed = _parse_time(value)
    if parsed is None:
        problems.add(field, f"{field} must be a date and time in ISO 8601 (2026-11-23T08:00:00Z)")
        return None
    if parsed >= FOREVER_FROM:
        return Time(None, forever=True)
    return Time(parsed)


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def off_id_in(body: Mapping[str, Any]) -> str | None:
    """The person a body is about, read leniently, for the audit of a call that breaks the rules."""
    for holder in (body, _path(body, "patientsafetyobject", "person")):
        value = holder.get("offid") if isinstance(holder, Mapping) else None
        if has_fnr_shape(value):
            return value
    return None


def _path(body: Mapping[str, Any], *names: str) -> Any:
    value: Any = body
    for name in names:
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


# -- writing -----------------------------------------------------------------------------------------------


def time_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")


def until_text(value: dt.datetime | None, forever: bool) -> str | None:
    return FOREVER_TEXT if forever else time_text(value)
