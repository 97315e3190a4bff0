"""The citizen's task rules without HTTP or a database: transitions, expiry, who is shown as the sender."""

from __future__ import annotations

import datetime as dt

import pytest

from helsebro.verktoy import tasks
from helsebro.verktoy.sending import GRACE_AFTER_DEADLINE_DAYS
from helsebro.verktoy.tables import TaskStatus

TODAY = dt.date(2026, 11, 24)
ALLOWED = {
    (tasks.ACCEPT, TaskStatus.OPEN): TaskStatus.ACCEPTED,
    (tasks.DECLINE, TaskStatus.OPEN): TaskStatus.DECLINED,
    (tasks.MARK_DONE, TaskStatus.ACCEPTED): TaskStatus.DONE,
}


@pytest.mark.parametrize("status", list(TaskStatus))
def test_a_refusal_is_explained_for_every_status_a_task_can_have(status):
    assert tasks.TransitionRefused(tasks.DECLINE, status.value).message.startswith("Oppgaven er ")


@pytest.mark.parametrize("action", [tasks.ACCEPT, tasks.DECLINE, tasks.MARK_DONE])
@pytest.mark.parametrize("status", list(TaskStatus))
def test_only_the_three_moves_are_allowed(action, status):
    if (action, status) in ALLOWED:
        assert tasks.next_status(action, status) == ALLOWED[(action, status)]
    else:
        with pytest.raises(tasks.TransitionRefused) as refused:
            tasks.next_status(action, status)
        assert refused.value.status == status and refused.value.message.startswith("Oppgaven er ")


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        tasks.next_status("delete", TaskStatus.OPEN)


def test_refusals_explain_themselves_in_norwegian():
    assert tasks.TransitionRefused(tasks.ACCEPT, TaskStatus.DECLINED).message == "Oppgaven er avslått, og kan ikke tas i bruk."
    not_yet = tasks.TransitionRefused(tasks.MARK_DONE, TaskStatus.OPEN)
    assert not_yet.message == "Oppgaven er ikke tatt i bruk ennå, og kan ikke markeres som utført."
    assert tasks.TaskNotFound().message == "Fant ikke oppgaven."


def test_running_tasks_expire_the_day_after_the_grace_period():
    last_good = TODAY - dt.timedelta(days=GRACE_AFTER_DEADLINE_DAYS)
    for status in (TaskStatus.OPEN, TaskStatus.ACCEPTED):
        assert tasks.effective_status(status, last_good, TODAY) == status
        assert tasks.effective_status(status, last_good - dt.timedelta(days=1), TODAY) == TaskStatus.EXPIRED


@pytest.mark.parametrize("status", [TaskStatus.DECLINED, TaskStatus.DONE, TaskStatus.EXPIRED])
def test_decided_tasks_keep_their_status_forever(status):
    assert tasks.effective_status(status, dt.date(2000, 1, 1), TODAY) == status


def test_the_sender_is_the_professional_for_v1_and_avsendernavn_for_v2():
    assert tasks.sender_name(1, None, "Venstre Morfar") == "Venstre Morfar"
    assert tasks.sender_name(2, "Poliklinikk for angstlidelser", None) == "Poliklinikk for angstlidelser"


def _task(status: str) -> tasks.Task:
    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    return tasks.Task("id", "tool", "Verktøy", "https://example.no", status, TODAY, None, None, None, now, now)


@pytest.mark.parametrize("status", list(TaskStatus))
def test_the_buttons_follow_the_transitions(status):
    task = _task(status)
    assert task.can_accept == ((tasks.ACCEPT, status) in ALLOWED)
    assert task.can_decline == ((tasks.DECLINE, status) in ALLOWED)
    assert task.can_mark_done == ((tasks.MARK_DONE, status) in ALLOWED)
