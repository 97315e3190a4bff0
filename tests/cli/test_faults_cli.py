"""``helsebro faults add|list|remove|clear`` on the test database (SQLite and PostgreSQL): the operator API's
rules and messages, refusals with exit code 2, and what the command line stored is what the API serves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from helsebro.cli import app
from helsebro.testdata import loader

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(database_url: str, engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HELSEBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("HELSEBRO_DATA_DIR", str(tmp_path))
    yield
    loader.reset(engine)


def run(*args: str):
    return runner.invoke(app, ["faults", *args])


def test_add_list_remove_and_clear(client):
    added = run("add", "--family", "verktoy", "--route", "/verktoy/v1/SelvstendigVerktoy", "--count", "2")
    assert added.exit_code == 0, added.output
    fault_id = added.stdout.split()[0]
    assert "verktoy GET /verktoy/v1/SelvstendigVerktoy" not in added.output  # no method given: any
    assert "verktoy /verktoy/v1/SelvstendigVerktoy: feil (2 igjen; aktiv)" in added.output
    answer = client.get("/verktoy/v1/SelvstendigVerktoy")  # the API process serves what the CLI stored
    assert answer.status_code == 500 and answer.json()["Code"] == "PVS-000204"
    run("add", "--family", "pts", "--answer", "forsinkelse", "--delay-ms", "5", "--duration", "PT1H")
    listed = run("list").stdout.splitlines()
    assert listed[0].startswith(fault_id) and "1 igjen" in listed[0] and "forsinkelse 5 ms (uten antall, til" in listed[1]
    assert run("remove", fault_id).exit_code == 0
    assert run("remove", fault_id).exit_code == 2
    assert run("clear").stdout.strip() == "Fjernet 1"
    assert run("list").stdout == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--family", "nosuch"), "Ukjent familie"),
        (("--family", "verktoy", "--route", "/verktoy/nosuch"), "Ingen rute"),
        (("--family", "verktoy", "--answer", "forsinkelse"), "forsinkelseMs"),
        (("--family", "svarut", "--answer", "levering", "--channel", "DUE"), "kanal må være en av"),
        (("--family", "verktoy", "--count", "0"), "antall"),
    ],
)
def test_a_refused_definition_ends_with_its_message(args, says):
    refused = run("add", *args)
    assert refused.exit_code == 2 and says in refused.output.replace("\n", " ")
