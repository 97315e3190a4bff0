"""Operator API: citizens. Create (given or generated number, consent), read, list, change, delete, and that
every refused request changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from helsebro.identifiers import FnrKind, birth_date, is_valid_fnr, kind_of
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.personvern.tables import pvk_historikk, pvk_innstilling
from helsebro.registries.tables import foreldreansvar, fullmakt, innbygger
from tests.api.test_operator_auth import BASE, SEED_CITIZEN, change_time, op, tenor_number, years_ago  # noqa: F401

CITIZENS = f"{BASE}/innbyggere"


def consent_rows(engine: sa.Engine, fnr: str) -> tuple[list, list]:
    """(current HN consent rows, HN consent history rows) of a citizen."""
    with engine.connect() as conn:
        current = conn.execute(
            sa.select(pvk_innstilling).where(
                (pvk_innstilling.c.innbygger_fnr == fnr) & (pvk_innstilling.c.definisjon_guid == HELSENORGE_CONSENT)
            )
        ).all()
        history = conn.execute(
            sa.select(pvk_historikk)
            .where((pvk_historikk.c.innbygger_fnr == fnr) & (pvk_historikk.c.definisjon_guid == HELSENORGE_CONSENT))
            .order_by(pvk_historikk.c.id)
        ).all()
    return current, history


def citizen_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(innbygger)).scalar_one()


def create(client, headers, **body):
    return client.post(CITIZENS, json={"fornavn": "Kari", "etternavn": "Nordmann", **body}, headers=headers)


# --- create --------------------------------------------------------------------------------------------


def test_create_with_a_given_number(client, op, engine, fresh_data):
    fnr = tenor_number(dt.date(1975, 3, 14))
    body = {"fnr": fnr, "mellomnavn": "Jensen", "adresse": "Sjøgata 4", "postnummer": "9008", "poststed": "TROMSØ"}
    response = create(client, op, **body)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"{CITIZENS}/{fnr}"
    assert response.json() == {
        "fnr": fnr,
        "fornavn": "Kari",
        "mellomnavn": "Jensen",
        "etternavn": "Nordmann",
        "navn": "Kari Jensen Nordmann",
        "fodselsdato": "1975-03-14",
        "adresse": "Sjøgata 4",
        "postnummer": "9008",
        "poststed": "TROMSØ",
        "dodsdato": None,
        "helsenorgeSamtykke": False,
        "foreldre": [],
        "barn": [],
        "fullmakterGitt": [],
        "fullmakterMottatt": [],
    }
    assert client.get(f"{CITIZENS}/{fnr}", headers=op).json() == response.json()
    assert change_time(engine, fnr) is not None  # a new citizen is news to the DigitaltAktiv feed
    assert consent_rows(engine, fnr) == ([], [])


def test_create_without_a_number_makes_a_valid_tenor_number_from_the_birth_date(client, op, fresh_data):
    first = create(client, op, fodselsdato="2012-02-29").json()
    second = create(client, op, fodselsdato="2012-02-29").json()
    for made in (first, second):
        assert is_valid_fnr(made["fnr"]) and kind_of(made["fnr"]) is FnrKind.TENOR
        assert birth_date(made["fnr"]) == dt.date(2012, 2, 29)
        assert made["fodselsdato"] == "2012-02-29"
    assert first["fnr"] != second["fnr"]


def test_the_birth_date_ignores_a_time_part(client, op, fresh_data):
    response = create(client, op, fodselsdato="1990-06-01T23:59:00Z")
    assert response.status_code == 201
    assert response.json()["fodselsdato"] == "1990-06-01"


def test_create_with_consent_writes_an_active_hn_consent_and_a_change(client, op, engine, fresh_data):
    response = create(client, op, fodselsdato="1988-08-08", helsenorgeSamtykke=True)
    assert response.status_code == 201
    fnr = response.json()["fnr"]
    assert response.json()["helsenorgeSamtykke"] is True
    current, history = consent_rows(engine, fnr)
    assert [(r.aktiv, r.definisjon_guid) for r in current] == [(True, HELSENORGE_CONSENT)]
    assert [(h.client_id, h.gammel_aktiv, h.ny_aktiv) for h in history] == [("helsebro-operator", None, True)]
    assert change_time(engine, fnr) is not None


def test_create_a_dead_citizen(client, op, fresh_data):
    response = create(client, op, fodselsdato="1930-01-01", dodsdato="2020-05-05")
    assert response.status_code == 201
    assert response.json()["dodsdato"] == "2020-05-05"


def test_blank_optional_fields_are_stored_as_absent(client, op, fresh_data):
    response = create(client, op, fodselsdato="1990-01-01", mellomnavn="  ", adresse="", fornavn="  Kari  ")
    assert response.json()["mellomnavn"] is None and response.json()["adresse"] is None
    assert response.json()["fornavn"] == "Kari"


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"fnr": "1234567890"}, "OP-000410", "11 sifre"),
        ({"fnr": "1204864551x"}, "OP-000410", "11 sifre"),
        ({"fnr": "12048645511"}, "OP-000410", "kontrollsifrene"),
        ({"fnr": "32018012345"}, "OP-000410", "fødselsdato"),
        ({}, "OP-000400", "fodselsdato"),
        ({"fodselsdato": "2999-01-01"}, "OP-000411", "fram i tid"),
        ({"fodselsdato": "1800-01-01"}, "OP-000411", "1854-2039"),
        ({"fodselsdato": "1990-02-30"}, "OP-000400", "dato"),
        ({"fodselsdato": "1990-01-01", "dodsdato": "1989-12-31"}, "OP-000411", "før fødselsdatoen"),
        ({"fodselsdato": "1990-01-01", "dodsdato": "2999-01-01"}, "OP-000411", "fram i tid"),
        ({"fodselsdato": "1990-01-01", "postnummer": "150"}, "OP-000400", "postnummer"),
        ({"fodselsdato": "1990-01-01", "postnummer": "O150"}, "OP-000400", "postnummer"),
        ({"fodselsdato": "1990-01-01", "fornavn": " "}, "OP-000400", "fornavn må fylles ut"),
        ({"fodselsdato": "1990-01-01", "fornavn": "x" * 101}, "OP-000400", "høyst 100 tegn"),
        ({"fodselsdato": "1990-01-01", "fornavn": None}, "OP-000400", "fornavn"),
        ({"fodselsdato": "1990-01-01", "fornavn": 7}, "OP-000400", "fornavn må være en tekst"),
        ({"fodselsdato": "1990-01-01", "helsenorgeSamtykke": "true"}, "OP-000400", "helsenorgeSamtykke må være true eller false"),
        ({"fodselsdato": "1990-01-01", "fodselsnummer": "x"}, "OP-000400", "fodselsnummer er ikke et kjent felt"),
        ({"fnr": 12048645510}, "OP-000400", "fnr må være en tekst"),
    ],
)
def test_create_refuses_bad_input_and_changes_nothing(client, op, engine, body, code, words):
    before = citizen_count(engine)
    response = create(client, op, **body)
    assert response.status_code == 400, response.text
    assert response.json()["Code"] == code
    assert words in response.json()["Message"]
    assert citizen_count(engine) == before


def test_create_with_a_birth_date_that_does_not_match_the_number(client, op, engine):
    fnr = tenor_number(dt.date(1975, 3, 14))
    response = create(client, op, fnr=fnr, fodselsdato="1975-03-15")
    assert response.status_code == 400
    assert response.json()["Code"] == "OP-000411"


def test_create_an_existing_number_is_409(client, op, engine):
    before = citizen_count(engine)
    response = create(client, op, fnr=_some_valid_citizen(engine))
    assert response.status_code == 409
    assert response.json() == {"Code": "OP-000409", "Message": "Det finnes allerede en innbygger med dette fødselsnummeret"}
    assert citizen_count(engine) == before


def _some_valid_citizen(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        numbers = conn.execute(sa.select(innbygger.c.fnr).order_by(innbygger.c.fnr)).scalars().all()
    return next(n for n in numbers if is_valid_fnr(n))


@pytest.mark.parametrize(
    ("content", "headers", "words"),
    [
        (b"{not json", {"Content-Type": "application/json"}, "ikke gyldig JSON"),
        (b"[1, 2]", {"Content-Type": "application/json"}, "JSON-objekt"),
        (b"", {}, "innholdet mangler"),
    ],
)
def test_create_with_a_malformed_body(client, op, content, headers, words):
    response = client.post(CITIZENS, content=content, headers={**op, **headers})
    assert response.status_code == 400
    assert response.json()["Code"] == "OP-000400"
    assert words in response.json()["Message"]


# --- read and list -------------------------------------------------------------------------------------


def test_get_the_seed_citizen(client, op):
    body = client.get(f"{CITIZENS}/{SEED_CITIZEN}", headers=op).json()
    assert (body["navn"], body["helsenorgeSamtykke"], body["dodsdato"]) == ("Line Danser", True, None)
    assert body["fodselsdato"] == "1986-04-12"


@pytest.mark.parametrize(
    ("fnr", "status", "code", "words"),
    [
        ("123", 400, "OP-000410", "11 sifre"),
        ("abcdefghijk", 400, "OP-000410", "11 sifre"),
        ("12048645511", 404, "OP-000404", "kontrollsifrene i fødselsnummeret stemmer ikke"),
    ],
)
def test_get_a_missing_or_malformed_number(client, op, fnr, status, code, words):
    response = client.get(f"{CITIZENS}/{fnr}", headers=op)
    assert response.status_code == status
    assert response.json()["Code"] == code
    assert words in response.json()["Message"]


def test_get_a_valid_number_nobody_has_is_404(client, op):
    response = client.get(f"{CITIZENS}/{tenor_number(dt.date(1901, 1, 1))}", headers=op)
    assert response.status_code == 404
    assert response.json() == {"Code": "OP-000404", "Message": "Fant ikke innbyggeren i folkeregisteret"}


def test_list_pages_through_everyone_in_name_order(client, op, engine):
    total = citizen_count(engine)
    first = client.get(CITIZENS, params={"limit": 100}, headers=op).json()
    assert (first["totalt"], first["limit"], first["offset"], len(first["innbyggere"])) == (total, 100, 0, 100)
    seen = []
    for offset in range(0, total, 100):
        seen += client.get(CITIZENS, params={"limit": 100, "offset": offset}, headers=op).json()["innbyggere"]
    assert len({c["fnr"] for c in seen}) == total
    assert set(seen[0]) == {"fnr", "navn", "dodsdato", "helsenorgeSamtykke"}
    assert client.get(CITIZENS, headers=op).json()["limit"] == 50


def test_list_by_name_matches_every_word_ignoring_case_also_for_æøå(client, op, fresh_data):
    create(client, op, fodselsdato="1970-01-01", fornavn="Åse", etternavn="Østgård")
    create(client, op, fodselsdato="1971-01-01", fornavn="Åse", etternavn="Berg")
    found = client.get(CITIZENS, params={"navn": "åse ØSTGÅRD"}, headers=op).json()
    assert [c["navn"] for c in found["innbyggere"]] == ["Åse Østgård"]
    assert found["totalt"] == 1
    assert client.get(CITIZENS, params={"navn": "Danser"}, headers=op).json()["innbyggere"][0]["fnr"] == SEED_CITIZEN


def test_list_puts_æ_ø_å_after_z(client, op, fresh_data):
    for etternavn in ("Zeta", "Åsen", "Ærlig", "Østby"):
        create(client, op, fodselsdato="1970-01-01", fornavn="Sortering", etternavn=etternavn)
    found = client.get(CITIZENS, params={"navn": "sortering"}, headers=op).json()["innbyggere"]
    assert [c["navn"].split()[1] for c in found] == ["Zeta", "Ærlig", "Østby", "Åsen"]


@pytest.mark.parametrize(
    ("params", "words"),
    [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"offset": -1}, "offset"), ({"limit": "ti"}, "limit må være et heltall")],
)
def test_list_with_a_bad_window(client, op, params, words):
    response = client.get(CITIZENS, params=params, headers=op)
    assert response.status_code == 400
    assert response.json()["Code"] == "OP-000400"
    assert words in response.json()["Message"]


# --- change --------------------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(client, op, fresh_data):
    fnr = create(client, op, fodselsdato="1980-01-01", mellomnavn="Midt", adresse="Gate 1").json()["fnr"]
    response = client.patch(f"{CITIZENS}/{fnr}", json={"etternavn": "Nyheim", "mellomnavn": None}, headers=op)
    assert response.status_code == 200
    body = response.json()
    assert (body["fornavn"], body["mellomnavn"], body["etternavn"], body["adresse"]) == ("Kari", None, "Nyheim", "Gate 1")
    assert client.get(f"{CITIZENS}/{fnr}", headers=op).json() == body


def test_setting_and_clearing_dodsdato_records_a_change_each_time(client, op, engine, fresh_data):
    before = change_time(engine, SEED_CITIZEN)
    dead = client.patch(f"{CITIZENS}/{SEED_CITIZEN}", json={"dodsdato": "2026-01-02"}, headers=op)
    assert dead.status_code == 200 and dead.json()["dodsdato"] == "2026-01-02"
    after_death = change_time(engine, SEED_CITIZEN)
    assert after_death > before
    alive = client.patch(f"{CITIZENS}/{SEED_CITIZEN}", json={"dodsdato": None}, headers=op)
    assert alive.json()["dodsdato"] is None
    assert change_time(engine, SEED_CITIZEN) > after_death


def test_a_parent_dying_records_a_change_for_the_child_too(client, op, engine, fresh_data):
    parent = create(client, op, fodselsdato="1980-01-01").json()["fnr"]
    child = create(client, op, fodselsdato=str(years_ago(5))).json()["fnr"]
    client.post(f"{CITIZENS}/{parent}/foreldreansvar", json={"barnFnr": child}, headers=op)
    before = change_time(engine, child)
    client.patch(f"{CITIZENS}/{parent}", json={"dodsdato": str(years_ago(0))}, headers=op)
    assert change_time(engine, child) > before


def test_a_name_change_is_no_digitaltaktiv_change(client, op, engine, fresh_data):
    before = change_time(engine, SEED_CITIZEN)
    client.patch(f"{CITIZENS}/{SEED_CITIZEN}", json={"adresse": "Ny vei 2"}, headers=op)
    assert change_time(engine, SEED_CITIZEN) == before


def test_withdrawing_and_giving_consent_keeps_history(client, op, engine, fresh_data):
    before = change_time(engine, SEED_CITIZEN)
    withdrawn = client.patch(f"{CITIZENS}/{SEED_CITIZEN}", json={"helsenorgeSamtykke": False}, headers=op)
    assert withdrawn.status_code == 200 and withdrawn.json()["helsenorgeSamtykke"] is False
    current, history = consent_rows(engine, SEED_CITIZEN)
    assert [r.aktiv for r in current] == [False]
    assert [(h.client_id, h.gammel_aktiv, h.ny_aktiv) for h in history][-1] == ("helsebro-operator", True, False)
    assert change_time(engine, SEED_CITIZEN) > before

    client.patch(f"{CITIZENS}/{SEED_CITIZEN}", json={"helsenorgeSamtykke": True}, headers=op)
    current, history = consent_rows(engine, SEED_CITIZEN)
    assert [r.aktiv for r in current] == [True]
    assert [(h.gammel_aktiv, h.ny_aktiv) for h in history][-2:] == [(True, False), (False, True)]


def test_repeating_the_same_consent_changes_nothing(client, op, engine, fresh_data):
    history_before = consent_rows(engine, SEED_CITIZEN)[1]
    change_before = change_time(engine, SEED_CITIZEN)
    response = client.patch(f"{CITIZENS}/{SEED_CITIZEN}", json={"helsenorgeSamtykke": True}, headers=op)
    assert response.status_code == 200
    assert consent_rows(engine, SEED_CITIZEN)[1] == history_before
    assert change_time(engine, SEED_CITIZEN) == change_before


def test_withdrawing_a_consent_never_given_writes_nothing(client, op, engine, fresh_data):
    fnr = create(client, op, fodselsdato="1980-01-01").json()["fnr"]
    client.patch(f"{CITIZENS}/{fnr}", json={"helsenorgeSamtykke": False}, headers=op)
    assert consent_rows(engine, fnr) == ([], [])


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"fornavn": None}, "OP-000400", "fornavn må fylles ut"),
        ({"etternavn": ""}, "OP-000400", "etternavn må fylles ut"),
        ({"helsenorgeSamtykke": None}, "OP-000400", "helsenorgeSamtykke"),
        ({"dodsdato": "2999-01-01"}, "OP-000411", "fram i tid"),
        ({"dodsdato": "1900-01-01"}, "OP-000411", "før fødselsdatoen"),
        ({"postnummer": "12345"}, "OP-000400", "postnummer"),
        ({"fnr": "13880549868"}, "OP-000400", "fnr er ikke et kjent felt"),
        # The valid part of a refused request is not written either.
        ({"adresse": "Skal ikke lagres", "dodsdato": "2999-01-01"}, "OP-000411", "fram i tid"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(client, op, engine, body, code, words):
    before = client.get(f"{CITIZENS}/{SEED_CITIZEN}", headers=op).json()
    change_before = change_time(engine, SEED_CITIZEN)
    response = client.patch(f"{CITIZENS}/{SEED_CITIZEN}", json=body, headers=op)
    assert response.status_code == 400, response.text
    assert response.json()["Code"] == code
    assert words in response.json()["Message"]
    assert client.get(f"{CITIZENS}/{SEED_CITIZEN}", headers=op).json() == before
    assert change_time(engine, SEED_CITIZEN) == change_before


def test_patch_a_missing_citizen_is_404(client, op):
    response = client.patch(f"{CITIZENS}/{tenor_number(dt.date(1901, 1, 1))}", json={"fornavn": "X"}, headers=op)
    assert response.status_code == 404
    assert response.json()["Code"] == "OP-000404"


# --- delete --------------------------------------------------------------------------------------------


def test_delete_removes_the_citizen_their_links_and_settings_but_keeps_history(client, op, engine, fresh_data):
    parent = create(client, op, fodselsdato="1980-01-01", helsenorgeSamtykke=True).json()["fnr"]
    child = create(client, op, fodselsdato=str(years_ago(3))).json()["fnr"]
    holder = create(client, op, fodselsdato="1970-01-01").json()["fnr"]
    client.post(f"{CITIZENS}/{parent}/foreldreansvar", json={"barnFnr": child}, headers=op)
    client.post(f"{BASE}/fullmakter", json={"fullmaktsgiverFnr": parent, "fullmektigFnr": holder, "gyldigFra": "2026-01-01"}, headers=op)
    child_before = change_time(engine, child)

    response = client.delete(f"{CITIZENS}/{parent}", headers=op)
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"{CITIZENS}/{parent}", headers=op).status_code == 404
    assert client.get(f"{CITIZENS}/{child}", headers=op).json()["foreldre"] == []
    assert client.get(f"{CITIZENS}/{holder}", headers=op).json()["fullmakterMottatt"] == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(foreldreansvar).where(foreldreansvar.c.forelder_fnr == parent)).first() is None
        assert conn.execute(sa.select(fullmakt).where(fullmakt.c.fullmaktsgiver_fnr == parent)).first() is None
    current, history = consent_rows(engine, parent)
    assert current == [] and len(history) == 1
    assert change_time(engine, child) > child_before


def test_delete_twice_is_404(client, op, fresh_data):
    fnr = create(client, op, fodselsdato="1980-01-01").json()["fnr"]
    assert client.delete(f"{CITIZENS}/{fnr}", headers=op).status_code == 204
    response = client.delete(f"{CITIZENS}/{fnr}", headers=op)
    assert response.status_code == 404 and response.json()["Code"] == "OP-000404"


def test_delete_with_a_malformed_number_is_400(client, op):
    response = client.delete(f"{CITIZENS}/123", headers=op)
    assert response.status_code == 400 and response.json()["Code"] == "OP-000410"


def test_a_concurrent_creation_of_the_same_number_is_409_not_500(client, op, engine, fresh_data):
    """On PostgreSQL the rule check cannot see the other, uncommitted row: the unique key decides, and that
    must come out as a conflict too."""
    import threading
    import time

    from helsebro import db
    from helsebro.registries import admin

    fnr = tenor_number(dt.date(1966, 6, 6), start=200)
    answers = []
    with db.write(engine) as conn:
        admin.create_citizen(conn, admin.NewCitizen("Først", "Ute", fnr=fnr), actor="test")
        racer = threading.Thread(target=lambda: answers.append(create(client, op, fnr=fnr)))
        racer.start()
        time.sleep(0.5)  # the request is now waiting for this transaction's lock
    racer.join(timeout=30)
    assert [(r.status_code, r.json()["Code"]) for r in answers] == [(409, "OP-000409")]
    assert client.get(f"{CITIZENS}/{fnr}", headers=op).json()["fornavn"] == "Først"
