"""Delivering SvarUt letters in the worker: each routing branch end to end (sent through the API, delivered by a
worker run until idle, read back through the status API and the status history), acceptance failures, the
citizen reading a letter, and the outbox's crash safety: retries with backoff, parking, lease expiry, and
handlers that run twice without delivering twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro._time import as_utc, utcnow
from helsebro.families import job_handlers as default_handlers
from helsebro.identifiers import FnrKind, make_fnr
from helsebro.jobs import embedded, outbox
from helsebro.jobs.factory import build_worker
from helsebro.jobs.tables import outbox as outbox_table
from helsebro.jobs.worker import Worker
from helsebro.registries.tables import innbygger, organisasjon
from helsebro.svarut import blobs, delivery, status
from helsebro.svarut.letters import OUTBOX_KIND
from helsebro.svarut.tables import krr, svarut_blob_chunk, svarut_dokument, svarut_forsendelse
from helsebro.svarut.testdata import krr_roles
from tests.support_delivery import deliver, settings_of, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_svarut import (
    CITIZEN,
    nhn_letter,
    organisation_letter,
    pdf,
    person_letter,
    print_letter,
)

FAILING_KIND = "test.failing"


# -- harness ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_outbox(svarut) -> Iterator[None]:
    """Each test starts with no pending job, so "until idle" means this test's letters."""
    with db.write(svarut.engine) as conn:
        conn.execute(sa.delete(outbox_table))
    yield
    with db.write(svarut.engine) as conn:
        conn.execute(sa.delete(outbox_table).where(outbox_table.c.kind == FAILING_KIND))


def history(svarut, letter_id: str) -> list[tuple[str, dt.datetime]]:
    with db.read(svarut.engine) as conn:
        return status.history(conn, letter_id)


def statuses(svarut, letter_id: str) -> list[str]:
    return [name for name, _ in history(svarut, letter_id)]


def letter_row(svarut, letter_id: str):
    with db.read(svarut.engine) as conn:
        return conn.execute(sa.select(svarut_forsendelse).where(svarut_forsendelse.c.id == letter_id)).one()


def jobs_of(svarut, letter_id: str) -> list:
    with db.read(svarut.engine) as conn:
        rows = conn.execute(sa.select(outbox_table).where(outbox_table.c.kind == OUTBOX_KIND).order_by(outbox_table.c.id)).all()
    return [row for row in rows if row.payload["forsendelseId"] == letter_id]


def to_person(fnr: str, **overrides: Any) -> dict:
    metadata = person_letter(**overrides)
    metadata["mottaker"] = {**metadata["mottaker"], "digitalId": fnr}
    return metadata


def to_organisation(orgnr: str) -> dict:
    metadata = organisation_letter()
    metadata["mottaker"] = {"navn": "Mottaker", "digitalId": orgnr}
    return metadata


def send_person(svarut, fnr: str, **overrides: Any) -> str:
    return svarut.send_ok("person", to_person(fnr, **overrides), [("vedtak.pdf", pdf())])


ROLES = krr_roles()
BEFORE = ["MOTTATT", "AKSEPTERT"]

# (id, kind, metadata, file name, channel, who receives it there, statuses after AKSEPTERT)
BRANCHES = [
    ("person-digipost", "person", to_person(ROLES["digipost"][0]), "vedtak.pdf", "SDP", ROLES["digipost"][0], ["SENDT_SDP", "LEVERT_SDP"]),
    ("person-eboks", "person", to_person(ROLES["eboks"][0]), "vedtak.pdf", "SDP", ROLES["eboks"][0], ["SENDT_SDP", "LEVERT_SDP"]),
    ("person-inbox", "person", to_person(CITIZEN), "vedtak.pdf", "INNBYGGER_INNBOKS", CITIZEN, ["SENDT_DIGITALT", "VARSLET"]),
    (
        "person-reserved",
        "person",
        to_person(ROLES["reservert"][0]),
        "vedtak.pdf",
        "PRINT",
        ROLES["reservert"][0],
        ["SENDT_PRINT", "PRINTET"],
    ),
    (
        "person-no-contact",
        "person",
        to_person(ROLES["uten_kontaktinfo"][0]),
        "vedtak.pdf",
        "PRINT",
        ROLES["uten_kontaktinfo"][0],
        ["SENDT_PRINT", "PRINTET"],
    ),
    (
        "person-not-in-krr",
        "person",
        to_person(ROLES["ikke_i_krr"][0]),
        "vedtak.pdf",
        "PRINT",
        ROLES["ikke_i_krr"][0],
        ["SENDT_PRINT", "PRINTET"],
    ),
    (
        "person-reserved-digital-only",
        "person",
        to_person(ROLES["reservert"][1], kunDigitalLevering=True),
        "vedtak.pdf",
        "IKKE_LEVERT",
        ROLES["reservert"][1],
        ["IKKE_LEVERT"],
    ),
    (
        "person-mailbox-digital-only",
        "person",
        to_person(ROLES["digipost"][1], kunDigitalLevering=True),
        "vedtak.pdf",
        "SDP",
        ROLES["digipost"][1],
        ["SENDT_SDP", "LEVERT_SDP"],
    ),
    ("organisation-svarinn", "organisasjon", to_organisation("964107580"), "melding.pdf", "SVARINN", "964107580", ["KLAR_FOR_MOTTAK"]),
    (
        "organisation-altinn",
        "organisasjon",
        to_organisation("913748263"),
        "melding.pdf",
        "VIRKSOMHET_ALTINN",
        "913748263",
        ["SENDT_DIGITALT"],
    ),
    ("nhn-gp", "nhn", nhn_letter(), "epikrise.pdf", "NHN", "8200001", ["SENDT_NHN_MOTTAKER", "LEVERT_NHN_MOTTAKER"]),
    (
        "nhn-her-id",
        "nhn",
        nhn_letter(mottakertype="HER_ID", mottakerHerId=8100002),
        "epikrise.pdf",
        "NHN",
        "8100002",
        ["SENDT_NHN_MOTTAKER", "LEVERT_NHN_MOTTAKER"],
    ),
    ("print", "print", print_letter(), "brev.pdf", "PRINT", None, ["SENDT_PRINT", "PRINTET"]),
]


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


# -- routing: every branch, end to end ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "metadata", "filnavn", "kanal", "mottaker", "steps"), [b[1:] for b in BRANCHES], ids=[b[0] for b in BRANCHES]
)
def test_each_channel_goes_through_its_statuses_in_order(svarut, kind, metadata, filnavn, kanal, mottaker, steps):
    letter_id = svarut.send_ok(kind, metadata, [(filnavn, pdf())])
    deliver(svarut)
    recorded = history(svarut, letter_id)
    assert [name for name, _ in recorded] == BEFORE + steps == list(delivery.lifecycle(kanal))
    times = [at for _, at in recorded]
    assert times == sorted(times)
    row = letter_row(svarut, letter_id)
    assert (row.kanal, row.mottaker_id, row.status) == (kanal, mottaker, steps[-1])
    # The status API reports the last transition with its recorded time.
    reported = svarut.status({"id": [letter_id]}).json()["statuser"]
    assert [(s["status"], parse_time(s["sisteStatusEndring"])) for s in reported] == [
        (steps[-1], times[-1].replace(microsecond=times[-1].microsecond // 1000 * 1000))
    ]
    # One job per step, each done once; none left.
    jobs = jobs_of(svarut, letter_id)
    assert len(jobs) == len(recorded) - 1 and all(j.done_at is not None and j.attempts == 1 for j in jobs)


def test_steps_wait_the_configured_delay(svarut):
    letter_id = send_person(svarut, ROLES["digipost"][0])
    deliver(svarut, svarut_step_seconds=0.3)
    recorded = history(svarut, letter_id)
    assert [name for name, _ in recorded] == ["MOTTATT", "AKSEPTERT", "SENDT_SDP", "LEVERT_SDP"]
    gaps = [(later - earlier).total_seconds() for (_, earlier), (_, later) in zip(recorded[1:], recorded[2:])]
    assert all(gap >= 0.3 for gap in gaps), gaps
    # Acceptance does not wait: it is the check of what arrived, due the moment the letter was received.
    accept = jobs_of(svarut, letter_id)[0]
    assert accept.payload.get("status") is None and as_utc(accept.available_at) == as_utc(accept.created)


def test_the_lifecycle_can_be_watched_through_the_status_api(svarut):
    letter_id = send_person(svarut, CITIZEN)
    worker = build_worker(settings_of(svarut).model_copy(update={"svarut_step_seconds": 0.2}), svarut.engine)
    thread = threading.Thread(target=worker.run, kwargs={"until_idle": True, "max_seconds": 20})
    thread.start()
    seen = []
    while thread.is_alive():
        current = svarut.status({"id": [letter_id]}).json()["statuser"][0]["status"]
        if not seen or seen[-1] != current:
            seen.append(current)
        time.sleep(0.02)
    thread.join()
    final = svarut.status({"id": [letter_id]}).json()["statuser"][0]["status"]
    if seen[-1] != final:
        seen.append(final)
    # Each status seen once, in lifecycle order; the steps 0.2 s apart are slow enough to see every one.
    assert seen[-3:] == ["AKSEPTERT", "SENDT_DIGITALT", "VARSLET"]
    assert seen == [s for s in delivery.lifecycle("INNBYGGER_INNBOKS") if s in seen]


# -- acceptance failures ---------------------------------------------------------------------------------


def unregistered_fnr(svarut) -> str:
    """A number with right check digits (so the send takes it) that names nobody in the population registry."""
    with db.read(svarut.engine) as conn:
        known = set(conn.execute(sa.select(innbygger.c.fnr)).scalars())
    for individual in range(100, 500):
        fnr = make_fnr(dt.date(1961, 3, 14), individual, FnrKind.TENOR)
        if fnr and fnr not in known:
            return fnr
    raise AssertionError("no free number")


def test_person_not_in_the_population_registry_is_avvist(svarut):
    letter_id = send_person(svarut, unregistered_fnr(svarut))
    deliver(svarut)
    assert statuses(svarut, letter_id) == ["MOTTATT", "AVVIST"]
    assert letter_row(svarut, letter_id).kanal is None
    assert len(jobs_of(svarut, letter_id)) == 1


def test_organisation_gone_from_enhetsregisteret_at_delivery_is_avvist(svarut):
    orgnr = "971836458"
    letter_id = svarut.send_ok("organisasjon", to_organisation(orgnr), [("melding.pdf", pdf())])
    with db.write(svarut.engine) as conn:
        row = conn.execute(sa.select(organisasjon).where(organisasjon.c.orgnr == orgnr)).mappings().one()
        conn.execute(sa.delete(organisasjon).where(organisasjon.c.orgnr == orgnr))
    try:
        deliver(svarut)
    finally:
        with db.write(svarut.engine) as conn:
            conn.execute(sa.insert(organisasjon).values(**row))
    assert statuses(svarut, letter_id) == ["MOTTATT", "AVVIST"]


def first_file(svarut, letter_id: str):
    with db.read(svarut.engine) as conn:
        return conn.execute(sa.select(svarut_dokument).where(svarut_dokument.c.forsendelse_id == letter_id)).first()


def overwrite_blob(svarut, key: str, content: bytes) -> None:
    store = blobs.store_for(settings_of(svarut), svarut.engine)
    if isinstance(store, blobs.LocalDirectoryStore):
        store.path_of(key).write_bytes(content)
    else:
        with db.write(svarut.engine) as conn:
            conn.execute(sa.update(svarut_blob_chunk).where(svarut_blob_chunk.c.blob_key == key).values(data=content))


def test_letter_whose_file_changed_after_receipt_failed_under_receipt(svarut):
    letter_id = send_person(svarut, CITIZEN)
    stored = first_file(svarut, letter_id)
    overwrite_blob(svarut, stored.blob_key, pdf("endret", size=stored.storrelse))  # same size, other content
    deliver(svarut)
    assert statuses(svarut, letter_id) == ["MOTTATT", "FEILET_UNDER_MOTTAK"]


def test_letter_whose_file_is_missing_failed_under_receipt(svarut):
    letter_id = svarut.send_ok("print", print_letter(), [("brev.pdf", pdf())])
    blobs.store_for(settings_of(svarut), svarut.engine).delete([first_file(svarut, letter_id).blob_key])
    deliver(svarut)
    assert statuses(svarut, letter_id) == ["MOTTATT", "FEILET_UNDER_MOTTAK"]


def test_channel_is_kept_when_krr_changes_half_way(svarut):
    fnr = ROLES["eboks"][0]
    letter_id = send_person(svarut, fnr)
    worker = build_worker(settings_of(svarut).model_copy(update={"svarut_step_seconds": 60}), svarut.engine)
    worker.run_once()  # accepted: SDP, next step a minute away
    with db.write(svarut.engine) as conn:
        conn.execute(sa.update(krr).where(krr.c.fnr == fnr).values(reservert=True))
        conn.execute(sa.update(outbox_table).values(available_at=utcnow()))
    try:
        deliver(svarut)
    finally:
        with db.write(svarut.engine) as conn:
            conn.execute(sa.update(krr).where(krr.c.fnr == fnr).values(reservert=False))
    assert statuses(svarut, letter_id) == ["MOTTATT", "AKSEPTERT", "SENDT_SDP", "LEVERT_SDP"]


# -- the citizen reads a letter --------------------------------------------------------------------------


def test_reading_a_letter_in_the_inbox_marks_it_lest_once(svarut):
    letter_id = send_person(svarut, CITIZEN)
    deliver(svarut)
    with db.write(svarut.engine) as conn:
        assert not delivery.mark_read(conn, letter_id, ROLES["innboks"][1])  # not theirs
        assert delivery.mark_read(conn, letter_id, CITIZEN)
        assert not delivery.mark_read(conn, letter_id, CITIZEN)  # read already
    assert statuses(svarut, letter_id) == ["MOTTATT", "AKSEPTERT", "SENDT_DIGITALT", "VARSLET", "LEST"]
    assert svarut.status({"id": [letter_id]}).json()["statuser"][0]["status"] == "LEST"


def test_letters_outside_the_inbox_cannot_be_marked_read(svarut):
    sdp = send_person(svarut, ROLES["digipost"][0])
    waiting = send_person(svarut, CITIZEN)  # in the inbox only once delivered
    with db.write(svarut.engine) as conn:
        assert not delivery.mark_read(conn, waiting, CITIZEN)
    deliver(svarut)
    with db.write(svarut.engine) as conn:
        assert not delivery.mark_read(conn, sdp, ROLES["digipost"][0])
        assert not delivery.mark_read(conn, "00000000-0000-4000-8000-000000000000", CITIZEN)
    assert statuses(svarut, sdp)[-1] == "LEVERT_SDP"


def test_a_letter_read_before_the_notice_ends_there(svarut):
    letter_id = send_person(svarut, CITIZEN)
    worker = build_worker(settings_of(svarut).model_copy(update={"svarut_step_seconds": 0}), svarut.engine)
    worker.run_once()  # AKSEPTERT
    worker.run_once()  # SENDT_DIGITALT
    with db.write(svarut.engine) as conn:
        assert delivery.mark_read(conn, letter_id, CITIZEN)
    deliver(svarut)
    assert statuses(svarut, letter_id) == ["MOTTATT", "AKSEPTERT", "SENDT_DIGITALT", "LEST"]


# -- retries, backoff, parking -----------------------------------------------------------------------------


def failing_worker(svarut, handler: Callable[[dict], None], **policy: Any) -> Worker:
    return Worker(svarut.engine, {FAILING_KIND: handler}, policy=outbox.RetryPolicy(**policy), poll_seconds=0.05)


def enqueue_failing(svarut, payload: dict | None = None) -> int:
    with db.write(svarut.engine) as conn:
        outbox.enqueue(conn, FAILING_KIND, payload or {"n": 1})
        return conn.execute(sa.select(sa.func.max(outbox_table.c.id))).scalar()


def job_row(svarut, job_id: int):
    with db.read(svarut.engine) as conn:
        return conn.execute(sa.select(outbox_table).where(outbox_table.c.id == job_id)).one()


def boom(_payload: dict) -> None:
    raise RuntimeError("mottakersystemet svarer ikke")


def test_backoff_doubles_and_is_capped():
    policy = outbox.RetryPolicy(max_attempts=10, first_delay=dt.timedelta(seconds=1), max_delay=dt.timedelta(seconds=20))
    assert [policy.delay(n).total_seconds() for n in range(1, 8)] == [1, 2, 4, 8, 16, 20, 20]


def test_a_failed_job_is_retried_after_the_backoff_delay(svarut):
    job_id = enqueue_failing(svarut)
    worker = failing_worker(svarut, boom, max_attempts=5, first_delay=dt.timedelta(seconds=30))
    before = utcnow()
    assert worker.run_once() == 1
    row = job_row(svarut, job_id)
    assert row.attempts == 1 and row.done_at is None and row.parked_at is None and row.claimed_by is None
    assert row.last_error == "RuntimeError: mottakersystemet svarer ikke"
    assert before + dt.timedelta(seconds=30) <= as_utc(row.available_at) <= utcnow() + dt.timedelta(seconds=30)
    assert worker.run_once() == 0  # not due yet
    later = as_utc(row.available_at) + dt.timedelta(seconds=1)
    [job] = outbox.claim(svarut.engine, "w2", [FAILING_KIND], dt.timedelta(seconds=60), worker.policy, now=later)
    assert job.attempts == 2
    assert outbox.fail(svarut.engine, job, "w2", "RuntimeError: again", worker.policy, now=later) == "retry"
    assert as_utc(job_row(svarut, job_id).available_at) == later + dt.timedelta(seconds=60)  # doubled


def test_a_job_that_keeps_failing_is_parked_visible_and_retryable(svarut):
    job_id = enqueue_failing(svarut, {"n": 2})
    worker = failing_worker(svarut, boom, max_attempts=3, first_delay=dt.timedelta(milliseconds=10))
    stats = worker.run(until_idle=True, max_seconds=10)
    assert (stats.failed, stats.parked, stats.done) == (3, 1, 0)
    row = job_row(svarut, job_id)
    assert row.attempts == 3 and row.parked_at is not None and row.done_at is None
    parked = [job for job in outbox.parked(svarut.engine) if job.id == job_id]
    assert [(job.kind, job.payload, job.attempts, job.last_error) for job in parked] == [
        (FAILING_KIND, {"n": 2}, 3, "RuntimeError: mottakersystemet svarer ikke")
    ]
    # An operator retries it once the cause is fixed.
    assert outbox.retry(svarut.engine, job_id)
    assert not outbox.retry(svarut.engine, job_id)  # not parked any more
    ran = []
    stats = failing_worker(svarut, ran.append, max_attempts=3).run(until_idle=True, max_seconds=10)
    assert ran == [{"n": 2}] and stats.done == 1
    assert job_row(svarut, job_id).done_at is not None and outbox.parked(svarut.engine) == []


def test_a_job_that_loses_the_database_gets_its_attempt_back_and_is_never_parked_for_it(svarut):
    job_id = enqueue_failing(svarut, {"n": 3})
    runs = []

    def database_gone_five_times(payload: dict) -> None:
        runs.append(payload)
        if len(runs) <= 5:
            raise sa.exc.OperationalError("UPDATE svarut_forsendelse ...", {}, Exception("server closed the connection unexpectedly"))

    worker = failing_worker(svarut, database_gone_five_times, max_attempts=2, first_delay=dt.timedelta(milliseconds=10))
    stats = worker.run(until_idle=True, max_seconds=60)  # more losses than the two attempts a failing job gets
    assert len(runs) == 6 and (stats.done, stats.failed, stats.parked) == (1, 0, 0)
    row = job_row(svarut, job_id)
    assert row.done_at is not None and row.attempts == 1 and row.parked_at is None and row.last_error is None


def test_a_bad_statement_in_a_handler_is_the_jobs_failure(svarut):
    job_id = enqueue_failing(svarut, {"n": 4})

    def bad_statement(_payload: dict) -> None:
        raise sa.exc.IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    stats = failing_worker(svarut, bad_statement, max_attempts=2, first_delay=dt.timedelta(milliseconds=10)).run(
        until_idle=True, max_seconds=10
    )
    assert (stats.failed, stats.parked) == (2, 1) and job_row(svarut, job_id).parked_at is not None
    assert outbox.retry(svarut.engine, job_id)
    failing_worker(svarut, lambda _payload: None).run(until_idle=True, max_seconds=10)


# -- leases: a worker that dies ----------------------------------------------------------------------------


def test_a_dead_workers_job_is_claimed_again_when_its_lease_runs_out(svarut):
    job_id = enqueue_failing(svarut)
    policy = outbox.RetryPolicy(max_attempts=3)
    lease = dt.timedelta(seconds=30)
    now = utcnow()
    [first] = outbox.claim(svarut.engine, "dead-worker", [FAILING_KIND], lease, policy, now=now)
    assert outbox.claim(svarut.engine, "other", [FAILING_KIND], lease, policy, now=now + dt.timedelta(seconds=29)) == []
    assert outbox.next_wake(svarut.engine, [FAILING_KIND]) == now + lease  # idle workers know when to look again
    [again] = outbox.claim(svarut.engine, "other", [FAILING_KIND], lease, policy, now=now + dt.timedelta(seconds=31))
    assert (again.id, again.attempts) == (job_id, 2)
    assert job_row(svarut, job_id).last_error == "lease expired, worker stopped: dead-worker"
    assert not outbox.complete(svarut.engine, first, "dead-worker")  # woke up too late: the job is not its own
    assert outbox.fail(svarut.engine, first, "dead-worker", "late", policy) == "lost"
    assert outbox.complete(svarut.engine, again, "other")
    assert job_row(svarut, job_id).done_at is not None


def test_a_job_whose_last_attempt_killed_its_worker_is_parked(svarut):
    job_id = enqueue_failing(svarut)
    policy = outbox.RetryPolicy(max_attempts=2)
    lease = dt.timedelta(seconds=1)
    now = utcnow()
    for attempt in range(2):
        assert len(outbox.claim(svarut.engine, f"dying-{attempt}", [FAILING_KIND], lease, policy, now=now + attempt * 2 * lease)) == 1
    assert outbox.claim(svarut.engine, "next", [FAILING_KIND], lease, policy, now=now + 4 * lease) == []
    row = job_row(svarut, job_id)
    assert row.parked_at is not None and row.last_error == "lease expired on the last attempt, worker stopped: dying-1"
    assert outbox.next_wake(svarut.engine, [FAILING_KIND]) is None


def test_claims_do_not_overlap(svarut):
    ids = {enqueue_failing(svarut, {"n": n}) for n in range(30)}
    policy = outbox.RetryPolicy()

    def claim_all(name: str) -> list[int]:
        got = []
        while jobs := outbox.claim(svarut.engine, name, [FAILING_KIND], dt.timedelta(seconds=60), policy, limit=3):
            got += [job.id for job in jobs]
        return got

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(claim_all, ["a", "b", "c", "d"]))
    claimed = [job_id for result in results for job_id in result]
    assert sorted(claimed) == sorted(ids)  # each job once, none lost


# -- idempotent handlers: a job that runs again delivers nothing twice -----------------------------------


def crash_after_the_work(handler: Callable[[dict], None]) -> Callable[[dict], None]:
    """The handler's work commits, then the worker "dies" before marking the job done (first run of each job)."""
    seen: set[str] = set()

    def run(payload: dict) -> None:
        handler(payload)
        key = repr(sorted(payload.items()))
        if key not in seen:
            seen.add(key)
            raise SystemError("killed between the work and marking it done")

    return run


def test_every_step_run_twice_delivers_once(svarut):
    letters = {send_person(svarut, CITIZEN): "INNBYGGER_INNBOKS", send_person(svarut, ROLES["digipost"][0]): "SDP"}
    letters[svarut.send_ok("nhn", nhn_letter(), [("epikrise.pdf", pdf())])] = "NHN"
    settings = settings_of(svarut)
    real = default_handlers(settings, svarut.engine)[OUTBOX_KIND]
    worker = Worker(
        svarut.engine,
        {OUTBOX_KIND: crash_after_the_work(real)},
        policy=outbox.RetryPolicy(max_attempts=3, first_delay=dt.timedelta(milliseconds=1)),
        poll_seconds=0.05,
    )
    stats = worker.run(until_idle=True, max_seconds=20)
    assert stats.parked == 0 and stats.failed == stats.done  # every job ran twice, and finished the second time
    for letter_id, kanal in letters.items():
        assert statuses(svarut, letter_id) == list(delivery.lifecycle(kanal))
        jobs = jobs_of(svarut, letter_id)
        assert len(jobs) == len(delivery.lifecycle(kanal)) - 1  # no step's job written twice
        assert all(job.attempts == 2 and job.done_at is not None for job in jobs)


def test_a_job_re_run_after_its_lease_ran_out_changes_nothing(svarut):
    letter_id = send_person(svarut, ROLES["digipost"][0])
    handler = default_handlers(settings_of(svarut), svarut.engine)[OUTBOX_KIND]
    policy = outbox.RetryPolicy()
    [job] = outbox.claim(svarut.engine, "crashed", [OUTBOX_KIND], dt.timedelta(seconds=60), policy)
    handler(job.payload)  # the work is done and committed; the worker dies before "done"
    with db.write(svarut.engine) as conn:
        conn.execute(sa.update(outbox_table).where(outbox_table.c.id == job.id).values(claimed_until=utcnow() - dt.timedelta(seconds=1)))
    deliver(svarut)
    assert statuses(svarut, letter_id) == ["MOTTATT", "AKSEPTERT", "SENDT_SDP", "LEVERT_SDP"]
    assert [j.attempts for j in jobs_of(svarut, letter_id)] == [2, 1, 1]


def test_one_step_run_by_two_workers_at_once_happens_once(svarut):
    letter_id = send_person(svarut, CITIZEN)
    handler = default_handlers(settings_of(svarut), svarut.engine)[OUTBOX_KIND]
    [job] = jobs_of(svarut, letter_id)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(handler, [job.payload, job.payload]))
    assert statuses(svarut, letter_id) == ["MOTTATT", "AKSEPTERT"]
    assert len(jobs_of(svarut, letter_id)) == 2  # the accept job and one next step


# -- running: stop, bounds, inside the app ---------------------------------------------------------------


def test_stop_ends_a_running_worker_promptly(svarut):
    """An idle worker polling once an hour ends on stop() at once, not at its next poll (the join is a bound)."""
    worker = build_worker(settings_of(svarut).model_copy(update={"worker_poll_seconds": 3600}), svarut.engine)
    thread = threading.Thread(target=worker.run)
    thread.start()
    time.sleep(0.2)
    worker.stop()
    thread.join(120)
    assert not thread.is_alive()


def test_max_seconds_bounds_a_run(svarut):
    """until_idle waits for a job due in an hour; max_seconds ends the run long before (the join is a bound)."""
    job_id = enqueue_failing(svarut)
    worker = failing_worker(svarut, boom, max_attempts=100, first_delay=dt.timedelta(hours=1))
    ran: list = []
    started = time.monotonic()
    thread = threading.Thread(target=lambda: ran.append(worker.run(until_idle=True, max_seconds=0.5)))
    thread.start()
    thread.join(120)
    assert not thread.is_alive() and ran[0].failed == 1
    assert time.monotonic() - started >= 0.5  # it waited (not idle) until the bound: a floor the loop guarantees
    assert job_row(svarut, job_id).done_at is None  # still waiting for its retry: the bound ended the run


def test_the_embedded_worker_delivers_and_stops_with_the_app(svarut):
    letter_id = send_person(svarut, ROLES["eboks"][0])

    async def serve_a_while() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(embedded.run_in_app(svarut.app.state.services, stop))
        deadline = time.monotonic() + 20
        while statuses(svarut, letter_id)[-1] != "LEVERT_SDP" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(serve_a_while())
    assert statuses(svarut, letter_id) == ["MOTTATT", "AKSEPTERT", "SENDT_SDP", "LEVERT_SDP"]
