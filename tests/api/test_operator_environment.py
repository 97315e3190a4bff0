"""The environment file over the operator API (/operator/api/v1/miljo, /tilbakestill), on SQLite and
PostgreSQL: apply a document, read it back as an export, a refused entry changes nothing and is named, a
reset re-applies the configured file, and only an operator token gets in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from helsebro.testdata import loader
from tests import support_environment as vendor
from tests.api.test_operator_auth import OPERATOR_TOKEN_FORM
from tests.support import TokenHelper

BASE = "/operator/api/v1"


@pytest.fixture()
def op(client) -> dict[str, str]:
    response = client.post("/helseid/connect/token", data=OPERATOR_TOKEN_FORM)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture()
def document(engine: sa.Engine, tmp_path: Path) -> Iterator[vendor.VendorEnvironment]:
    yield vendor.vendor_environment(tmp_path)
    loader.reset(engine)


def test_a_document_is_applied_and_read_back(client, op, document: vendor.VendorEnvironment) -> None:
    response = client.post(f"{BASE}/miljo", headers=op, content=json.dumps(document.data))
    assert response.status_code == 200, response.text
    assert response.json()["environment_clients"] == 3
    exported = client.get(f"{BASE}/miljo", headers=op).json()
    tool = next(t for t in exported["verktoy"] if t["VerktoyId"] == vendor.TOOL)
    assert (tool["Navn"], tool["eier"], tool["Organisasjonsnavn"]) == ("Mitt verktøy", vendor.EPJ_CLIENT, "Min Virksomhet AS")
    account = next(a for a in exported["svarut_accounts"] if a["kontoId"] == vendor.KONTO)
    assert [i["integrasjonId"] for i in account["integrations"]] == [vendor.INTEGRASJON]
    # The secret client the document made gets tokens at once (client_secret_post).
    token = client.post(
        "/helseid/connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": vendor.SECRET_CLIENT,
            "client_secret": vendor.SECRET,
            "scope": "verktoykatalog_read",
        },
    )
    assert token.status_code == 200, token.text
    # And the catalog of this process shows the new tool without waiting for a refresh.
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    found = client.get(f"/verktoy/v1/SelvstendigVerktoy/{vendor.TOOL}", headers=headers)
    assert found.status_code == 200, found.text
    # The document's guidance service belongs to its organisation: that organisation's client updates it.
    assert next(g for g in exported["guidance_services"] if g["id"] == vendor.GUIDANCE_SERVICE)["navn"] == "Brukerstøtte for Min EPJ"
    admin = client.post(
        "/helseid/connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": vendor.SECRET_CLIENT,
            "client_secret": vendor.SECRET,
            "scope": "verktoyadminveiledning",
        },
    )
    assert admin.status_code == 200, admin.text
    updated = client.put(
        f"/verktoy/v1/Veiledningstjeneste/{vendor.GUIDANCE_SERVICE}",
        headers={"Authorization": f"Bearer {admin.json()['access_token']}"},
        json={"telefon": "+47 22 00 00 10", "url": "https://hjelp.min-epj.example.no/", "apningstider": [2]},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["Navn"] == "Brukerstøtte for Min EPJ" and updated.json()["Apningstider"] == [2]


def test_a_refused_entry_changes_nothing_and_is_named(client, op, document: vendor.VendorEnvironment) -> None:
    before = client.get(f"{BASE}/miljo", headers=op).json()
    data = json.loads(json.dumps(document.data))
    data["pvk_definitions"][0]["typePi"] = "kanskje"
    response = client.post(f"{BASE}/miljo", headers=op, content=json.dumps(data))
    assert response.status_code == 400
    assert response.json() == {
        "Code": "OP-000400",
        "Message": f"Miljøfilen ble avvist, ingenting er endret: miljo: pvk_definitions[0] ({vendor.PVK_DEFINITION}): typePi: must be one of samtykke, reservasjon, tilgangsbegrensning",
    }
    assert client.get(f"{BASE}/miljo", headers=op).json() == before


def test_a_reset_restores_the_default_data_with_the_configured_file(
    client, op, document: vendor.VendorEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELSEBRO_ENVIRONMENT", str(document.path))
    response = client.post(f"{BASE}/tilbakestill", headers=op)
    assert response.status_code == 200, response.text
    assert response.json()["environment_verktoy"] == 1
    assert any(c["client_id"] == vendor.EPJ_CLIENT for c in client.get(f"{BASE}/miljo", headers=op).json()["clients"])
    monkeypatch.delenv("HELSEBRO_ENVIRONMENT")
    assert "environment_verktoy" not in client.post(f"{BASE}/tilbakestill", headers=op).json()


def test_only_an_operator_token_gets_in(client) -> None:
    assert client.get(f"{BASE}/miljo").status_code == 401
    other = TokenHelper(client, "http://testserver").bearer("verktoykatalog_read")
    assert client.post(f"{BASE}/miljo", headers=other, content="{}").status_code in (401, 403)
