"""The Helsenorge citizen login (authorization code + PKCE) and GET /verktoy/v1/Behandler with its token."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from helsebro.pseudonyms import pseudo_id
from tests.support import SEED_TOOL, SEED_TOOL_2, VERKTOY_CLIENT, VERKTOY_CLIENT_2
from tests.support_login import AUTHORIZE, authorize_params, exchange, hidden_fields, log_in, pkce

CITIZEN = "12048645510"
BEHANDLER = "/verktoy/v1/Behandler"


def claims_of(client, token: str) -> dict:
    keys = KeySet.import_key_set(client.get("/helsenorge-login/.well-known/openid-configuration/jwks").json())
    return dict(jwt.decode(token, keys).claims)


def test_discovery_names_the_endpoints_and_pkce(client):
    document = client.get("/helsenorge-login/.well-known/openid-configuration").json()
    assert document["issuer"] == "http://testserver/helsenorge-login"
    assert document["authorization_endpoint"] == "http://testserver/helsenorge-login/connect/authorize"
    assert document["code_challenge_methods_supported"] == ["S256"]


def test_login_gives_tokens_with_pairwise_sub_and_pid(client):
    tokens = log_in(client, CITIZEN)
    access, identity = claims_of(client, tokens["access_token"]), claims_of(client, tokens["id_token"])
    secret = client.app.state.services.secret
    assert access["pid"] == identity["pid"] == CITIZEN
    assert access["sub"] == identity["sub"] == pseudo_id(secret, VERKTOY_CLIENT, CITIZEN)  # the tool's PseudoId
    assert identity["aud"] == VERKTOY_CLIENT and identity["nonce"] == "nonce-456"
    assert identity["name"] == "Line Danser"
    assert access["client_id"] == VERKTOY_CLIENT


def test_the_login_page_lists_test_citizens_in_norwegian(client):
    _, challenge = pkce()
    page = client.get(AUTHORIZE, params=authorize_params(challenge))
    assert 'lang="nb"' in page.text and "Logg inn som testinnbygger" in page.text
    assert "Line Danser (12048645510)" in page.text


def _code(client, fnr: str = CITIZEN, **extra: str) -> tuple[str, str]:
    verifier, challenge = pkce()
    page = client.get(AUTHORIZE, params=authorize_params(challenge, **extra))
    back = client.post(AUTHORIZE, data={**hidden_fields(page.text), "fnr": fnr}, follow_redirects=False)
    return parse_qs(urlsplit(back.headers["location"]).query)["code"][0], verifier


def test_a_code_is_single_use(client):
    code, verifier = _code(client)
    assert exchange(client, code, verifier).status_code == 200
    second = exchange(client, code, verifier)
    assert (second.status_code, second.json()["error"]) == (400, "invalid_grant")


def test_a_wrong_code_verifier_is_refused(client):
    code, _ = _code(client)
    response = exchange(client, code, "feil-verifier-" + "x" * 40)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_a_code_for_one_client_cannot_be_used_by_another(client):
    code, verifier = _code(client)
    response = exchange(client, code, verifier, client_id=VERKTOY_CLIENT_2)
    assert response.status_code in (400, 401)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_bad_authorize_requests_go_back_to_the_client_with_an_error(client, change, error):
    _, challenge = pkce()
    response = client.get(AUTHORIZE, params=authorize_params(challenge, **change), follow_redirects=False)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == [error] and query["state"] == ["tilstand-123"]


def test_an_unregistered_redirect_uri_is_never_redirected_to(client):
    _, challenge = pkce()
    response = client.get(AUTHORIZE, params=authorize_params(challenge, redirect_uri="https://evil.example/cb"), follow_redirects=False)
    assert response.status_code == 400 and "redirect_uri" in response.text


def test_a_tampered_login_form_is_refused(client):
    _, challenge = pkce()
    page = client.get(AUTHORIZE, params=authorize_params(challenge))
    fields = {**hidden_fields(page.text), "fnr": CITIZEN, "scope": "openid"}
    response = client.post(AUTHORIZE, data=fields, follow_redirects=False)
    assert response.status_code == 400


def test_an_unknown_citizen_gets_the_form_again_with_a_message(client):
    _, challenge = pkce()
    page = client.get(AUTHORIZE, params=authorize_params(challenge))
    response = client.post(AUTHORIZE, data={**hidden_fields(page.text), "fnr": "01010100000"}, follow_redirects=False)
    assert response.status_code == 400 and 'role="alert"' in response.text
    # A mistyped number (wrong check digits) is named as such
    page = client.get(AUTHORIZE, params=authorize_params(challenge))
    typo = client.post(AUTHORIZE, data={**hidden_fields(page.text), "fnr": "12048645511"}, follow_redirects=False)
    assert typo.status_code == 400 and "kontrollsifrene i fødselsnummeret stemmer ikke" in typo.text


# -- Behandler --------------------------------------------------------------------------------------------


def send_v1(client, tokens, tool: str, hpr: str = "565513636"):
    body = {"VerktoyId": tool, "InnbyggerFnr": CITIZEN, "BehandlerHpr": hpr}
    return client.post("/verktoy/v1/Verktoy", json=body, headers=tokens.bearer("verktoysendtilinnbygger"))


def test_behandler_answers_the_professional_of_a_v1_send(client, tokens, fresh_data):
    assert send_v1(client, tokens, SEED_TOOL_2).status_code == 200
    citizen = log_in(client, CITIZEN)["access_token"]
    response = client.get(BEHANDLER, params={"VerktoyId": SEED_TOOL_2}, headers={"Authorization": f"Bearer {citizen}"})
    assert response.status_code == 200, response.text
    assert response.json() == {"Id": "565513636", "IdType": "HPR", "Navn": "Venstre Morfar"}


def test_behandler_for_a_v2_send_is_VER_000260(client, tokens, fresh_data):
    body = {"VerktoyId": SEED_TOOL, "InnbyggerFnr": CITIZEN, "AvsenderOrgNummer": "913748263", "AvsenderNavn": "Klinikk"}
    assert client.post("/verktoy/system/verktoy/v2", json=body, headers=tokens.bearer("verktoysendtilinnbygger")).status_code == 200
    citizen = log_in(client, CITIZEN)["access_token"]
    response = client.get(BEHANDLER, params={"VerktoyId": SEED_TOOL}, headers={"Authorization": f"Bearer {citizen}"})
    assert (response.status_code, response.json()["Code"]) == (400, "VER-000260")


def test_behandler_for_a_tool_never_sent_is_VER_000261(client, fresh_data):
    citizen = log_in(client, CITIZEN)["access_token"]
    response = client.get(BEHANDLER, params={"VerktoyId": SEED_TOOL}, headers={"Authorization": f"Bearer {citizen}"})
    assert (response.status_code, response.json()["Code"]) == (400, "VER-000261")


def test_behandler_needs_a_citizen_token_of_the_tools_owner(client, tokens, fresh_data):
    assert send_v1(client, tokens, SEED_TOOL_2).status_code == 200
    system = client.get(BEHANDLER, params={"VerktoyId": SEED_TOOL_2}, headers=tokens.bearer())
    assert (system.status_code, system.json()["Code"]) == (403, "SEC-110001")
    # The same citizen logged in to another vendor's tool does not learn who sent this one.
    other = log_in(client, CITIZEN, client_id=VERKTOY_CLIENT_2)["access_token"]
    response = client.get(BEHANDLER, params={"VerktoyId": SEED_TOOL_2}, headers={"Authorization": f"Bearer {other}"})
    assert (response.status_code, response.json()["Code"]) == (403, "SEC-110001")
    assert client.get(BEHANDLER, params={"VerktoyId": SEED_TOOL_2}).status_code == 401


def test_behandler_with_a_malformed_id_is_VER_000209(client):
    citizen = log_in(client, CITIZEN)["access_token"]
    response = client.get(BEHANDLER, params={"VerktoyId": "nei"}, headers={"Authorization": f"Bearer {citizen}"})
    assert (response.status_code, response.json()["Code"]) == (400, "VER-000209")
