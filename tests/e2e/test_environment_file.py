"""``helsebro serve --environment FILE``: a vendor's own identifiers, over real HTTP against a real process.

The vendor's EPJ (its own RSA key, private_key_jwt at HelseID) sends its own tool and writes a setting of its
own PVK definition; its archive (its own key at Maskinporten) sends a letter from its own SvarUt account with
its own integration. A broken file keeps the server from starting and names the entry and the field; a reset
applies the file again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from joserfc import jwt

from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion
from tests.conftest import postgres_database
from tests.e2e.conftest import LiveServer, free_port, start_server
from tests.support_environment import (
    CITIZEN,
    EPJ_CLIENT,
    HPR,
    INTEGRASJON,
    KONTO,
    PASSORD,
    PVK_DEFINITION,
    PVK_PART,
    SAK_CLIENT,
    TOOL,
    VendorEnvironment,
    vendor_environment,
)
from tests.support_svarut import JWT_BEARER, letter_parts, multipart, pdf, person_letter


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory) -> Iterator[tuple[LiveServer, VendorEnvironment]]:
    data_dir = tmp_path_factory.mktemp("environment")
    environment = vendor_environment(data_dir)
    args = ("--environment", str(environment.path))
    if request.param == "sqlite":
        for server in start_server(data_dir, {}, args):
            yield server, environment
    else:
        for url in postgres_database(tmp_path_factory):
            for server in start_server(data_dir, {"HELSEBRO_DATABASE_URL": url}, args):
                yield server, environment


def helseid_token(server: LiveServer, environment: VendorEnvironment, scope: str) -> str:
    assertion = client_assertion(EPJ_CLIENT, environment.epj_key, server.base_url + "/helseid")
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion, "scope": scope}
    response = httpx.post(server.base_url + "/helseid/connect/token", data=form)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def maskinporten_token(server: LiveServer, environment: VendorEnvironment) -> str:
    now = int(time.time())
    claims = {
        "aud": server.base_url + "/maskinporten",
        "iss": SAK_CLIENT,
        "scope": "ks:fiks",
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
    }
    grant = jwt.encode({"alg": "RS256", "kid": environment.sak_key.kid}, claims, environment.sak_key)
    response = httpx.post(server.base_url + "/maskinporten/token", data={"grant_type": JWT_BEARER, "assertion": grant})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def send_tool(server: LiveServer, token: str) -> httpx.Response:
    body = {"VerktoyId": TOOL, "InnbyggerFnr": CITIZEN, "BehandlerHpr": HPR, "Melding": "Her er verktøyet vårt."}
    return httpx.post(server.base_url + "/verktoy/v1/Verktoy", json=body, headers={"Authorization": f"Bearer {token}"})


def test_the_vendor_sends_its_own_tool_with_its_own_key(served) -> None:
    server, environment = served
    response = send_tool(server, helseid_token(server, environment, "verktoysendtilinnbygger"))
    assert response.status_code == 200, response.text
    assert response.json()["PseudoId"]


def test_the_vendor_writes_a_setting_of_its_own_pvk_definition(served) -> None:
    server, environment = served
    token = helseid_token(server, environment, "Personverninnstillinger_skriv")
    body = {
        "innbyggerFnr": CITIZEN,
        "definisjonGuid": PVK_DEFINITION,
        "definisjonNavn": "Samtykke til Mitt register",
        "partKode": PVK_PART,
        "typePi": "samtykke",
        "aktiv": True,
    }
    url = server.base_url + "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"
    response = httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    read = httpx.post(
        server.base_url + "/personvern/Personverninnstillinger/SjekkInnbyggersPiStatus/v2",
        json={"innbyggerFnr": CITIZEN, "definisjonGuid": PVK_DEFINITION, "partKode": PVK_PART},
        headers={"Authorization": f"Bearer {helseid_token(server, environment, 'Personverninnstillinger_les')}"},
    )
    assert read.status_code == 200, read.text
    assert read.json()["aktiv"] is True


def test_the_archive_sends_a_letter_from_its_own_account(served) -> None:
    server, environment = served
    token = maskinporten_token(server, environment)
    content_type, body = multipart(letter_parts(person_letter("vedtak.pdf"), [("vedtak.pdf", pdf())]))
    headers = {
        "Authorization": f"Bearer {token}",
        "IntegrasjonId": INTEGRASJON,
        "IntegrasjonPassord": PASSORD,
        "Content-Type": content_type,
    }
    response = httpx.post(f"{server.base_url}/api/v3/kontoer/{KONTO}/forsendelser/person", headers=headers, content=body)
    assert response.status_code == 200, response.text
    wrong = httpx.post(
        f"{server.base_url}/api/v3/kontoer/{KONTO}/forsendelser/person", headers={**headers, "IntegrasjonPassord": "feil"}, content=body
    )
    assert wrong.status_code == 401, wrong.text


def test_a_reset_applies_the_file_again(served) -> None:
    server, environment = served
    token = helseid_token(server, environment, "verktoysendtilinnbygger")
    assert send_tool(server, token).status_code in (200, 400)  # sent now, or already by another test (random order)
    try:
        reset = server.cli("reset", "--yes", "--environment", str(environment.path))
        assert "environment_clients" in reset.stderr, reset.stderr
        response = send_tool(server, helseid_token(server, environment, "verktoysendtilinnbygger"))
        assert response.status_code == 200, response.text  # the reset threw the earlier send away, and kept the tool
    finally:  # later tests of the module (random order) start from the file's data, not from this send
        server.cli("reset", "--yes", "--environment", str(environment.path))


def test_a_broken_file_keeps_the_server_from_starting(tmp_path: Path) -> None:
    environment = vendor_environment(tmp_path)
    broken = json.loads(json.dumps(environment.data))
    broken["svarut_accounts"][0]["integrations"][0]["orgnr"] = "921000007"  # a wrong check digit
    broken["clients"][0]["scopes"].append("ingen_slik_scope")
    path = environment.write(broken, tmp_path / "broken.yaml")
    port = free_port()
    env = {"HELSEBRO_HOST": "127.0.0.1", "HELSEBRO_PORT": str(port), "HELSEBRO_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "helsebro", "serve", "--environment", str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert f"{path}: svarut_accounts[0] ({KONTO}): integrations[0] ({INTEGRASJON}): orgnr: not a valid organisasjonsnummer" in result.stderr
    assert f"{path}: clients[0] ({EPJ_CLIENT}): scopes: unknown scope(s): ingen_slik_scope" in result.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
