"""The operator's clock page: shows the server clock; its forms move it with the operator API's rules and
messages, each with the session's CSRF token (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from helsebro import _time
from helsebro.testdata import loader
from tests.api.test_operator_pages import csrf_of, post_login, visible
from tests.conftest import PUBLIC_URL

PAGE = "/operator/klokke"


@pytest.fixture()
def operator(app, engine) -> Iterator[TestClient]:
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as browser:
        assert post_login(browser).status_code == 303
        yield browser
    loader.reset(engine)  # the clock back to real time, with the data


def test_the_page_shows_the_clock_and_moves_it_forward(operator):
    page = operator.get(PAGE)
    assert page.status_code == 200 and "Går" in visible(page.text) and 'aria-current="page">Klokke' in page.text
    moved = operator.post(PAGE + "/fram", data={"csrf": csrf_of(page), "varighet": "P15D"}, follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, PAGE + "?flyttet=1")
    assert _time.state().offset.days == 15
    shown = operator.get(PAGE + "?flyttet=1")
    assert "Klokka er flyttet." in visible(shown.text) and "1296000 sekunder" in visible(shown.text)


def test_freeze_and_release_from_the_page(operator):
    frozen = operator.post(PAGE + "/frys", data={"csrf": csrf_of(operator.get(PAGE))})
    assert frozen.status_code == 200 and "Fryst" in visible(frozen.text) and "La klokka gå igjen" in frozen.text
    released = operator.post(PAGE + "/slipp", data={"csrf": csrf_of(frozen)})
    assert "Går" in visible(released.text) and _time.state().frozen_at is None


def test_the_page_gives_the_services_messages_and_changes_nothing(operator):
    page = operator.get(PAGE)
    bad = operator.post(PAGE + "/fram", data={"csrf": csrf_of(page), "varighet": "P3M"})
    assert bad.status_code == 400 and "måneder og år har ingen fast lengde" in visible(bad.text)
    assert 'value="P3M"' in bad.text  # the form keeps what was typed
    operator.post(PAGE + "/fram", data={"csrf": csrf_of(page), "varighet": "PT2H"})
    back = operator.post(PAGE + "/sanntid", data={"csrf": csrf_of(page)})
    assert back.status_code == 409 and "Klokka kan ikke gå bakover" in visible(back.text)
    assert round(_time.state().offset.total_seconds()) == 7200


def test_a_form_without_the_csrf_token_is_refused(operator):
    refused = operator.post(PAGE + "/fram", data={"varighet": "P1D"})
    assert refused.status_code == 400 and "Skjemaet er utløpt eller ugyldig" in visible(refused.text)
    assert _time.state().is_real


def test_the_page_needs_a_login(client):
    response = client.get(PAGE, follow_redirects=False)
    assert response.status_code in (302, 303) and "/operator/logg-inn" in response.headers["location"]


def test_the_page_moves_the_clock_to_an_instant(operator):
    page = operator.get(PAGE)
    target = _time.utcnow().replace(microsecond=0) + dt.timedelta(days=3)
    moved = operator.post(
        PAGE + "/til", data={"csrf": csrf_of(page), "tid": target.isoformat().replace("+00:00", "Z")}, follow_redirects=False
    )
    assert (moved.status_code, moved.headers["location"]) == (303, PAGE + "?flyttet=1")
    assert abs(_time.utcnow() - target) < dt.timedelta(minutes=5)


@pytest.mark.parametrize(("tid", "says"), [("i morgen", "skriv et tidspunkt med tidssone"), ("2030-01-01T08:00:00", "med tidssone")])
def test_an_instant_without_a_time_zone_is_refused_and_kept(operator, tid, says):
    refused = operator.post(PAGE + "/til", data={"csrf": csrf_of(operator.get(PAGE)), "tid": tid})
    assert refused.status_code == 400 and says in visible(refused.text)
    assert f'value="{tid}"' in refused.text and _time.state().is_real
