"""DigitaltAktiv's check rules with an in-memory repository behind a fake unit of work: no database, no HTTP.
(The checks against the real database and routes are in tests/api/test_digitaltaktiv.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from helsebro.digitaltaktiv import service
from helsebro.digitaltaktiv.status import Status
from helsebro.errors import HelsenorgeError
from helsebro.identifiers import FnrKind, make_fnr
from helsebro.unit_of_work import FakeUnitOfWork

TODAY = dt.date(2026, 6, 1)


def born_years_ago(years: int, start: int = 0) -> str:
    """A valid number of someone who turned ``years`` yesterday (individual numbers depend on the birth year)."""
    born = TODAY.replace(year=TODAY.year - years) - dt.timedelta(days=1)
    return next(n for n in (make_fnr(born, i, FnrKind.FNR) for i in range(start, 1000)) if n)


class InMemoryStatuses:
    def __init__(self, known: dict[str, Status]) -> None:
        self.known = known
        self.asked: list[tuple[str, ...]] = []

    def statuses(self, fnrs: Sequence[str], today: dt.date) -> dict[str, Status]:
        self.asked.append(tuple(fnrs))
        return {fnr: self.known.get(fnr, Status()) for fnr in fnrs}

    def status_of(self, fnr: str, today: dt.date) -> tuple[Status, bool]:
        return self.known.get(fnr, Status()), fnr in self.known


ACTIVE = Status(er_aktiv_selv=True)


def check(known: dict[str, Status], body: object) -> dict:
    return service.aktivsjekk(FakeUnitOfWork(InMemoryStatuses(known)), body, TODAY)


@pytest.mark.parametrize(
    ("omraade", "years", "selv"),
    [
        ("Helsehjelp", 15, False),  # a child under 16 is reached via their parents in Helsehjelp
        ("Helsehjelp", 16, True),
        (3, 16, True),  # Volven 7618's number for Helsehjelp
        (" ungdom ", 13, True),  # Ungdom from 13, names matched case-insensitively
        (6, 12, False),
    ],
)
def test_active_themselves_only_from_the_area_age(omraade, years, selv):
    fnr = born_years_ago(years)
    answer = check({fnr: ACTIVE}, {"fnrliste": [fnr], "omraade": omraade})
    assert answer == {"erAktivListe": {fnr: {"erDigitaltAktivSelv": selv, "erDigitaltAktivViaAndre": False, "tildeltFullmakt": False}}}


def test_via_others_and_power_of_attorney_are_passed_through_and_numbers_asked_once():
    child, unknown = born_years_ago(8), born_years_ago(40, 600)
    repository = InMemoryStatuses({child: Status(er_aktiv_via_andre=True, tildelt_fullmakt=True)})
    uow = FakeUnitOfWork(repository)
    answer = service.aktivsjekk(uow, {"fnrliste": [child, unknown, child], "omraade": "Helsehjelp"}, TODAY)
    assert answer["erAktivListe"] == {
        child: {"erDigitaltAktivSelv": False, "erDigitaltAktivViaAndre": True, "tildeltFullmakt": True},
        unknown: {"erDigitaltAktivSelv": False, "erDigitaltAktivViaAndre": False, "tildeltFullmakt": False},
    }
    assert (uow.opened, uow.committed) == (1, 0)  # one read, nothing written
    assert repository.asked == [(child, unknown, child)]


FNR = born_years_ago(40)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([FNR], "DA-000401"),
        ({"fnrliste": [], "omraade": "Helsehjelp"}, "DA-000401"),
        ({"fnrliste": FNR, "omraade": "Helsehjelp"}, "DA-000401"),
        ({"fnrliste": [FNR] * 1001, "omraade": "Helsehjelp"}, "DA-000403"),
        ({"fnrliste": [FNR, "1234567890"], "omraade": "Helsehjelp"}, "DA-000402"),
        ({"fnrliste": [FNR, 12345678901], "omraade": "Helsehjelp"}, "DA-000402"),
        ({"fnrliste": [FNR], "omraade": "Tannhelse"}, "DA-000404"),
        ({"fnrliste": [FNR], "omraade": True}, "DA-000404"),
        ({"fnrliste": [FNR]}, "DA-000404"),
    ],
)
def test_a_refused_check_never_opens_a_transaction(body, code):
    uow = FakeUnitOfWork(InMemoryStatuses({FNR: ACTIVE}))
    with pytest.raises(HelsenorgeError) as refused:
        service.aktivsjekk(uow, body, TODAY)
    assert (refused.value.status, refused.value.code) == (400, code)
    assert uow.opened == 0


@pytest.mark.parametrize(
    ("status", "aktiv"),
    [(ACTIVE, True), (Status(er_aktiv_via_andre=True), True), (Status(tildelt_fullmakt=True), False), (Status(), False)],
)
def test_the_older_check_is_active_themselves_or_via_others(status, aktiv):
    uow = FakeUnitOfWork(InMemoryStatuses({FNR: status}))
    assert service.digitalt_aktiv_omraade(uow, {"fnr": FNR, "omraade": 1}, TODAY) == {"fnr": FNR, "digitaltAktiv": aktiv}
    assert uow.opened == 1


@pytest.mark.parametrize("omraade", [0, -1, True, "1", None, 1.5])
def test_the_older_check_refuses_an_omraade_that_is_not_a_positive_integer(omraade):
    uow = FakeUnitOfWork(InMemoryStatuses({FNR: ACTIVE}))
    with pytest.raises(HelsenorgeError) as refused:
        service.digitalt_aktiv_omraade(uow, {"fnr": FNR, "omraade": omraade}, TODAY)
    assert refused.value.code == "DA-000404" and uow.opened == 0


def test_a_write_that_raises_commits_nothing():
    uow = FakeUnitOfWork(InMemoryStatuses({}))
    with pytest.raises(RuntimeError), uow.writing():
        raise RuntimeError("refused")
    with uow.writing():
        pass
    assert (uow.opened, uow.committed) == (2, 1)
