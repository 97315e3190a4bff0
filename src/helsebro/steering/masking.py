"""What the request journal may keep of a call: never a token, a secret or a password, and every
fødselsnummer masked. Headers are never kept at all; a query string and a JSON or form body are kept with
every value under a secret-looking name hidden, anything that looks like a JWT hidden wherever it is, and
every run of eleven digits masked (``identifiers.mask_numbers``: ``120486*****``)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from helsebro.identifiers import mask_numbers

HIDDEN = "[skjult]"
# Names whose values are credentials wherever they appear (OAuth forms, token answers, SvarUt, logins).
_SECRET_NAME = re.compile(
    r"token|secret|passord|password|assertion|verifier|authorization|apikey|api_key|^code$|private|^d$|^p$|^q$|^dp$|^dq$|^qi$",
    re.IGNORECASE,
)
# A JWT (or JWS/JWE) anywhere in free text: base64url header starting {" then dot-separated parts.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,4}")
# Long opaque runs (DPoP nonces, authorization codes, refresh tokens in an unknown field): 40+ url-safe chars.
_OPAQUE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])")
_JSON_SECRET = re.compile(
    r'("(?:[^"\\]*(?:token|secret|passord|password|assertion|verifier)[^"\\]*)"\s*:\s*)"(?:[^"\\]|\\.)*"?', re.IGNORECASE
)
_FORM_SECRET = re.compile(r"((?:^|&)[^=&]*(?:token|secret|passord|password|assertion|verifier|code)[^=&]*=)[^&]*", re.IGNORECASE)


@lru_cache(maxsize=4096)  # the same paths and queries come again and again: masked once each
def text(value: str) -> str:
    """Free text (a path, a message, a body cut at the size cap): JWTs, opaque runs and fødselsnummer masked."""
    return mask_numbers(_OPAQUE.sub(HIDDEN, _JWT.sub(HIDDEN, value)))


def _value(value: Any, name: str = "") -> Any:
    if name and _SECRET_NAME.search(name):
        return HIDDEN if value not in (None, "") else value
    if isinstance(value, dict):
        return {text(str(k)): _value(v, str(k)) for k, v in value.items()}  # keys too: {"<fnr>": {...}}
    if isinstance(value, list):
        return [_value(v, name) for v in value]
    if isinstance(value, str):
        return text(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) == 11:
        return mask_numbers(str(value))  # a fødselsnummer sent as a number
    return value


@lru_cache(maxsize=4096)
def query(raw: str) -> str:
    """A query string with secret values hidden and every fødselsnummer masked."""
    if not raw:
        return ""
    pairs = parse_qsl(raw, keep_blank_values=True)
    return text(urlencode([(k, _value(v, k)) for k, v in pairs], safe="*[]"))


def body(raw: bytes, content_type: str, cap: int, total: int) -> str | None:
    """A request or response body as the journal keeps it (at most ``cap`` of its ``total`` bytes), or a note
    of what it was when it is not JSON, a form or text (files are never kept)."""
    if not total:
        return None
    kind = content_type.split(";")[0].strip().lower()
    cut = total > cap
    head = raw[:cap].decode("utf-8", "replace")
    if kind in ("application/json", "application/problem+json") or kind.endswith("+json"):
        if not cut:
            try:
                return json.dumps(_value(json.loads(head)), ensure_ascii=False, separators=(",", ":"))
            except ValueError:
                pass
        return text(_JSON_SECRET.sub(r'\1"' + HIDDEN + '"', head)) + (" …" if cut else "")
    if kind == "application/x-www-form-urlencoded":
        if not cut:
            return query(head)
        return text(_FORM_SECRET.sub(r"\1" + HIDDEN, head)) + " …"
    if kind.startswith("text/") and kind != "text/html":
        return text(_FORM_SECRET.sub(r"\1" + HIDDEN, head)) + (" …" if cut else "")
    return f"[{kind or 'uten innholdstype'}, {total} byte, ikke lagret]"
