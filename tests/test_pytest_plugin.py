"""The pytest plugin users put in their own suites: the ``helsebro`` fixture (loaded by entry point)."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from helsebro import db
from helsebro.verktoy.tables import verktoy_oppgave


def test_the_fixture_serves_real_http_with_tokens(helsebro):
    token = helsebro.token("verktoykatalog_read")
    response = httpx.get(helsebro.base_url + "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy?SokeOrd=test",
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert len(response.json()) == 2


def test_each_test_starts_from_the_default_data_part_1(helsebro):
    _send(helsebro)
    assert _tasks(helsebro) == 1


def test_each_test_starts_from_the_default_data_part_2(helsebro):
    assert _tasks(helsebro) == 0  # the task made by the previous test is gone


def test_operator_token_reaches_the_operator_api(helsebro):
    response = httpx.get(helsebro.base_url + "/operator/api/v1/innbyggere/12048645510",
                         headers={"Authorization": f"Bearer {helsebro.operator_token()}"})
    assert response.status_code == 200 and response.json()["fornavn"] == "Line"


def _send(helsebro) -> None:  # noqa: ANN001
    body = {"VerktoyId": "08ead360-0d65-448c-ba9e-8a08f0921c90", "InnbyggerFnr": "12048645510",
            "AvsenderOrgNummer": "913748263", "AvsenderNavn": "Klinikk"}
    token = helsebro.token("verktoysendtilinnbygger")
    response = httpx.post(helsebro.base_url + "/verktoy/system/verktoy/v2", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def _tasks(helsebro) -> int:  # noqa: ANN001
    with db.read(helsebro.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(verktoy_oppgave)).scalar()
