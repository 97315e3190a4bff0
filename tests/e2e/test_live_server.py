"""End to end against a running server: real HTTP, a real third-party OAuth client, the CLI."""

from __future__ import annotations

import json
import time

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import ECKey

from helsebro.auth.client_side import dpop_proof
from helsebro.testdata import loader

SEED_LIST = (
    "/verktoy/v1/SelvstendigVerktoy?Fagomrader=2&Malgrupper=2&Sprak=1&KanLeggesTilAvInnbygger=false"
    "&KunAnonymTilgang=true&Siderefereanse=1&AntallVerktoy=20"
)


def _key_jwt(token_endpoint: str, alg: str, **kwargs) -> PrivateKeyJWT:
    """authlib signs assertions valid for an hour by default; HelseID accepts at most 60 seconds."""
    return PrivateKeyJWT(token_endpoint, alg=alg, claims={"exp": int(time.time()) + 60}, **kwargs)


def _discover(base_url: str) -> dict:
    response = httpx.get(base_url + "/helseid/.well-known/openid-configuration")
    assert response.status_code == 200
    return response.json()


def test_authlib_private_key_jwt_client_gets_a_token_that_reads_the_catalog(live_server):
    token_endpoint = _discover(live_server.base_url)["token_endpoint"]
    assert token_endpoint == live_server.base_url + "/helseid/connect/token"
    private_key = loader.demo_private_key("helsebro-demo-verktoy")
    with OAuth2Client(
        "helsebro-demo-verktoy",
        private_key,
        token_endpoint_auth_method=PrivateKeyJWT.name,
        scope="verktoykatalog_read",
    ) as oauth:
        oauth.register_client_auth_method(_key_jwt(token_endpoint, "RS256", headers={"kid": private_key["kid"]}))
        token = oauth.fetch_token(token_endpoint, grant_type="client_credentials")
    assert token["token_type"] == "Bearer"
    response = httpx.get(live_server.base_url + SEED_LIST, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert response.status_code == 200
    assert len(response.json()) == 2


def test_authlib_es256_client_with_aud_as_token_endpoint(live_server):
    token_endpoint = _discover(live_server.base_url)["token_endpoint"]
    # authlib reads a dict as an RSA key; an EC key is handed over as a joserfc key object.
    private_key = ECKey.import_key(loader.demo_private_key("helsebro-demo-epj"))
    with OAuth2Client("helsebro-demo-epj", private_key, token_endpoint_auth_method=PrivateKeyJWT.name) as oauth:
        oauth.register_client_auth_method(_key_jwt(token_endpoint, "ES256"))
        token = oauth.fetch_token(token_endpoint, grant_type="client_credentials", scope="verktoykatalog_read")
    assert token["scope"] == "verktoykatalog_read"


def test_dpop_bound_token_over_real_http(live_server):
    base = live_server.base_url
    token_endpoint = base + "/helseid/connect/token"
    key = ECKey.generate_key("P-256", private=True)
    private_key = loader.demo_private_key("helsebro-demo-verktoy")
    with OAuth2Client("helsebro-demo-verktoy", private_key, token_endpoint_auth_method=PrivateKeyJWT.name) as oauth:
        oauth.register_client_auth_method(_key_jwt(token_endpoint, "PS256"))
        token = oauth.fetch_token(
            token_endpoint,
            grant_type="client_credentials",
            scope="verktoykatalog_read",
            headers={"DPoP": dpop_proof(key, "POST", token_endpoint)},
        )
    assert token["token_type"] == "DPoP"
    url = base + "/verktoy/v1/GrafiskElement/5"
    access = token["access_token"]
    proof = dpop_proof(key, "GET", url, access_token=access)
    first = httpx.get(url, headers={"Authorization": f"DPoP {access}", "DPoP": proof})
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    replay = httpx.get(url, headers={"Authorization": f"DPoP {access}", "DPoP": proof})
    assert replay.status_code == 401
    assert replay.json() == {"Code": "SEC-110000", "Message": "Token is expired or invalid"}
    assert "replay" in replay.headers["www-authenticate"]


def test_cli_token_is_accepted_by_the_running_server(live_server):
    token = live_server.cli("token", "--scope", "verktoykatalog_read").stdout.strip()
    response = httpx.get(
        live_server.base_url + "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy?SokeOrd=test&RowCount=10",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert {"VerktoyId", "Navn"} == set(response.json()[0])


def test_cli_token_json_and_dpop_key(live_server, tmp_path):
    key = ECKey.generate_key("P-256", private=True)
    key_file = tmp_path / "dpop.jwk.json"
    key_file.write_text(json.dumps(key.as_dict(private=True)))
    out = live_server.cli("token", "-s", "verktoykatalog_read", "--dpop-key", str(key_file), "--json").stdout
    response = json.loads(out)
    assert response["token_type"] == "DPoP"
    url = live_server.base_url + "/verktoy/v1/SelvstendigVerktoy?AntallVerktoy=1"
    access = response["access_token"]
    ok = httpx.get(url, headers={"Authorization": f"DPoP {access}", "DPoP": dpop_proof(key, "GET", url, access_token=access)})
    assert ok.status_code == 200 and len(ok.json()) == 1


def test_cli_token_for_a_scope_no_demo_client_holds_fails_clearly(live_server):
    result = live_server.cli("token", "--scope", "no_such_scope", check=False)
    assert result.returncode == 2
    assert "no demo client" in result.stderr


def test_unknown_path_gets_the_family_error_body(live_server):
    response = httpx.get(live_server.base_url + "/verktoy/v1/NoSuchThing")
    assert response.status_code == 404
    assert set(response.json()) == {"Code", "Message"}
