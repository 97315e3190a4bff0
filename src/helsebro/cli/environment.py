"""The environment file on the command line: ``serve --environment`` and ``reset`` refuse a bad file (naming
the file, the entry and the field) before anything is written; ``helsebro export`` writes the current test
data as such a file."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
import yaml
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)  # one problem a line, whole (tests and scripts read them)


@contextlib.contextmanager
def refusing_a_bad_file() -> Iterator[None]:
    from helsebro.testdata.environment_file import EnvironmentFileError

    try:
        yield
    except EnvironmentFileError as exc:
        err.print("[red]The environment file was refused; nothing of it was applied:[/red]", highlight=False)
        for problem in exc.problems:
            err.print(f"  {problem}", highlight=False, markup=False)
        raise typer.Exit(2) from None


def apply_configured(engine: sa.Engine) -> None:
    """At start, on a database that already has data: apply the configured file on top."""
    from helsebro.testdata import environment

    loaded = environment.configured()
    if loaded is None:
        return
    counts = environment.apply_to(engine, loaded)
    err.print(f"Applied {loaded.source}: {counts}", highlight=False)


def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (.json for JSON, else YAML); default: standard output.")
    ] = None,
    format: Annotated[str | None, typer.Option("--format", help="yaml or json (default: from the file name, else yaml).")] = None,
) -> None:
    """Write the current test data as an environment file (for `serve --environment`)."""
    from helsebro import db, migrate
    from helsebro.db import create_engine
    from helsebro.settings import Settings
    from helsebro.testdata.export import export as export_data

    engine = create_engine(Settings().resolved_database_url())
    migrate.upgrade(engine)
    with db.read(engine) as conn:
        data = export_data(conn)
    kind = (format or ("json" if output and output.suffix.lower() == ".json" else "yaml")).lower()
    if kind not in ("yaml", "json"):
        raise typer.BadParameter("yaml or json", param_hint="--format")
    text = (
        json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        if kind == "json"
        else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    )
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {output}: " + ", ".join(f"{len(v)} {k}" for k, v in data.items()), highlight=False)
