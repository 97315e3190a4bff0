"""Operator sign-in on a shared server: failed guesses limited per client id and per address (429 with
Retry-After and a Norwegian message, at the login page and the token endpoint alike, counted in the database
so every API process refuses the same guesser), and logging out ending the session on the server, so a
copied session cookie stops working.

The limits here are small (set on the app's settings for the test); time is moved through helsebro._time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from helsebro import _time, db
from helsebro.app import create_app
from helsebro.auth.tables import sign_in_failures
from tests.conftest import PUBLIC_URL

OPERATOR, SECRET = "helsebro-operator", "helsebro-operator"
LOGIN = "/operator/logg-inn"
SESSION_COOKIE = "helsebro_operator"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
WINDOW = 900
TOO_MANY = "For mange mislykkede innlogginger. Prøv igjen om 15 minutter."
TOKEN_FORM = {"grant_type": "client_credentials", "scope": "helsebro:operator", "client_id": OPERATOR}


@pytest.fixture()
def limits(app, engine, monkeypatch) -> Iterator[object]:
    """No failures counted before or after; the limits the test sets on the app's settings."""
    settings = app.state.services.settings
    monkeypatch.setattr(settings, "operator_sign_in_window_seconds", WINDOW)
    with db.write(engine) as conn:
        conn.execute(sa.delete(sign_in_failures))
    yield settings
    with db.write(engine) as conn:
        conn.execute(sa.delete(sign_in_failures))


def at_address(app, address: str) -> TestClient:
    return TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False, client=(address, 50000))


def post_login(browser: TestClient, client_id: str = OPERATOR, secret: str = SECRET):
    form = browser.get(LOGIN)
    assert form.status_code == 200, form.text
    data = {"csrf": CSRF.search(form.text).group(1), "klient_id": client_id, "hemmelighet": secret}
    return browser.post(LOGIN, data=data, follow_redirects=False)


def post_token(client: TestClient, secret: str, client_id: str = OPERATOR):
    return client.post("/helseid/connect/token", data={**TOKEN_FORM, "client_id": client_id, "client_secret": secret})


def later(monkeypatch, seconds: float) -> None:
    """Real time moved on by ``seconds`` (what the limits and sessions run on)."""
    moved = _time.real_utcnow() + dt.timedelta(seconds=seconds)
    monkeypatch.setattr(_time, "real_utcnow", lambda: moved)


def test_a_copied_session_cookie_stops_working_when_its_session_logs_out(app):
    with at_address(app, "192.0.2.10") as browser, at_address(app, "192.0.2.11") as thief:
        assert post_login(browser).status_code == 303
        copied = {"Cookie": f"{SESSION_COOKIE}={browser.cookies.get(SESSION_COOKIE)}"}
        assert thief.get("/operator/klienter", headers=copied, follow_redirects=False).status_code == 200
        token = CSRF.search(browser.get("/operator/klienter").text).group(1)
        assert browser.post("/operator/logg-ut", data={"csrf": token}, follow_redirects=False).status_code == 303
        refused = thief.get("/operator/klienter", headers=copied, follow_redirects=False)
        assert (refused.status_code, refused.headers["location"]) == (303, LOGIN + "?neste=%2Foperator%2Fklienter")
        # Logging in again is a new session; the old cookie stays dead.
        assert post_login(browser).status_code == 303
        assert thief.get("/operator/klienter", headers=copied, follow_redirects=False).status_code == 303


def test_guesses_at_one_client_are_limited_from_every_address_until_they_age_out(app, limits, monkeypatch):
    monkeypatch.setattr(limits, "operator_sign_in_failures_per_client", 3)
    monkeypatch.setattr(limits, "operator_sign_in_failures_per_address", 100)
    with at_address(app, "192.0.2.20") as guesser, at_address(app, "192.0.2.21") as operator:
        for _ in range(3):
            assert post_login(guesser, secret="gjett").status_code == 401
        refused = post_login(guesser)  # the right secret, but too late: not even checked
        assert refused.status_code == 429 and TOO_MANY in refused.text
        assert 0 < int(refused.headers["retry-after"]) <= WINDOW
        elsewhere = post_login(operator)
        assert elsewhere.status_code == 429 and TOO_MANY in elsewhere.text
        assert post_token(operator, SECRET).status_code == 429  # the token endpoint counts the same guesses
        later(monkeypatch, WINDOW - 60)
        assert int(post_login(operator).headers["retry-after"]) == 60
        later(monkeypatch, WINDOW + 1)
        assert post_login(operator).status_code == 303


def test_guesses_from_one_address_are_limited_whatever_client_they_name(app, limits, monkeypatch):
    monkeypatch.setattr(limits, "operator_sign_in_failures_per_client", 100)
    monkeypatch.setattr(limits, "operator_sign_in_failures_per_address", 3)
    with at_address(app, "192.0.2.30") as guesser, at_address(app, "192.0.2.31") as operator:
        for client_id in ("finnes-ikke", "admin", OPERATOR):
            assert post_login(guesser, client_id, "gjett").status_code == 401
        assert post_login(guesser).status_code == 429
        response = post_token(guesser, SECRET)
        assert response.status_code == 429 and response.json() == {"error": "invalid_client", "error_description": TOO_MANY}
        assert post_login(operator).status_code == 303
        assert post_token(operator, SECRET).status_code == 200


def test_wrong_operator_secrets_at_the_token_endpoint_count_but_other_clients_do_not(app, limits, monkeypatch):
    monkeypatch.setattr(limits, "operator_sign_in_failures_per_client", 3)
    monkeypatch.setattr(limits, "operator_sign_in_failures_per_address", 3)
    with at_address(app, "192.0.2.40") as client:
        for _ in range(5):  # a demo client's wrong secret is no operator sign-in
            assert post_token(client, "gjett", client_id="helsebro-demo-secret").status_code == 401
        assert post_token(client, SECRET).status_code == 200
        for _ in range(3):
            wrong = post_token(client, "gjett")
            assert wrong.status_code == 401 and "retry-after" not in wrong.headers
        refused = post_token(client, SECRET)
        assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= WINDOW
        assert refused.json()["error_description"] == TOO_MANY
        assert post_login(client).status_code == 429
        with db.read(app.state.services.engine) as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(sign_in_failures)).scalar() == 6  # client and address, 3 each


def test_a_second_api_process_on_the_same_database_refuses_the_same_guesser(app, settings, engine, limits, monkeypatch):
    monkeypatch.setattr(limits, "operator_sign_in_failures_per_client", 2)
    other_settings = settings.model_copy(update={"operator_sign_in_failures_per_client": 2, "operator_sign_in_window_seconds": WINDOW})
    other = create_app(other_settings, engine)
    with at_address(app, "192.0.2.50") as first, at_address(other, "192.0.2.51") as second:
        assert post_token(first, "gjett").status_code == 401
        assert post_login(second, secret="gjett").status_code == 401
        assert post_token(first, SECRET).status_code == 429
        assert post_login(second).status_code == 429
