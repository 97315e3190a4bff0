"""``helsebro citizens|personnel|orgs``, run in-process against a throwaway SQLite file."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from helsebro import db
from helsebro.cli import app
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring
from helsebro.identifiers import FnrKind, birth_date, is_valid_fnr, kind_of
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.personvern.tables import pvk_historikk, pvk_innstilling
from helsebro.registries.tables import helsepersonell, innbygger, organisasjon
from helsebro.settings import Settings

runner = CliRunner()
SEED_CITIZEN = "12048645510"


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HELSEBRO_DATA_DIR", str(tmp_path))
    return tmp_path


def _engine() -> sa.Engine:
    return db.create_engine(Settings().resolved_database_url())


def run(*args: str):
    return runner.invoke(app, list(args))


def _fnr_printed(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_citizens_add_generates_a_tenor_number_and_gives_consent(env):
    result = run("citizens", "add", "--fornavn", "Kari", "--etternavn", "Nordmann", "--fodselsdato", "1980-01-31", "--samtykke")
    assert result.exit_code == 0, result.output
    fnr = _fnr_printed(result)
    assert is_valid_fnr(fnr) and kind_of(fnr) is FnrKind.TENOR and birth_date(fnr) == dt.date(1980, 1, 31)
    with _engine().connect() as conn:
        assert conn.execute(sa.select(innbygger.c.fornavn).where(innbygger.c.fnr == fnr)).scalar() == "Kari"
        setting = conn.execute(
            sa.select(pvk_innstilling.c.aktiv).where(
                (pvk_innstilling.c.innbygger_fnr == fnr) & (pvk_innstilling.c.definisjon_guid == HELSENORGE_CONSENT)
            )
        ).scalar()
        assert setting is True
        assert conn.execute(sa.select(pvk_historikk.c.client_id).where(pvk_historikk.c.innbygger_fnr == fnr)).scalar() == "helsebro-cli"
        assert conn.execute(sa.select(digitaltaktiv_endring.c.endret).where(digitaltaktiv_endring.c.fnr == fnr)).scalar() is not None


def test_citizens_add_with_a_given_number_then_show(env):
    from helsebro.identifiers import make_fnr

    fnr = make_fnr(dt.date(1990, 5, 17), 123, FnrKind.TENOR)
    assert run("citizens", "add", "--fnr", fnr, "--fornavn", "Ola", "--etternavn", "Nordmann", "--postnummer", "0150").exit_code == 0
    shown = run("citizens", "show", fnr)
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    assert (body["fnr"], body["navn"], body["postnummer"], body["helsenorgeSamtykke"]) == (fnr, "Ola Nordmann", "0150", False)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--fornavn", "A", "--etternavn", "B"], "fodselsdato"),
        (["--fornavn", "A", "--etternavn", "B", "--fnr", "12048645511"], "kontrollsifrene"),
        (["--fornavn", "A", "--etternavn", "B", "--fnr", SEED_CITIZEN], "kontrollsifrene"),
        (["--fornavn", " ", "--etternavn", "B", "--fodselsdato", "1990-01-01"], "fornavn må fylles ut"),
        (["--fornavn", "A", "--etternavn", "B", "--fodselsdato", "1990-01-01", "--postnummer", "12"], "postnummer"),
    ],
)
def test_citizens_add_refuses_with_exit_code_2(env, args, words):
    result = run("citizens", "add", *args)
    assert result.exit_code == 2
    assert words in result.output


def test_citizens_add_with_a_bad_date_is_a_usage_error(env):
    result = run("citizens", "add", "--fornavn", "A", "--etternavn", "B", "--fodselsdato", "1.1.1990")
    assert result.exit_code == 2


def test_citizens_list_filters_by_name(env):
    result = run("citizens", "list", "--navn", "line danser")
    assert result.exit_code == 0, result.output
    assert SEED_CITIZEN in result.stdout and "1 of 1" in result.stdout
    assert run("citizens", "list", "--limit", "0").exit_code == 2


def test_citizens_show_a_missing_citizen(env):
    result = run("citizens", "show", "13880549868")
    assert result.exit_code == 2
    assert "Fant ikke innbyggeren" in result.output


def test_citizens_set_dead_then_alive(env):
    assert run("citizens", "set-dead", SEED_CITIZEN, "--date", "2026-01-15").exit_code == 0
    assert json.loads(run("citizens", "show", SEED_CITIZEN).stdout)["dodsdato"] == "2026-01-15"
    again = run("citizens", "set-dead", SEED_CITIZEN, "--date", "2026-01-15")
    assert again.exit_code == 0 and "No change" in again.output
    assert run("citizens", "set-dead", SEED_CITIZEN, "--alive").exit_code == 0
    assert json.loads(run("citizens", "show", SEED_CITIZEN).stdout)["dodsdato"] is None


def test_citizens_set_dead_defaults_to_today_and_refuses_the_future(env):
    assert run("citizens", "set-dead", SEED_CITIZEN).exit_code == 0
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert json.loads(run("citizens", "show", SEED_CITIZEN).stdout)["dodsdato"] == today
    future = run("citizens", "set-dead", SEED_CITIZEN, "--date", "2999-01-01")
    assert future.exit_code == 2 and "fram i tid" in future.output
    both = run("citizens", "set-dead", SEED_CITIZEN, "--date", "2026-01-01", "--alive")
    assert both.exit_code == 2


def test_citizens_consent_withdraw_and_give(env):
    withdrawn = run("citizens", "consent", SEED_CITIZEN, "--withdraw")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert json.loads(run("citizens", "show", SEED_CITIZEN).stdout)["helsenorgeSamtykke"] is False
    assert run("citizens", "consent", SEED_CITIZEN).exit_code == 0
    assert json.loads(run("citizens", "show", SEED_CITIZEN).stdout)["helsenorgeSamtykke"] is True
    assert "No change" in run("citizens", "consent", SEED_CITIZEN).output
    assert run("citizens", "consent", "123").exit_code == 2


def test_personnel_add_and_list(env):
    result = run(
        "personnel",
        "add",
        "7654321",
        "--fornavn",
        "Ada",
        "--etternavn",
        "Lovelace",
        "--autorisasjon",
        "LE:Lege",
        "--autorisasjon",
        "PS:Psykolog",
    )
    assert result.exit_code == 0, result.output
    with _engine().connect() as conn:
        row = conn.execute(sa.select(helsepersonell).where(helsepersonell.c.hpr_nummer == "7654321")).one()
    assert row.autorisasjoner == [{"kode": "LE", "navn": "Lege"}, {"kode": "PS", "navn": "Psykolog"}]
    listed = run("personnel", "list", "--navn", "lovelace")
    assert "7654321" in listed.stdout and "LE Lege" in listed.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["1234567", "--fornavn", "A", "--etternavn", "B"], "finnes allerede"),
        (["12x", "--fornavn", "A", "--etternavn", "B"], "HPR-nummer"),
        (["7654321", "--fornavn", "A", "--etternavn", "B", "--autorisasjon", "Lege"], "KODE:Navn"),
    ],
)
def test_personnel_add_refuses_with_exit_code_2(env, args, words):
    result = run("personnel", "add", *args)
    assert result.exit_code == 2
    assert words in result.output


def test_orgs_add_and_list(env):
    assert run("orgs", "add", "974760673", "--navn", "Testklinikken AS", "--her-id", "8100099").exit_code == 0
    with _engine().connect() as conn:
        assert conn.execute(sa.select(organisasjon.c.her_id).where(organisasjon.c.orgnr == "974760673")).scalar() == "8100099"
    listed = run("orgs", "list", "--navn", "testklinikken")
    assert "974760673" in listed.stdout and "8100099" in listed.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["974760674", "--navn", "X"], "organisasjonsnummer"),
        (["913748263", "--navn", "X"], "finnes allerede"),
        (["974760673", "--navn", "X", "--her-id", "8100001"], "HER-id"),
    ],
)
def test_orgs_add_refuses_with_exit_code_2(env, args, words):
    result = run("orgs", "add", *args)
    assert result.exit_code == 2
    assert words in result.output
