"""The default data's files in the package: read here without the loader (which knows every family), so a
command that only needs a demo client's key starts fast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def read_json(name: str) -> dict[str, Any]:
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def demo_private_key(client_id: str) -> dict[str, Any]:
    """The TEST ONLY private key of a demo client (for `helsebro token` and tests)."""
    return json.loads((HERE / "demo_keys" / f"{client_id}.jwk.json").read_text())
