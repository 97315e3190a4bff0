"""``helsebro clients|tools|guidance-services|pvk-definitions`` and ``helsebro svarut accounts|integrations``,
run in-process against the test database (SQLite and PostgreSQL): entries in the environment file's shape,
``show`` prints what ``update`` takes, refusals with the operator API's messages and exit code 2, and what the
command line made is what the operator API reads."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from joserfc.jwk import RSAKey
from typer.testing import CliRunner

from helsebro.cli import app
from helsebro.testdata import kinds, loader
from tests.api.test_operator_auth import operator_token

runner = CliRunner()
ORGNR = "921000006"
IMAGES = Path(kinds.__file__).parent / "images"


@pytest.fixture(autouse=True)
def cli_env(database_url: str, engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HELSEBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("HELSEBRO_DATA_DIR", str(tmp_path))
    yield
    loader.reset(engine)


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None):
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


def refused(*args: str, words: tuple[str, ...], input: str | None = None) -> None:
    result = run(*args, input=input)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr, result.stderr


def written(tmp_path: Path, name: str, data: dict) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True) if name.endswith(".yaml") else json.dumps(data), encoding="utf-8")
    return str(path)


def test_a_tool_is_created_shown_updated_given_an_image_and_deleted(tmp_path: Path, client) -> None:
    tool = str(uuid.uuid4())
    created = ok(
        "tools", "create", written(tmp_path, "tool.json", {"VerktoyId": tool, "Navn": "Mitt CLI-verktøy", "Organisasjonsnummer": ORGNR})
    )
    assert json.loads(created.stdout)["VerktoyId"] == tool
    shown = json.loads(ok("tools", "show", tool).stdout)
    assert shown["Navn"] == "Mitt CLI-verktøy"
    assert tool in [t["VerktoyId"] for t in json.loads(ok("tools", "list", "--json", "--limit", "1000").stdout)["verktoy"]]
    # What show printed, edited, goes back in through update (YAML as well as JSON).
    ok("tools", "update", tool, written(tmp_path, "tool.yaml", {**shown, "Navn": "Omdøpt"}))
    # ... and the operator API reads what the command line wrote.
    headers = {"Authorization": f"Bearer {operator_token(client)}"}
    assert client.get(f"/operator/api/v1/verktoy/{tool}", headers=headers).json()["Navn"] == "Omdøpt"

    ok("tools", "image", "set", tool, str(IMAGES / "1.png"))
    ok("tools", "image", "get", tool, str(tmp_path / "out.png"))
    assert (tmp_path / "out.png").read_bytes() == (IMAGES / "1.png").read_bytes()
    (tmp_path / "fake.png").write_bytes(b"GIF89a")
    refused("tools", "image", "set", tool, str(tmp_path / "fake.png"), words=("not a PNG",))
    ok("tools", "image", "remove", tool)

    refused("tools", "create", written(tmp_path, "again.json", shown), words=("finnes allerede",))
    ok("tools", "delete", tool)
    refused("tools", "show", tool, words=("Fant",))
    refused("tools", "delete", tool, words=("Fant",))


def test_a_client_gets_a_generated_secret_shown_once(tmp_path: Path) -> None:
    body = {"client_id": "min-cli", "orgnr": ORGNR, "scopes": ["verktoykatalog_read"]}
    created = json.loads(ok("clients", "create", "--generate-secret", written(tmp_path, "c.json", body)).stdout)
    assert len(created["secret"]) >= 32
    shown = ok("clients", "show", "min-cli").stdout
    assert created["secret"] not in shown and "secret_hash" in shown
    refused("clients", "create", "--generate-secret", written(tmp_path, "c.json", body), words=("min-cli", "finnes allerede"))
    key = RSAKey.generate_key(2048, parameters={"kid": "k"}, private=True)
    refused(
        "clients",
        "create",
        "-",
        words=("scopes", "ingen-slik"),
        input=json.dumps({**body, "client_id": "x", "scopes": ["ingen-slik"], "jwks": {"keys": [key.as_dict(private=False)]}}),
    )
    refused("clients", "create", "-", words=("give the client jwks",), input=json.dumps({**body, "client_id": "y"}))
    ok("clients", "delete", "min-cli")
    refused("clients", "show", "min-cli", words=("Fant ingen klient",))


def test_pvk_definitions_and_guidance_services(tmp_path: Path) -> None:
    guid = str(uuid.uuid4())
    definition = {"definisjonGuid": guid, "definisjonNavn": "Samtykke til CLI", "partKode": "CLI", "typePi": "samtykke"}
    ok("pvk-definitions", "create", written(tmp_path, "d.json", definition))
    refused(
        "pvk-definitions", "create", written(tmp_path, "d2.json", {**definition, "typePi": "kanskje"}), words=("typePi", "must be one of")
    )
    assert guid in ok("pvk-definitions", "list").stdout
    refused("pvk-definitions", "delete", "5b0e3c1d-8a47-4f6e-9b2d-7c1a0e4f3d58", words=("DigitaltAktiv",))
    ok("pvk-definitions", "delete", guid)

    created = json.loads(
        ok("guidance-services", "create", "-", input=json.dumps({"navn": "Min støtte", "orgnr": ORGNR, "apningstider": [1]})).stdout
    )
    refused(
        "guidance-services",
        "update",
        created["id"],
        "-",
        words=("apningstider", "999"),
        input=json.dumps({**created, "apningstider": [999]}),
    )
    ok("guidance-services", "delete", created["id"])


def test_svarut_accounts_and_integrations(tmp_path: Path) -> None:
    konto, integrasjon, annen = (str(uuid.uuid4()) for _ in range(3))
    ok("svarut", "integrations", "create", written(tmp_path, "i.json", {"integrasjonId": annen, "passord": "et-passord", "orgnr": ORGNR}))
    account = {
        "kontoId": konto,
        "orgnr": ORGNR,
        "integrations": [{"integrasjonId": integrasjon, "passord": "mitt-passord", "orgnr": ORGNR}],
    }
    ok("svarut", "accounts", "create", written(tmp_path, "a.json", account))
    ok("svarut", "accounts", "grant", konto, annen)
    assert sorted(i["integrasjonId"] for i in json.loads(ok("svarut", "accounts", "show", konto).stdout)["integrations"]) == sorted(
        [integrasjon, annen]
    )
    ok("svarut", "accounts", "revoke", konto, annen)
    refused("svarut", "accounts", "revoke", konto, annen, words=("har ikke tilgang",))
    ok("svarut", "integrations", "delete", annen)
    ok("svarut", "accounts", "delete", konto)
    refused("svarut", "accounts", "show", konto, words=("Fant ingen SvarUt-konto",))
