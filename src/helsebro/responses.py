"""Fast JSON responses (orjson)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette import responses


class JSONResponse(responses.JSONResponse):
    """A JSONResponse subclass (not a bare Response), so FastAPI documents a JSON body, not a string."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_bytes(content: Any) -> bytes:
    return orjson.dumps(content)
