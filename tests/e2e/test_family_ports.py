"""Each family on a port of its own, at exactly the real host's paths (``serve --family-port NAME=PORT``).

One ``helsebro serve`` with every family port, on SQLite and PostgreSQL. A client configured with only the
real hosts' layout (HelseID ``/connect/token`` with issuer ``http://127.0.0.1:PORT``, PTS ``/v0.5/...``,
Maskinporten ``/token``, SvarUt ``/api/v3/...``, Helsenorge ``/verktoy/...``) gets through; issuers and DPoP
``htu`` follow the port; each port answers only its own family's paths, with that family's 404.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from joserfc.jwk import ECKey

from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion, dpop_proof, load_private_key
from helsebro.svarut import testdata as svarut_testdata
from helsebro.testdata import loader
from tests.conftest import postgres_database
from tests.e2e.conftest import LiveServer, free_port, start_server
from tests.support_svarut import JWT_BEARER, KOMMUNE_CLIENT, jwt_grant, kommune_key

pytestmark = pytest.mark.server

NAMES = ("helseid", "maskinporten", "helsenorge", "helsenorge-login", "pts", "svarut")
EPJ = "helsebro-demo-epj"


class Ports:
    def __init__(self, server: LiveServer, ports: dict[str, int]):
        self.server = server
        self.ports = ports

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ports(request, tmp_path_factory) -> Iterator[Ports]:
    chosen = {name: free_port() for name in NAMES}
    args = tuple(arg for name, port in chosen.items() for arg in ("--family-port", f"{name}={port}"))
    data_dir = tmp_path_factory.mktemp("family-ports")
    if request.param == "sqlite":
        for server in start_server(data_dir, {}, args):
            yield Ports(server, chosen)
    else:
        for url in postgres_database(tmp_path_factory):
            for server in start_server(data_dir, {"HELSEBRO_DATABASE_URL": url}, args):
                yield Ports(server, chosen)


def _helseid_token(ports: Ports, key: ECKey) -> str:
    """Client credentials at the HelseID port, found through its discovery document as a library would."""
    discovery = httpx.get(ports.url("helseid") + "/.well-known/openid-configuration").json()
    assert discovery["issuer"] == ports.url("helseid")
    endpoint = discovery["token_endpoint"]
    assert endpoint == ports.url("helseid") + "/connect/token"
    form = {
        "grant_type": "client_credentials",
        "scope": "nhn:pts/api",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(EPJ, load_private_key(loader.demo_private_key(EPJ)), discovery["issuer"]),
    }
    response = httpx.post(endpoint, data=form, headers={"DPoP": dpop_proof(key, "POST", endpoint)}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_helseid_and_pts_at_the_real_hosts_paths(ports):
    key = ECKey.generate_key("P-256", private=True)
    token = _helseid_token(ports, key)
    search = ports.url("pts") + "/v0.5/access-restrictions/patient-safety/_search"
    headers = {"Authorization": f"DPoP {token}", "DPoP": dpop_proof(key, "POST", search, access_token=token)}
    found = httpx.post(search, json={"offId": "12048645510"}, headers=headers, timeout=30)
    assert found.status_code == 200, found.text
    assert any(r["offId"] == "12048645510" for r in found.json())
    # The proof names the PTS port's URL; the same proof for the main port's path is refused there.
    main = ports.server.base_url + "/pts/v0.5/access-restrictions/patient-safety/_search"
    headers = {"Authorization": f"DPoP {token}", "DPoP": dpop_proof(key, "POST", search, access_token=token)}
    refused = httpx.post(main, json={"offId": "12048645510"}, headers=headers, timeout=30)
    assert refused.status_code == 401
    assert "htu" in refused.headers["WWW-Authenticate"]


def test_the_helseid_ports_issuer_is_trusted_on_the_main_port_too(ports):
    key = ECKey.generate_key("P-256", private=True)
    token = _helseid_token(ports, key)
    search = ports.server.base_url + "/pts/v0.5/access-restrictions/patient-safety/_search"
    headers = {"Authorization": f"DPoP {token}", "DPoP": dpop_proof(key, "POST", search, access_token=token)}
    assert httpx.post(search, json={"offId": "12048645510"}, headers=headers, timeout=30).status_code == 200


def test_maskinporten_and_svarut_as_ks_hosts_lay_them_out(ports):
    issuer = ports.url("maskinporten")
    metadata = httpx.get(issuer + "/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == issuer and metadata["token_endpoint"] == issuer + "/token"
    grant = jwt_grant(KOMMUNE_CLIENT, kommune_key(), aud=issuer)
    issued = httpx.post(issuer + "/token", data={"grant_type": JWT_BEARER, "assertion": grant}, timeout=30)
    assert issued.status_code == 200, issued.text
    headers = {
        "Authorization": f"Bearer {issued.json()['access_token']}",
        "IntegrasjonId": svarut_testdata.DEMO_INTEGRASJON_ID,
        "IntegrasjonPassord": svarut_testdata.DEMO_INTEGRASJON_PASSORD,
    }
    konto = svarut_testdata.DEMO_KONTO_ID
    status = httpx.post(
        f"{ports.url('svarut')}/api/v3/kontoer/{konto}/forsendelser/status/sok", json={"id": []}, headers=headers, timeout=30
    )
    assert status.status_code == 200, status.text
    assert status.json() == {"statuser": []}
    # A grant for the main port's issuer is not one for this port's.
    wrong = httpx.post(
        issuer + "/token", data={"grant_type": JWT_BEARER, "assertion": jwt_grant(KOMMUNE_CLIENT, kommune_key())}, timeout=30
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_helsenorge_and_the_citizen_login(ports):
    login = httpx.get(ports.url("helsenorge-login") + "/.well-known/openid-configuration").json()
    assert login["issuer"] == ports.url("helsenorge-login")
    assert login["token_endpoint"] == ports.url("helsenorge-login") + "/connect/token"
    token = subprocess.run(
        [sys.executable, "-m", "helsebro", "token", "--scope", "verktoykatalog_read"],
        env=ports.server.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()
    catalog = httpx.get(
        ports.url("helsenorge") + "/verktoy/v1/SelvstendigVerktoy?AntallVerktoy=2", headers={"Authorization": f"Bearer {token}"}
    )
    assert catalog.status_code == 200, catalog.text
    assert len(catalog.json()) == 2
    no_token = httpx.get(ports.url("helsenorge") + "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer")
    assert no_token.status_code == 401 and no_token.json() == {"Code": "SEC-110000", "Message": "Token is expired or invalid"}


def test_each_port_answers_only_its_own_family(ports):
    on_helsenorge = httpx.get(ports.url("helsenorge") + "/pts/v0.5/access-restrictions/patient-safety")
    assert on_helsenorge.status_code == 404
    assert on_helsenorge.json() == {"Code": "HB-000404", "Message": "Ressursen finnes ikke"}
    on_pts = httpx.get(ports.url("pts") + "/verktoy/v1/SelvstendigVerktoy")
    assert on_pts.status_code == 404
    assert on_pts.headers["content-type"] == "application/problem+json"
    assert on_pts.json()["instance"] == "/verktoy/v1/SelvstendigVerktoy"
    on_svarut = httpx.get(ports.url("svarut") + "/helseid/connect/token")
    assert on_svarut.status_code == 404 and on_svarut.json()["path"] == "/helseid/connect/token"
    on_helseid = httpx.get(ports.url("helseid") + "/api/v3/x")
    assert on_helseid.status_code == 404 and on_helseid.json()["error"] == "not_found"
    for name in NAMES:
        assert httpx.get(ports.url(name) + "/healthz").json()["status"] == "ok"


def test_the_main_port_keeps_serving_everything(ports):
    base = ports.server.base_url
    assert httpx.get(base + "/helseid/.well-known/openid-configuration").json()["issuer"] == base + "/helseid"
    assert httpx.get(base + "/maskinporten/.well-known/oauth-authorization-server").json()["issuer"] == base + "/maskinporten"


def test_a_bad_family_port_refuses_to_start(tmp_path):
    env = {"HELSEBRO_DATA_DIR": str(tmp_path), "HELSEBRO_PORT": str(free_port()), "PATH": "/usr/bin:/bin"}
    for args, said in (
        (("--family-port", "nhn=9000"), "unknown family 'nhn'"),
        (("--family-port", "svarut"), "write NAME=PORT"),
        (("--family-port", "pts=9001", "--family-port", "svarut=9001"), "already taken"),
    ):
        done = subprocess.run([sys.executable, "-m", "helsebro", "serve", *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert said in done.stderr


def test_family_ports_speak_https_with_serve_tls(tmp_path):
    """With --tls every port is HTTPS: a client trusting only the exported CA reaches the HelseID port, whose
    issuer is https then; a client that does not trust the CA is refused."""
    import os
    import ssl

    from tests.e2e.test_tls import export_ca

    helseid = free_port()
    ca_file = export_ca({**os.environ, "HELSEBRO_DATA_DIR": str(tmp_path)}, tmp_path / "trusted-ca.pem")
    trusting = ssl.create_default_context(cafile=ca_file)
    for _server in start_server(tmp_path, {}, ("--tls", "--family-port", f"helseid={helseid}"), verify=trusting):
        url = f"https://127.0.0.1:{helseid}/.well-known/openid-configuration"
        discovery = httpx.get(url, verify=ssl.create_default_context(cafile=ca_file)).json()
        assert discovery["issuer"] == f"https://127.0.0.1:{helseid}"
        assert discovery["token_endpoint"] == f"https://127.0.0.1:{helseid}/connect/token"
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(url, verify=ssl.create_default_context())


def test_each_familys_openapi_and_swagger_ui_on_its_own_port(ports):
    """helsebro.openapi_docs on a family's port: the paths of the real host (the main port's prefix dropped)."""
    pts = httpx.get(ports.url("pts") + "/swagger/v1/swagger.json", timeout=30)
    assert pts.status_code == 200 and pts.json()["paths"], pts.text
    assert all(not p.startswith("/pts/") for p in pts.json()["paths"]) and "/v0.5/access-restrictions/patient-safety" in pts.json()["paths"]
    page = httpx.get(ports.url("pts") + "/swagger/index.html", timeout=30)
    assert page.status_code == 200 and "'v1/swagger.json'" in page.text
    svarut = httpx.get(ports.url("svarut") + "/openapi.json", timeout=30).json()
    assert "/api/v3/kontoer/{kontoId}/forsendelser/status/sok" in svarut["paths"]
    helsenorge = httpx.get(ports.url("helsenorge") + "/digitaltaktiv/swagger/v1/swagger.json", timeout=30).json()
    assert "/digitaltaktiv/helsenorgeaktivsjekken/v1" in helsenorge["paths"]
    assert httpx.get(ports.url("helsenorge") + "/DigitaltAktiv/swagger/index.html", timeout=30).status_code == 200
    # The main port keeps its own layout.
    main = httpx.get(ports.server.base_url + "/pts/swagger/v1/swagger.json", timeout=30).json()
    assert "/pts/v0.5/access-restrictions/patient-safety" in main["paths"]


def test_the_professional_login_at_the_helseid_port(ports):
    """PAR, authorize (login_hint and the page), code and userinfo at the real host's paths; the issuer in the
    redirect and the tokens is the port's, and the page posts back to the port."""
    from urllib.parse import parse_qs, urlsplit

    from tests.e2e.helseid_authlib import PROFESSIONAL, authlib_session, check_id_token, push, redeem, userinfo

    metadata = httpx.get(ports.url("helseid") + "/.well-known/openid-configuration").json()
    assert metadata["pushed_authorization_request_endpoint"] == ports.url("helseid") + "/connect/par"
    session = authlib_session(metadata)
    url, kept = push(session, metadata, login_hint=f"hpr:{PROFESSIONAL}")
    location = httpx.get(url, follow_redirects=False).headers["location"]
    assert parse_qs(urlsplit(location).query)["iss"] == [ports.url("helseid")]
    key = ECKey.generate_key("P-256", private=True)
    tokens = redeem(session, metadata, location, kept, key)
    assert check_id_token(metadata, tokens, kept)["iss"] == ports.url("helseid")
    assert userinfo(metadata, tokens["access_token"], key).json()["helseid://claims/hpr/hpr_number"] == PROFESSIONAL
    page_url, _ = push(session, metadata)
    page = httpx.get(page_url)
    assert page.status_code == 200 and f'action="{ports.url("helseid")}/connect/authorize"' in page.text
