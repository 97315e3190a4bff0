"""Sessions under the moved server clock: a citizen's page session, a pushed authorization request and a
professional's refresh tokens end when the server clock passes their end, as they would in real time; the
operator's own session runs on real time, so steering the clock never logs the operator out. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from helsebro.auth.login_refresh import FAMILY_SECONDS
from helsebro.auth.login_requests import PUSHED_SECONDS
from helsebro.pages.citizen import SESSION_SECONDS
from helsebro.testdata import loader
from tests import support_helseid_login as helseid_login
from tests.api.test_citizen_pages import TASKS, log_in
from tests.api.test_operator_auth import operator_token
from tests.api.test_operator_pages import post_login
from tests.conftest import PUBLIC_URL
from tests.support import EPJ_CLIENT
from tests.support_login import pkce


@pytest.fixture(autouse=True)
def real_time_after(engine) -> Iterator[None]:
    yield
    loader.reset(engine)  # the clock back to real time, and the data


@pytest.fixture()
def browser(app) -> Iterator[TestClient]:
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as fresh:
        yield fresh


def advance(client, seconds: int) -> None:
    moved = client.post(
        "/operator/api/v1/klokke/fram", json={"varighet": f"PT{seconds}S"}, headers={"Authorization": f"Bearer {operator_token(client)}"}
    )
    assert moved.status_code == 200, moved.text


def test_a_citizens_page_session_ends_when_the_clock_passes_it(client, browser):
    assert log_in(browser).status_code == 200
    advance(client, SESSION_SECONDS - 60)
    assert browser.get(TASKS, follow_redirects=False).status_code == 200
    advance(client, 120)
    ended = browser.get(TASKS, follow_redirects=False)
    assert ended.status_code == 303 and "/helsenorge-login/connect/authorize" in ended.headers["location"]


def test_a_pushed_request_uri_expires_on_the_server_clock(client):
    _, challenge = pkce()
    pushed = helseid_login.push(client, challenge)
    assert pushed.status_code == 201 and pushed.json()["expires_in"] == PUSHED_SECONDS
    advance(client, PUSHED_SECONDS + 1)
    late = client.get(
        helseid_login.AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": pushed.json()["request_uri"]}, follow_redirects=False
    )
    assert late.status_code == 400 and late.json() == {
        "error": "invalid_request",
        "error_description": "request_uri has expired; push the request again",
    }


def test_a_professionals_refresh_tokens_end_with_the_login_on_the_server_clock(client):
    tokens = helseid_login.log_in(client)
    advance(client, FAMILY_SECONDS - 120)
    rotated = helseid_login.refresh(client, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    advance(client, 240)
    ended = helseid_login.refresh(client, rotated.json()["refresh_token"])
    assert ended.status_code == 400 and ended.json()["error"] == "invalid_grant"


def test_the_operators_session_runs_on_real_time(client, browser):
    assert post_login(browser).status_code == 303
    advance(client, 2 * 86400)  # past the session's 8 hours on the server clock
    page = browser.get("/operator/klokke", follow_redirects=False)
    assert page.status_code == 200 and "Klokke" in page.text
