"""Operator API: only an operator token gets in (SPEC section 7: "not reachable with a client token").

Also home of the helpers the other operator test modules share: the operator token, as a user's own test
suite would fetch it (client_secret_post), and a few database probes.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from helsebro.digitaltaktiv.tables import digitaltaktiv_endring
from helsebro.identifiers import FnrKind, make_fnr
from helsebro.operator import routes as operator_routes
from tests.support import EPJ_CLIENT, SEED_TOOL

BASE = "/operator/api/v1"
SEED_CITIZEN = "12048645510"  # adult, alive, with Helsenorge consent, in the default data
OPERATOR_TOKEN_FORM = {
    "grant_type": "client_credentials",
    "client_id": "helsebro-operator",
    "client_secret": "helsebro-operator",
    "scope": "helsebro:operator",
}


def operator_token(client) -> str:
    response = client.post("/helseid/connect/token", data=OPERATOR_TOKEN_FORM)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture()
def op(client) -> dict[str, str]:
    """Authorization headers with an operator token."""
    return {"Authorization": f"Bearer {operator_token(client)}"}


def tenor_number(born: dt.date, start: int = 0) -> str:
    """A valid Tenor number for ``born`` (not checked against the database)."""
    for individual in range(start, 1000):
        number = make_fnr(born, individual, FnrKind.TENOR)
        if number:
            return number
    raise AssertionError("no number for that date")


def years_ago(years: int, days: int = 0) -> dt.date:
    today = dt.datetime.now(dt.UTC).date()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


def change_time(engine: sa.Engine, fnr: str) -> dt.datetime | None:
    """When the DigitaltAktiv feed last recorded a possible change for this citizen."""
    with engine.connect() as conn:
        return conn.execute(sa.select(digitaltaktiv_endring.c.endret).where(digitaltaktiv_endring.c.fnr == fnr)).scalar()


# Every operator endpoint as its route template, with a body where one is needed to reach the guard.
ENDPOINTS = [
    ("POST", "/innbyggere", {"fornavn": "A", "etternavn": "B", "fodselsdato": "1990-01-01"}),
    ("GET", "/innbyggere", None),
    ("GET", "/innbyggere/{fnr}", None),
    ("PATCH", "/innbyggere/{fnr}", {"fornavn": "X"}),
    ("DELETE", "/innbyggere/{fnr}", None),
    ("POST", "/innbyggere/{fnr}/foreldreansvar", {"barnFnr": SEED_CITIZEN}),
    ("DELETE", "/innbyggere/{fnr}/foreldreansvar/{barnFnr}", None),
    ("POST", "/fullmakter", {"fullmaktsgiverFnr": SEED_CITIZEN, "fullmektigFnr": SEED_CITIZEN, "gyldigFra": "2026-01-01"}),
    ("GET", "/fullmakter/{id}", None),
    ("PATCH", "/fullmakter/{id}", {"gyldigTil": "2030-01-01"}),
    ("DELETE", "/fullmakter/{id}", None),
    ("POST", "/helsepersonell", {"hprNummer": "7654321", "fornavn": "A", "etternavn": "B"}),
    ("GET", "/helsepersonell", None),
    ("GET", "/helsepersonell/{hpr}", None),
    ("PUT", "/helsepersonell/{hpr}", {"fornavn": "A", "etternavn": "B"}),
    ("POST", "/organisasjoner", {"orgnr": "974760673", "navn": "X"}),
    ("GET", "/organisasjoner", None),
    ("GET", "/organisasjoner/{orgnr}", None),
    ("PUT", "/organisasjoner/{orgnr}", {"navn": "X"}),
    ("GET", "/klienter/{clientId}/sertifikater", None),
    ("POST", "/klienter/{clientId}/sertifikater", {"pem": "x"}),
    ("DELETE", "/klienter/{clientId}/sertifikater/{kid}", None),
    *(
        entry
        for collection, item, body in [
            ("/klienter", "/klienter/{clientId}", {"client_id": "x", "orgnr": "974760673", "genererSecret": True}),
            ("/verktoy", "/verktoy/{VerktoyId}", {"VerktoyId": SEED_TOOL, "Navn": "X", "Organisasjonsnummer": "974760673"}),
            ("/veiledningstjenester", "/veiledningstjenester/{id}", {"navn": "X", "orgnr": "974760673"}),
            (
                "/pvk-definisjoner",
                "/pvk-definisjoner/{definisjonGuid}",
                {"definisjonGuid": SEED_TOOL, "definisjonNavn": "X", "partKode": "X", "typePi": "samtykke"},
            ),
            ("/svarut/kontoer", "/svarut/kontoer/{kontoId}", {"kontoId": SEED_TOOL, "orgnr": "974760673"}),
            (
                "/svarut/integrasjoner",
                "/svarut/integrasjoner/{integrasjonId}",
                {"integrasjonId": SEED_TOOL, "passord": "x", "orgnr": "974760673"},
            ),
        ]
        for entry in [
            ("GET", collection, None),
            ("POST", collection, body),
            ("GET", item, None),
            ("PUT", item, body),
            ("DELETE", item, None),
        ]
    ),
    ("PUT", "/verktoy/{VerktoyId}/bilde", None),
    ("GET", "/verktoy/{VerktoyId}/bilde", None),
    ("DELETE", "/verktoy/{VerktoyId}/bilde", None),
    ("PUT", "/svarut/kontoer/{kontoId}/integrasjoner/{integrasjonId}", None),
    ("DELETE", "/svarut/kontoer/{kontoId}/integrasjoner/{integrasjonId}", None),
    ("GET", "/miljo", None),
    ("POST", "/miljo", {"organisations": [{"orgnr": "974760673", "navn": "X"}]}),
    ("GET", "/klokke", None),
    ("POST", "/klokke/fram", {"varighet": "P1D"}),
    ("POST", "/klokke/til", {"tid": "2030-01-01T00:00:00Z"}),
    ("POST", "/klokke/frys", None),
    ("POST", "/klokke/slipp", None),
    ("POST", "/klokke/sanntid", None),
    ("GET", "/feil", None),
    ("POST", "/feil", {"familie": "pts", "svar": "feil"}),
    ("DELETE", "/feil", None),
    ("GET", "/feil/{feil_id}", None),
    ("DELETE", "/feil/{feil_id}", None),
    ("GET", "/journal", None),
    ("GET", "/journal/{oppforing_id}", None),
    ("POST", "/tilbakestill", None),
]
SAMPLE_PATH_VALUES = {
    "fnr": SEED_CITIZEN,
    "barnFnr": SEED_CITIZEN,
    "id": "1",
    "hpr": "1234567",
    "orgnr": "913748263",
    "clientId": "helsebro-demo-kommune",
    "kid": "x",
    "VerktoyId": SEED_TOOL,
    "definisjonGuid": SEED_TOOL,
    "kontoId": SEED_TOOL,
    "integrasjonId": SEED_TOOL,
    "feil_id": "x",
    "oppforing_id": "1",
}
IDS = [f"{method} {template}" for method, template, _ in ENDPOINTS]


def _call(client, method: str, template: str, body, headers: dict[str, str]):
    return client.request(method, BASE + template.format(**SAMPLE_PATH_VALUES), json=body, headers=headers)


def test_every_operator_route_is_in_this_list():
    served = {(method, route.path) for route in operator_routes.router.routes for method in route.methods}
    assert served == {(method, BASE + template) for method, template, _ in ENDPOINTS}


@pytest.mark.parametrize(("method", "template", "body"), ENDPOINTS, ids=IDS)
def test_no_token_is_401(client, method, template, body):
    response = _call(client, method, template, body, {})
    assert response.status_code == 401
    assert response.json() == {"Code": "SEC-110000", "Message": "Token is expired or invalid"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "template", "body"), ENDPOINTS, ids=IDS)
def test_a_client_api_token_is_403(client, tokens, method, template, body):
    headers = {"Authorization": f"Bearer {tokens.get('verktoykatalog_read')}"}
    response = _call(client, method, template, body, headers)
    assert response.status_code == 403
    assert response.json() == {"Code": "SEC-110001", "Message": "Mangler tilgang (scope)"}
    assert 'scope="helsebro:operator"' in response.headers["WWW-Authenticate"]


def test_a_pts_token_is_403_too(client, tokens):
    headers = {"Authorization": f"Bearer {tokens.get('nhn:pts/api', EPJ_CLIENT)}"}
    assert client.get(f"{BASE}/innbyggere", headers=headers).status_code == 403


@pytest.mark.parametrize("authorization", ["Bearer not-a-jwt", "Basic aGVsc2Vicm86b3BlcmF0b3I=", "Bearer"])
def test_a_malformed_or_foreign_credential_is_401(client, authorization):
    response = client.get(f"{BASE}/innbyggere", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["Code"] == "SEC-110000"


def test_a_tampered_operator_token_is_401(client):
    token = operator_token(client)
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-4]}AAAA"
    assert client.get(f"{BASE}/innbyggere", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401


def test_auth_is_checked_before_the_body(client, tokens):
    broken = {"Content-Type": "application/json"}
    assert client.post(f"{BASE}/innbyggere", content=b"{not json", headers=broken).status_code == 401
    forbidden = {**broken, "Authorization": f"Bearer {tokens.get('verktoykatalog_read')}"}
    assert client.post(f"{BASE}/innbyggere", content=b"{not json", headers=forbidden).status_code == 403


def test_the_operator_token_gets_in(client, op):
    response = client.get(f"{BASE}/innbyggere/{SEED_CITIZEN}", headers=op)
    assert response.status_code == 200
    assert response.json()["fnr"] == SEED_CITIZEN


def test_the_operator_client_cannot_get_a_client_api_scope(client):
    response = client.post("/helseid/connect/token", data={**OPERATOR_TOKEN_FORM, "scope": "verktoykatalog_read"})
    assert response.status_code == 400


def test_openapi_documents_the_operator_api(client):
    document = client.get("/openapi.json").json()
    paths = {p: v for p, v in document["paths"].items() if p.startswith(BASE)}
    # The registries' paths and the environment file's (/miljo, /tilbakestill); steering's clock, faults and journal their own under /klokke, /feil, /journal; PTS and SvarUt add their own under /pts and /svarut, Maskinporten clients' certificates theirs.
    # The file's kinds one by one: /klienter, /verktoy (with /bilde), /veiledningstjenester, /pvk-definisjoner (9 paths).
    steering = (BASE + "/klokke", BASE + "/feil", BASE + "/journal")
    assert (
        len(
            [p for p in paths if not p.startswith((BASE + "/pts", BASE + "/svarut", BASE + "/klienter/{clientId}/sertifikater", *steering))]
        )
        == 12 + 9
    )
    tool_body = paths[f"{BASE}/verktoy"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "VerktoyId" in document["components"]["schemas"][tool_body["$ref"].rsplit("/", 1)[1]]["properties"]
    for operations in paths.values():
        for operation in operations.values():
            assert operation["summary"]
            assert "422" not in operation["responses"]
            assert operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/OperatorFeil")
    created = paths[f"{BASE}/innbyggere"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/Innbygger")
    body = document["components"]["schemas"]["NyInnbygger"]
    assert {"fnr", "fodselsdato", "helsenorgeSamtykke"} <= set(body["properties"])
