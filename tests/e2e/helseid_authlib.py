"""authlib (a third-party OAuth/OIDC client library) as a HelseID professional-login client, for the e2e
stories: its session with private_key_jwt, PAR through it, and DPoP proofs written out from RFC 9449 (authlib
has no DPoP client)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, import_key

from helsebro.testdata import loader

EPJ_CLIENT = "helsebro-demo-epj"
REDIRECT = "http://localhost:3000/callback"
LOGGED_OUT = "http://localhost:3000/logget-ut"
PROFESSIONAL = "565513636"
SCOPE = "openid profile offline_access helseid://scopes/identity/pid helseid://scopes/hpr/hpr_number nhn:pts/api"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"


def proof(key: ECKey, method: str, url: str, access_token: str | None = None) -> str:
    """A DPoP proof (RFC 9449), written out from the RFC rather than with helsebro's helper."""
    claims = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url, "iat": int(time.time())}
    if access_token:
        claims["ath"] = base64.urlsafe_b64encode(hashlib.sha256(access_token.encode()).digest()).rstrip(b"=").decode()
    return jwt.encode({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}, claims, key)


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """authlib's private_key_jwt with a 30-second assertion, as HelseID.Samples' JwtClaimsCreator makes it
    (authlib's default of an hour is beyond what HelseID takes)."""

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(
            auth.client_secret, client_id=auth.client_id, token_endpoint=token_endpoint, header=self.headers, alg=self.alg, expires_in=30
        )


def authlib_session(metadata: dict) -> OAuth2Session:
    """authlib's client with private_key_jwt (its PrivateKeyJWT signs with the key given as client_secret)."""
    private_key = import_key(loader.demo_private_key(EPJ_CLIENT))
    session = OAuth2Session(
        client_id=EPJ_CLIENT,
        client_secret=private_key,
        token_endpoint_auth_method="private_key_jwt",
        scope=SCOPE,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )
    session.register_client_auth_method(
        ShortLivedPrivateKeyJWT(alg="ES256", headers={"kid": private_key.kid})
    )  # aud: the URL it is sent to
    session.metadata = metadata
    return session


def push(session: OAuth2Session, metadata: dict, *, login_hint: str | None = None) -> tuple[str, dict[str, str]]:
    """PAR through authlib's client authentication; the authorization URL to send the browser to, and what
    the client keeps (code_verifier, nonce, state)."""
    kept = {"code_verifier": generate_token(48), "nonce": generate_token(20), "state": generate_token(20)}
    form = {
        "client_id": EPJ_CLIENT,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": SCOPE,
        "state": kept["state"],
        "nonce": kept["nonce"],
        "code_challenge": create_s256_code_challenge(kept["code_verifier"]),
        "code_challenge_method": "S256",
        **({"login_hint": login_hint} if login_hint else {}),
    }
    pushed = session.post(
        metadata["pushed_authorization_request_endpoint"], data=form, auth=session.client_auth("private_key_jwt"), withhold_token=True
    )
    assert pushed.status_code == 201, pushed.text
    url, _ = session.create_authorization_url(metadata["authorization_endpoint"], request_uri=pushed.json()["request_uri"])
    return url, kept


def redeem(session: OAuth2Session, metadata: dict, location: str, kept: dict[str, str], key: ECKey) -> dict:
    """The code in the redirect for DPoP-bound tokens (authlib checks the state)."""
    token_endpoint = metadata["token_endpoint"]
    return session.fetch_token(
        token_endpoint,
        authorization_response=location,
        state=kept["state"],
        code_verifier=kept["code_verifier"],
        headers={"DPoP": proof(key, "POST", token_endpoint)},
    )


def check_id_token(metadata: dict, tokens: dict, kept: dict[str, str]) -> dict:
    """The ID token by authlib's own OpenID Connect rules: iss, aud, exp, iat, nonce and at_hash."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")  # its ID token rules still live there
        from authlib.jose import JsonWebKey
        from authlib.jose import jwt as authlib_jwt
        from authlib.oidc.core import CodeIDToken

    jwks = JsonWebKey.import_key_set(httpx.get(metadata["jwks_uri"]).json())
    id_token = authlib_jwt.decode(
        tokens["id_token"],
        jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"value": metadata["issuer"]}},
        claims_params={"nonce": kept["nonce"], "client_id": EPJ_CLIENT, "access_token": tokens["access_token"]},
    )
    id_token.validate()
    return dict(id_token)


def userinfo(metadata: dict, access_token: str, key: ECKey) -> httpx.Response:
    url = metadata["userinfo_endpoint"]
    return httpx.get(url, headers={"Authorization": f"DPoP {access_token}", "DPoP": proof(key, "GET", url, access_token)})


def the_rest_of_the_story(
    base_url: str, session: OAuth2Session, metadata: dict, tokens: dict, kept: dict[str, str], key: ECKey, hpr_number: str
) -> None:
    """From the login's tokens on: ID token, userinfo, refresh, token exchange, a PTS call, logout."""
    assert tokens["token_type"] == "DPoP" and tokens["refresh_token"]
    id_token = check_id_token(metadata, tokens, kept)
    assert id_token["helseid://claims/hpr/hpr_number"] == hpr_number and id_token["sid"]

    info = userinfo(metadata, tokens["access_token"], key)  # HelseID.Samples reads hpr_details from here
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == id_token["sub"] and info.json()["helseid://claims/hpr/hpr_details"]["hpr_number"] == hpr_number

    token_endpoint = metadata["token_endpoint"]
    refreshed = session.refresh_token(
        token_endpoint, refresh_token=tokens["refresh_token"], headers={"DPoP": proof(key, "POST", token_endpoint)}
    )
    assert refreshed["refresh_token"] != tokens["refresh_token"] and refreshed["token_type"] == "DPoP"

    pts_key = ECKey.generate_key("P-256", private=True)
    exchanged = session.fetch_token(
        token_endpoint,
        grant_type=TOKEN_EXCHANGE,
        subject_token=refreshed["access_token"],
        subject_token_type=ACCESS_TOKEN,
        audience="nhn:pts",
        scope="nhn:pts/api",  # the target API's scope, not the login's (authlib sends the session's otherwise)
        headers={"DPoP": proof(pts_key, "POST", token_endpoint)},
    )
    pts_token = exchanged["access_token"]
    keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"]).json())
    assert jwt.decode(pts_token, keys).claims["act"] == {"sub": EPJ_CLIENT}
    safety = base_url + "/pts/v0.5/access-restrictions/patient-safety"
    body = {
        "patientSafetyObject": {"person": {"offId": "9" + "".join(secrets.choice("0123456789") for _ in range(10))},
                                "confidentialObjectId": {"type": "Rekvisisjon", "value": secrets.token_hex(8)}},
        "confidentialityCode": "NORU", "delayDays": 14, "cause": "Manual",
    }  # fmt: skip
    created = httpx.post(
        safety, json=body, headers={"Authorization": f"DPoP {pts_token}", "DPoP": proof(pts_key, "POST", safety, pts_token)}
    )
    assert created.status_code == 201, created.text
    assert created.json()["createdBy"] == EPJ_CLIENT

    out = httpx.get(
        metadata["end_session_endpoint"],
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGGED_OUT, "state": "ut"},
        follow_redirects=False,
    )
    assert out.status_code == 302 and out.headers["location"] == LOGGED_OUT + "?state=ut"
    assert_logged_out(session, metadata, refreshed, key)


def assert_logged_out(session: OAuth2Session, metadata: dict, tokens: dict, key: ECKey) -> None:
    """The login's refresh token and userinfo end with the session."""
    with pytest.raises(OAuthError) as ended:
        session.refresh_token(metadata["token_endpoint"], refresh_token=tokens["refresh_token"])
    assert ended.value.error == "invalid_grant" and "logged out" in ended.value.description
    assert userinfo(metadata, tokens["access_token"], key).status_code == 401
