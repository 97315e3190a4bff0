"""Delivery workers through database outages, with real ``helsebro worker`` processes on PostgreSQL: SvarUt
letters are sent to a running server, then two workers deliver them while their database sessions are killed
again and again (``pg_terminate_backend`` on helsebro's sessions, by application_name) and the database is
unreachable for seconds at a time (a TCP proxy in front of it, stopped and started). The workers are never
restarted: each must ride out every outage by itself. Afterwards every letter went through exactly its
channel's lifecycle (each status once, none skipped, every letter final) and every job is done once, none
parked. Bounded: a fixed number of outages, and a deadline for the deliveries after them.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.db import create_engine
from helsebro.jobs.tables import outbox
from helsebro.svarut import status
from helsebro.svarut.letters import OUTBOX_KIND
from helsebro.svarut.tables import svarut_forsendelse
from tests.conftest import PG_BASE, postgres_database
from tests.e2e.conftest import STARTUP_SECONDS, start_server
from tests.e2e.test_svarut_crash import Workers, pending_jobs, recipients, send_all, worker_command
from tests.robustness.test_database_outages import Proxy, via_proxy

pytestmark = [pytest.mark.server, pytest.mark.postgres]

ROUNDS = 4  # 13 recipients x 4 = 52 letters, each 1 to 3 delivery steps
OUTAGES = 3  # at most; each: sessions killed 4 times, then the database unreachable for 2 s
RESUME_SECONDS = 120  # bound (not a figure) on the wait for deliveries to go on after an outage
DELIVERY_DEADLINE_SECONDS = 300  # after the outages; generous for a loaded machine
WORKER_ENV = {
    "HELSEBRO_SVARUT_STEP_SECONDS": "3",  # a letter's steps spread over seconds, so outages meet jobs in flight
    "HELSEBRO_WORKER_LEASE_SECONDS": "2",
    "HELSEBRO_WORKER_POLL_SECONDS": "0.1",
    "HELSEBRO_WORKER_RETRY_SECONDS": "0.2",
    "HELSEBRO_WORKER_RETRY_MAX_SECONDS": "1",
}


def kill_sessions(admin: sa.Engine, schema: str) -> int:
    """Terminate every PostgreSQL session helsebro has open on this test's schema; how many there were."""
    with admin.connect() as conn:
        pids = (
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = left('helsebro:' || current_database() || ':' || :schema, 63) AND pid <> pg_backend_pid()"
                ),
                {"schema": schema},
            )
            .scalars()
            .all()
        )
        conn.commit()
    return len(pids)


def test_workers_deliver_every_letter_exactly_once_through_database_outages(tmp_path_factory, tmp_path: Path):
    for schema_url in postgres_database(tmp_path_factory):
        target = urlsplit(PG_BASE.replace("postgresql+psycopg", "postgresql"))
        proxy = Proxy((target.hostname or "127.0.0.1", target.port or 5432))
        proxy.start()
        admin = create_engine(PG_BASE)
        engine = create_engine(schema_url)
        try:
            for server in start_server(tmp_path, {"HELSEBRO_DATABASE_URL": schema_url, "HELSEBRO_EMBEDDED_WORKER": "false"}):
                letters = recipients(engine) * ROUNDS
                expected = asyncio.run(send_all(server, letters))
                workers = Workers(server, worker_command(), tmp_path)
                # The workers reach the database through the proxy; the API process (idle now) directly.
                workers.env.update(WORKER_ENV, HELSEBRO_DATABASE_URL=via_proxy(schema_url, proxy.port))
                run_with_outages(workers, proxy, admin, schema_url.rsplit("%3D", 1)[1], engine)
                check_deliveries(engine, expected, tmp_path)
        finally:
            proxy.stop()
            engine.dispose()
            admin.dispose()


def done_jobs(engine: sa.Engine) -> int:
    with db.read(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.done_at.is_not(None))).scalar()


def progress(engine: sa.Engine, since: int, seconds: float) -> bool:
    """Whether more jobs than ``since`` are done within ``seconds`` (or nothing is left to do)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done_jobs(engine) > since or not pending_jobs(engine):
            return True
        time.sleep(0.1)
    return False


def run_with_outages(workers: Workers, proxy: Proxy, admin: sa.Engine, schema: str, engine: sa.Engine) -> None:
    """Each outage while deliveries are under way (jobs done since the last one, jobs still pending): sessions
    killed four times, then the database unreachable for 2 s; after it the deliveries must go on by themselves."""
    started = [workers.start(), workers.start()]
    killed, outages = 0, []
    try:
        assert progress(engine, 0, STARTUP_SECONDS), "the workers delivered nothing"  # includes their start-up
        for _ in range(OUTAGES):
            pending, done = pending_jobs(engine), done_jobs(engine)
            if not pending:
                break
            outages.append((pending, done))
            for _ in range(4):
                time.sleep(0.2)
                killed += kill_sessions(admin, schema)
            proxy.stop()
            time.sleep(2.0)  # the workers keep trying meanwhile
            proxy.start()
            assert progress(engine, done_jobs(engine), RESUME_SECONDS), f"deliveries did not resume after outage {len(outages)}"
        deadline = time.monotonic() + DELIVERY_DEADLINE_SECONDS
        while pending_jobs(engine) and time.monotonic() < deadline:
            time.sleep(0.2)
        survivors = [p.poll() is None for p in started]
    finally:
        exit_codes = workers.stop_all()
    logs = "\n".join(p.read_text()[-3000:] for p in sorted(workers.logs.glob("worker-*.log")))
    assert all(survivors) and workers.started == 2, f"a worker died of an outage (it must wait and go on):\n{logs}"
    assert exit_codes == [0, 0], f"SIGTERM should stop a worker cleanly: {exit_codes}\n{logs}"
    assert killed > 0, "no helsebro session was ever killed"
    # Letters' steps are HELSEBRO_SVARUT_STEP_SECONDS apart, so deliveries last longer than two outages.
    assert len(outages) >= 2, f"only {len(outages)} outages met deliveries in flight: (pending, done) {outages}"
    assert pending_jobs(engine) == 0, f"not delivered within {DELIVERY_DEADLINE_SECONDS} s of the last outage:\n{logs}"
    print(f"sessions killed {killed}, (pending, done) jobs as each outage began: {outages}")


def check_deliveries(engine: sa.Engine, expected: dict[str, list[str]], tmp_path: Path) -> None:
    with db.read(engine) as conn:
        histories = {letter_id: status.history(conn, letter_id) for letter_id in expected}
        final = dict(conn.execute(sa.select(svarut_forsendelse.c.id, svarut_forsendelse.c.status)).all())
        jobs = conn.execute(sa.select(outbox).where(outbox.c.kind == OUTBOX_KIND)).all()
    unfinished = [(j.id, j.payload, j.attempts, j.last_error) for j in jobs if j.done_at is None or j.parked_at is not None]
    assert not unfinished, f"jobs not done, or parked: {unfinished}"
    for letter_id, statuses in expected.items():
        recorded = [name for name, _ in histories[letter_id]]
        assert recorded == statuses, f"letter {letter_id}: {recorded}, expected {statuses}"
        assert final[letter_id] == statuses[-1]
    steps: dict[str, int] = {}
    for job in jobs:
        steps[job.payload["forsendelseId"]] = steps.get(job.payload["forsendelseId"], 0) + 1
    assert steps == {letter_id: len(statuses) - 1 for letter_id, statuses in expected.items()}  # no step enqueued twice
