"""PVK request bodies: strict JSON, or the seed's two copy-paste artefacts repaired (seed 003).

The seed's own examples carry typographic quotes around values (“samtykke”) and a trailing comma before
``}``. A body that is not JSON is repaired for exactly these two, outside JSON strings, and parsed again;
the caller is told what was repaired (``ParsedBody.repairs``). Anything else that is not JSON is refused.
Property names leave ``parse_body`` lower-cased: ASP.NET binds them case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from helsebro.casing import lower_keys
from helsebro.personvern import errors

REPAIRED_QUOTES = "typographic quotes replaced by ASCII quotes"
REPAIRED_TRAILING_COMMA = "trailing comma removed"

_TYPOGRAPHIC_QUOTES = "\u201c\u201d"  # “ and ”; editors use either at either end
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_TYPOGRAPHIC_STRING = re.compile(r"[\u201c\u201d]([^\u201c\u201d]*)[\u201c\u201d]")
_WHITESPACE = re.compile(r"[ \t\r\n]*")


@dataclass(frozen=True)
class ParsedBody:
    value: dict[str, Any]  # property names lower-cased
    repairs: tuple[str, ...]  # what was repaired before parsing, empty for strict JSON


def parse_body(raw: bytes) -> ParsedBody:
    if not raw.strip():
        raise errors.body_invalid("request body mangler")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise errors.body_invalid("request body er ikke UTF-8") from None
    value, repairs = _loads_repairing(text)
    if not isinstance(value, dict):
        raise errors.body_invalid("forventet et JSON-objekt")
    return ParsedBody(lower_keys(value), repairs)


def _loads_repairing(text: str) -> tuple[Any, tuple[str, ...]]:
    try:
        return orjson.loads(text), ()
    except orjson.JSONDecodeError:
        pass
    repaired, repairs = repair_json(text)
    try:
        return orjson.loads(repaired), repairs
    except orjson.JSONDecodeError:
        raise errors.body_invalid("request body er ikke gyldig JSON") from None


def repair_json(text: str) -> tuple[str, tuple[str, ...]]:
    """Typographic double quotes around a value become ASCII quotes, and a comma right before ``}`` or
    ``]`` goes; both only outside JSON strings, so text inside a proper string is never touched."""
    out: list[str] = []
    repairs: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == '"':
            string = _JSON_STRING.match(text, position)
            end = string.end() if string else len(text)
            out.append(text[position:end])
            position = end
        elif char in _TYPOGRAPHIC_QUOTES and (typographic := _TYPOGRAPHIC_STRING.match(text, position)):
            out.append(orjson.dumps(typographic.group(1)).decode())
            _note(repairs, REPAIRED_QUOTES)
            position = typographic.end()
        elif char == "," and _closes_next(text, position + 1):
            _note(repairs, REPAIRED_TRAILING_COMMA)
            position += 1
        else:
            out.append(char)
            position += 1
    return "".join(out), tuple(repairs)


def _closes_next(text: str, position: int) -> bool:
    """Whether the next character after any whitespace ends an object or array."""
    whitespace = _WHITESPACE.match(text, position)
    following = whitespace.end() if whitespace else position
    return text[following : following + 1] in ("}", "]")


def _note(repairs: list[str], repair: str) -> None:
    if repair not in repairs:
        repairs.append(repair)
