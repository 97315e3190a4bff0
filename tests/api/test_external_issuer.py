"""Trusted external issuers (e.g. the real HelseID test STS): configured by issuer URL and JWKS URL, their
tokens are accepted at resources; tokens from any other issuer are not."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.testclient import TestClient

from helsebro.app import create_app
from tests.conftest import PUBLIC_URL, make_settings

CATALOG_PATH = "/verktoy/v1/SelvstendigVerktoy"
EXTERNAL_KID = "external-1"


class JwksServer:
    """A JWKS served over HTTP from a thread on 127.0.0.1, on a free port; counts the fetches."""

    def __init__(self, jwks: dict):
        self.jwks = jwks
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/jwks":
                    self.send_error(404)
                    return
                server.fetches += 1
                body = json.dumps(server.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return self.base + "/sts"

    @property
    def jwks_uri(self) -> str:
        return self.base + "/jwks"

    def __enter__(self) -> JwksServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def external_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True)


@pytest.fixture(scope="module")
def jwks_server(external_key: RSAKey) -> Iterator[JwksServer]:
    public = {**external_key.as_dict(private=False), "kid": EXTERNAL_KID, "alg": "RS256", "use": "sig"}
    with JwksServer({"keys": [public]}) as server:
        yield server


@pytest.fixture()
def trusting_client(database_url, engine, jwks_server: JwksServer) -> Iterator[TestClient]:
    """An app that trusts the external issuer. Settings binds the env name HELSEBRO_EXTERNAL_ISSUERS (its alias)."""
    issuers = json.dumps([{"issuer": jwks_server.issuer, "jwks_uri": jwks_server.jwks_uri}])
    settings = make_settings(database_url, HELSEBRO_EXTERNAL_ISSUERS=issuers)
    assert [i.issuer for i in settings.external_issuers] == [jwks_server.issuer]
    with TestClient(create_app(settings, engine), base_url=PUBLIC_URL, raise_server_exceptions=False) as test_client:
        yield test_client


def external_token(key: RSAKey, issuer: str, *, kid: str = EXTERNAL_KID, **changes: object) -> str:
    """A token as HelseID would issue it for the Helsenorge catalog."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": "nhn:helsenorge.eksternapi",
        "client_id": "external-helseid-client",
        "scope": ["nhn:helsenorge.eksternapi/verktoykatalog_read"],
        "helseid://claims/client/claims/orgnr_parent": "910000004",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": secrets.token_hex(16),
        **changes,
    }
    return jwt.encode({"alg": "RS256", "kid": kid, "typ": "at+jwt"}, claims, key)


def get_catalog(client: TestClient, token: str):
    return client.get(CATALOG_PATH, headers={"Authorization": f"Bearer {token}"})


def assert_refused(response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == {"Code": "SEC-110000", "Message": "Token is expired or invalid"}
    assert reason in response.headers["WWW-Authenticate"]


def test_token_from_trusted_external_issuer_is_accepted(trusting_client, jwks_server, external_key):
    response = get_catalog(trusting_client, external_token(external_key, jwks_server.issuer))
    assert response.status_code == 200, response.text
    assert jwks_server.fetches >= 1


def test_token_from_untrusted_issuer_is_rejected(trusting_client, external_key):
    token = external_token(external_key, "https://helseid-sts.untrusted.example")
    assert_refused(get_catalog(trusting_client, token), "not trusted")


def test_external_issuer_is_not_trusted_without_configuration(client, jwks_server, external_key):
    token = external_token(external_key, jwks_server.issuer)
    assert_refused(get_catalog(client, token), "not trusted")


def test_token_claiming_trusted_issuer_but_signed_by_another_key_is_rejected(trusting_client, jwks_server):
    impostor = RSAKey.generate_key(2048, private=True)
    assert_refused(get_catalog(trusting_client, external_token(impostor, jwks_server.issuer)), "signature check failed")


def test_external_token_with_kid_missing_from_its_jwks_is_rejected(trusting_client, jwks_server, external_key):
    token = external_token(external_key, jwks_server.issuer, kid="external-unknown")
    assert_refused(get_catalog(trusting_client, token), "unknown kid")


def test_external_token_for_another_audience_is_rejected(trusting_client, jwks_server, external_key):
    token = external_token(external_key, jwks_server.issuer, aud="nhn:pts")
    assert_refused(get_catalog(trusting_client, token), "audience")


def test_expired_external_token_is_rejected(trusting_client, jwks_server, external_key):
    now = int(time.time())
    token = external_token(external_key, jwks_server.issuer, iat=now - 900, nbf=now - 900, exp=now - 600)
    assert_refused(get_catalog(trusting_client, token), "expired")


def test_external_token_without_the_scope_gets_403(trusting_client, jwks_server, external_key):
    token = external_token(external_key, jwks_server.issuer, scope=["nhn:helsenorge.eksternapi/digitaltaktiv"])
    response = get_catalog(trusting_client, token)
    assert response.status_code == 403, response.text
    assert response.json() == {"Code": "SEC-110001", "Message": "Mangler tilgang (scope)"}
