"""A client's side of HelseID's professional login, for tests: PAR with private_key_jwt, the authorize
redirect, the code exchange and refresh, as HelseID.Samples' web clients do them."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from helsebro import _time
from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion, default_alg, dpop_proof
from tests.support import EPJ_CLIENT, demo_key
from tests.support_login import pkce

ISSUER = "http://testserver/helseid"
PAR = "/helseid/connect/par"
AUTHORIZE = "/helseid/connect/authorize"
TOKEN = "/helseid/connect/token"
USERINFO = "/helseid/connect/userinfo"
END_SESSION = "/helseid/connect/endsession"
REDIRECT = "http://localhost:3000/callback"
LOGGED_OUT = "http://localhost:3000/logget-ut"
PROFESSIONAL = "565513636"  # Venstre Morfar, lege
SCOPE = "openid profile offline_access helseid://scopes/identity/pid helseid://scopes/hpr/hpr_number helseid://scopes/identity/security_level helseid://scopes/identity/assurance_level nhn:pts/api"


def client_auth(client_id: str = EPJ_CLIENT, issuer: str = ISSUER) -> dict[str, str]:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": client_assertion(client_id, demo_key(client_id), issuer)}


def request_object(client_id: str = EPJ_CLIENT, key: RSAKey | ECKey | None = None, audience: str = ISSUER, **claims: Any) -> str:
    """A request object as HelseID.Samples' RequestObjectPayloadClaimsCreator signs it (typ
    client-authentication+jwt): iss, aud, exp, nbf, client_id, jti, and any authorization parameters."""
    key = key or demo_key(client_id)
    now = int(_time.real_epoch())
    payload = {
        "iss": client_id,
        "aud": audience,
        "exp": now + 60,
        "nbf": now,
        "client_id": client_id,
        "jti": secrets.token_hex(16),
        **claims,
    }
    header = {"alg": default_alg(key), "typ": "client-authentication+jwt", **({"kid": key.kid} if key.kid else {})}
    return jwt.encode(header, payload, key)


def authorization_params(challenge: str, client_id: str = EPJ_CLIENT, **extra: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": SCOPE,
        "state": "tilstand-1",
        "nonce": "nonce-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": f"hpr:{PROFESSIONAL}",
        **extra,
    }
    return {k: v for k, v in params.items() if v is not None}


def push(client, challenge: str, client_id: str = EPJ_CLIENT, headers: dict[str, str] | None = None, **extra: str | None):
    return client.post(PAR, data={**authorization_params(challenge, client_id, **extra), **client_auth(client_id)}, headers=headers or {})


def query_of(response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def code_via_par(client, client_id: str = EPJ_CLIENT, headers: dict[str, str] | None = None, **extra: str | None) -> tuple[str, str]:
    """PAR, then the authorize redirect with login_hint: (code, code_verifier)."""
    verifier, challenge = pkce()
    pushed = push(client, challenge, client_id, headers, **extra)
    assert pushed.status_code == 201, pushed.text
    back = client.get(AUTHORIZE, params={"client_id": client_id, "request_uri": pushed.json()["request_uri"]}, follow_redirects=False)
    query = query_of(back)
    assert "code" in query, query
    return query["code"], verifier


def redeem(client, code: str, verifier: str | None, client_id: str = EPJ_CLIENT, dpop_key: ECKey | None = None, **extra: str):
    headers = {"DPoP": dpop_proof(dpop_key, "POST", "http://testserver" + TOKEN)} if dpop_key else {}
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        **client_auth(client_id),
        **extra,
    }
    return client.post(TOKEN, data={k: v for k, v in form.items() if v is not None}, headers=headers)


def refresh(client, refresh_token: str, client_id: str = EPJ_CLIENT, **extra: str):
    return client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token, **client_auth(client_id), **extra})


def log_in(client, **extra: str | None) -> dict[str, Any]:
    """The professional (login_hint) logged in through PAR; the token response."""
    code, verifier = code_via_par(client, **extra)
    response = redeem(client, code, verifier)
    assert response.status_code == 200, response.text
    return response.json()
