"""The pytest plugin users put in their own suites: the ``helsebro`` fixture (loaded by entry point)."""

from __future__ import annotations

import datetime as dt

import httpx
import sqlalchemy as sa

from helsebro import db
from helsebro.verktoy.tables import verktoy_oppgave


def test_the_fixture_serves_real_http_with_tokens(helsebro):
    token = helsebro.token("verktoykatalog_read")
    response = httpx.get(
        helsebro.base_url + "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy?SokeOrd=test",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert len(response.json()) == 2


def test_each_test_starts_from_the_default_data_part_1(helsebro):
    _send(helsebro)
    assert _tasks(helsebro) == 1


def test_each_test_starts_from_the_default_data_part_2(helsebro):
    assert _tasks(helsebro) == 0  # the task made by the previous test is gone


def test_operator_token_reaches_the_operator_api(helsebro):
    response = httpx.get(
        helsebro.base_url + "/operator/api/v1/innbyggere/12048645510", headers={"Authorization": f"Bearer {helsebro.operator_token()}"}
    )
    assert response.status_code == 200 and response.json()["fornavn"] == "Line"


def _send(helsebro) -> None:
    body = {
        "VerktoyId": "08ead360-0d65-448c-ba9e-8a08f0921c90",
        "InnbyggerFnr": "12048645510",
        "AvsenderOrgNummer": "913748263",
        "AvsenderNavn": "Klinikk",
    }
    token = helsebro.token("verktoysendtilinnbygger")
    response = httpx.post(helsebro.base_url + "/verktoy/system/verktoy/v2", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def _tasks(helsebro) -> int:
    with db.read(helsebro.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(verktoy_oppgave)).scalar()


def test_advance_moves_the_server_clock_for_every_rule(helsebro):
    token = helsebro.token("verktoykatalog_read")
    _send(helsebro)  # deadline: two weeks from today
    before = helsebro.now()
    after = helsebro.advance(days=14 + 93)
    assert after - before >= dt.timedelta(days=107)
    with db.read(helsebro.engine) as conn:
        assert conn.execute(sa.select(verktoy_oppgave.c.status)).scalar_one() == "utlopt"
    response = httpx.get(helsebro.base_url + "/verktoy/v1/SelvstendigVerktoy", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401  # the token's exp is long past on the server clock


def test_freeze_stops_the_clock_and_each_test_starts_on_real_time(helsebro):
    real = dt.datetime.now(dt.UTC)
    assert abs(helsebro.now() - real) < dt.timedelta(minutes=1)  # the previous test's move is undone
    frozen = helsebro.freeze(real + dt.timedelta(days=1))
    assert helsebro.now() == frozen == real + dt.timedelta(days=1)
    released = helsebro.release()  # runs on from where it stood
    assert frozen <= released < frozen + dt.timedelta(minutes=1)


def test_a_fault_and_the_requests_your_code_made(helsebro):
    token = helsebro.token("verktoykatalog_read", client="helsebro-demo-verktoy")
    made = helsebro.fault("verktoy", count=1)
    assert made["gjenstar"] == 1
    url = helsebro.base_url + "/verktoy/v1/SelvstendigVerktoy"
    first = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
    second = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
    assert (first.status_code, first.json()["Code"], second.status_code) == (500, "PVS-000204", 200)
    calls = helsebro.requests(client="helsebro-demo-verktoy", family="verktoy")
    assert [(c["metode"], c["sti"], c["status"], c["feil"]) for c in calls] == [
        ("GET", "/verktoy/v1/SelvstendigVerktoy", 500, made["id"]),
        ("GET", "/verktoy/v1/SelvstendigVerktoy", 200, None),
    ]


def test_a_dropped_connection_and_each_test_starts_without_faults_or_journal(helsebro):
    assert helsebro.requests() == []  # the previous test's calls are gone with its data
    helsebro.fault("pts", "brudd", count=1)
    try:
        httpx.post(helsebro.base_url + "/pts/access-restrictions/patient-safety/_search", json={})
        raise AssertionError("the connection was answered")
    except (httpx.RemoteProtocolError, httpx.ReadError):
        pass
    assert [c["status"] for c in helsebro.requests(family="pts")] == [0]
    try:
        helsebro.fault("pts", route="/pts/nosuch")
        raise AssertionError("a fault that cannot match was taken")
    except ValueError as exc:
        assert "Ingen rute" in str(exc)
