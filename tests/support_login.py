"""A client's side of the Helsenorge citizen login (authorization code + PKCE), for tests."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion
from tests.support import VERKTOY_CLIENT, demo_key

REDIRECT = "http://localhost:3000/callback"
AUTHORIZE = "/helsenorge-login/connect/authorize"
TOKEN = "/helsenorge-login/connect/token"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(challenge: str, client_id: str = VERKTOY_CLIENT, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "tilstand-123",
        "nonce": "nonce-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(extra)
    return params


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def log_in(client, fnr: str, client_id: str = VERKTOY_CLIENT, base_url: str = "http://testserver") -> dict:
    """The whole browser dance and the code exchange; returns the token response."""
    verifier, challenge = pkce()
    page = client.get(AUTHORIZE, params=authorize_params(challenge, client_id))
    assert page.status_code == 200, page.text
    form = {**hidden_fields(page.text), "fnr": fnr}
    back = client.post(AUTHORIZE, data=form, follow_redirects=False)
    assert back.status_code == 302, back.text
    query = parse_qs(urlsplit(back.headers["location"]).query)
    assert query["state"] == ["tilstand-123"]
    return exchange(client, query["code"][0], verifier, client_id, base_url).json()


def exchange(client, code: str, verifier: str, client_id: str = VERKTOY_CLIENT, base_url: str = "http://testserver"):
    issuer = base_url + "/helsenorge-login"
    return client.post(
        TOKEN,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(client_id, demo_key(client_id), issuer),
        },
    )
