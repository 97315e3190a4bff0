"""Operator API: health personnel and organisations."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.registries.tables import helsepersonell, organisasjon
from tests.api.test_operator_auth import BASE, op, tenor_number  # noqa: F401

PERSONNEL = f"{BASE}/helsepersonell"
ORGANISATIONS = f"{BASE}/organisasjoner"
NEW_ORGNR = "974760673"  # valid mod 11, not in the default data


def row_count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# --- health personnel ------------------------------------------------------------------------------------


def test_create_get_and_replace_a_health_person(client, op, engine, fresh_data):
    fnr = tenor_number(dt.date(1979, 4, 4))
    body = {"hprNummer": "9876543", "fnr": fnr, "fornavn": "Ada", "etternavn": "Lege", "autorisasjoner": [{"kode": "LE", "navn": "Lege"}]}
    response = client.post(PERSONNEL, json=body, headers=op)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"{PERSONNEL}/9876543"
    assert response.json() == {**body, "navn": "Ada Lege"}
    assert client.get(f"{PERSONNEL}/9876543", headers=op).json() == response.json()

    replaced = client.put(
        f"{PERSONNEL}/9876543",
        json={
            "fornavn": "Ada",
            "etternavn": "Spesialist",
            "autorisasjoner": [{"kode": "LE", "navn": "Lege"}, {"kode": "PS", "navn": "Psykolog"}],
        },
        headers=op,
    )
    assert replaced.status_code == 200
    assert replaced.json() == {
        "hprNummer": "9876543",
        "fnr": None,  # PUT replaces: left out means none
        "fornavn": "Ada",
        "etternavn": "Spesialist",
        "navn": "Ada Spesialist",
        "autorisasjoner": [{"kode": "LE", "navn": "Lege"}, {"kode": "PS", "navn": "Psykolog"}],
    }
    same_number = client.put(f"{PERSONNEL}/9876543", json={"hprNummer": "9876543", "fornavn": "A", "etternavn": "B"}, headers=op)
    assert same_number.status_code == 200 and same_number.json()["autorisasjoner"] == []


def test_a_health_person_without_fnr_or_authorisations(client, op, fresh_data):
    response = client.post(PERSONNEL, json={"hprNummer": "1", "fornavn": "Kort", "etternavn": "Nummer"}, headers=op)
    assert response.status_code == 201
    assert (response.json()["fnr"], response.json()["autorisasjoner"]) == (None, [])


def test_get_the_seed_health_personnel(client, op):
    assert client.get(f"{PERSONNEL}/565513636", headers=op).json()["navn"] == "Venstre Morfar"
    assert client.get(f"{PERSONNEL}/4128168", headers=op).json()["navn"] == "Linda Ingrid Telle"


def test_list_health_personnel(client, op, engine):
    everyone = client.get(PERSONNEL, params={"limit": 1000}, headers=op).json()
    assert everyone["totalt"] == row_count(engine, helsepersonell) == len(everyone["helsepersonell"])
    found = client.get(PERSONNEL, params={"navn": "per OLSEN"}, headers=op).json()
    assert [p["hprNummer"] for p in found["helsepersonell"]] == ["1234567"]
    page = client.get(PERSONNEL, params={"limit": 2, "offset": 1}, headers=op).json()
    assert page["helsepersonell"] == everyone["helsepersonell"][1:3]


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"hprNummer": "12345678a"}, 400, "OP-000414", "HPR-nummer"),
        ({"hprNummer": "1234567890"}, 400, "OP-000414", "1-9 sifre"),
        ({"hprNummer": ""}, 400, "OP-000414", "HPR-nummer"),
        ({"hprNummer": "0123"}, 400, "OP-000414", "null"),
        ({"hprNummer": 1234}, 400, "OP-000400", "hprNummer må være en tekst"),
        ({"hprNummer": None}, 400, "OP-000400", "hprNummer"),
        ({"fnr": "12345678901"}, 400, "OP-000410", "fødselsnummer"),
        ({"fornavn": ""}, 400, "OP-000400", "fornavn må fylles ut"),
        ({"autorisasjoner": [{"kode": "LE"}]}, 400, "OP-000400", "autorisasjoner[0].navn mangler"),
        ({"autorisasjoner": [{"kode": " ", "navn": "Lege"}]}, 400, "OP-000400", "kode og navn"),
        ({"autorisasjoner": [{"kode": "LE", "navn": "Lege"}, {"kode": "LE", "navn": "Lege"}]}, 400, "OP-000400", "mer enn én gang"),
        ({"autorisasjoner": "LE"}, 400, "OP-000400", "autorisasjoner må være en liste"),
        ({"hprNummer": "1234567"}, 409, "OP-000409", "finnes allerede"),
    ],
)
def test_create_health_person_errors_change_nothing(client, op, engine, body, status, code, words):
    before = row_count(engine, helsepersonell)
    full = {"hprNummer": "7777777", "fornavn": "Ny", "etternavn": "Person", **body}
    response = client.post(PERSONNEL, json=full, headers=op)
    assert (response.status_code, response.json()["Code"]) == (status, code), response.text
    assert words in response.json()["Message"]
    assert row_count(engine, helsepersonell) == before


def test_a_fnr_belongs_to_one_health_person(client, op, engine, fresh_data):
    with engine.connect() as conn:
        taken = conn.execute(sa.select(helsepersonell.c.fnr).where(helsepersonell.c.hpr_nummer == "1234567")).scalar_one()
    response = client.post(PERSONNEL, json={"hprNummer": "7777777", "fnr": taken, "fornavn": "A", "etternavn": "B"}, headers=op)
    assert (response.status_code, response.json()["Code"]) == (409, "OP-000409")
    kept = client.put(f"{PERSONNEL}/1234567", json={"fnr": taken, "fornavn": "Per", "etternavn": "Olsen"}, headers=op)
    assert kept.status_code == 200  # keeping one's own number is no conflict


def test_replace_health_person_errors(client, op):
    before = client.get(f"{PERSONNEL}/1234567", headers=op).json()
    cases = [
        (f"{PERSONNEL}/7777777", {"fornavn": "A", "etternavn": "B"}, 404, "OP-000404"),
        (f"{PERSONNEL}/x", {"fornavn": "A", "etternavn": "B"}, 400, "OP-000414"),
        (f"{PERSONNEL}/1234567", {"hprNummer": "7654321", "fornavn": "A", "etternavn": "B"}, 400, "OP-000414"),
        (f"{PERSONNEL}/1234567", {"fornavn": "A"}, 400, "OP-000400"),
    ]
    for path, body, status, code in cases:
        response = client.put(path, json=body, headers=op)
        assert (response.status_code, response.json()["Code"]) == (status, code), response.text
    assert client.get(f"{PERSONNEL}/1234567", headers=op).json() == before


@pytest.mark.parametrize(("hpr", "status", "code"), [("7777777", 404, "OP-000404"), ("12a", 400, "OP-000414")])
def test_get_a_missing_or_malformed_health_person(client, op, hpr, status, code):
    response = client.get(f"{PERSONNEL}/{hpr}", headers=op)
    assert (response.status_code, response.json()["Code"]) == (status, code)


# --- organisations ---------------------------------------------------------------------------------------


def test_create_get_and_replace_an_organisation(client, op, fresh_data):
    response = client.post(ORGANISATIONS, json={"orgnr": NEW_ORGNR, "navn": "Testklinikken AS", "herId": "8100099"}, headers=op)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"{ORGANISATIONS}/{NEW_ORGNR}"
    assert response.json() == {"orgnr": NEW_ORGNR, "navn": "Testklinikken AS", "herId": "8100099"}
    assert client.get(f"{ORGANISATIONS}/{NEW_ORGNR}", headers=op).json() == response.json()

    replaced = client.put(f"{ORGANISATIONS}/{NEW_ORGNR}", json={"navn": "Testklinikken Nord AS"}, headers=op)
    assert replaced.status_code == 200
    assert replaced.json() == {"orgnr": NEW_ORGNR, "navn": "Testklinikken Nord AS", "herId": None}
    # With the HER-id freed, another organisation may take it.
    taken = client.put(
        f"{ORGANISATIONS}/926385143", json={"orgnr": "926385143", "navn": "Mestringsverket AS", "herId": "8100099"}, headers=op
    )
    assert taken.status_code == 200 and taken.json()["herId"] == "8100099"


def test_list_organisations(client, op, engine):
    everyone = client.get(ORGANISATIONS, headers=op).json()
    assert everyone["totalt"] == row_count(engine, organisasjon)
    names = [o["navn"] for o in everyone["organisasjoner"]]
    assert names == sorted(names, key=str.casefold)
    found = client.get(ORGANISATIONS, params={"navn": "kommune"}, headers=op).json()["organisasjoner"]
    with db.read(engine) as conn:
        all_names = conn.execute(sa.select(organisasjon.c.navn)).scalars().all()
    assert {o["navn"] for o in found} == {n for n in all_names if "kommune" in n.casefold()}
    assert {"Fjordvik kommune", "Bakkestad kommune"} <= {o["navn"] for o in found}


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"orgnr": "974760674"}, 400, "OP-000413", "organisasjonsnummer"),
        ({"orgnr": "97476067"}, 400, "OP-000413", "9 sifre"),
        ({"orgnr": None}, 400, "OP-000400", "orgnr"),
        ({"navn": " "}, 400, "OP-000400", "navn må fylles ut"),
        ({"navn": "x" * 201}, 400, "OP-000400", "høyst 200 tegn"),
        ({"herId": "12ab"}, 400, "OP-000400", "herId"),
        ({"herId": 8100001}, 400, "OP-000400", "herId må være en tekst"),
        ({"herId": "8100001"}, 409, "OP-000409", "HER-id"),
        ({"orgnr": "913748263"}, 409, "OP-000409", "finnes allerede"),
    ],
)
def test_create_organisation_errors_change_nothing(client, op, engine, body, status, code, words):
    before = row_count(engine, organisasjon)
    response = client.post(ORGANISATIONS, json={"orgnr": NEW_ORGNR, "navn": "Ny AS", **body}, headers=op)
    assert (response.status_code, response.json()["Code"]) == (status, code), response.text
    assert words in response.json()["Message"]
    assert row_count(engine, organisasjon) == before


def test_replace_organisation_errors(client, op):
    before = client.get(f"{ORGANISATIONS}/913748263", headers=op).json()
    cases = [
        (f"{ORGANISATIONS}/{NEW_ORGNR}", {"navn": "X"}, 404, "OP-000404"),
        (f"{ORGANISATIONS}/123", {"navn": "X"}, 400, "OP-000413"),
        (f"{ORGANISATIONS}/913748263", {"orgnr": NEW_ORGNR, "navn": "X"}, 400, "OP-000413"),
        (f"{ORGANISATIONS}/913748263", {"navn": "X", "herId": "8100002"}, 409, "OP-000409"),
        (f"{ORGANISATIONS}/913748263", {}, 400, "OP-000400"),
    ]
    for path, body, status, code in cases:
        response = client.put(path, json=body, headers=op)
        assert (response.status_code, response.json()["Code"]) == (status, code), response.text
    assert client.get(f"{ORGANISATIONS}/913748263", headers=op).json() == before


def test_keeping_its_own_her_id_is_no_conflict(client, op, fresh_data):
    response = client.put(f"{ORGANISATIONS}/913748263", json={"navn": "Helse Vestfjord HF", "herId": "8100001"}, headers=op)
    assert response.status_code == 200


@pytest.mark.parametrize(("orgnr", "status", "code"), [(NEW_ORGNR, 404, "OP-000404"), ("12345678", 400, "OP-000413")])
def test_get_a_missing_or_malformed_organisation(client, op, orgnr, status, code):
    response = client.get(f"{ORGANISATIONS}/{orgnr}", headers=op)
    assert (response.status_code, response.json()["Code"]) == (status, code)
