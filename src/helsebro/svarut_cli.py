"""``helsebro svarut ...``: SvarUt's test data (KRR, SvarInn receivers) from the command line."""

from __future__ import annotations

import typer

svarut_app = typer.Typer(help="SvarUt test data: KRR entries and SvarInn receivers.", no_args_is_help=True)
