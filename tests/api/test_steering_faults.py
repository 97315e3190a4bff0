"""Injected faults (/operator/api/v1/feil): each family answers with its own documented error, a delay or
(tests/e2e/test_steering_scale_out.py, on a real server) a dropped connection; for the next N calls, within
a time window on the server clock, for one route or one client; nothing is written; a definition that can
never match is refused; SvarUt delivery faults make a channel fail. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.testdata import loader
from helsebro.verktoy.tables import verktoy_oppgave
from tests import pvkbroker
from tests import support_helseid_login as helseid_login
from tests import support_login as citizen_login
from tests.api.test_operator_auth import operator_token
from tests.api.test_verktoy_send import V2, V2_EXAMPLE
from tests.support import EPJ_CLIENT, SECRET, SECRET_CLIENT, VERKTOY_CLIENT
from tests.support_login import pkce

FAULTS = "/operator/api/v1/feil"
CATALOG = "/verktoy/v1/SelvstendigVerktoy"

# A call to each family that reaches its code; each family's fault answer in its own format:
# (family, method, path, status, what the body says)
FAMILY_CALLS = [
    ("helseid", "POST", "/helseid/connect/token", 503, {"error": "temporarily_unavailable"}),
    ("maskinporten", "POST", "/maskinporten/token", 503, {"error": "temporarily_unavailable"}),
    ("helsenorge-login", "POST", "/helsenorge-login/connect/token", 503, {"error": "temporarily_unavailable"}),
    ("verktoy", "GET", CATALOG, 500, {"Code": "PVS-000204", "Message": "Feil ved underliggende tjeneste"}),
    ("digitaltaktiv", "POST", "/digitaltaktiv/helsenorgeaktivsjekken/v1", 500, {"Code": "PVS-000204"}),
    (
        "pvk",
        "POST",
        "/personvern/Personverninnstillinger/SjekkInnbyggersPiStatus/v2",
        500,
        {"code": "EPVK-100500", "message": "Feil internt på Helsenorge", "errorCategory": "teknisk"},
    ),
    ("pts", "POST", "/pts/access-restrictions/patient-safety/_search", 503, {"status": 503, "title": "Service Unavailable"}),
    ("svarut", "POST", "/svarut/api/v3/kontoer/x/forsendelser/status/sok", 503, {"status": 503, "errorCode": "SERVICE_UNAVAILABLE"}),
]


@pytest.fixture(autouse=True)
def no_faults_after(engine, app) -> Iterator[None]:
    yield
    loader.reset(engine)  # faults and the data (a reset empties the faults)
    app.state.services.state["verktoy"].invalidate()


def op(client) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token(client)}"}


def inject(client, **definition) -> dict:
    response = client.post(FAULTS, json=definition, headers=op(client))
    assert response.status_code == 201, response.text
    return response.json()


def tasks(engine) -> int:
    with db.read(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(verktoy_oppgave)).scalar_one()


# -- each family's own error -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("family", "method", "path", "status", "body"), FAMILY_CALLS, ids=[c[0] for c in FAMILY_CALLS])
def test_an_error_fault_answers_in_the_familys_own_format(client, family, method, path, status, body):
    made = inject(client, familie=family, svar="feil", antall=1)
    assert made["aktiv"] and made["gjenstar"] == 1
    answer = client.request(method, path)
    assert answer.status_code == status, answer.text
    assert body.items() <= answer.json().items()
    if status == 503:
        assert answer.headers["retry-after"] == "1"
    # Used up: the next call reaches the family again (not the fault's answer).
    again = client.request(method, path)
    assert again.status_code != status or not body.items() <= again.json().items()
    shown = client.get(f"{FAULTS}/{made['id']}", headers=op(client)).json()
    assert shown["gjenstar"] == 0 and shown["aktiv"] is False


def _oauth(answer) -> None:
    assert set(answer.json()) == {"error", "error_description"}  # RFC 6749 5.2


def _helsenorge(answer) -> None:
    assert set(answer.json()) == {"Code", "Message"}  # seed 000/001


def _pvk(answer) -> None:
    # Every field PVKBroker requires, case-sensitively, and no PascalCase twin.
    assert set(answer.json()) == {"code", "message", "errorCategory"}
    assert pvkbroker.parse_error(answer.text) == answer.json()


def _problem(answer) -> None:
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert set(body) == {"type", "title", "status", "detail", "instance"} and body["status"] == answer.status_code


def _fiks(answer) -> None:
    body = answer.json()
    # KS's ErrorMessage (tests/reference/fiks-svarut): errorJson absent when empty.
    assert set(body) == {"timestamp", "status", "error", "errorId", "path", "originalPath", "message", "errorCode"}
    assert isinstance(body["timestamp"], int) and body["status"] == answer.status_code
    assert str(uuid.UUID(body["errorId"])) == body["errorId"]


BODY_FORMS = {
    "helseid": _oauth,
    "maskinporten": _oauth,
    "helsenorge-login": _oauth,
    "verktoy": _helsenorge,
    "digitaltaktiv": _helsenorge,
    "pvk": _pvk,
    "pts": _problem,
    "svarut": _fiks,
}


@pytest.mark.parametrize(("family", "method", "path", "status", "body"), FAMILY_CALLS, ids=[c[0] for c in FAMILY_CALLS])
@pytest.mark.parametrize("fault_status", [None, 503])
def test_an_error_fault_body_is_the_familys_documented_form_and_nothing_more(client, family, method, path, status, body, fault_status):
    """The default answer and one with a status of its own (503 for the families whose default is 500) keep
    the family's body, and the journal reads the code back out of it."""
    definition = {"familie": family, "svar": "feil", "antall": 1} | ({"status": fault_status} if fault_status else {})
    made = inject(client, **definition)
    answer = client.request(method, path)
    assert answer.status_code == (fault_status or status), answer.text
    BODY_FORMS[family](answer)
    calls = client.get("/operator/api/v1/journal", params={"familie": family}, headers=op(client)).json()["foresporsler"]
    (journaled,) = [c for c in calls if c["feil"] == made["id"]]
    assert journaled["status"] == answer.status_code
    assert journaled["feilkode"] == next(answer.json()[k] for k in ("Code", "code", "errorCode", "error", "title") if k in answer.json())


def test_pvk_fault_with_its_own_message_keeps_the_camelcase_form(client):
    inject(client, familie="pvk", svar="feil", melding="PVK er nede")
    answer = client.post("/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2", json={})
    assert answer.status_code == 500
    assert answer.json() == {"code": "EPVK-100500", "message": "PVK er nede", "errorCategory": "teknisk"}


def test_pts_problem_details_and_svarut_error_message_carry_the_path(client):
    inject(client, familie="pts", svar="feil")
    problem = client.post("/pts/access-restrictions/patient-safety/_search", json={})
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["instance"] == "/pts/access-restrictions/patient-safety/_search"
    inject(client, familie="svarut", svar="feil", status=500, melding="Nede for vedlikehold")
    fiks = client.post("/api/v3/kontoer/x/forsendelser/status/sok", json={"id": []})  # at the root, as KS's client sends
    assert fiks.status_code == 500
    assert fiks.json()["message"] == "Nede for vedlikehold" and fiks.json()["path"] == "/api/v3/kontoer/x/forsendelser/status/sok"


def test_a_token_endpoint_fault_with_status_500_is_server_error(client):
    inject(client, familie="helseid", svar="feil", status=500, rute="/helseid/connect/token")
    answer = client.post(
        "/helseid/connect/token",
        data={"grant_type": "client_credentials", "client_id": SECRET_CLIENT, "client_secret": SECRET, "scope": "verktoykatalog_read"},
    )
    assert answer.status_code == 500 and answer.json()["error"] == "server_error"


def test_an_authorize_endpoint_fault_goes_back_to_the_client_and_the_pushed_request_stays_good(client):
    """RFC 6749 4.1.2.1: the authorization endpoint's errors go to the client's redirect_uri, so a fault there
    is temporarily_unavailable with the request's state and iss, not a JSON body the browser would show."""
    inject(client, familie="helseid", svar="feil", metode="GET", rute=helseid_login.AUTHORIZE, antall=1)
    verifier, challenge = pkce()
    pushed = helseid_login.push(client, challenge)
    assert pushed.status_code == 201, pushed.text  # the fault names the authorize route only
    start = {"client_id": EPJ_CLIENT, "request_uri": pushed.json()["request_uri"]}
    refused = client.get(helseid_login.AUTHORIZE, params=start, follow_redirects=False)
    assert refused.headers["location"].startswith(helseid_login.REDIRECT + "?")
    back = helseid_login.query_of(refused)
    assert back["error"] == "temporarily_unavailable" and back["state"] == "tilstand-1"
    assert back["iss"] == helseid_login.ISSUER and "code" not in back
    retried = helseid_login.query_of(client.get(helseid_login.AUTHORIZE, params=start, follow_redirects=False))
    assert helseid_login.redeem(client, retried["code"], verifier).status_code == 200


def test_an_authorize_fault_with_no_good_redirect_uri_is_answered_here(client):
    inject(client, familie="helseid", svar="feil", rute=helseid_login.AUTHORIZE, antall=2)
    _, challenge = pkce()
    elsewhere = helseid_login.authorization_params(challenge, redirect_uri="https://angriper.example/cb")
    answer = client.get(helseid_login.AUTHORIZE, params=elsewhere, follow_redirects=False)
    assert answer.status_code == 503 and answer.json()["error"] == "temporarily_unavailable"
    unknown = client.get(
        helseid_login.AUTHORIZE, params={"client_id": "ingen-slik", "redirect_uri": helseid_login.REDIRECT}, follow_redirects=False
    )
    assert unknown.status_code == 503 and "location" not in unknown.headers


def test_a_citizen_login_fault_goes_back_to_the_client_with_its_state(client):
    inject(client, familie="helsenorge-login", svar="feil", rute=citizen_login.AUTHORIZE, antall=1)
    _, challenge = pkce()
    refused = client.get(citizen_login.AUTHORIZE, params=citizen_login.authorize_params(challenge), follow_redirects=False)
    assert refused.status_code == 302 and refused.headers["location"].startswith(citizen_login.REDIRECT + "?")
    back = helseid_login.query_of(refused)
    assert back["error"] == "temporarily_unavailable" and back["state"] == "tilstand-123"
    assert client.get(citizen_login.AUTHORIZE, params=citizen_login.authorize_params(challenge)).status_code == 200


def test_a_fault_never_writes_anything(client, tokens, engine):
    headers = tokens.bearer("verktoysendtilinnbygger", VERKTOY_CLIENT)
    before = tasks(engine)
    inject(client, familie="verktoy", svar="feil", metode="POST", rute=V2, antall=2)
    for _ in range(2):
        refused = client.post(V2, json=V2_EXAMPLE, headers=headers)
        assert refused.status_code == 500 and refused.json()["Code"] == "PVS-000204"
    assert tasks(engine) == before
    assert client.post(V2, json=V2_EXAMPLE, headers=headers).status_code == 200  # the third call is served
    assert tasks(engine) == before + 1


# -- what a fault matches ----------------------------------------------------------------------------------------


def test_a_route_fault_leaves_the_familys_other_routes_alone(client, tokens):
    headers = tokens.bearer("verktoykatalog_read")
    inject(client, familie="verktoy", svar="feil", metode="GET", rute=f"{CATALOG}/{{verktoy_id}}")
    assert client.get(CATALOG, headers=headers).status_code == 200
    assert client.get(f"{CATALOG}/08ead360-0d65-448c-ba9e-8a08f0921c90", headers=headers).json()["Code"] == "PVS-000204"
    # A concrete path is stored as its route's template; case does not matter on Helsenorge's paths.
    made = inject(client, familie="verktoy", svar="feil", rute="/verktoy/v1/selvstendigverktoy/sokselvstendigverktoy")
    assert made["rute"] == "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy"


def test_a_client_fault_hits_only_that_clients_calls(client, tokens):
    inject(client, familie="verktoy", svar="feil", klientId=EPJ_CLIENT)
    assert client.get(CATALOG, headers=tokens.bearer("verktoykatalog_read", VERKTOY_CLIENT)).status_code == 200
    assert client.get(CATALOG, headers=tokens.bearer("verktoykatalog_read", EPJ_CLIENT)).status_code == 500
    assert client.get(CATALOG).status_code == 401  # no token: no client, so the guard answers


def test_a_client_fault_at_a_token_endpoint_matches_the_client_the_request_names(client):
    inject(client, familie="helseid", svar="feil", klientId=SECRET_CLIENT, rute="/helseid/connect/token")
    form = {"grant_type": "client_credentials", "client_id": SECRET_CLIENT, "client_secret": SECRET, "scope": "verktoykatalog_read"}
    assert client.post("/helseid/connect/token", data=form).json()["error"] == "temporarily_unavailable"
    assert (
        client.post(
            "/helseid/connect/token",
            data={**form, "client_id": "helsebro-operator", "client_secret": "helsebro-operator", "scope": "helsebro:operator"},
        ).status_code
        == 200
    )


def test_a_time_window_on_the_server_clock(client, tokens):
    headers = tokens.bearer("verktoykatalog_read")
    made = inject(client, familie="verktoy", svar="feil", varighet="PT1H")
    assert client.get(CATALOG, headers=headers).status_code == 500
    moved = client.post("/operator/api/v1/klokke/fram", json={"varighet": "PT61M"}, headers=op(client))
    assert moved.status_code == 200
    assert client.get(CATALOG, headers=tokens.bearer("verktoykatalog_read")).status_code == 200
    assert client.get(f"{FAULTS}/{made['id']}", headers=op(client)).json()["aktiv"] is False
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    waiting = inject(client, familie="verktoy", svar="feil", fra=later.isoformat(), til=(later + dt.timedelta(hours=1)).isoformat())
    assert waiting["aktiv"] is False
    assert client.get(CATALOG, headers=tokens.bearer("verktoykatalog_read")).status_code == 200


def test_a_delay_answers_normally_after_the_delay(client, tokens):
    headers = tokens.bearer("verktoykatalog_read")
    inject(client, familie="verktoy", svar="forsinkelse", forsinkelseMs=300, antall=1)
    started = time.monotonic()
    answer = client.get(CATALOG, headers=headers)
    assert answer.status_code == 200 and time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    ("family", "method", "path", "status", "body"),
    [c for c in FAMILY_CALLS if c[0] != "verktoy"],
    ids=[c[0] for c in FAMILY_CALLS if c[0] != "verktoy"],
)
def test_a_delay_in_every_other_family_too(client, family, method, path, status, body):
    """The same call without a fault first: after the delay the family answers it just so (its own refusal)."""
    expected = client.request(method, path)
    inject(client, familie=family, svar="forsinkelse", forsinkelseMs=200, antall=1)
    started = time.monotonic()
    delayed = client.request(method, path)
    assert time.monotonic() - started >= 0.2
    assert delayed.status_code == expected.status_code and delayed.status_code != status, delayed.text


# -- list, remove, clear; bad definitions ----------------------------------------------------------------------


def test_list_remove_and_clear(client):
    first = inject(client, familie="pts", svar="feil")
    second = inject(client, familie="svarut", svar="forsinkelse", forsinkelseMs=10)
    listed = client.get(FAULTS, headers=op(client)).json()["feil"]
    assert [f["id"] for f in listed] == [first["id"], second["id"]]
    assert client.delete(f"{FAULTS}/{first['id']}", headers=op(client)).status_code == 204
    gone = client.delete(f"{FAULTS}/{first['id']}", headers=op(client))
    assert gone.status_code == 404 and gone.json()["Code"] == "OP-000404"
    assert client.delete(FAULTS, headers=op(client)).json() == {"fjernet": 1}
    assert client.get(FAULTS, headers=op(client)).json() == {"feil": []}


@pytest.mark.parametrize(
    ("definition", "says"),
    [
        ({"familie": "nosuch", "svar": "feil"}, "Ukjent familie"),
        ({"familie": "verktoy", "svar": "feil", "rute": "/verktoy/nosuch"}, "Ingen rute"),
        ({"familie": "verktoy", "svar": "feil", "metode": "DELETE", "rute": CATALOG}, "Ingen rute"),
        ({"familie": "verktoy", "svar": "feil", "klientId": "nobody"}, "finnes ikke"),
        ({"familie": "verktoy", "svar": "feil", "status": 404}, "429 eller 500-511"),
        ({"familie": "verktoy", "svar": "forsinkelse"}, "forsinkelseMs"),
        ({"familie": "verktoy", "svar": "brudd", "forsinkelseMs": 5}, "forsinkelseMs gjelder bare"),
        ({"familie": "verktoy", "svar": "levering", "kanal": "SDP"}, "ingen leveringskanaler"),
        ({"familie": "svarut", "svar": "levering", "kanal": "DUE"}, "kanal må være en av"),
        ({"familie": "svarut", "svar": "levering", "kanal": "SDP", "rute": "/svarut/x"}, "kanal, ikke en rute"),
        ({"familie": "verktoy", "svar": "feil", "til": "2020-01-01T00:00:00Z"}, "til må ligge etter"),
        ({"familie": "verktoy", "svar": "feil", "fra": "2030-01-01T00:00:00"}, "tidssone"),
        ({"familie": "verktoy", "svar": "feil", "varighet": "P1M"}, "måneder"),
        ({"familie": "verktoy", "svar": "feil", "varighet": "PT1H", "til": "2030-01-01T00:00:00Z"}, "ikke begge"),
        ({"familie": "verktoy", "svar": "feil", "antall": 0}, "antall"),
        ({"familie": "verktoy", "svar": "kaboom"}, "svar"),
        ({"familie": "verktoy", "svar": "feil", "ukjent": 1}, "ukjent er ikke et kjent felt"),
    ],
)
def test_a_definition_that_cannot_match_or_is_malformed_is_refused(client, definition, says):
    refused = client.post(FAULTS, json=definition, headers=op(client))
    assert refused.status_code == 400, refused.text
    assert refused.json()["Code"] == "OP-000400" and says in refused.json()["Message"]
    assert client.get(FAULTS, headers=op(client)).json() == {"feil": []}


def test_the_fault_routes_need_the_operator_token(client, tokens):
    assert client.get(FAULTS).status_code == 401
    assert client.post(FAULTS, json={"familie": "pts", "svar": "feil"}, headers=tokens.bearer("verktoykatalog_read")).status_code == 403
    assert client.get(FAULTS, headers=op(client)).json() == {"feil": []}


def test_the_fault_and_journal_routes_are_in_the_openapi_with_the_operator_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    journal = "/operator/api/v1/journal"
    assert {
        FAULTS: {"get", "post", "delete"},
        f"{FAULTS}/{{feil_id}}": {"get", "delete"},
        journal: {"get"},
        f"{journal}/{{oppforing_id}}": {"get"},
    } == {p: set(paths[p]) for p in (FAULTS, f"{FAULTS}/{{feil_id}}", journal, f"{journal}/{{oppforing_id}}")}
    for path in (FAULTS, f"{FAULTS}/{{feil_id}}", journal, f"{journal}/{{oppforing_id}}"):
        for operation in paths[path].values():
            assert operation["summary"] and "422" not in operation["responses"]
            assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/OperatorFeil")
    created = paths[FAULTS]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/InjisertFeil")
