"""``helsebro inspect-token``: says, check by check, whether helsebro would accept a token (and DPoP proof)."""

from __future__ import annotations

import typer

app = typer.Typer()
