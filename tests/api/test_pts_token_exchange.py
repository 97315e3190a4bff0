"""HelseID token exchange (RFC 8693) at the real token endpoint: a health professional's user token in, a
DPoP-bound PTS token out, with the professional's claims kept; and every way it is refused, as OAuth errors."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, thumbprint

from tests.api.pts_support import (
    ACCESS_TOKEN_TYPE,
    HPR_CLAIM,
    ORGNR_PARENT,
    PID_CLAIM,
    PROFESSIONAL,
    PTS_SCOPE,
    SAFETY,
    TOKEN_EXCHANGE,
    PtsClient,
    claims_of,
    exchange,
    forge,
    random_off_id,
    user_token,
)
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT


def verified(client, token: str) -> dict:
    key_set = KeySet.import_key_set(client.get("/helseid/.well-known/openid-configuration/jwks").json())
    return dict(jwt.decode(token, key_set, algorithms=["RS256"]).claims)


def assert_oauth_error(response, error: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert response.headers["cache-control"] == "no-store"
    return body["error_description"]


def test_discovery_lists_token_exchange(client):
    assert TOKEN_EXCHANGE in client.get("/helseid/.well-known/openid-configuration").json()["grant_types_supported"]


def test_user_token_names_the_professional_for_the_client(app, client):
    claims = verified(client, user_token(app))
    assert claims["aud"] == "nhn:pts" and claims["scope"] == [PTS_SCOPE]
    assert claims[HPR_CLAIM] == PROFESSIONAL and claims["name"] == "Venstre Morfar"
    assert len(claims[PID_CLAIM]) == 11 and claims["client_id"] == EPJ_CLIENT and claims[ORGNR_PARENT] == "910000020"


def test_user_token_sub_is_pairwise(app):
    epj = claims_of(user_token(app))["sub"]
    again = claims_of(user_token(app))["sub"]
    other = claims_of(user_token(app, client_id=VERKTOY_CLIENT, scopes=("verktoykatalog_read",)))
    assert epj == again and other["sub"] != epj
    assert other["aud"] == "nhn:helsenorge.eksternapi"


def test_exchange_with_dpop_gives_a_bound_pts_token_keeping_the_professional(app, client, tokens):
    key = ECKey.generate_key("P-256", private=True)
    subject = user_token(app)
    response = exchange(tokens, subject, dpop_key=key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "DPoP" and body["issued_token_type"] == ACCESS_TOKEN_TYPE and body["scope"] == PTS_SCOPE
    claims = verified(client, body["access_token"])
    user = claims_of(subject)
    assert claims["aud"] == "nhn:pts" and claims["scope"] == [PTS_SCOPE]
    assert claims["cnf"] == {"jkt": thumbprint(key.as_dict(private=False))}
    assert claims["client_id"] == EPJ_CLIENT and claims[ORGNR_PARENT] == "910000020"
    assert {k: claims[k] for k in ("sub", "name", HPR_CLAIM, PID_CLAIM)} == {k: user[k] for k in ("sub", "name", HPR_CLAIM, PID_CLAIM)}
    assert claims["act"] == {"sub": EPJ_CLIENT}
    assert claims["exp"] <= user["exp"]  # never outlives the user token
    pts = PtsClient(client, tokens.base_url, body["access_token"], key)
    assert pts.post(SAFETY + "/_search", {"offId": random_off_id()}).status_code == 200


def test_exchange_without_dpop_gives_a_bearer_token(app, tokens):
    response = exchange(tokens, user_token(app))
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer" and "cnf" not in claims_of(response.json()["access_token"])


def test_exchange_by_scope_instead_of_audience(app, tokens):
    response = exchange(tokens, user_token(app), audience=None, scope=PTS_SCOPE)
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["aud"] == "nhn:pts"


def test_a_chain_of_delegations_stays_visible(app, tokens):
    first = exchange(tokens, user_token(app)).json()["access_token"]
    second = exchange(tokens, first)
    assert second.status_code == 200, second.text
    assert claims_of(second.json()["access_token"])["act"] == {"sub": EPJ_CLIENT, "act": {"sub": EPJ_CLIENT}}


# -- refusals ---------------------------------------------------------------------------------------------------


def test_a_tampered_subject_token_is_invalid_grant(app, tokens):
    header, payload, signature = user_token(app).split(".")
    tampered = f"{header}.{payload}.{signature[:-6]}AAAAAA"
    assert "signature" in assert_oauth_error(exchange(tokens, tampered), "invalid_grant")


def test_an_expired_subject_token_is_invalid_grant(app, tokens):
    now = int(time.time())
    expired = forge(app, {**claims_of(user_token(app)), "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600})
    assert "expired" in assert_oauth_error(exchange(tokens, expired), "invalid_grant")


def test_a_subject_token_from_another_issuer_is_invalid_grant(app, tokens):
    foreign = forge(app, {**claims_of(user_token(app)), "iss": "http://testserver/helsenorge-login"})
    assert "iss" in assert_oauth_error(exchange(tokens, foreign), "invalid_grant")


@pytest.mark.parametrize("claim", [HPR_CLAIM, PID_CLAIM])
def test_a_subject_token_without_the_professional_is_invalid_grant(app, tokens, claim):
    claims = {k: v for k, v in claims_of(user_token(app)).items() if k != claim}
    assert claim in assert_oauth_error(exchange(tokens, forge(app, claims)), "invalid_grant")


def test_a_client_credentials_token_is_no_subject_token(tokens):
    system = tokens.get(PTS_SCOPE, EPJ_CLIENT)
    assert "lacks" in assert_oauth_error(exchange(tokens, system), "invalid_grant")


def test_may_act_limits_who_may_exchange(app, tokens):
    limited = forge(app, {**claims_of(user_token(app)), "may_act": {"sub": "someone-else"}})
    assert "may_act" in assert_oauth_error(exchange(tokens, limited), "invalid_grant")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"subject_token": ""}, "invalid_request"),
        ({"subject_token_type": "urn:ietf:params:oauth:token-type:id_token"}, "invalid_request"),
        ({"actor_token": "x", "actor_token_type": ACCESS_TOKEN_TYPE}, "invalid_request"),
        ({"requested_token_type": "urn:ietf:params:oauth:token-type:refresh_token"}, "invalid_request"),
        ({"audience": None}, "invalid_request"),
        ({"audience": "nhn:somewhere-else"}, "invalid_target"),
        ({"audience": "helsebro:operator"}, "invalid_target"),
        ({"resource": "https://api.pts.nhn.no"}, "invalid_target"),
        ({"scope": "Personverninnstillinger_les"}, "invalid_target"),  # not a scope of audience nhn:pts
    ],
)
def test_bad_requests_are_oauth_errors(app, tokens, form, error):
    form = dict(form)  # the parameters are shared by both databases' runs
    subject = form.pop("subject_token") if "subject_token" in form else user_token(app)
    assert_oauth_error(exchange(tokens, subject, **form), error)


def test_a_client_not_granted_pts_is_refused(app, tokens):
    subject = user_token(app)
    assert "not granted" in assert_oauth_error(exchange(tokens, subject, client_id=VERKTOY_CLIENT), "invalid_target")
    assert_oauth_error(exchange(tokens, subject, client_id=VERKTOY_CLIENT, audience=None, scope=PTS_SCOPE), "invalid_scope")


def test_the_client_must_authenticate(app, tokens):
    response = tokens.client.post(
        "/helseid/connect/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": user_token(app),
            "subject_token_type": ACCESS_TOKEN_TYPE,
            "audience": "nhn:pts",
        },
    )
    assert_oauth_error(response, "invalid_client", 401)
