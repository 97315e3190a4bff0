"""Single fields of a PVK request (a JSON object with lower-cased property names): text, booleans, the
fødselsnummer's shape, definition guids, typePi, times and the signed proof."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helsebro._time import as_utc
from helsebro.identifiers import has_fnr_shape
from helsebro.personvern import errors
from helsebro.personvern.tables import TYPE_RESERVASJON, TYPE_SAMTYKKE, TYPE_TILGANGSBEGRENSNING

TYPES = (TYPE_SAMTYKKE, TYPE_RESERVASJON, TYPE_TILGANGSBEGRENSNING)
FUTURE_TOLERANCE = dt.timedelta(seconds=60)  # client clocks drift: a tidspunkt this far ahead is accepted


def string(body: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name.lower())
    if value is None:
        if required:
            raise errors.field_missing(name)
        return None
    if not isinstance(value, str):
        raise errors.invalid_value(name, value, "en tekststreng")
    if required and not value.strip():
        raise errors.field_missing(name)
    return value


def required(body: Mapping[str, Any], name: str) -> str:
    value = string(body, name)
    assert value is not None
    return value


def boolean(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name.lower())
    if value is None:
        raise errors.field_missing(name)
    if not isinstance(value, bool):
        raise errors.invalid_value(name, value, "true eller false")
    return value


def parse_fnr(value: str) -> str:
    """The shape only: whether the number names a person is the registry's to say (``_require_citizen``)."""
    if not has_fnr_shape(value):
        raise errors.invalid_fnr("et fødselsnummer har 11 sifre")
    return value


# The forms .NET's Guid.Parse accepts (N, D, B, P), ASCII hex only.
_D = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID = re.compile(rf"[0-9a-fA-F]{{32}}|{_D}|\{{{_D}\}}|\({_D}\)")


def parse_definition_guid(value: str) -> str:
    """A guid in lower-case D form, as definitions are stored and as .NET writes guids. The seed types the
    field as a string, so one that is no guid names no definition: EPVK-101500, as for an unknown one."""
    if not _GUID.fullmatch(value.strip()):
        raise errors.unknown_definition(repr(value[:60]) + " (ikke en GUID)")
    return str(uuid.UUID(hex=re.sub(r"[^0-9a-fA-F]", "", value)))


def parse_type_pi(value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in TYPES:
        raise errors.unknown_type_pi(value)
    return lowered


def parse_time(name: str, value: str) -> dt.datetime:
    """ISO 8601; a time without an offset is UTC (SPEC section 0)."""
    try:
        return as_utc(dt.datetime.fromisoformat(value.strip()))
    except ValueError:
        raise errors.invalid_value(name, value, "et ISO 8601-tidspunkt, f.eks. 2023-12-07T08:05:39Z") from None


def parse_set_at(value: str | None, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    when = parse_time("tidspunkt", value)
    if when > now + FUTURE_TOLERANCE:
        raise errors.time_in_future(value)
    return when


# The signed proof kept with a change.
_MIME_TYPE = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/[A-Za-z0-9][\w!#$&^.+-]*(\s*;.*)?")
_BASE64_SPACE = re.compile(r"[\r\n\t ]")


@dataclass(frozen=True)
class Proof:
    mime_type: str
    content: str  # base64, as received


def parse_proof(body: Mapping[str, Any]) -> Proof | None:
    mime_type = string(body, "signertBevisMimeType", required=False)
    content = string(body, "signertBevisInnhold", required=False)
    if mime_type is None and content is None:
        return None
    if mime_type is None or content is None:
        raise errors.proof_incomplete()
    if len(mime_type) > 100 or not _MIME_TYPE.fullmatch(mime_type.strip()):
        raise errors.proof_invalid(f"signertBevisMimeType er ikke en MIME-type: {mime_type[:100]!r}")
    if not is_base64(content):
        raise errors.proof_invalid("signertBevisInnhold er ikke gyldig base64")
    return Proof(mime_type.strip(), content)


def is_base64(value: str) -> bool:
    """Standard base64 with padding; line breaks allowed (proofs are often wrapped); never empty."""
    compact = _BASE64_SPACE.sub("", value)
    if not compact or len(compact) % 4:  # b64decode alone lets surplus padding through
        return False
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
