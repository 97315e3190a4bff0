"""``helsebro serve --tls`` as a client sees it: HTTPS whose certificate a client trusting only the CA from
``helsebro ca export`` accepts, https issuers and links, and a client that does not trust that CA refused."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from helsebro.auth.client_side import load_private_key
from helsebro.svarut import testdata as svarut_testdata
from helsebro.testdata import loader
from tests.conftest import postgres_database
from tests.e2e.conftest import free_port, start_server
from tests.support_virksomhetssertifikat import KS_HEADERS, ks_body, ks_grant

pytestmark = pytest.mark.server

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class TlsServer:
    base_url: str
    ca_file: Path
    env: dict[str, str]
    maskinporten_port_url: str  # Maskinporten on a port of its own, at the real host's paths

    def trusting(self) -> ssl.SSLContext:
        """What a client configured with the exported CA file uses: that CA and nothing else."""
        return ssl.create_default_context(cafile=self.ca_file)


def export_ca(env: dict[str, str], to: Path) -> Path:
    """The CA a developer trusts, exported the way the README says (before the server ever ran)."""
    exported = subprocess.run(
        [sys.executable, "-m", "helsebro", "ca", "export"], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    to.write_text(exported.stdout)
    return to


def _start(data_dir: Path, extra_env: dict[str, str]) -> Iterator[TlsServer]:
    ca_file = export_ca({**os.environ, "HELSEBRO_DATA_DIR": str(data_dir), **extra_env}, data_dir / "trusted-ca.pem")
    maskinporten_port = free_port()
    serve_args = ("--tls", "--family-port", f"maskinporten={maskinporten_port}")
    for server in start_server(data_dir, extra_env, serve_args, verify=ssl.create_default_context(cafile=ca_file)):
        yield TlsServer(server.base_url, ca_file, server.env, f"https://127.0.0.1:{maskinporten_port}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def tls_server(request, tmp_path_factory) -> Iterator[TlsServer]:
    data_dir = tmp_path_factory.mktemp("tls")
    if request.param == "sqlite":
        yield from _start(data_dir, {})
    else:
        for url in postgres_database(tmp_path_factory):
            yield from _start(data_dir, {"HELSEBRO_DATABASE_URL": url})


def test_exported_ca_is_the_one_in_the_data_directory(tls_server):
    assert tls_server.ca_file.read_bytes() == (Path(tls_server.env["HELSEBRO_DATA_DIR"]) / "ca" / "ca.pem").read_bytes()
    assert tls_server.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_client_trusting_only_the_exported_ca_gets_https_issuers_and_links(tls_server, host):
    base = tls_server.base_url.replace("127.0.0.1", host)
    with httpx.Client(verify=tls_server.trusting()) as client:
        helseid = client.get(base + "/helseid/.well-known/openid-configuration").json()
        maskinporten = client.get(base + "/maskinporten/.well-known/oauth-authorization-server").json()
        keys = client.get(helseid["jwks_uri"]).json()["keys"]
    assert helseid["issuer"] == tls_server.base_url + "/helseid"
    assert helseid["token_endpoint"].startswith("https://")
    assert maskinporten["issuer"] == tls_server.base_url + "/maskinporten"
    assert keys


def test_a_maskinporten_token_over_https_calls_svarut(tls_server):
    """The KS story over HTTPS: a JWT grant to the https token endpoint, then a SvarUt call with the token."""
    key = load_private_key(loader.demo_private_key("helsebro-demo-kommune"))
    now = int(time.time())
    issuer = tls_server.base_url + "/maskinporten"
    claims = {
        "aud": issuer + "/",
        "iss": "helsebro-demo-kommune",
        "scope": "ks:fiks",
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_hex(8),
    }
    grant = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    konto = svarut_testdata.DEMO_KONTO_ID
    with httpx.Client(verify=tls_server.trusting()) as client:
        response = client.post(issuer + "/token", data={"grant_type": JWT_BEARER, "assertion": grant})
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "IntegrasjonId": svarut_testdata.DEMO_INTEGRASJON_ID,
            "IntegrasjonPassord": svarut_testdata.DEMO_INTEGRASJON_PASSORD,
        }
        answer = client.post(
            f"{tls_server.base_url}/svarut/api/v3/kontoer/{konto}/forsendelser/status/sok", json={"id": []}, headers=headers
        )
    assert jwt.decode(token, KeySet.import_key_set(httpx.get(issuer + "/jwk", verify=tls_server.trusting()).json())).claims["iss"] == issuer
    assert answer.status_code == 200, answer.text


def test_a_client_that_does_not_trust_the_ca_is_refused(tls_server):
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(tls_server.base_url + "/healthz")  # the system's trust store, without helsebro's CA


def test_a_client_trusting_another_helsebro_ca_is_refused(tls_server, tmp_path):
    other = export_ca({**tls_server.env, "HELSEBRO_DATA_DIR": str(tmp_path)}, tmp_path / "other-ca.pem")
    assert other.read_text() != tls_server.ca_file.read_text()
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(tls_server.base_url + "/healthz", verify=ssl.create_default_context(cafile=other))


def test_plain_http_to_the_tls_port_gets_no_answer(tls_server):
    with pytest.raises(httpx.HTTPError):
        httpx.get(tls_server.base_url.replace("https://", "http://") + "/healthz", timeout=5)


JVM_CLIENT = Path(__file__).resolve().parent / "jvm" / "KsMaskinportenGrant.java"


@pytest.fixture(scope="module")
def jvm_keystores(tls_server, tmp_path_factory) -> dict[str, Path]:
    """KS's set-up on the JVM: the business certificate's keystore from `helsebro certs issue`, and a truststore
    holding the exported CA (keytool, as the README says)."""
    if not (shutil.which("java") and shutil.which("keytool")):
        pytest.skip("no java/keytool on this machine: the JVM client test needs a JDK (11+)")
    folder = tmp_path_factory.mktemp("jvm")
    subprocess.run(
        [sys.executable, "-m", "helsebro", "certs", "issue", "--orgnr", "910000063", "--out", str(folder / "ks")],
        env=tls_server.env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    subprocess.run(
        [
            "keytool",
            "-importcert",
            "-noprompt",
            "-alias",
            "helsebro",
            "-file",
            str(tls_server.ca_file),
            "-keystore",
            str(folder / "trust.p12"),
            "-storepass",
            "changeit",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return {"keystore": folder / "ks.p12", "truststore": folder / "trust.p12"}


def _jvm_grant(tls_server, truststore: str, keystore: Path) -> subprocess.CompletedProcess:
    issuer = tls_server.base_url + "/maskinporten"
    return subprocess.run(
        ["java", str(JVM_CLIENT), str(keystore), "helsebro", truststore, "helsebro-demo-kommune", issuer + "/", issuer + "/token"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_jvm_client_trusting_the_ca_gets_a_token_with_its_business_certificate(tls_server, jvm_keystores):
    result = _jvm_grant(tls_server, str(jvm_keystores["truststore"]), jvm_keystores["keystore"])
    assert result.returncode == 0, result.stdout + result.stderr
    status, body = result.stdout.split("\n", 1)
    assert status == "200", body
    token = json.loads(body)["access_token"]
    keys = KeySet.import_key_set(httpx.get(tls_server.base_url + "/maskinporten/jwk", verify=tls_server.trusting()).json())
    claims = jwt.decode(token, keys).claims
    assert claims["consumer"]["ID"] == "0192:910000063" and claims["client_amr"] == "virksomhetssertifikat"


def test_a_jvm_client_with_the_jdks_own_trust_store_is_refused(tls_server, jvm_keystores):
    result = _jvm_grant(tls_server, "default", jvm_keystores["keystore"])
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout.startswith("TLS refused")


def test_a_family_port_speaks_https_too_with_its_own_https_issuer(tls_server, business_certificate):
    """Maskinporten on its own port (serve --family-port), as KS's client is configured for the real host:
    token endpoint /token, audience the issuer; the x5c grant over HTTPS trusting only the exported CA."""
    key, certificate = business_certificate
    base = tls_server.maskinporten_port_url
    with httpx.Client(verify=tls_server.trusting()) as client:
        metadata = client.get(base + "/.well-known/oauth-authorization-server").json()
        assert metadata["issuer"] == base and metadata["token_endpoint"] == base + "/token"
        grant = ks_grant(key, certificate, issuer="helsebro-demo-kommune", audience=base + "/")
        response = client.post(base + "/token", content=ks_body(grant), headers=KS_HEADERS)
        assert response.status_code == 200, response.text
        keys = KeySet.import_key_set(client.get(base + "/jwk").json())
    claims = jwt.decode(response.json()["access_token"], keys).claims
    assert claims["iss"] == base and claims["client_amr"] == "virksomhetssertifikat"
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(base + "/jwk")


@pytest.fixture(scope="module")
def business_certificate(tls_server):
    """A business certificate from the server's own test CA (its data directory)."""
    from helsebro.auth import local_ca

    return local_ca.load_or_create(Path(tls_server.env["HELSEBRO_DATA_DIR"])).issue_business_certificate("910000063", "DEMO KOMMUNE - TEST")
