"""The HelseID token service as clients see it: discovery, JWKS, client_credentials with private_key_jwt and
client secrets, the claims of issued tokens, OAuth errors, DPoP binding and nonces, and key rotation."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from starlette.testclient import TestClient

from helsebro.app import create_app
from helsebro.auth import keys as keys_module
from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion, dpop_proof
from tests.conftest import PUBLIC_URL, make_settings
from tests.support import EPJ_CLIENT, SECRET, SECRET_CLIENT, VERKTOY_CLIENT, demo_key

ISSUER = PUBLIC_URL + "/helseid"
TOKEN_PATH = "/helseid/connect/token"
TOKEN_URL = PUBLIC_URL + TOKEN_PATH
DISCOVERY_PATH = "/helseid/.well-known/openid-configuration"
JWKS_PATH = "/helseid/.well-known/openid-configuration/jwks"
CATALOG_PATH = "/verktoy/v1/SelvstendigVerktoy"
CATALOG_URL = PUBLIC_URL + CATALOG_PATH

HELSENORGE_AUDIENCE = "nhn:helsenorge.eksternapi"
ORGNR_PARENT = "helseid://claims/client/claims/orgnr_parent"
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


# -- helpers ------------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638 SHA-256 thumbprint, computed here independently of the server's code."""
    members = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}[jwk["kty"]]
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def assertion_form(client_id: str = VERKTOY_CLIENT, scope: str = "verktoykatalog_read", **assertion_kwargs) -> dict:
    audience = assertion_kwargs.pop("audience", ISSUER)
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(client_id, demo_key(client_id), audience, **assertion_kwargs),
        "scope": scope,
    }


def post_token(client: TestClient, form: dict, headers: dict | None = None):
    return client.post(TOKEN_PATH, data=form, headers=headers or {})


def access_token(client: TestClient, **form_kwargs) -> str:
    response = post_token(client, assertion_form(**form_kwargs))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def verified(client: TestClient, token: str) -> tuple[dict, dict]:
    """Header and claims of a token, its signature checked against the published JWKS."""
    key_set = KeySet.import_key_set(client.get(JWKS_PATH).json())
    decoded = jwt.decode(token, key_set, algorithms=["RS256"])
    return dict(decoded.header), dict(decoded.claims)


def unverified_kid(token: str) -> str:
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))["kid"]


def jwks_kids(client: TestClient) -> set[str]:
    return {k["kid"] for k in client.get(JWKS_PATH).json()["keys"]}


def assert_oauth_error(response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"]
    assert response.headers["cache-control"] == "no-store"


def other_app_client(database_url: str, engine, **overrides) -> TestClient:
    """A second app on the same database, with different settings."""
    app = create_app(make_settings(database_url, **overrides), engine)
    return TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False)


@pytest.fixture()
def strict_client(database_url, engine) -> Iterator[TestClient]:
    with other_app_client(database_url, engine, strict=True) as test_client:
        yield test_client


@pytest.fixture()
def nonce_client(database_url, engine) -> Iterator[TestClient]:
    with other_app_client(database_url, engine, dpop_nonce="token") as test_client:
        yield test_client


# -- discovery and JWKS -------------------------------------------------------------------------------


def test_discovery_names_issuer_token_endpoint_and_jwks(client):
    doc = client.get(DISCOVERY_PATH).json()
    assert doc["issuer"] == ISSUER
    assert doc["token_endpoint"] == TOKEN_URL
    assert doc["jwks_uri"] == PUBLIC_URL + JWKS_PATH
    assert "client_credentials" in doc["grant_types_supported"]
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]


def test_discovery_offers_asymmetric_algs_only(client):
    doc = client.get(DISCOVERY_PATH).json()
    for field in ("token_endpoint_auth_signing_alg_values_supported", "dpop_signing_alg_values_supported"):
        algs = set(doc[field])
        assert {"RS256", "PS256", "ES256"} <= algs
        assert not algs & {"none", "HS256", "HS384", "HS512"}


def test_jwks_publishes_only_public_signing_keys(client):
    keys = client.get(JWKS_PATH).json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA" and key["n"] and key["e"] and key["kid"]
        assert not PRIVATE_JWK_MEMBERS & key.keys(), f"private material published: {key.keys()}"


def test_jwks_contains_the_key_that_signs_tokens(client):
    token = access_token(client)
    header, _ = verified(client, token)
    assert header["kid"] in jwks_kids(client)
    assert header["alg"] == "RS256"


# -- client_credentials with private_key_jwt ----------------------------------------------------------


@pytest.mark.parametrize(
    ("client_id", "alg"),
    [(VERKTOY_CLIENT, "RS256"), (VERKTOY_CLIENT, "PS256"), (EPJ_CLIENT, "ES256")],
)
def test_private_key_jwt_signed_with_alg_gets_a_token(client, client_id, alg):
    response = post_token(client, assertion_form(client_id, alg=alg))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "verktoykatalog_read"
    assert verified(client, body["access_token"])[1]["client_id"] == client_id


@pytest.mark.parametrize("audience", [ISSUER, TOKEN_URL], ids=["issuer", "token_endpoint"])
def test_assertion_audience_may_be_issuer_or_token_endpoint(client, audience):
    response = post_token(client, assertion_form(audience=audience))
    assert response.status_code == 200, response.text


def test_token_response_is_not_cacheable(client):
    response = post_token(client, assertion_form())
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


# -- client secrets -----------------------------------------------------------------------------------


def basic_auth(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


SECRET_FORM = {"grant_type": "client_credentials", "scope": "verktoykatalog_read"}


def test_client_secret_basic_gets_a_token(client):
    response = post_token(client, SECRET_FORM, basic_auth(SECRET_CLIENT, SECRET))
    assert response.status_code == 200, response.text
    assert verified(client, response.json()["access_token"])[1]["client_id"] == SECRET_CLIENT


def test_client_secret_post_gets_a_token(client):
    response = post_token(client, {**SECRET_FORM, "client_id": SECRET_CLIENT, "client_secret": SECRET})
    assert response.status_code == 200, response.text
    assert verified(client, response.json()["access_token"])[1]["client_id"] == SECRET_CLIENT


def test_wrong_client_secret_is_invalid_client(client):
    response = post_token(client, SECRET_FORM, basic_auth(SECRET_CLIENT, "not-the-secret"))
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")  # RFC 6749 section 5.2


def test_client_secret_basic_is_refused_in_strict_mode(strict_client):
    response = post_token(strict_client, SECRET_FORM, basic_auth(SECRET_CLIENT, SECRET))
    assert_oauth_error(response, 401, "invalid_client")
    assert "strict" in response.json()["error_description"]


def test_client_secret_post_is_refused_in_strict_mode(strict_client):
    response = post_token(strict_client, {**SECRET_FORM, "client_id": SECRET_CLIENT, "client_secret": SECRET})
    assert_oauth_error(response, 401, "invalid_client")
    assert "strict" in response.json()["error_description"]


def test_private_key_jwt_still_works_in_strict_mode(strict_client):
    response = post_token(strict_client, assertion_form())
    assert response.status_code == 200, response.text


def test_the_operator_keeps_its_secret_in_strict_mode(strict_client):
    """helsebro's own operator client has no HelseID counterpart to imitate, so strict mode leaves it on."""
    form = {"grant_type": "client_credentials", "scope": "helsebro:operator"}
    response = post_token(strict_client, form, basic_auth("helsebro-operator", "helsebro-operator"))
    assert response.status_code == 200, response.text
    wrong = post_token(strict_client, form, basic_auth("helsebro-operator", "not-the-secret"))
    assert_oauth_error(wrong, 401, "invalid_client")


# -- claims of issued tokens --------------------------------------------------------------------------


def test_issued_token_carries_helseid_claims(client):
    response = post_token(client, assertion_form(scope="verktoykatalog_read verktoysendtilinnbygger"))
    header, claims = verified(client, response.json()["access_token"])
    assert header["typ"] == "at+jwt"
    assert claims["iss"] == ISSUER
    assert claims["aud"] == HELSENORGE_AUDIENCE
    assert claims["client_id"] == VERKTOY_CLIENT
    assert claims["scope"] == ["verktoykatalog_read", "verktoysendtilinnbygger"]
    assert claims[ORGNR_PARENT] == "910000004"
    assert claims["exp"] - claims["iat"] == 3600
    assert isinstance(claims["jti"], str) and claims["jti"]
    assert "cnf" not in claims


def test_each_token_gets_its_own_jti(client):
    first = verified(client, access_token(client))[1]
    second = verified(client, access_token(client))[1]
    assert first["jti"] != second["jti"]


def test_pts_scope_gets_pts_audience(client):
    token = access_token(client, client_id=EPJ_CLIENT, scope="nhn:pts/api")
    claims = verified(client, token)[1]
    assert claims["aud"] == "nhn:pts"
    assert claims["scope"] == ["nhn:pts/api"]
    assert claims[ORGNR_PARENT] == "910000020"


def test_prefixed_scope_is_issued_and_accepted_at_a_resource(client):
    scope = "nhn:helsenorge.eksternapi/verktoykatalog_read"
    token = access_token(client, scope=scope)
    claims = verified(client, token)[1]
    assert claims["aud"] == HELSENORGE_AUDIENCE
    assert claims["scope"] == [scope]
    response = client.get(CATALOG_PATH, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


# -- OAuth errors -------------------------------------------------------------------------------------


def test_scope_not_granted_is_invalid_scope(client):
    response = post_token(client, assertion_form(VERKTOY_CLIENT, scope="digitaltaktiv"))
    assert_oauth_error(response, 400, "invalid_scope")


def test_unknown_grant_type_is_unsupported_grant_type(client):
    response = post_token(client, {**assertion_form(), "grant_type": "password"})
    assert_oauth_error(response, 400, "unsupported_grant_type")


def test_missing_grant_type_is_invalid_request(client):
    form = assertion_form()
    del form["grant_type"]
    assert_oauth_error(post_token(client, form), 400, "invalid_request")


def test_json_body_is_invalid_request(client):
    response = client.post(TOKEN_PATH, json=assertion_form())
    assert_oauth_error(response, 400, "invalid_request")


def test_repeated_parameter_is_invalid_request(client):
    body = urlencode([*assertion_form().items(), ("scope", "verktoysendtilinnbygger")])
    response = client.post(TOKEN_PATH, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_oauth_error(response, 400, "invalid_request")
    assert "scope" in response.json()["error_description"]


def test_no_client_authentication_is_invalid_client(client):
    assert_oauth_error(post_token(client, SECRET_FORM), 401, "invalid_client")


# -- DPoP at the token endpoint -----------------------------------------------------------------------


def test_dpop_proof_gives_a_dpop_bound_token(client):
    key = ECKey.generate_key("P-256", private=True)
    response = post_token(client, assertion_form(), {"DPoP": dpop_proof(key, "POST", TOKEN_URL)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "DPoP"
    claims = verified(client, body["access_token"])[1]
    assert claims["cnf"] == {"jkt": jwk_thumbprint(key.as_dict(private=False))}


def test_dpop_bound_token_works_with_a_fresh_proof(client):
    key = ECKey.generate_key("P-256", private=True)
    token = post_token(client, assertion_form(), {"DPoP": dpop_proof(key, "POST", TOKEN_URL)}).json()["access_token"]
    headers = {"Authorization": f"DPoP {token}", "DPoP": dpop_proof(key, "GET", CATALOG_URL, access_token=token)}
    response = client.get(CATALOG_PATH, headers=headers)
    assert response.status_code == 200, response.text


def test_dpop_proof_for_another_url_is_refused_at_the_token_endpoint(client):
    key = ECKey.generate_key("P-256", private=True)
    response = post_token(client, assertion_form(), {"DPoP": dpop_proof(key, "POST", CATALOG_URL)})
    assert_oauth_error(response, 400, "invalid_dpop_proof")


def test_dpop_nonce_is_demanded_when_configured(nonce_client):
    key = ECKey.generate_key("P-256", private=True)
    response = post_token(nonce_client, assertion_form(), {"DPoP": dpop_proof(key, "POST", TOKEN_URL)})
    assert_oauth_error(response, 400, "use_dpop_nonce")
    assert response.headers["DPoP-Nonce"]


def test_dpop_retry_with_the_server_nonce_succeeds(nonce_client):
    key = ECKey.generate_key("P-256", private=True)
    first = post_token(nonce_client, assertion_form(), {"DPoP": dpop_proof(key, "POST", TOKEN_URL)})
    nonce = first.headers["DPoP-Nonce"]
    retry = post_token(nonce_client, assertion_form(), {"DPoP": dpop_proof(key, "POST", TOKEN_URL, nonce=nonce)})
    assert retry.status_code == 200, retry.text
    assert retry.json()["token_type"] == "DPoP"


def test_made_up_dpop_nonce_is_refused(nonce_client):
    key = ECKey.generate_key("P-256", private=True)
    proof = dpop_proof(key, "POST", TOKEN_URL, nonce="12345.bm90LWEtbm9uY2U")
    assert_oauth_error(post_token(nonce_client, assertion_form(), {"DPoP": proof}), 400, "use_dpop_nonce")


# -- key rotation -------------------------------------------------------------------------------------


def test_rotated_key_signs_new_tokens(client, app):
    old_kid = verified(client, access_token(client))[0]["kid"]
    new_kid = app.state.services.keys.rotate()
    assert new_kid != old_kid
    assert verified(client, access_token(client))[0]["kid"] == new_kid


def test_token_signed_before_rotation_still_works_at_a_resource(client, app):
    old_token = access_token(client)  # not used before the rotation, so no cached validation helps it
    app.state.services.keys.rotate()
    response = client.get(CATALOG_PATH, headers={"Authorization": f"Bearer {old_token}"})
    assert response.status_code == 200, response.text


def test_jwks_lists_old_and_new_key_after_rotation(client, app):
    old_kid = verified(client, access_token(client))[0]["kid"]
    new_kid = app.state.services.keys.rotate()
    assert {old_kid, new_kid} <= jwks_kids(client)


def test_key_rotated_by_another_process_signs_after_the_reload_interval(client, app, database_url, engine, monkeypatch):
    with other_app_client(database_url, engine) as other:  # e.g. `helsebro keys rotate`, or a second server
        new_kid = other.app.state.services.keys.rotate()
    later = time.monotonic() + keys_module.KeyStore.reload_seconds + 1
    with monkeypatch.context() as patch:
        patch.setattr(keys_module, "time", SimpleNamespace(monotonic=lambda: later))
        # The kid is read from the token itself: fetching the JWKS would reload the key set by another path.
        assert unverified_kid(access_token(client)) == new_kid
    app.state.services.keys.load()  # back on the real clock
