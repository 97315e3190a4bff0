"""Each family's own OpenAPI document (helsebro.openapi_docs) and its Swagger UI where the real service has one;
the whole server's /openapi.json and /docs stay."""

from __future__ import annotations

import importlib
import os
import posixpath
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from helsebro.families import by_name
from helsebro.openapi_docs import DOCS

WITH_UI = {name: paths for name, paths in DOCS.items() if paths.swagger_ui}


def _refs(value: object) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value))
    return set()


@pytest.mark.parametrize("name", list(DOCS))
def test_each_family_has_a_document_of_its_own_operations(client, name):
    family = by_name(name)
    response = client.get(DOCS[name].document)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.") and family.title in document["info"]["title"]
    assert document["paths"], "a family document without operations"
    whole = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        assert family.owns(path), f"{path} is not {name}'s"
        for method, operation in operations.items():
            # The same operation as in the whole server's document, nothing added or lost.
            assert operation == whole["paths"][path][method], (path, method)
    # Every family operation of the whole document is in it (the root copies of SvarUt are out of both).
    own = {(p, m) for p, ops in whole["paths"].items() if family.owns(p) and not p.startswith("/operator") for m in ops}
    assert own == {(p, m) for p, ops in document["paths"].items() for m in ops}
    # Self-contained: every schema it refers to is in its own components.
    schemas = document.get("components", {}).get("schemas", {})
    for ref in _refs(document["paths"]):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref


def test_documents_hold_the_wire_shapes(client):
    aktivsjekk = client.get(DOCS["digitaltaktiv"].document).json()["paths"]["/digitaltaktiv/helsenorgeaktivsjekken/v1"]["post"]
    body = aktivsjekk["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["omraade"]["enum"] == ["Helsehjelp", "Ungdom"]
    answer = aktivsjekk["responses"]["200"]["content"]["application/json; charset=utf-8"]["schema"]
    assert set(answer["properties"]["erAktivListe"]["additionalProperties"]["required"]) == {
        "erDigitaltAktivSelv",
        "erDigitaltAktivViaAndre",
        "tildeltFullmakt",
    }
    pvk = client.get(DOCS["pvk"].document).json()
    assert set(pvk["components"]["schemas"]["Feil"]["required"]) == {"code", "message", "errorCategory"}
    svarut = client.get(DOCS["svarut"].document).json()
    assert not any(p.startswith("/api/") for p in svarut["paths"])
    error = next(iter(svarut["paths"].values()))["post"]["responses"]["default"]["content"]["application/json"]["schema"]
    assert error["properties"]["errorJson"]["type"] == "object"


@pytest.mark.parametrize("name", list(WITH_UI))
def test_swagger_ui_where_the_real_service_has_one(client, name):
    response = client.get(WITH_UI[name].swagger_ui)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    # The document, relative to the page (so that the page works on the family's own port too)
    relative = posixpath.relpath(DOCS[name].document, posixpath.dirname(WITH_UI[name].swagger_ui))
    assert relative == "v1/swagger.json" and f"'{relative}'" in response.text, response.text
    assert client.get(posixpath.join(posixpath.dirname(WITH_UI[name].swagger_ui), relative)).status_code == 200


def test_swagger_ui_at_seed_001s_address_in_any_case(client):
    """Seed 001 links .../digitaltaktiv/swagger/index.html; the Helsenorge hosts bind paths case-insensitively."""
    for path in ("/digitaltaktiv/swagger/index.html", "/DigitaltAktiv/swagger/index.html"):
        assert client.get(path).status_code == 200


def test_no_swagger_ui_where_the_real_service_has_none(client):
    response = client.get("/personvern/swagger/index.html")
    assert response.status_code == 404 and set(response.json()) == {"Code", "Message"}


def test_the_whole_server_document_and_docs_stay(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert not any("swagger" in p for p in paths) and "/svarut/openapi.json" not in paths


def test_a_generated_client_calls_aktivsjekk(client, tokens, tmp_path):
    """openapi-python-client (a third-party generator) builds a client from DigitaltAktiv's document alone; the
    generated aktivsjekk call, with its generated body model and the string enum, gets the generated answer."""
    spec = tmp_path / "digitaltaktiv.json"
    spec.write_bytes(orjson.dumps(client.get(DOCS["digitaltaktiv"].document).json()))
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(spec),
        "--meta",
        "none",
        "--output-path",
        str(tmp_path / "da_client"),
    ]
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module("da_client")
        api = importlib.import_module("da_client.api.digitalt_aktiv.helsenorge_aktivsjekk_digitaltaktiv_helsenorgeaktivsjekken_v1_post")
        models = importlib.import_module("da_client.models")
    finally:
        sys.path.remove(str(tmp_path))
    body_type = next(getattr(models, n) for n in dir(models) if n.endswith("Body") and "Aktivsjekk" in n)
    omraade_type = next(getattr(models, n) for n in dir(models) if n.endswith("Omraade"))
    generated = package.AuthenticatedClient(base_url="http://testserver", token=tokens.get("helsenorgeaktivsjekken", "helsebro-demo-epj"))
    generated.set_httpx_client(client)
    client.headers["Authorization"] = f"Bearer {generated.token}"
    try:
        answer = api.sync_detailed(client=generated, body=body_type(fnr_liste=["12048645510"], omraade=omraade_type("Helsehjelp")))
    finally:
        del client.headers["Authorization"]
    assert answer.status_code == 200, answer.content
    status = answer.parsed.er_aktiv_liste.additional_properties["12048645510"]
    assert (status.er_digitalt_aktiv_selv, status.er_digitalt_aktiv_via_andre, status.tildelt_fullmakt) == (True, False, False)
