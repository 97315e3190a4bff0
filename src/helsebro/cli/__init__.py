"""The ``helsebro`` command line: ``main`` builds the app from the command groups here (``worker`` runs the
job runner with the families' handlers); ``common`` holds what they share (settings, a migrated database, how a
refused change ends a command)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # ``helsebro.cli:app`` is the console script; loaded on first use so that importing one command group
    # (the pytest plugin imports ``cli.tokens``) does not build the whole CLI.
    if name == "app":
        from helsebro.cli.main import app

        return app
    raise AttributeError(name)
