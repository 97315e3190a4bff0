"""Forged, replayed and misused tokens, DPoP proofs and client assertions: every one is refused.

At a resource the answer is 401 with the fixed Helsenorge body and the reason in ``WWW-Authenticate``; at the
token endpoint it is 401 ``invalid_client``. Each attack has a control test beside it that builds the same
thing correctly and gets in, so a refusal proves the one property the attack breaks.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

import pytest
from joserfc.jwk import ECKey, RSAKey

from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.dpop import access_token_hash
from tests import attacks
from tests.attacks import (
    DROP,
    b64json,
    forge,
    hs256,
    new_key,
    parts,
    server_key,
    signed,
    unsigned,
    with_claims,
)
from tests.conftest import PUBLIC_URL
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT, VERKTOY_CLIENT_2, demo_key

ISSUER = PUBLIC_URL + "/helseid"
TOKEN_PATH = "/helseid/connect/token"
CATALOG_PATH = "/verktoy/v1/SelvstendigVerktoy"
CATALOG_URL = PUBLIC_URL + CATALOG_PATH
CATALOG_SCOPE = "verktoykatalog_read"

INVALID_TOKEN_BODY = {"Code": "SEC-110000", "Message": "Token is expired or invalid"}
MISSING_SCOPE_BODY = {"Code": "SEC-110001", "Message": "Mangler tilgang (scope)"}


# -- builders (shared with the robustness suite: tests/attacks.py) ----------------------------------------


def real_token(tokens, scope: str = CATALOG_SCOPE, client_id: str = VERKTOY_CLIENT) -> tuple[str, dict, dict]:
    token = tokens.get(scope, client_id)
    header, claims, _ = parts(token)
    return token, header, claims


def fresh_claims(tokens) -> dict:
    """Claims of a real token with a new jti, so each forged token is a distinct string."""
    return with_claims(real_token(tokens)[2], jti=secrets.token_hex(16))


def bearer(client, token: str):
    return client.get(CATALOG_PATH, headers={"Authorization": f"Bearer {token}"})


def assert_refused(response, *reasons: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == INVALID_TOKEN_BODY
    challenge = response.headers["WWW-Authenticate"]
    assert "error=" in challenge
    for reason in reasons:
        assert reason in challenge, challenge


# -- DPoP ---------------------------------------------------------------------------------------------


def proof(key: ECKey | RSAKey, method: str = "GET", url: str = CATALOG_URL, **kwargs: Any) -> str:
    return attacks.proof(key, method, url, **kwargs)


def dpop_token(tokens, key: ECKey) -> str:
    return tokens.get(CATALOG_SCOPE, dpop_key=key)


def dpop_get(client, token: str, dpop: str | None, scheme: str = "DPoP"):
    headers = {"Authorization": f"{scheme} {token}"}
    if dpop is not None:
        headers["DPoP"] = dpop
    return client.get(CATALOG_PATH, headers=headers)


# -- client assertions --------------------------------------------------------------------------------


def assertion_claims(client_id: str = VERKTOY_CLIENT, **changes: Any) -> dict:
    now = int(time.time())
    base = {"iss": client_id, "sub": client_id, "aud": ISSUER, "jti": secrets.token_hex(16), "iat": now, "nbf": now, "exp": now + 60}
    return with_claims(base, **changes)


def assertion(claims: dict, key: RSAKey | ECKey | None = None, **header: Any) -> str:
    key = key or demo_key(VERKTOY_CLIENT)
    alg = "ES256" if key.key_type == "EC" else "RS256"
    return signed({"alg": alg, "kid": key.kid, "typ": "JWT", **header}, claims, key)


def post_assertion(client, client_assertion: str, scope: str = CATALOG_SCOPE):
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion,
        "scope": scope,
    }
    return client.post(TOKEN_PATH, data=form)


def assert_invalid_client(response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert reason in response.json()["error_description"]


# =====================================================================================================
# Resource: controls
# =====================================================================================================


def test_control_token_forged_with_valid_claims_is_accepted(client, app, tokens):
    assert bearer(client, forge(app, fresh_claims(tokens))).status_code == 200


def test_control_dpop_token_with_a_good_proof_is_accepted(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    assert dpop_get(client, token, proof(key, token=token)).status_code == 200


# =====================================================================================================
# Resource: forged and misused access tokens
# =====================================================================================================


def test_alg_none_token_is_rejected(client, tokens):
    _, header, claims = real_token(tokens)
    assert_refused(bearer(client, unsigned({**header, "alg": "none"}, claims)), "alg 'none' is not accepted")


def test_hs256_signed_with_server_public_key_pem_is_rejected(client, app, tokens):
    _, header, claims = real_token(tokens)
    public_pem = server_key(app)[1].as_pem(private=False)
    assert_refused(bearer(client, hs256(header, claims, public_pem)), "alg 'HS256' is not accepted")


def test_hs256_signed_with_server_public_jwk_n_is_rejected(client, app, tokens):
    _, header, claims = real_token(tokens)
    n_value = server_key(app)[1].as_dict(private=False)["n"].encode()
    assert_refused(bearer(client, hs256(header, claims, n_value)), "alg 'HS256' is not accepted")


def test_expired_token_is_rejected(client, app, tokens):
    now = int(time.time())
    claims = with_claims(fresh_claims(tokens), iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    assert_refused(bearer(client, forge(app, claims)), "token has expired")


def test_not_yet_valid_token_is_rejected(client, app, tokens):
    claims = with_claims(fresh_claims(tokens), nbf=int(time.time()) + 600)
    assert_refused(bearer(client, forge(app, claims)), "not valid yet")


def test_token_with_nan_exp_is_rejected(client, app, tokens):
    claims = with_claims(fresh_claims(tokens), exp=float("nan"))  # NaN passes every comparison unless refused
    assert_refused(bearer(client, forge(app, claims)), "exp must be a finite number")


def test_wrong_audience_is_rejected(client, app, tokens):
    claims = with_claims(fresh_claims(tokens), aud="nhn:pts")
    assert_refused(bearer(client, forge(app, claims)), "audience must include")


def test_wrong_issuer_is_rejected(client, app, tokens):
    claims = with_claims(fresh_claims(tokens), iss="https://helseid-sts.evil.example")
    assert_refused(bearer(client, forge(app, claims)), "not trusted")


def test_unknown_kid_is_rejected(client, app, tokens):
    assert_refused(bearer(client, forge(app, fresh_claims(tokens), kid="no-such-kid")), "unknown kid")


def test_tampered_scope_is_rejected(client, tokens):
    token, header, claims = real_token(tokens, scope="verktoyadminveiledning")
    tampered = f"{b64json(header)}.{b64json(with_claims(claims, scope=[CATALOG_SCOPE]))}.{parts(token)[2]}"
    assert_refused(bearer(client, tampered), "signature check failed")


def test_tampered_client_id_is_rejected(client, tokens):
    token, header, claims = real_token(tokens)
    tampered = f"{b64json(header)}.{b64json(with_claims(claims, client_id=VERKTOY_CLIENT_2))}.{parts(token)[2]}"
    assert_refused(bearer(client, tampered), "signature check failed")


def test_token_signed_by_attacker_key_with_server_kid_is_rejected(client, app, tokens):
    attacker = RSAKey.generate_key(2048, private=True)
    header = {"alg": "RS256", "kid": server_key(app)[0], "typ": "at+jwt"}
    assert_refused(bearer(client, signed(header, fresh_claims(tokens), attacker)), "signature check failed")


def test_missing_authorization_is_rejected(client):
    assert_refused(client.get(CATALOG_PATH), "Authorization header")


def test_basic_scheme_is_rejected(client):
    credentials = base64.b64encode(b"helsebro-demo-secret:helsebro-demo-secret").decode()
    response = client.get(CATALOG_PATH, headers={"Authorization": f"Basic {credentials}"})
    assert_refused(response, "Authorization must be")


# =====================================================================================================
# Resource: DPoP
# =====================================================================================================


def test_dpop_bound_token_sent_as_bearer_is_rejected(client, tokens):
    token = dpop_token(tokens, new_key())
    assert_refused(bearer(client, token), "DPoP-bound token must be sent as")


def test_dpop_token_without_proof_is_rejected(client, tokens):
    assert_refused(dpop_get(client, dpop_token(tokens, new_key()), None), "DPoP header with a proof is required")


def test_dpop_proof_for_another_method_is_rejected(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    assert_refused(dpop_get(client, token, proof(key, "POST", token=token)), "htm 'POST' does not match")


def test_dpop_proof_for_another_url_is_rejected(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    other_url = PUBLIC_URL + "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy"
    assert_refused(dpop_get(client, token, proof(key, url=other_url, token=token)), "does not match the request URL")


def test_stale_dpop_proof_is_rejected(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    assert_refused(dpop_get(client, token, proof(key, token=token, iat=int(time.time()) - 600)), "stale (iat too old)")


def test_dpop_proof_from_the_future_is_rejected(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    assert_refused(dpop_get(client, token, proof(key, token=token, iat=int(time.time()) + 600)), "issued in the future")


def test_replayed_dpop_proof_is_rejected(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    once = proof(key, token=token)
    assert dpop_get(client, token, once).status_code == 200
    assert_refused(dpop_get(client, token, once), "used before (replay)")


def test_dpop_proof_signed_by_another_key_is_rejected(client, tokens):
    token = dpop_token(tokens, new_key())
    assert_refused(dpop_get(client, token, proof(new_key(), token=token)), "cnf.jkt")


def test_dpop_proof_with_wrong_ath_is_rejected(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    assert_refused(dpop_get(client, token, proof(key, ath=access_token_hash(token + "x"))), "ath does not match")


def test_dpop_proof_without_dpop_typ_is_rejected(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    assert_refused(dpop_get(client, token, proof(key, token=token, header={"typ": "JWT"})), "typ must be dpop+jwt")


def test_dpop_proof_carrying_a_private_jwk_is_rejected(client, tokens):
    key = new_key()
    token = dpop_token(tokens, key)
    private_header = {"jwk": key.as_dict(private=True)}
    assert_refused(dpop_get(client, token, proof(key, token=token, header=private_header)), "must carry the public key")


def test_bearer_token_sent_with_dpop_scheme_is_rejected(client, tokens):
    key = new_key()
    token = tokens.get(CATALOG_SCOPE)
    assert_refused(dpop_get(client, token, proof(key, token=token)), "not DPoP-bound")


# =====================================================================================================
# Resource: scope
# =====================================================================================================


def test_token_without_the_endpoint_scope_gets_403(client, tokens):
    token = tokens.get("digitaltaktiv", EPJ_CLIENT)
    response = bearer(client, token)
    assert response.status_code == 403, response.text
    assert response.json() == MISSING_SCOPE_BODY
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert CATALOG_SCOPE in response.headers["WWW-Authenticate"]


# =====================================================================================================
# Token endpoint: client assertions
# =====================================================================================================


def test_control_hand_built_assertion_is_accepted(client):
    assert post_assertion(client, assertion(assertion_claims())).status_code == 200


def test_assertion_with_alg_none_is_rejected(client):
    forged = unsigned({"alg": "none", "kid": demo_key(VERKTOY_CLIENT).kid, "typ": "JWT"}, assertion_claims())
    assert_invalid_client(post_assertion(client, forged), "alg 'none' is not accepted")


def test_assertion_signed_by_another_clients_key_is_rejected(client):
    other = demo_key(VERKTOY_CLIENT_2)
    forged = assertion(assertion_claims(VERKTOY_CLIENT), other, kid=demo_key(VERKTOY_CLIENT).kid)
    assert_invalid_client(post_assertion(client, forged), "signature check failed")


def test_assertion_for_an_unknown_client_is_rejected(client):
    forged = assertion(assertion_claims("helsebro-no-such-client"))
    assert_invalid_client(post_assertion(client, forged), "unknown client")


def test_replayed_assertion_is_rejected(client):
    once = assertion(assertion_claims())
    assert post_assertion(client, once).status_code == 200
    assert_invalid_client(post_assertion(client, once), "used before (replay)")


def test_expired_assertion_is_rejected(client):
    now = int(time.time())
    expired = assertion(assertion_claims(iat=now - 300, nbf=now - 300, exp=now - 240))
    assert_invalid_client(post_assertion(client, expired), "token has expired")


def test_assertion_expiring_more_than_60_seconds_ahead_is_rejected(client):
    long_lived = assertion(assertion_claims(exp=int(time.time()) + 600))
    assert_invalid_client(post_assertion(client, long_lived), "at most 60 s ahead")


def test_assertion_with_wrong_audience_is_rejected(client):
    wrong_aud = assertion(assertion_claims(aud="https://helseid-sts.test.nhn.no"))
    assert_invalid_client(post_assertion(client, wrong_aud), "aud must be the issuer or the token endpoint")


def test_assertion_whose_iss_differs_from_sub_is_rejected(client):
    mixed = assertion(assertion_claims(sub=VERKTOY_CLIENT_2))
    assert_invalid_client(post_assertion(client, mixed), "iss and sub")


def test_assertion_without_jti_is_rejected(client):
    no_jti = assertion(assertion_claims(jti=DROP))
    assert_invalid_client(post_assertion(client, no_jti), "jti is missing")


def test_assertion_with_unknown_kid_is_rejected(client):
    unknown = assertion(assertion_claims(), kid="demo-verktoy-999")
    assert_invalid_client(post_assertion(client, unknown), "unknown kid")


def test_assertion_hs256_signed_with_client_public_key_is_rejected(client):
    public_pem = demo_key(VERKTOY_CLIENT).as_pem(private=False)
    forged = hs256({"kid": demo_key(VERKTOY_CLIENT).kid, "typ": "JWT"}, assertion_claims(), public_pem)
    assert_invalid_client(post_assertion(client, forged), "alg 'HS256' is not accepted")


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["nan", "infinity"])
def test_assertion_with_non_finite_exp_is_rejected(client, value):
    forged = assertion(assertion_claims(exp=value))
    assert_invalid_client(post_assertion(client, forged), "exp must be a finite number")
