"""The three token endpoints (HelseID, Maskinporten, the citizen login) parse their form and authenticate
their clients one way: the same refusals for the same bad request, on both databases."""

from __future__ import annotations

import pytest

from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion
from tests.support import VERKTOY_CLIENT, demo_key

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ENDPOINTS = ["/helseid/connect/token", "/maskinporten/token", "/helsenorge-login/connect/token"]


def assert_invalid_request(response, *words: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    for word in words:
        assert word in body["error_description"]
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_repeated_parameter_is_refused_everywhere(client, path):
    response = client.post(path, content=b"grant_type=authorization_code&code=a&code=b", headers=FORM)
    assert_invalid_request(response, "parameter code is repeated")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_bad_encoding_is_refused_everywhere(client, path):
    response = client.post(path, content=b"grant_type=authorization_code&code=%C3%28", headers=FORM)
    assert_invalid_request(response, "not UTF-8")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_json_is_refused_everywhere(client, path):
    assert_invalid_request(client.post(path, json={"grant_type": "authorization_code"}), "x-www-form-urlencoded")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_unsupported_grant_type_says_which_are_supported(client, path):
    response = client.post(path, data={"grant_type": "password", "username": "u", "password": "p"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "unsupported_grant_type"
    assert "supported: " in response.json()["error_description"]


def test_the_citizen_login_authenticates_clients_as_helseid_does(client):
    """The same client assertion check: aud must be this issuer (or its token endpoint), not another's."""
    assertion = client_assertion(VERKTOY_CLIENT, demo_key(VERKTOY_CLIENT), "http://testserver/helseid")
    form = {
        "grant_type": "authorization_code",
        "code": "x",
        "code_verifier": "v" * 43,
        "redirect_uri": "http://localhost:3000/callback",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
    }
    response = client.post("/helsenorge-login/connect/token", data=form)
    assert response.status_code == 401, response.text
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "client assertion aud must be the issuer or the token endpoint URL",
    }
