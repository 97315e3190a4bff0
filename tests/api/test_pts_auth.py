"""Who gets into PTS: a HelseID token for audience nhn:pts with scope nhn:pts/api, DPoP-bound, with a fresh
proof on every request, carrying client_id and orgnr_parent. Every refusal is an RFC 9457 problem."""

from __future__ import annotations

import pytest
from joserfc.jwk import ECKey

from helsebro.auth.client_side import dpop_proof
from tests.api.pts_support import (  # noqa: F401  (fixtures)
    ORGNR_PARENT,
    PTS_SCOPE,
    SAFETY,
    PtsClient,
    assert_problem,
    audit_rows,
    forge,
    pts,
    pts_claims,
    random_off_id,
)
from tests.support import EPJ_CLIENT

SEARCH = SAFETY + "/_search"


def search_body() -> dict:
    return {"offId": random_off_id()}


def assert_refused(response, status: int = 401, reason: str | None = None) -> None:
    body = assert_problem(response, status)
    if reason is not None:
        assert reason in response.headers["www-authenticate"]
        assert reason in body["detail"]  # the reason in the problem itself, not only in the header


def test_no_token_is_401(client):
    assert_refused(client.post(SEARCH, json=search_body()), 401, "Authorization header")


def test_a_bearer_token_is_refused(client, tokens):
    token = tokens.get(PTS_SCOPE, EPJ_CLIENT)
    assert_refused(
        client.post(SEARCH, json=search_body(), headers={"Authorization": f"Bearer {token}"}), 401, "requires a DPoP-bound token"
    )


def test_a_dpop_bound_token_sent_as_bearer_is_refused(client, tokens):
    key = ECKey.generate_key("P-256", private=True)
    token = tokens.get(PTS_SCOPE, EPJ_CLIENT, dpop_key=key)
    assert_refused(client.post(SEARCH, json=search_body(), headers={"Authorization": f"Bearer {token}"}), 401, "Authorization: DPoP")


def test_a_client_credentials_dpop_token_gets_in(client, tokens):
    key = ECKey.generate_key("P-256", private=True)
    system = PtsClient(client, tokens.base_url, tokens.get(PTS_SCOPE, EPJ_CLIENT, dpop_key=key), key)
    assert system.post(SEARCH, search_body()).status_code == 200


def test_every_request_needs_its_own_proof(client, pts):
    headers = pts.headers("POST", SEARCH)
    assert client.post(SEARCH, json=search_body(), headers=headers).status_code == 200
    replay = client.post(SEARCH, json=search_body(), headers=headers)
    assert_refused(replay, 401, "replay")


def test_a_missing_proof_is_refused(client, pts):
    assert_refused(client.post(SEARCH, json=search_body(), headers={"Authorization": f"DPoP {pts.token}"}), 401, "DPoP header")


def test_a_proof_for_another_url_or_method_is_refused(client, pts):
    elsewhere = {
        "Authorization": f"DPoP {pts.token}",
        "DPoP": dpop_proof(pts.key, "POST", pts.base_url + "/pts/other", access_token=pts.token),
    }
    assert_refused(client.post(SEARCH, json=search_body(), headers=elsewhere), 401, "htu")
    wrong_method = {"Authorization": f"DPoP {pts.token}", "DPoP": dpop_proof(pts.key, "GET", pts.base_url + SEARCH, access_token=pts.token)}
    assert_refused(client.post(SEARCH, json=search_body(), headers=wrong_method), 401, "htm")


def test_a_proof_from_another_key_is_refused(client, pts):
    thief = ECKey.generate_key("P-256", private=True)
    headers = {"Authorization": f"DPoP {pts.token}", "DPoP": dpop_proof(thief, "POST", pts.base_url + SEARCH, access_token=pts.token)}
    assert_refused(client.post(SEARCH, json=search_body(), headers=headers), 401, "cnf.jkt")


def test_a_token_for_another_api_is_refused(client, tokens):
    key = ECKey.generate_key("P-256", private=True)
    helsenorge = PtsClient(client, tokens.base_url, tokens.get("Personverninnstillinger_les", EPJ_CLIENT, dpop_key=key), key)
    assert_refused(helsenorge.post(SEARCH, search_body()), 401, "audience must include nhn:pts")


def test_a_token_without_the_pts_scope_is_403(client, app):
    key = ECKey.generate_key("P-256", private=True)
    token = forge(app, pts_claims(app, key, scope=["openid"]))
    assert_refused(PtsClient(client, "http://testserver", token, key).post(SEARCH, search_body()), 403, "nhn:pts/api")


@pytest.mark.parametrize("missing", ["client_id", ORGNR_PARENT])
def test_a_token_without_the_audit_claims_is_403_and_audited(client, app, engine, missing):
    key = ECKey.generate_key("P-256", private=True)
    token = forge(app, pts_claims(app, key, **{missing: None}))
    off_id = random_off_id()
    response = PtsClient(client, "http://testserver", token, key).post(SEARCH, {"offId": off_id})
    body = assert_problem(response, 403)
    assert missing in body["detail"]
    [row] = audit_rows(engine, off_id=off_id)
    assert row.status == 403


def test_a_refused_token_is_not_audited(client, tokens, engine):
    off_id = random_off_id()
    token = tokens.get(PTS_SCOPE, EPJ_CLIENT)
    client.post(SEARCH, json={"offId": off_id}, headers={"Authorization": f"Bearer {token}"})
    assert audit_rows(engine, off_id=off_id) == []


def _every_route() -> list[tuple[str, str]]:
    from helsebro.pts.routes import router

    filled = {"{area}": "patient-privacy", "{restriction_id}": "00000000-0000-0000-0000-000000000000"}
    routes = []
    for route in router.routes:
        path = route.path
        for placeholder, value in filled.items():
            path = path.replace(placeholder, value)
        routes.extend((method, path) for method in sorted(route.methods))
    return routes


@pytest.mark.parametrize(("method", "path"), _every_route())
def test_every_route_refuses_no_token_and_a_bearer_token(client, tokens, method, path):
    assert_refused(client.request(method, path, json={"offId": random_off_id()}), 401)
    bearer = {"Authorization": f"Bearer {tokens.get(PTS_SCOPE, EPJ_CLIENT)}"}
    assert_refused(client.request(method, path, json={"offId": random_off_id()}, headers=bearer), 401, "DPoP")


def test_there_are_fifteen_pts_routes():
    assert len(_every_route()) == 15
