"""Fast JSON responses (orjson)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_bytes(content: Any) -> bytes:
    return orjson.dumps(content)
