"""Status search: POST /svarut/api/v3/kontoer/{kontoId}/forsendelser/status/sok (forsendelse-status-api-v3.json).

Every response is checked against KS's spec. Only the account's own letters are answered; an id that names no
letter of the account is left out (the spec defines no error for it).
"""

from __future__ import annotations

import datetime as dt

import pytest

from helsebro import db
from helsebro.svarut import status
from tests.support_svarut import (  # noqa: F401  (svarut is a fixture)
    ANNEN_INTEGRASJON,
    ANNEN_PASSORD,
    INTEGRASJON,
    KONTO,
    KONTO_UTEN_HER_ID,
    KONTO_UTEN_TILGANG,
    PASSORD,
    new_uuid,
    pdf,
    person_letter,
    print_letter,
    svarut,
)


@pytest.fixture(scope="module")
def sent(svarut) -> list[str]:
    return [svarut.send_ok("person", person_letter(), [("vedtak.pdf", pdf(str(i)))]) for i in range(3)]


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_own_letters_are_answered_in_the_order_asked(svarut, sent):
    asked = [sent[2], sent[0], sent[1]]
    statuser = svarut.status({"id": asked}).json()["statuser"]
    assert [s["id"] for s in statuser] == asked
    assert {s["status"] for s in statuser} == {"MOTTATT"}
    for item in statuser:
        assert item["sisteStatusEndring"].endswith("Z")
        assert abs(parse_time(item["sisteStatusEndring"]) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_unknown_ids_are_left_out(svarut, sent):
    statuser = svarut.status({"id": [new_uuid(), sent[0], new_uuid()]}).json()["statuser"]
    assert [s["id"] for s in statuser] == [sent[0]]


def test_letters_of_another_account_are_left_out(svarut, sent):
    other = svarut.send_ok("person", person_letter(), [("vedtak.pdf", pdf())], konto=KONTO_UTEN_HER_ID)
    assert svarut.status({"id": [other, sent[0]]}).json()["statuser"] == svarut.status({"id": [sent[0]]}).json()["statuser"]
    assert [s["id"] for s in svarut.status({"id": [other]}, konto=KONTO_UTEN_HER_ID).json()["statuser"]] == [other]


def test_a_changed_status_is_reported_with_its_time(svarut):
    letter_id = svarut.send_ok("print", print_letter(), [("brev.pdf", pdf())])
    changed = dt.datetime(2026, 11, 24, 10, 33, 55, 8000, tzinfo=dt.UTC)
    with db.write(svarut.engine) as conn:
        status.record(conn, letter_id, "SENDT_PRINT", changed)
    [item] = svarut.status({"id": [letter_id]}).json()["statuser"]
    assert item == {"id": letter_id, "sisteStatusEndring": "2026-11-24T10:33:55.008Z", "status": "SENDT_PRINT"}


def test_empty_and_repeated_ids(svarut, sent):
    assert svarut.status({"id": []}).json() == {"statuser": []}
    assert [s["id"] for s in svarut.status({"id": [sent[0], sent[0]]}).json()["statuser"]] == [sent[0]]


def test_ids_are_matched_whatever_their_case(svarut, sent):
    assert [s["id"] for s in svarut.status({"id": [sent[1].upper()]}).json()["statuser"]] == [sent[1]]


def test_any_content_type_is_read_as_json(svarut, sent):
    response = svarut.status(None, content=f'{{"id": ["{sent[0]}"]}}', headers={**svarut.headers(), "Content-Type": "text/plain"})
    assert [s["id"] for s in response.json()["statuser"]] == [sent[0]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "id"),
        ({"id": None}, "id"),
        ({"id": ["ikke-en-uuid"]}, "id[0]"),
        ({"id": "7d3c9a52-4b1e-4f0a-9c6d-2e8b5a1f0c37"}, "id"),
        ({"ID": []}, ""),
        ([], ""),
    ],
    ids=["missing", "null", "not-uuid", "not-list", "wrong-case", "not-object"],
)
def test_invalid_search_is_400(svarut, body, field):
    response = svarut.status(body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "VALIDERING_FEILET"
    assert f"{field}:" in response.json()["message"] or field == ""


def test_body_that_is_not_json_is_400(svarut):
    response = svarut.status(None, content="id=1", headers={**svarut.headers(), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errorCode"] == "UGYLDIG_JSON"


def test_no_token_is_401(svarut):
    response = svarut.status({"id": []}, headers={"IntegrasjonId": INTEGRASJON, "IntegrasjonPassord": PASSORD})
    assert response.status_code == 401
    assert response.json()["errorCode"] == "SEC-110000" and "access token is required" in response.json()["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_integration_password_is_401(svarut):
    response = svarut.status({"id": []}, headers=svarut.headers(passord="feil"))
    assert response.status_code == 401 and response.json()["errorCode"] == "INTEGRASJON_UGYLDIG"


def test_integration_of_another_organisation_is_401(svarut):
    response = svarut.status({"id": []}, headers=svarut.headers(integrasjon=ANNEN_INTEGRASJON, passord=ANNEN_PASSORD))
    assert response.status_code == 401 and response.json()["errorCode"] == "INTEGRASJON_ANNEN_ORGANISASJON"


def test_unknown_account_is_404(svarut):
    konto = new_uuid()
    response = svarut.status({"id": []}, konto=konto)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "KONTO_FINNES_IKKE" and konto in response.json()["message"]


def test_account_that_has_not_granted_the_integration_is_403(svarut):
    response = svarut.status({"id": []}, konto=KONTO_UTEN_TILGANG)
    assert response.status_code == 403
    assert response.json()["errorCode"] == "KONTO_INGEN_TILGANG" and KONTO_UTEN_TILGANG in response.json()["message"]
