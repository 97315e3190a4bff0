"""Fast JSON responses (orjson), and the Content-Disposition of a file sent back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from starlette import responses


class JSONResponse(responses.JSONResponse):
    """A JSONResponse subclass (not a bare Response), so FastAPI documents a JSON body, not a string."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name and the real one percent-encoded (a name may hold æ, ø, å)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
