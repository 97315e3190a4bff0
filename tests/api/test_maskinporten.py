"""The Maskinporten token service as a municipality's case system sees it: discovery, JWKS, the JWT grant with
every rule Digdir documents, the token's claims, OAuth errors, and where the token is (not) accepted."""

from __future__ import annotations

import base64
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

from tests.support import VERKTOY_CLIENT, demo_key
from tests.support_svarut import (  # noqa: F401  (svarut is a fixture)
    KOMMUNE_CLIENT,
    MASKINPORTEN_ISSUER,
    TOKEN_PATH,
    jwt_grant,
    kommune_key,
    svarut,
    token_form,
)

JWKS_PATH = "/maskinporten/jwk"


def post(svarut, assertion: str, **form):
    return svarut.client.post(TOKEN_PATH, data={**token_form(assertion), **form})


def claims_of(svarut, token: str) -> dict:
    key_set = KeySet.import_key_set(svarut.client.get(JWKS_PATH).json())
    return dict(jwt.decode(token, key_set, algorithms=["RS256"]).claims)


def assert_oauth_error(response, error: str, status: int = 400, mentions: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert mentions in body["error_description"]
    assert response.headers["cache-control"] == "no-store"


# -- discovery and keys --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"])
def test_discovery_names_issuer_token_endpoint_and_jwks(svarut, path):
    metadata = svarut.client.get("/maskinporten" + path).json()
    assert metadata["issuer"] == MASKINPORTEN_ISSUER
    assert metadata["token_endpoint"] == MASKINPORTEN_ISSUER + "/token"
    assert metadata["jwks_uri"] == MASKINPORTEN_ISSUER + "/jwk"
    assert metadata["grant_types_supported"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert metadata["token_endpoint_auth_signing_alg_values_supported"] == ["RS256", "RS384", "RS512"]
    assert "ks:fiks" in metadata["scopes_supported"]


def test_jwks_publishes_public_keys_only(svarut):
    keys = svarut.client.get(JWKS_PATH).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and "d" not in k and k["kid"] for k in keys)


# -- a good grant --------------------------------------------------------------------------------------


def test_good_grant_gives_a_bearer_token_with_maskinporten_claims(svarut):
    before = int(time.time())
    response = post(svarut, jwt_grant())
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "ks:fiks" and body["expires_in"] > 0
    claims = claims_of(svarut, body["access_token"])
    assert claims["iss"] == MASKINPORTEN_ISSUER
    assert claims["aud"] == "ks:fiks"
    assert claims["scope"] == "ks:fiks"  # one space-separated string, as Maskinporten issues it
    assert claims["client_id"] == KOMMUNE_CLIENT
    assert claims["consumer"] == {"authority": "iso6523-actorid-upis", "ID": "0192:910000063"}
    assert claims["client_amr"] == "private_key_jwt"
    assert before <= claims["iat"] <= claims["exp"] - 1 and claims["exp"] - claims["iat"] == body["expires_in"]
    assert claims["jti"]


@pytest.mark.parametrize("audience", [MASKINPORTEN_ISSUER, MASKINPORTEN_ISSUER + "/", [MASKINPORTEN_ISSUER]])
def test_aud_is_the_issuer_with_or_without_trailing_slash(svarut, audience):
    assert post(svarut, jwt_grant(aud=audience)).status_code == 200


def test_grant_without_jti_works_once(svarut):
    assertion = jwt_grant(drop=("jti",))
    assert post(svarut, assertion).status_code == 200
    assert_oauth_error(post(svarut, assertion), "invalid_grant", mentions="used before")


def test_consumer_org_naming_the_clients_own_organisation_is_accepted(svarut):
    assert post(svarut, jwt_grant(consumer_org="910000063")).status_code == 200


def test_each_of_maskinportens_rsa_algorithms_is_accepted(svarut):
    for alg in ("RS256", "RS384", "RS512"):
        key = kommune_key()
        assert post(svarut, jwt_grant(header={"alg": alg, "kid": key.kid}, key=key)).status_code == 200, alg


# -- grants that are refused ---------------------------------------------------------------------------


def test_replayed_grant_is_refused(svarut):
    assertion = jwt_grant()
    assert post(svarut, assertion).status_code == 200
    assert_oauth_error(post(svarut, assertion), "invalid_grant", mentions="used before")


@pytest.mark.parametrize(
    ("claims", "mentions"),
    [
        (lambda now: {"aud": MASKINPORTEN_ISSUER + "/token"}, "aud"),
        (lambda now: {"aud": "https://test.maskinporten.no/"}, "aud"),
        (lambda now: {"aud": [MASKINPORTEN_ISSUER, "ks:fiks"]}, "aud"),
        (lambda now: {"iat": now, "exp": now + 180}, "120"),
        (lambda now: {"iat": now + 30, "exp": now + 60}, "iat"),
        (lambda now: {"iat": now - 200, "exp": now - 100}, "iat"),
        (lambda now: {"iat": "now"}, "iat"),
        (lambda now: {"sub": KOMMUNE_CLIENT}, "sub"),
        (lambda now: {"nbf": now}, "nbf"),
    ],
    ids=[
        "token-endpoint-aud",
        "real-maskinporten-aud",
        "two-audiences",
        "exp-too-far",
        "iat-future",
        "expired",
        "iat-string",
        "sub",
        "nbf",
    ],
)
def test_grant_claims_outside_the_rules_are_refused(svarut, claims, mentions):
    assert_oauth_error(post(svarut, jwt_grant(**claims(int(time.time())))), "invalid_grant", mentions=mentions)


@pytest.mark.parametrize("missing", ["aud", "iat", "exp", "iss"])
def test_grant_without_a_required_claim_is_refused(svarut, missing):
    assert_oauth_error(post(svarut, jwt_grant(drop=(missing,))), "invalid_grant", mentions=missing)


def test_grant_without_kid_is_refused(svarut):
    assert_oauth_error(post(svarut, jwt_grant(header={"alg": "RS256"})), "invalid_grant", mentions="kid")


def test_grant_with_unknown_kid_is_refused(svarut):
    assert_oauth_error(post(svarut, jwt_grant(header={"alg": "RS256", "kid": "nope"})), "invalid_grant", mentions="kid")


def test_grant_signed_with_another_key_under_the_clients_kid_is_refused(svarut):
    attacker = RSAKey.generate_key(2048, private=True)
    assertion = jwt_grant(key=attacker, header={"alg": "RS256", "kid": kommune_key().kid})
    assert_oauth_error(post(svarut, assertion), "invalid_grant", mentions="signature")


def test_es256_is_refused_as_maskinporten_does(svarut):
    key = ECKey.generate_key("P-256", private=True)
    assertion = jwt_grant(key=key, header={"alg": "ES256", "kid": "demo-kommune-1"})
    assert_oauth_error(post(svarut, assertion), "invalid_grant", mentions="ES256")


def test_hs256_is_refused(svarut):
    secret = OctKey.import_key("a" * 32)
    now = int(time.time())
    claims = {"aud": MASKINPORTEN_ISSUER, "iss": KOMMUNE_CLIENT, "scope": "ks:fiks", "iat": now, "exp": now + 60}
    hs = jwt.encode({"alg": "HS256", "kid": "demo-kommune-1"}, claims, secret, algorithms=["HS256"])
    assert_oauth_error(post(svarut, hs), "invalid_grant", mentions="HS256")


def test_unsigned_grant_is_refused(svarut):
    payload = jwt_grant().split(".")[1]
    header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"demo-kommune-1"}').rstrip(b"=").decode()
    assert_oauth_error(post(svarut, f"{header}.{payload}."), "invalid_grant", mentions="none")


@pytest.mark.parametrize("part", ["header", "payload"])
def test_a_grant_nested_beyond_the_json_parser_is_refused(svarut, part):
    deep = b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"
    header, payload, signature = jwt_grant().split(".")
    encoded = base64.urlsafe_b64encode(deep).rstrip(b"=").decode()
    grant = f"{encoded}.{payload}.{signature}" if part == "header" else f"{header}.{encoded}.{signature}"
    assert_oauth_error(post(svarut, grant), "invalid_grant", mentions="nested too deeply")  # was a 500


def test_unknown_client_is_refused(svarut):
    assert_oauth_error(post(svarut, jwt_grant(client_id="ukjent-klient")), "invalid_grant", mentions="unknown client")


def test_scope_the_client_is_not_granted_is_refused(svarut):
    key = demo_key(VERKTOY_CLIENT)
    assertion = jwt_grant(client_id=VERKTOY_CLIENT, key=key)
    assert_oauth_error(post(svarut, assertion), "invalid_scope", mentions="ks:fiks")


@pytest.mark.parametrize("scope", ["verktoykatalog_read", "ks:fiks nhn:pts/api"])
def test_scopes_that_are_not_maskinportens_are_refused(svarut, scope):
    assert_oauth_error(post(svarut, jwt_grant(scope=scope)), "invalid_scope", mentions="not a Maskinporten scope")


@pytest.mark.parametrize("scope", [None, "", "   "])
def test_grant_without_scope_is_refused(svarut, scope):
    assertion = jwt_grant(drop=("scope",)) if scope is None else jwt_grant(scope=scope)
    assert_oauth_error(post(svarut, assertion), "invalid_scope", mentions="scope")


def test_consumer_org_of_another_organisation_is_refused(svarut):
    assert_oauth_error(post(svarut, jwt_grant(consumer_org="910000020")), "invalid_grant", mentions="consumer_org")


# -- the request itself --------------------------------------------------------------------------------


def test_other_grant_types_are_unsupported(svarut):
    response = svarut.client.post(TOKEN_PATH, data={"grant_type": "client_credentials", "assertion": jwt_grant()})
    assert_oauth_error(response, "unsupported_grant_type")


@pytest.mark.parametrize("form", [{"assertion": "x"}, {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}])
def test_missing_grant_type_or_assertion_is_an_invalid_request(svarut, form):
    assert_oauth_error(svarut.client.post(TOKEN_PATH, data=form), "invalid_request")


def test_token_request_must_be_a_form(svarut):
    assert_oauth_error(svarut.client.post(TOKEN_PATH, json=token_form(jwt_grant())), "invalid_request")


def test_repeated_parameter_is_an_invalid_request(svarut):
    body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a&assertion=b"
    response = svarut.client.post(TOKEN_PATH, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_oauth_error(response, "invalid_request", mentions="repeated")


# -- where the token is accepted -----------------------------------------------------------------------


def test_maskinporten_token_is_not_accepted_by_helsenorge_apis(svarut):
    token = post(svarut, jwt_grant()).json()["access_token"]
    response = svarut.client.get("/verktoy/v1/SelvstendigVerktoy", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "audience" in response.headers["www-authenticate"]


def test_helseid_token_is_not_accepted_by_svarut(svarut, tokens):
    headers = {**svarut.headers(), **tokens.bearer("verktoykatalog_read")}
    response = svarut.status({"id": []}, headers=headers)
    assert response.status_code == 401


def test_helseid_never_issues_the_maskinporten_scope(client):
    from helsebro.auth.client_auth import ASSERTION_TYPE
    from helsebro.auth.client_side import client_assertion
    from tests.support import demo_key

    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion("helsebro-demo-kommune", demo_key("helsebro-demo-kommune"), "http://testserver/helseid"),
        "scope": "ks:fiks",
    }
    response = client.post("/helseid/connect/token", data=form)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")
