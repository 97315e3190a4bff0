"""Operator API: parental responsibility and powers of attorney, and a whole set-up scenario over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from helsebro.digitaltaktiv.tables import digitaltaktiv_endring
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.personvern.tables import pvk_historikk, pvk_innstilling
from helsebro.registries.tables import foreldreansvar, fullmakt, innbygger
from tests.api.test_operator_auth import BASE, SEED_CITIZEN, change_time, op, tenor_number, years_ago  # noqa: F401

CITIZENS = f"{BASE}/innbyggere"
POWERS = f"{BASE}/fullmakter"


def new_citizen(client, headers, born: dt.date | str, **body) -> str:
    response = client.post(CITIZENS, json={"fornavn": "Test", "etternavn": "Person", "fodselsdato": str(born), **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["fnr"]


def link_rows(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        count = lambda table: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()  # noqa: E731
        return count(foreldreansvar), count(fullmakt)


# --- parental responsibility -----------------------------------------------------------------------------


def test_add_and_remove_parental_responsibility(client, op, engine, fresh_data):
    parent = new_citizen(client, op, "1985-05-05")
    child = new_citizen(client, op, years_ago(10))
    before = change_time(engine, parent), change_time(engine, child)

    response = client.post(f"{CITIZENS}/{parent}/foreldreansvar", json={"barnFnr": child}, headers=op)
    assert response.status_code == 201
    assert response.json() == {"forelderFnr": parent, "barnFnr": child}
    assert [p["fnr"] for p in client.get(f"{CITIZENS}/{child}", headers=op).json()["foreldre"]] == [parent]
    assert client.get(f"{CITIZENS}/{parent}", headers=op).json()["barn"] == [{"fnr": child, "navn": "Test Person"}]
    added = change_time(engine, parent), change_time(engine, child)
    assert added[0] > before[0] and added[1] > before[1]

    removed = client.delete(f"{CITIZENS}/{parent}/foreldreansvar/{child}", headers=op)
    assert removed.status_code == 204
    assert client.get(f"{CITIZENS}/{child}", headers=op).json()["foreldre"] == []
    assert change_time(engine, parent) > added[0] and change_time(engine, child) > added[1]


def test_parental_responsibility_for_an_adult_is_400(client, op, engine, fresh_data):
    parent = new_citizen(client, op, "1950-01-01")
    adult = new_citizen(client, op, years_ago(18))  # 18 today
    before = link_rows(engine)
    response = client.post(f"{CITIZENS}/{parent}/foreldreansvar", json={"barnFnr": adult}, headers=op)
    assert response.status_code == 400
    assert response.json()["Code"] == "OP-000412"
    assert "mindreårig" in response.json()["Message"]
    assert link_rows(engine) == before


def test_a_child_turning_18_tomorrow_is_still_a_minor(client, op, fresh_data):
    parent = new_citizen(client, op, "1980-01-01")
    child = new_citizen(client, op, years_ago(18, days=-1))
    assert client.post(f"{CITIZENS}/{parent}/foreldreansvar", json={"barnFnr": child}, headers=op).status_code == 201


def test_parental_responsibility_errors(client, op, engine, fresh_data):
    parent = new_citizen(client, op, "1985-05-05")
    child = new_citizen(client, op, years_ago(4))
    younger = new_citizen(client, op, years_ago(2))
    nobody = tenor_number(dt.date(2020, 1, 1), start=990)
    post = lambda p, body: client.post(f"{CITIZENS}/{p}/foreldreansvar", json=body, headers=op)  # noqa: E731
    cases = [
        (post(parent, {"barnFnr": "123"}), 400, "OP-000410"),
        (post("123", {"barnFnr": child}), 400, "OP-000410"),
        (post(parent, {}), 400, "OP-000400"),
        (post(parent, {"barnFnr": nobody}), 404, "OP-000404"),
        (post(nobody, {"barnFnr": child}), 404, "OP-000404"),
        (post(child, {"barnFnr": child}), 400, "OP-000400"),
        (post(younger, {"barnFnr": child}), 400, "OP-000400"),  # the parent must be born first
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["Code"]) == (status, code), response.text
    assert "barnet" in post(parent, {"barnFnr": nobody}).json()["Message"]

    assert post(parent, {"barnFnr": child}).status_code == 201
    again = post(parent, {"barnFnr": child})
    assert (again.status_code, again.json()["Code"]) == (409, "OP-000409")


def test_removing_a_link_that_does_not_exist_is_404(client, op):
    response = client.delete(f"{CITIZENS}/{SEED_CITIZEN}/foreldreansvar/{SEED_CITIZEN}", headers=op)
    assert response.status_code == 404 and response.json()["Code"] == "OP-000404"
    malformed = client.delete(f"{CITIZENS}/{SEED_CITIZEN}/foreldreansvar/42", headers=op)
    assert malformed.status_code == 400 and malformed.json()["Code"] == "OP-000410"


# --- powers of attorney ----------------------------------------------------------------------------------


def test_add_get_change_and_remove_a_power_of_attorney(client, op, engine, fresh_data):
    giver = new_citizen(client, op, "1935-02-02")
    holder = new_citizen(client, op, "1975-07-07")
    before = change_time(engine, giver), change_time(engine, holder)

    response = client.post(POWERS, json={"fullmaktsgiverFnr": giver, "fullmektigFnr": holder, "gyldigFra": "2026-01-01"}, headers=op)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created == {
        "id": created["id"],
        "fullmaktsgiverFnr": giver,
        "fullmektigFnr": holder,
        "gyldigFra": "2026-01-01",
        "gyldigTil": None,
    }
    assert response.headers["Location"] == f"{POWERS}/{created['id']}"
    assert client.get(f"{POWERS}/{created['id']}", headers=op).json() == created
    assert client.get(f"{CITIZENS}/{giver}", headers=op).json()["fullmakterGitt"] == [created]
    assert client.get(f"{CITIZENS}/{holder}", headers=op).json()["fullmakterMottatt"] == [created]
    added = change_time(engine, giver), change_time(engine, holder)
    assert added[0] > before[0] and added[1] > before[1]

    ended = client.patch(f"{POWERS}/{created['id']}", json={"gyldigTil": "2026-06-30"}, headers=op)
    assert ended.status_code == 200
    assert ended.json() == {**created, "gyldigTil": "2026-06-30"}
    assert change_time(engine, giver) > added[0]

    removed = client.delete(f"{POWERS}/{created['id']}", headers=op)
    assert removed.status_code == 204
    assert client.get(f"{POWERS}/{created['id']}", headers=op).status_code == 404
    assert client.get(f"{CITIZENS}/{giver}", headers=op).json()["fullmakterGitt"] == []


def test_a_power_of_attorney_with_an_end_date(client, op, fresh_data):
    giver = new_citizen(client, op, "1940-01-01")
    holder = new_citizen(client, op, "1980-01-01")
    body = {"fullmaktsgiverFnr": giver, "fullmektigFnr": holder, "gyldigFra": "2026-01-01", "gyldigTil": "2026-01-01"}
    response = client.post(POWERS, json=body, headers=op)
    assert response.status_code == 201
    assert response.json()["gyldigTil"] == "2026-01-01"  # a one-day power of attorney is fine


def test_power_of_attorney_errors_change_nothing(client, op, engine, fresh_data):
    giver = new_citizen(client, op, "1940-01-01")
    holder = new_citizen(client, op, "1980-01-01")
    minor = new_citizen(client, op, years_ago(12))
    nobody = tenor_number(dt.date(1960, 1, 1), start=400)
    valid = {"fullmaktsgiverFnr": giver, "fullmektigFnr": holder, "gyldigFra": "2026-01-01"}
    cases = [
        ({**valid, "fullmektigFnr": giver}, 400, "OP-000400", "samme person"),
        ({**valid, "gyldigTil": "2025-12-31"}, 400, "OP-000411", "gyldigTil"),
        ({**valid, "gyldigFra": "2026-13-01"}, 400, "OP-000400", "gyldigFra"),
        ({k: v for k, v in valid.items() if k != "gyldigFra"}, 400, "OP-000400", "gyldigFra mangler"),
        ({**valid, "fullmaktsgiverFnr": "1"}, 400, "OP-000410", "fullmaktsgiver"),
        ({**valid, "fullmektigFnr": nobody}, 404, "OP-000404", "fullmektig"),
        ({**valid, "fullmektigFnr": minor}, 400, "OP-000400", "over 18"),
        ({**valid, "ekstra": True}, 400, "OP-000400", "ekstra er ikke et kjent felt"),
    ]
    before = link_rows(engine)
    for body, status, code, words in cases:
        response = client.post(POWERS, json=body, headers=op)
        assert (response.status_code, response.json()["Code"]) == (status, code), (body, response.text)
        assert words in response.json()["Message"]
    assert link_rows(engine) == before


def test_overlapping_powers_of_attorney_for_the_same_pair_are_409(client, op, fresh_data):
    giver = new_citizen(client, op, "1940-01-01")
    holder = new_citizen(client, op, "1980-01-01")
    pair = {"fullmaktsgiverFnr": giver, "fullmektigFnr": holder}
    first = client.post(POWERS, json={**pair, "gyldigFra": "2026-01-01", "gyldigTil": "2026-03-31"}, headers=op).json()
    overlapping = client.post(POWERS, json={**pair, "gyldigFra": "2026-03-31"}, headers=op)
    assert (overlapping.status_code, overlapping.json()["Code"]) == (409, "OP-000409")
    later = client.post(POWERS, json={**pair, "gyldigFra": "2026-04-01"}, headers=op)
    assert later.status_code == 201
    stretched = client.patch(f"{POWERS}/{first['id']}", json={"gyldigTil": None}, headers=op)
    assert stretched.status_code == 409
    assert client.get(f"{POWERS}/{first['id']}", headers=op).json() == first


@pytest.mark.parametrize(("path", "status", "code"), [("/999999", 404, "OP-000404"), ("/abc", 400, "OP-000400")])
def test_missing_or_malformed_power_of_attorney_id(client, op, path, status, code):
    for method, body in (("GET", None), ("PATCH", {"gyldigTil": "2030-01-01"}), ("DELETE", None)):
        response = client.request(method, POWERS + path, json=body, headers=op)
        assert (response.status_code, response.json()["Code"]) == (status, code)


def test_changing_a_period_to_end_before_it_starts_is_400(client, op, fresh_data):
    giver = new_citizen(client, op, "1940-01-01")
    holder = new_citizen(client, op, "1980-01-01")
    created = client.post(POWERS, json={"fullmaktsgiverFnr": giver, "fullmektigFnr": holder, "gyldigFra": "2026-02-01"}, headers=op).json()
    response = client.patch(f"{POWERS}/{created['id']}", json={"gyldigTil": "2026-01-01"}, headers=op)
    assert (response.status_code, response.json()["Code"]) == (400, "OP-000411")
    cleared = client.patch(f"{POWERS}/{created['id']}", json={"gyldigFra": None}, headers=op)
    assert (cleared.status_code, cleared.json()["Code"]) == (400, "OP-000411")
    assert client.get(f"{POWERS}/{created['id']}", headers=op).json() == created


# --- a whole scenario --------------------------------------------------------------------------------------


def test_scenario_family_set_up_over_http(client, op, engine, fresh_data):
    """What a vendor's test suite does: a parent and a small child, linked, and the parent gives consent."""
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    parent = client.post(
        CITIZENS,
        json={
            "fodselsdato": "1984-09-30",
            "fornavn": "Siri",
            "etternavn": "Fjellheim",
            "adresse": "Tunveien 3",
            "postnummer": "2317",
            "poststed": "HAMAR",
        },
        headers=op,
    ).json()["fnr"]
    child = client.post(CITIZENS, json={"fodselsdato": str(years_ago(6)), "fornavn": "Mio", "etternavn": "Fjellheim"}, headers=op).json()[
        "fnr"
    ]
    linked = client.post(f"{CITIZENS}/{parent}/foreldreansvar", json={"barnFnr": child}, headers=op)
    assert linked.status_code == 201
    child_linked = change_time(engine, child)
    consented = client.patch(f"{CITIZENS}/{parent}", json={"helsenorgeSamtykke": True}, headers=op)
    assert consented.status_code == 200

    profile = consented.json()
    assert profile["helsenorgeSamtykke"] is True
    assert profile["barn"] == [{"fnr": child, "navn": "Mio Fjellheim"}]
    assert client.get(f"{CITIZENS}/{child}", headers=op).json()["foreldre"] == [{"fnr": parent, "navn": "Siri Fjellheim"}]

    with engine.connect() as conn:
        people = conn.execute(sa.select(innbygger.c.fnr, innbygger.c.poststed).where(innbygger.c.fnr.in_([parent, child]))).all()
        assert sorted(people) == sorted([(parent, "HAMAR"), (child, None)])
        assert conn.execute(
            sa.select(foreldreansvar.c.forelder_fnr, foreldreansvar.c.barn_fnr).where(foreldreansvar.c.barn_fnr == child)
        ).all() == [(parent, child)]
        setting = conn.execute(
            sa.select(pvk_innstilling.c.aktiv, pvk_innstilling.c.definisjon_guid).where(pvk_innstilling.c.innbygger_fnr == parent)
        ).all()
        assert setting == [(True, HELSENORGE_CONSENT)]
        history = conn.execute(
            sa.select(pvk_historikk.c.client_id, pvk_historikk.c.gammel_aktiv, pvk_historikk.c.ny_aktiv).where(
                pvk_historikk.c.innbygger_fnr == parent
            )
        ).all()
        assert history == [("helsebro-operator", None, True)]
        assert conn.execute(sa.select(pvk_innstilling).where(pvk_innstilling.c.innbygger_fnr == child)).first() is None
        changed = dict(
            conn.execute(
                sa.select(digitaltaktiv_endring.c.fnr, digitaltaktiv_endring.c.endret).where(
                    digitaltaktiv_endring.c.fnr.in_([parent, child])
                )
            ).all()
        )
    assert set(changed) == {parent, child}
    assert all(_utc(when) >= started for when in changed.values())
    # The parent's consent is news for the child too: the child is now active via the parent.
    assert changed[child] > child_linked


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
