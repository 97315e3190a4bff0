"""Commands for the workers: ``helsebro worker`` and ``helsebro jobs parked|retry``.

``app`` has no name of its own: added to the main CLI with ``add_typer(app)``, its commands join the top level.
Imports are inside the commands so that ``helsebro --help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer()
jobs_app = typer.Typer(help="The outbox: parked jobs and retrying them.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


def _settings_and_engine():  # noqa: ANN202
    from helsebro.db import create_engine
    from helsebro.settings import Settings

    settings = Settings()
    return settings, create_engine(settings.resolved_database_url())


@app.command()
def worker(
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Stop when no job is pending.")] = False,
    max_seconds: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning.")] = "info",
) -> None:
    """Deliver what the outbox holds (SvarUt letters) until SIGTERM or Ctrl-C.

    Run as many as you like on one database. A worker does not migrate (several starting at once would race):
    it waits until 'helsebro serve' or 'helsebro migrate' has."""
    import signal

    import helsebro.families  # noqa: F401  (registers the families' job handlers)
    from helsebro import db, logs
    from helsebro.jobs.factory import build_worker

    logs.configure(log_level)
    log = logs.get_logger(__name__)
    settings, engine = _settings_and_engine()
    running = build_worker(settings, engine)
    from helsebro.steering import clock

    clock.follow(engine, settings.clock_refresh_seconds)  # due times on the shared server clock
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: running.stop())  # finish the job at hand, then leave
    # An unmigrated or unreachable database is waited for by the loop itself (it retries database errors).
    log.info("worker started", worker_id=running.worker_id)
    stats = running.run(until_idle=until_idle, max_seconds=max_seconds)
    log.info("worker stopped", done=stats.done, failed=stats.failed, parked=stats.parked)
    db.close(engine)


@jobs_app.command("parked")
def parked_jobs() -> None:
    """List the parked jobs: those that failed every attempt, with their last error."""
    from rich.console import Console
    from rich.table import Table

    from helsebro import migrate
    from helsebro.jobs import outbox

    _, engine = _settings_and_engine()
    migrate.upgrade(engine)
    table = Table("id", "kind", "attempts", "parked at", "last error")
    for job in outbox.parked(engine):
        table.add_row(str(job.id), job.kind, str(job.attempts), job.parked_at.isoformat(timespec="seconds"), job.last_error or "")
    Console().print(table)


@jobs_app.command("retry")
def retry_job(job_id: Annotated[int, typer.Argument(help="The parked job's id (see `helsebro jobs parked`).")]) -> None:
    """Give a parked job a fresh set of attempts, due now."""
    from helsebro import migrate
    from helsebro.jobs import outbox

    _, engine = _settings_and_engine()
    migrate.upgrade(engine)
    if not outbox.retry(engine, job_id):
        typer.echo(f"No parked job {job_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Job {job_id} is due again")
