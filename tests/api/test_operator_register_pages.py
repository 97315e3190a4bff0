"""The operator's pages for health personnel and organisations under Testdata: create and edit with the operator
API's rules and messages, CSRF on every form, a health person's fødselsnummer masked and kept on an edit
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.api.test_operator_pages import csrf_of, logged_in_operator, visible

PERSONNEL, ORGANISATIONS = "/operator/testdata/helsepersonell", "/operator/testdata/organisasjoner"
HP_FNR = "13116900216"  # valid, not in the default population


@pytest.fixture()
def operator(app, engine) -> Iterator[TestClient]:
    yield from logged_in_operator(app, engine)


def test_a_health_person_is_created_and_edited_keeping_their_number(operator, client, tokens) -> None:
    listing = operator.get(PERSONNEL)
    form = {
        "csrf": csrf_of(listing),
        "hpr": "9144901",
        "fornavn": "Lege",
        "etternavn": "Sidesen",
        "fnr": HP_FNR,
        "autorisasjoner": "LE:Lege\nSP:Sykepleier",
    }
    created = operator.post(PERSONNEL, data=form, follow_redirects=False)
    assert (created.status_code, created.headers["location"]) == (303, PERSONNEL + "/9144901?lagret=1")
    page = operator.get(created.headers["location"])
    assert "Lagret." in visible(page.text) and HP_FNR not in page.text and HP_FNR[:6] + "*****" in page.text
    edited = operator.post(
        PERSONNEL + "/9144901",
        data={"csrf": csrf_of(page), "fornavn": "Overlege", "etternavn": "Sidesen", "autorisasjoner": "LE:Lege"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    operator_token = client.post(
        "/helseid/connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "helsebro-operator",
            "client_secret": "helsebro-operator",
            "scope": "helsebro:operator",
        },
    ).json()["access_token"]
    person = client.get("/operator/api/v1/helsepersonell/9144901", headers={"Authorization": f"Bearer {operator_token}"}).json()
    assert (person["fornavn"], person["fnr"], [a["kode"] for a in person["autorisasjoner"]]) == ("Overlege", HP_FNR, ["LE"])

    taken = operator.post(PERSONNEL, data={**form, "csrf": csrf_of(listing)})
    assert taken.status_code == 409
    bad = operator.post(PERSONNEL, data={**form, "hpr": "12a"})
    assert bad.status_code == 400 and HP_FNR not in bad.text
    lines = operator.post(PERSONNEL, data={**form, "hpr": "9144902", "autorisasjoner": "Lege"})
    assert lines.status_code == 400 and "skriv KODE:Navn" in visible(lines.text)


def test_an_organisation_is_created_and_edited(operator) -> None:
    listing = operator.get(ORGANISATIONS)
    created = operator.post(
        ORGANISATIONS,
        data={"csrf": csrf_of(listing), "orgnr": "921000006", "navn": "Min Virksomhet AS", "her_id": "8100099"},
        follow_redirects=False,
    )
    assert (created.status_code, created.headers["location"]) == (303, ORGANISATIONS + "/921000006?lagret=1")
    page = operator.get(created.headers["location"])
    edited = operator.post(ORGANISATIONS + "/921000006", data={"csrf": csrf_of(page), "navn": "Nytt Navn AS", "her_id": ""})
    assert edited.status_code == 200 and "Nytt Navn AS" in visible(edited.text) and 'value=""' in edited.text
    invalid = operator.post(ORGANISATIONS, data={"csrf": csrf_of(listing), "orgnr": "123456789", "navn": "X"})
    assert invalid.status_code == 400 and 'value="123456789"' in invalid.text
    no_csrf = operator.post(ORGANISATIONS, data={"orgnr": "974760673", "navn": "X"})
    assert no_csrf.status_code == 400 and "Skjemaet er utløpt eller ugyldig" in visible(no_csrf.text)
    assert operator.get(ORGANISATIONS + "/974760673").status_code == 404
