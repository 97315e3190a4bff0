"""wrk Lua scripts that make every request's body different (writes that really change something)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path


def cycling_posts(bodies: list[dict], headers: dict[str, str]) -> Path:
    """A wrk script that POSTs the given JSON bodies in turn (one thread: the order is the list's)."""
    encoded = [json.dumps(b, ensure_ascii=False) for b in bodies]
    lines = ["local bodies = {"]
    lines += ["  " + json.dumps(body) + "," for body in encoded]  # a JSON string is a valid Lua string literal
    lines += ["}", "local i = 0", 'wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    lines += [
        "request = function()",
        "  i = i + 1",
        "  if i > #bodies then i = 1 end",
        "  return wrk.format(nil, nil, nil, bodies[i])",
        "end",
    ]
    return _written(lines)


def cycling_signed_posts(requests: list[tuple[dict, dict[str, str]]]) -> Path:
    """A wrk script that POSTs each JSON body with headers of its own (e.g. a DPoP proof, which may be used
    once), in turn; after the last it starts again, and a proof used twice is refused (counted as non-2xx)."""
    lines = ["local bodies = {"]
    lines += ["  " + json.dumps(json.dumps(body, ensure_ascii=False)) + "," for body, _ in requests]
    lines += ["}", "local headers = {"]
    # wrk.format takes a request's headers instead of wrk.headers, not beside them: each table is whole.
    every = [{"Content-Type": "application/json", **own} for _, own in requests]
    lines += ["  {" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in one.items()) + "}," for one in every]
    lines += ["}", "local i = 0", 'wrk.method = "POST"']
    lines += [
        "request = function()",
        "  i = i + 1",
        "  if i > #bodies then i = 1 end",
        "  return wrk.format(nil, nil, headers[i], bodies[i])",
        "end",
    ]
    return _written(lines)


def _written(lines: list[str]) -> Path:
    path = Path(tempfile.mkstemp(prefix="helsebro-wrk-", suffix=".lua")[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
