"""The citizen's side of a tool task (SPEC sections 2 and 8): my tasks, accept, decline, mark done. No HTTP.

A task sent to a citizen starts open (``aapen``). The citizen accepts it (``akseptert``) or declines it
(``avslatt``); an accepted task can be marked done (``utfort``). Open and accepted tasks expire
(``utlopt``) three months after the deadline: the housekeeping job writes that, and until it has run the
rules here already treat such a task as expired. Only the task's own citizen may move it, and every move
sets ``status_endret``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro import db
from helsebro._time import utcnow
from helsebro.auth.tables import api_clients
from helsebro.registries.tables import organisasjon
from helsebro.verktoy.sending import GRACE_AFTER_DEADLINE_DAYS
from helsebro.verktoy.tables import TaskStatus, verktoy, verktoy_oppgave

ACCEPT, DECLINE, MARK_DONE = "accept", "decline", "mark_done"

# action → (the status it starts from, the status it leads to)
TRANSITIONS: dict[str, tuple[str, str]] = {
    ACCEPT: (TaskStatus.OPEN, TaskStatus.ACCEPTED),
    DECLINE: (TaskStatus.OPEN, TaskStatus.DECLINED),
    MARK_DONE: (TaskStatus.ACCEPTED, TaskStatus.DONE),
}

_STILL_RUNNING = (TaskStatus.OPEN, TaskStatus.ACCEPTED)  # the statuses that expire

# How a refused action is explained to the citizen, by the task's status (Norwegian: shown as it is).
_ACTION_TEXT = {ACCEPT: "tas i bruk", DECLINE: "avslås", MARK_DONE: "markeres som utført"}
_STATUS_TEXT = {
    TaskStatus.OPEN: "ikke tatt i bruk ennå",
    TaskStatus.ACCEPTED: "allerede tatt i bruk",
    TaskStatus.DECLINED: "avslått",
    TaskStatus.DONE: "allerede utført",
    TaskStatus.EXPIRED: "utløpt",
}


class TaskError(Exception):
    """A task action the rules refuse. ``message`` is Norwegian, for the citizen."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TaskNotFound(TaskError):
    """No such task for this citizen. Another citizen's task gets the same answer, so that a task id
    cannot be used to learn whether someone else has a task."""

    def __init__(self) -> None:
        super().__init__("Fant ikke oppgaven.")


class TransitionRefused(TaskError):
    """The task's status does not allow the action (e.g. accepting a declined task)."""

    def __init__(self, action: str, status: str):
        super().__init__(f"Oppgaven er {_STATUS_TEXT[TaskStatus(status)]}, og kan ikke {_ACTION_TEXT[action]}.")
        self.action = action
        self.status = status


@dataclass(frozen=True)
class Task:
    id: str
    tool_id: str
    tool_name: str
    tool_url: str
    status: str
    deadline: dt.date
    message: str | None
    sender_name: str | None  # AvsenderNavn (v2) or the professional (v1)
    sender_organisation: str | None
    sent_at: dt.datetime
    status_changed: dt.datetime

    @property
    def can_accept(self) -> bool:
        return self.status == TRANSITIONS[ACCEPT][0]

    @property
    def can_decline(self) -> bool:
        return self.status == TRANSITIONS[DECLINE][0]

    @property
    def can_mark_done(self) -> bool:
        return self.status == TRANSITIONS[MARK_DONE][0]


# -- the rules, without a database ---------------------------------------------------------------------------


def is_past_grace(deadline: dt.date, today: dt.date) -> bool:
    """ "Tre måneder etter at fristen har utløpt": the same line the expiry job draws."""
    return deadline < today - dt.timedelta(days=GRACE_AFTER_DEADLINE_DAYS)


def effective_status(status: str, deadline: dt.date, today: dt.date) -> str:
    """The stored status, or ``utlopt`` for a running task the expiry job has not reached yet."""
    if status in _STILL_RUNNING and is_past_grace(deadline, today):
        return TaskStatus.EXPIRED
    return status


def next_status(action: str, status: str) -> str:
    """The status an action leads to from ``status``; TransitionRefused for any other move."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown task action {action!r}")
    start, end = TRANSITIONS[action]
    if status != start:
        raise TransitionRefused(action, status)
    return end


def sender_name(api_version: int, avsender_navn: str | None, behandler_navn: str | None) -> str | None:
    """Who the citizen sees as the sender: v2 names it in AvsenderNavn, v1 names the professional."""
    return behandler_navn if api_version == 1 else avsender_navn


# -- reading -----------------------------------------------------------------------------------------------


def tasks_of(engine: sa.Engine, fnr: str, today: dt.date) -> list[Task]:
    """Every task sent to this citizen, newest first."""
    with db.read(engine) as conn:
        rows = conn.execute(
            _task_query()
            .where(verktoy_oppgave.c.innbygger_fnr == fnr)
            .order_by(verktoy_oppgave.c.created_at.desc(), verktoy_oppgave.c.id.desc())
        ).all()
    return [_task_from(row, today) for row in rows]


def task_of(engine: sa.Engine, task_id: str, fnr: str, today: dt.date) -> Task:
    """One of this citizen's tasks; TaskNotFound for an unknown id or another citizen's task."""
    parsed = _parse_id(task_id)
    with db.read(engine) as conn:
        row = conn.execute(_task_query().where(verktoy_oppgave.c.id == parsed, verktoy_oppgave.c.innbygger_fnr == fnr)).first()
    if row is None:
        raise TaskNotFound()
    return _task_from(row, today)


def _task_query() -> sa.Select:
    # The organisation: AvsenderOrgNummer for v2; for v1 (which names none) the sending client's organisation.
    sender_orgnr = sa.func.coalesce(verktoy_oppgave.c.avsender_orgnr, api_clients.c.orgnr)
    return (
        sa.select(
            verktoy_oppgave,
            verktoy.c.navn.label("tool_name"),
            verktoy.c.url.label("tool_url"),
            sa.func.coalesce(organisasjon.c.navn, api_clients.c.name).label("organisation_name"),
        )
        .join(verktoy, verktoy.c.id == verktoy_oppgave.c.verktoy_id)
        .outerjoin(api_clients, api_clients.c.client_id == verktoy_oppgave.c.avsender_client_id)
        .outerjoin(organisasjon, organisasjon.c.orgnr == sender_orgnr)
    )


def _task_from(row: sa.Row, today: dt.date) -> Task:
    return Task(
        id=str(row.id),
        tool_id=str(row.verktoy_id),
        tool_name=row.tool_name,
        tool_url=row.tool_url,
        status=effective_status(row.status, row.frist, today),
        deadline=row.frist,
        message=row.melding,
        sender_name=sender_name(row.api_versjon, row.avsender_navn, row.behandler_navn),
        sender_organisation=row.organisation_name,
        sent_at=row.created_at,
        status_changed=row.status_endret,
    )


# -- changing ----------------------------------------------------------------------------------------------


def change_status(engine: sa.Engine, task_id: str, fnr: str, action: str, today: dt.date) -> Task:
    """Moves the citizen's own task by ``action`` in one write transaction; returns the task as it is now.

    A running task past its grace period is written as expired (what the expiry job would do) and the
    action is refused: the commit must happen before the refusal is raised, so the refusal comes last.
    """
    parsed = _parse_id(task_id)
    with db.write(engine) as conn:
        status, deadline = _locked_status(conn, parsed, fnr)
        current = effective_status(status, deadline, today)
        if current != status:
            _set_status(conn, parsed, current)
        refusal: TransitionRefused | None = None
        try:
            _set_status(conn, parsed, next_status(action, current))
        except TransitionRefused as exc:
            refusal = exc
    if refusal is not None:
        raise refusal
    return task_of(engine, parsed, fnr, today)


def _locked_status(conn: sa.Connection, task_id: str, fnr: str) -> tuple[str, dt.date]:
    query = sa.select(verktoy_oppgave.c.status, verktoy_oppgave.c.frist).where(
        verktoy_oppgave.c.id == task_id, verktoy_oppgave.c.innbygger_fnr == fnr
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()  # two clicks at once: the second sees the first one's result
    row = conn.execute(query).first()
    if row is None:
        raise TaskNotFound()
    return row.status, row.frist


def _set_status(conn: sa.Connection, task_id: str, status: str) -> None:
    conn.execute(sa.update(verktoy_oppgave).where(verktoy_oppgave.c.id == task_id).values(status=status, status_endret=utcnow()))


def _parse_id(task_id: str) -> str:
    """A task id is a guid; anything else names no task (and must not reach PostgreSQL's uuid type)."""
    try:
        return str(uuid.UUID(task_id))
    except (ValueError, TypeError, AttributeError) as exc:
        raise TaskNotFound() from exc
