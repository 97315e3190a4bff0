"""``helsebro dpop-proof``: a DPoP proof for one request, so curl users can call DPoP-bound APIs (PTS)."""

from __future__ import annotations

import typer

app = typer.Typer()
