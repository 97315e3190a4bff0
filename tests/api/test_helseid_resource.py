"""``resource`` (RFC 8707) at HelseID's token endpoint, as HelseID documents it: "an API resource. Will return an
access token with the audience claim set to this API" - for client credentials and token exchange; an unknown
resource, or one the client has no scope of, is ``invalid_target``."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from helsebro.auth.client_auth import ASSERTION_TYPE
from tests.api.pts_support import claims_of, exchange, user_token
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT

TOKEN_PATH = "/helseid/connect/token"
PTS_SCOPE = "nhn:pts/api"


def request(tokens, client_id: str = EPJ_CLIENT, **form: str):
    body = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": tokens.assertion(client_id),
        **form,
    }
    return tokens.client.post(TOKEN_PATH, data=body)


def issued(response) -> dict:
    assert response.status_code == 200, response.text
    return claims_of(response.json()["access_token"])


def invalid_target(response) -> str:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_target"
    return response.json()["error_description"]


def test_without_resource_a_token_for_two_apis_has_both_audiences(tokens):
    claims = issued(request(tokens, scope=f"{PTS_SCOPE} verktoykatalog_read"))
    assert sorted(claims["aud"]) == ["nhn:helsenorge.eksternapi", "nhn:pts"]


def test_resource_downscopes_the_token_to_that_api(tokens):
    response = request(tokens, scope=f"{PTS_SCOPE} verktoykatalog_read", resource="nhn:pts")
    claims = issued(response)
    assert claims["aud"] == "nhn:pts" and claims["scope"] == [PTS_SCOPE]
    assert response.json()["scope"] == PTS_SCOPE


def test_resource_without_scope_gives_every_scope_the_client_has_of_that_api(tokens):
    claims = issued(request(tokens, resource="nhn:helsenorge.eksternapi"))
    assert claims["aud"] == "nhn:helsenorge.eksternapi"
    assert PTS_SCOPE not in claims["scope"] and "verktoykatalog_read" in claims["scope"]


def test_a_resource_token_is_accepted_by_that_api(client, tokens):
    token = request(tokens, VERKTOY_CLIENT, scope="verktoykatalog_read", resource="nhn:helsenorge.eksternapi").json()["access_token"]
    assert client.get("/verktoy/v1/SelvstendigVerktoy", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("resource", ["https://api.pts.nhn.no", "nhn:unknown", "ks:fiks", "x" * 501])
def test_an_unknown_resource_is_invalid_target(tokens, resource):
    assert "is not an API of this HelseID" in invalid_target(request(tokens, scope=PTS_SCOPE, resource=resource))


def test_a_resource_none_of_the_asked_scopes_belong_to_is_invalid_target(tokens):
    description = invalid_target(request(tokens, scope="verktoykatalog_read", resource="nhn:pts"))
    assert description == "none of the scopes asked for (verktoykatalog_read) belongs to resource nhn:pts"


def test_a_resource_the_client_has_no_scope_of_is_invalid_target(tokens):
    description = invalid_target(request(tokens, VERKTOY_CLIENT, resource="nhn:pts"))
    assert description == f"client {VERKTOY_CLIENT} is not granted any scope of resource nhn:pts"


# -- token exchange ----------------------------------------------------------------------------------------


def test_exchange_with_resource_instead_of_audience(app, tokens):
    claims = issued(exchange(tokens, user_token(app), audience=None, resource="nhn:pts"))
    assert claims["aud"] == "nhn:pts" and claims["scope"] == [PTS_SCOPE]


def test_exchange_with_resource_downscopes_the_scopes_asked_for(app, tokens):
    subject = user_token(app, scopes=(PTS_SCOPE, "verktoykatalog_read"))
    claims = issued(exchange(tokens, subject, audience=None, resource="nhn:pts", scope=f"{PTS_SCOPE} verktoykatalog_read"))
    assert claims["aud"] == "nhn:pts" and claims["scope"] == [PTS_SCOPE]


def test_exchange_with_audience_and_resource_naming_the_same_api(app, tokens):
    assert issued(exchange(tokens, user_token(app), audience="nhn:pts", resource="nhn:pts"))["aud"] == "nhn:pts"


@pytest.mark.parametrize(
    ("form", "mentions"),
    [
        ({"audience": "nhn:helsenorge.eksternapi", "resource": "nhn:pts"}, "name different APIs"),
        ({"audience": None, "resource": "helsebro:operator"}, "not an API a user token can be exchanged for"),
        ({"audience": None, "resource": "https://api.pts.nhn.no"}, "not an API a user token can be exchanged for"),
    ],
)
def test_exchange_with_a_bad_resource_is_invalid_target(app, tokens, form, mentions):
    assert mentions in invalid_target(exchange(tokens, user_token(app), **dict(form)))


# -- the professional login: one login, a token per API ----------------------------------------------------


def test_code_and_refresh_with_resource_give_a_token_per_api(client):
    from tests.support_helseid_login import code_via_par, redeem, refresh

    scope = "openid offline_access nhn:pts/api verktoykatalog_read"
    code, verifier = code_via_par(client, scope=scope)
    first = redeem(client, code, verifier, resource="nhn:pts")
    access = issued(first)
    assert access["aud"] == "nhn:pts" and access["scope"] == ["openid", "offline_access", PTS_SCOPE]
    assert "id_token" in first.json()
    second = refresh(client, first.json()["refresh_token"], resource="nhn:helsenorge.eksternapi")
    assert issued(second)["aud"] == "nhn:helsenorge.eksternapi" and "verktoykatalog_read" in issued(second)["scope"]
    assert "is not an API of this HelseID" in invalid_target(refresh(client, second.json()["refresh_token"], resource="nhn:unknown"))
    assert "none of the scopes asked for" in invalid_target(
        refresh(client, second.json()["refresh_token"], scope="openid", resource="nhn:pts")
    )
    # A refused refresh did not use the refresh token up (nor count as its reuse).
    assert issued(refresh(client, second.json()["refresh_token"]))["aud"] == ["nhn:helsenorge.eksternapi", "nhn:pts"]


def test_a_refused_code_redemption_leaves_the_code_usable(client):
    from tests.support_helseid_login import code_via_par, redeem

    code, verifier = code_via_par(client, scope="openid nhn:pts/api")
    assert "verktoykatalog_read" not in invalid_target(redeem(client, code, verifier, resource="nhn:helsenorge.eksternapi"))
    assert issued(redeem(client, code, verifier))["aud"] == "nhn:pts"


def test_a_repeated_resource_is_invalid_target(tokens):
    form = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", tokens.assertion(EPJ_CLIENT)),
        ("resource", "nhn:pts"),
        ("resource", "nhn:helsenorge.eksternapi"),
    ]
    response = tokens.client.post(TOKEN_PATH, content=urlencode(form), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "name one API per request" in invalid_target(response)
