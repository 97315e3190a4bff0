"""The request journal (/operator/api/v1/journal): every call to a family's API with its time, family, method,
path, client, organisation, status, error code and duration; the guard's deciding check for a refusal, with
the token inspector's verdict; filters, newest first, paged; bodies only when asked, masked; retention by
count and age; emptied by a reset; and never a token, a secret, a password or an unmasked fødselsnummer in
what is stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from helsebro import db
from helsebro.app import create_app
from helsebro.auth.clients import ApiClient, save_client
from helsebro.auth.passwords import hash_secret
from helsebro.steering import journal
from helsebro.steering.tables import journal as journal_table
from helsebro.testdata import loader
from tests.api.test_operator_auth import operator_token
from tests.conftest import PUBLIC_URL
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT, TokenHelper, demo_key

JOURNAL = "/operator/api/v1/journal"
CATALOG = "/verktoy/v1/SelvstendigVerktoy"
CHECK = "/digitaltaktiv/helsenorgeaktivsjekken/v1"
SEED_CITIZEN = "12048645510"
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


@pytest.fixture(autouse=True)
def empty_journal(engine, app) -> Iterator[None]:
    loader.reset(engine)  # a reset empties the journal: each test sees its own calls
    yield
    loader.reset(engine)
    app.state.services.state["verktoy"].invalidate()


def op(client) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token(client)}"}


def entries(client, **filters) -> list[dict]:
    response = client.get(JOURNAL, params=filters, headers=op(client))
    assert response.status_code == 200, response.text
    return response.json()["foresporsler"]


def stored(engine) -> list[dict]:
    journal.flush(engine)
    with db.read(engine) as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(journal_table).order_by(journal_table.c.id))]


# -- what a call leaves --------------------------------------------------------------------------------------


def test_a_call_is_recorded_with_who_made_it_and_how_it_went(client, tokens):
    headers = tokens.bearer("verktoykatalog_read", VERKTOY_CLIENT)
    assert client.get(CATALOG, params={"AntallVerktoy": 2}, headers=headers).status_code == 200
    (call,) = entries(client, familie="verktoy")
    assert (call["familie"], call["metode"], call["sti"], call["sporring"]) == ("verktoy", "GET", CATALOG, "AntallVerktoy=2")
    assert (call["klientId"], call["status"], call["feilkode"], call["avvisning"]) == (VERKTOY_CLIENT, 200, None, None)
    assert call["organisasjon"] == "910000004" and call["varighetMs"] > 0
    assert abs(dt.datetime.fromisoformat(call["tid"].replace("Z", "+00:00")) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    # The token request that got the token is there too, under the token service, with the client it named.
    (token_call,) = entries(client, familie="helseid", klientId=VERKTOY_CLIENT)
    assert (token_call["metode"], token_call["sti"], token_call["klientId"], token_call["status"]) == (
        "POST",
        "/helseid/connect/token",
        VERKTOY_CLIENT,
        200,
    )
    assert token_call["organisasjon"] == "910000004"  # the client's, looked up when written


def test_an_error_answer_records_its_code(client, tokens):
    headers = tokens.bearer("helsenorgeaktivsjekken", EPJ_CLIENT)
    assert client.post(CHECK, json={"fnrListe": ["123"], "omraade": "Helsehjelp"}, headers=headers).status_code == 400
    (call,) = entries(client, familie="digitaltaktiv")
    assert (call["status"], call["feilkode"]) == (400, "DA-000402")
    refused = client.post("/helseid/connect/token", data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"})
    assert refused.status_code in (400, 401)
    assert entries(client, familie="helseid", klientId="nobody")[0]["feilkode"] == "invalid_client"


def test_a_refusal_names_the_guards_deciding_check_and_the_inspectors_verdict(client, tokens):
    assert client.get(CATALOG).status_code == 401
    wrong_scope = tokens.bearer("verktoysendtilinnbygger", VERKTOY_CLIENT)
    assert client.get(CATALOG, headers=wrong_scope).status_code == 403
    forged = tokens.get("verktoykatalog_read")[:-4] + "AAAA"
    assert client.get(CATALOG, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    signature, scope, missing = entries(client, familie="verktoy")  # newest first
    assert missing["avvisning"]["kontroll"] == "authorization" and "Authorization header" in missing["avvisning"]["grunn"]
    assert scope["avvisning"]["kontroll"] == "scope" and scope["klientId"] == VERKTOY_CLIENT  # a good token, the wrong scope
    assert signature["avvisning"]["kontroll"] == "signature" and signature["klientId"] is None  # a forged token names nobody
    assert all(e["avvisning"]["verdikt"] is None for e in (signature, scope, missing))  # the list leaves it out
    # One call shows the inspector's lines; the deciding one is marked.
    detail = client.get(f"{JOURNAL}/{scope['id']}", headers=op(client)).json()
    lines = detail["avvisning"]["verdikt"]
    assert [line["kontroll"] for line in lines if line["avgjorende"]] == ["scope"]
    assert any(line["kontroll"] == "signature" and line["status"] == "passed" for line in lines)


def test_a_dpop_refusal_after_the_proof_is_used_names_the_guards_check(client, tokens):
    """The guard uses up a DPoP proof before checking the scope: the inspector, run afterwards, would call the
    proof replayed; the journal keeps the guard's own check then, without the inspector's lines."""
    key = demo_key(EPJ_CLIENT)  # any key pair does for the proof
    token = tokens.get("helsenorgeaktivsjekken", EPJ_CLIENT, dpop_key=key)
    headers = tokens.dpop_headers(key, token, "GET", CATALOG)
    assert client.get(CATALOG, headers=headers).status_code == 403
    (call,) = entries(client, familie="verktoy")
    detail = client.get(f"{JOURNAL}/{call['id']}", headers=op(client)).json()
    assert detail["avvisning"]["kontroll"] == "scope"
    assert detail["avvisning"]["verdikt"] is None or [
        line["kontroll"] for line in detail["avvisning"]["verdikt"] if line["avgjorende"]
    ] == ["scope"]


def test_a_fault_answer_is_recorded_with_the_fault(client):
    made = client.post("/operator/api/v1/feil", json={"familie": "pts", "svar": "feil", "antall": 1}, headers=op(client)).json()
    client.post("/pts/access-restrictions/patient-safety/_search", json={})
    (call,) = entries(client, familie="pts")
    assert (call["status"], call["feil"], call["feilkode"]) == (503, made["id"], "Service Unavailable")


def test_operator_calls_and_pages_are_not_journaled(client):
    entries(client)
    client.get("/operator/logg-inn")
    # Only the operator's token requests (HelseID's token endpoint is a family's API) are there.
    assert {(e["familie"], e["sti"], e["klientId"]) for e in entries(client)} == {
        ("helseid", "/helseid/connect/token", "helsebro-operator")
    }


# -- filters and pages ---------------------------------------------------------------------------------------


def test_filters_newest_first_and_pages(client, tokens):
    verktoy = tokens.bearer("verktoykatalog_read", VERKTOY_CLIENT)
    epj = tokens.bearer("verktoykatalog_read", EPJ_CLIENT)
    for _ in range(3):
        client.get(CATALOG, headers=verktoy)
    client.get(CATALOG, headers=epj)
    client.get(CATALOG)  # 401
    mine = entries(client, familie="verktoy", klientId=VERKTOY_CLIENT)
    assert len(mine) == 3 and [e["id"] for e in mine] == sorted((e["id"] for e in mine), reverse=True)
    assert [e["klientId"] for e in entries(client, familie="verktoy", status="200")] == [EPJ_CLIENT, *[VERKTOY_CLIENT] * 3]
    assert [e["status"] for e in entries(client, familie="verktoy", status="4xx")] == [401]
    assert [e["feilkode"] for e in entries(client, feilkode="SEC-110000")] == ["SEC-110000"]
    first = client.get(JOURNAL, params={"familie": "verktoy", "limit": 2}, headers=op(client)).json()
    second = client.get(JOURNAL, params={"familie": "verktoy", "limit": 2, "offset": first["neste"]}, headers=op(client)).json()
    last = client.get(JOURNAL, params={"familie": "verktoy", "limit": 2, "offset": second["neste"]}, headers=op(client)).json()
    assert (first["neste"], second["neste"], last["neste"]) == (2, 4, None)
    ids = [e["id"] for page in (first, second, last) for e in page["foresporsler"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 5
    # Time, on the server clock: everything so far is before a moment after it, nothing after.
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert len(entries(client, familie="verktoy", til=now.isoformat())) == 5
    assert entries(client, familie="verktoy", fra=now.isoformat()) == []


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"familie": "nosuch"}, "Ukjent familie"),
        ({"status": "abc"}, "statuskode"),
        ({"status": "6xx"}, "statuskode"),
        ({"fra": "2026-01-01T00:00:00"}, "tidssone"),
        ({"fra": "i går"}, "fra"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"klientId": "x" * 201}, "klientId"),
        ({"sti": "/verktoy\x00"}, "kontrolltegn"),  # schemathesis: PostgreSQL refused the NUL with a 500
        ({"feilkode": "VER\n000"}, "kontrolltegn"),
    ],
)
def test_bad_filters_are_refused_in_the_operator_format(client, params, says):
    refused = client.get(JOURNAL, params=params, headers=op(client))
    assert refused.status_code == 400, refused.text
    assert refused.json()["Code"] == "OP-000400" and says in refused.json()["Message"]


def test_one_call_that_is_not_there_is_404(client):
    missing = client.get(f"{JOURNAL}/999999999", headers=op(client))
    assert missing.status_code == 404 and missing.json()["Code"] == "OP-000404"
    assert client.get(f"{JOURNAL}/0", headers=op(client)).json()["Code"] == "OP-000400"
    assert client.get(JOURNAL).status_code == 401


# -- retention -----------------------------------------------------------------------------------------------


def test_retention_keeps_the_newest_and_forgets_the_old(client, engine, tokens):
    headers = tokens.bearer("verktoykatalog_read")
    for _ in range(5):
        client.get(CATALOG, headers=headers)
    kept_ids = [row["id"] for row in stored(engine)][-3:]
    removed = journal.prune(engine, journal.JournalSettings(max_entries=3))
    assert removed == 3  # six calls (the token request too), three kept
    assert [row["id"] for row in stored(engine)] == kept_ids
    with db.write(engine) as conn:  # one of them recorded long ago (real time)
        conn.execute(
            sa.update(journal_table).where(journal_table.c.id == kept_ids[0]).values(real_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
        )
    assert journal.prune(engine, journal.JournalSettings(max_age_seconds=7 * 86400)) == 1
    assert [row["id"] for row in stored(engine)] == kept_ids[1:]


# -- bodies and masking --------------------------------------------------------------------------------------

CLIENT_SECRET = "s3cret-value-that-must-never-be-stored"
PASSWORD_CLIENT = "journal-secret-client"


@pytest.fixture()
def with_bodies(monkeypatch, settings, engine) -> Iterator[TestClient]:
    monkeypatch.setenv("HELSEBRO_JOURNAL_BODIES", "true")
    monkeypatch.setenv("HELSEBRO_JOURNAL_BODY_BYTES", "2000")
    with db.write(engine) as conn:
        save_client(
            conn, ApiClient(PASSWORD_CLIENT, "Journal", "910000004", ("helsenorgeaktivsjekken",), secret_hash=hash_secret(CLIENT_SECRET))
        )
    app = create_app(settings, engine)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as test_client:
        yield test_client


def test_bodies_are_kept_only_when_asked_and_are_masked(client, engine, tokens):
    headers = tokens.bearer("helsenorgeaktivsjekken", EPJ_CLIENT)
    client.post(CHECK, json={"fnrListe": [SEED_CITIZEN], "omraade": "Helsehjelp"}, headers=headers)
    (call,) = entries(client, familie="digitaltaktiv")
    assert (call["foresporselInnhold"], call["svarInnhold"]) == (None, None)  # off by default


def test_the_stored_journal_holds_no_token_secret_password_or_fodselsnummer(with_bodies, engine, tokens):
    client = with_bodies
    token_answer = client.post(
        "/helseid/connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PASSWORD_CLIENT,
            "client_secret": CLIENT_SECRET,
            "scope": "helsenorgeaktivsjekken",
        },
    )
    assert token_answer.status_code == 200, token_answer.text
    access_token = token_answer.json()["access_token"]
    bearer = {"Authorization": f"Bearer {access_token}"}
    check = client.post(CHECK, json={"fnrListe": [SEED_CITIZEN], "omraade": "Helsehjelp"}, headers=bearer)
    assert check.status_code == 200
    assertion = tokens.assertion(EPJ_CLIENT)
    client.post(
        "/helseid/connect/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": "nhn:pts/api",
        },
    )
    client.get(f"/personvern/x/{SEED_CITIZEN}", params={"fnr": SEED_CITIZEN, "access_token": access_token}, headers=bearer)
    client.post("/helsenorge-login/connect/token", data={"grant_type": "password", "username": SEED_CITIZEN, "password": "hunter2-passord"})
    # A client_id the caller typed wrong (a fødselsnummer, a pasted token), and Basic auth naming a fødselsnummer.
    client.post("/helseid/connect/token", data={"grant_type": "client_credentials", "client_id": SEED_CITIZEN, "client_secret": "x"})
    client.post("/helseid/connect/token", data={"grant_type": "client_credentials", "client_id": access_token, "client_secret": "x"})
    basic = base64.b64encode(f"{SEED_CITIZEN}:{CLIENT_SECRET}".encode()).decode()
    client.post("/maskinporten/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})

    rows = stored(engine)
    assert len(rows) == 8
    text = json.dumps(rows, default=str)
    for secret in (access_token, CLIENT_SECRET, assertion, "hunter2-passord", *access_token.split("."), assertion.split(".")[1]):
        assert secret not in text
    assert access_token[:40] not in text  # not even the start of one (a client_id is cut at 200 characters)
    assert sum(row["client_id"] == "120486*****" for row in rows) == 2
    assert ELEVEN_DIGITS.findall(text) == []
    check_row = next(row for row in rows if row["family"] == "digitaltaktiv")
    assert "120486*****" in check_row["request_body"] and "120486*****" in check_row["response_body"]
    assert json.loads(check_row["request_body"]) == {"fnrListe": ["120486*****"], "omraade": "Helsehjelp"}
    token_row = next(row for row in rows if row["family"] == "helseid" and row["client_id"] == PASSWORD_CLIENT)
    assert "client_secret=[skjult]" in token_row["request_body"] and '"access_token":"[skjult]"' in token_row["response_body"]
    pvk_row = next(row for row in rows if row["family"] == "pvk")
    assert pvk_row["query"] == "fnr=120486*****&access_token=[skjult]" and pvk_row["path"] == "/personvern/x/120486*****"


def test_a_body_over_the_cap_is_cut_and_still_masked(with_bodies, engine, tokens):
    client = with_bodies
    headers = tokens.bearer("helsenorgeaktivsjekken", EPJ_CLIENT)
    many = [SEED_CITIZEN] * 400  # 5,600 bytes: over the 2,000 byte cap
    client.post(CHECK, json={"fnrListe": many, "omraade": "Helsehjelp"}, headers=headers)
    row = next(row for row in stored(engine) if row["family"] == "digitaltaktiv")
    assert row["request_body"].endswith(" …") and len(row["request_body"]) < 2100
    assert ELEVEN_DIGITS.findall(row["request_body"]) == []


# -- closing -------------------------------------------------------------------------------------------------


def test_an_app_that_made_its_engine_closes_it_and_leaves_no_thread_or_connection_behind(settings):
    """An app without a given engine makes its own and closes it when it stops: the journal's thread ends
    and the clock stops being read from it. Only disposing the engine left the thread reopening connections to
    it (PostgreSQL ran out of connections in CI)."""
    from helsebro.steering import clock

    app = create_app(settings)
    own = app.state.services.engine
    with TestClient(app, base_url=PUBLIC_URL) as test_client:
        assert test_client.get(CATALOG, headers=TokenHelper(test_client, PUBLIC_URL).bearer()).status_code == 200
        running = journal.recorder(own)
        assert running._thread is not None and running._thread.is_alive()
    running._thread.join(timeout=10)  # it ends after its sleep (0.2 s), bounded so a thread that lives fails
    assert not running._thread.is_alive()
    assert own not in journal._recorders and clock._followed is not own
    assert own.pool.checkedout() == 0 and own.pool.checkedin() == 0  # nothing opened after the close
