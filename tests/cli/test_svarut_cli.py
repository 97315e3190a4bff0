"""``helsebro svarut krr|svarinn|fastlege``, run in-process against the test database (SQLite and PostgreSQL):
the same rules and messages as the operator API, and a KRR or SvarInn change made on the command line
really changes where the next letter goes (sent through the SvarUt API, delivered by a worker)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from helsebro import db
from helsebro.cli import app
from helsebro.jobs.tables import outbox as outbox_table
from helsebro.svarut.tables import fastlege, krr, svarinn_mottaker, svarut_forsendelse
from helsebro.svarut.testdata import SVARINN_ORGNR, krr_roles
from tests.api.test_operator_auth import OPERATOR_TOKEN_FORM
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_svarut import CITIZEN, load_svarut_data, organisation_letter, pdf, person_letter

runner = CliRunner()
ROLES = krr_roles()
NOT_IN_KRR = ROLES["ikke_i_krr"][0]
ALTINN_ORG = "913748263"


@pytest.fixture(autouse=True)
def cli_env(svarut, database_url, tmp_path, monkeypatch) -> Iterator[None]:
    """The CLI on the same database as the API under test; the default SvarUt data before and after."""
    monkeypatch.setenv("HELSEBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("HELSEBRO_DATA_DIR", str(tmp_path))
    with db.write(svarut.engine) as conn:
        conn.execute(sa.delete(outbox_table))
    yield
    load_svarut_data(svarut.engine)


def run(*args: str):
    return runner.invoke(app, ["svarut", *args])


def krr_row(svarut, fnr: str):
    with db.read(svarut.engine) as conn:
        return conn.execute(sa.select(krr).where(krr.c.fnr == fnr)).first()


def send_and_deliver(svarut, kind: str, recipient: str) -> tuple[str, str]:
    """Send one letter through the SvarUt API, deliver it, and return its channel and final status."""
    if kind == "person":
        metadata = person_letter()
        metadata["mottaker"] = {**metadata["mottaker"], "digitalId": recipient}
        letter_id = svarut.send_ok("person", metadata, [("vedtak.pdf", pdf())])
    else:
        metadata = organisation_letter()
        metadata["mottaker"] = {"navn": "Mottaker", "digitalId": recipient}
        letter_id = svarut.send_ok("organisasjon", metadata, [("melding.pdf", pdf())])
    deliver(svarut)
    with db.read(svarut.engine) as conn:
        row = conn.execute(
            sa.select(svarut_forsendelse.c.kanal, svarut_forsendelse.c.status).where(svarut_forsendelse.c.id == letter_id)
        ).one()
    return row.kanal, row.status


# --- KRR -------------------------------------------------------------------------------------------------


def test_krr_set_show_list_and_remove(svarut):
    added = run("krr", "set", NOT_IN_KRR, "--postkasse", "eboks")
    assert added.exit_code == 0, added.output
    assert "added" in added.stderr and "SDP" in added.stderr
    row = krr_row(svarut, NOT_IN_KRR)
    assert (row.reservert, row.digital_postkasse, row.varslingsstatus) == (False, "eboks", "KAN_VARSLES")

    replaced = run("krr", "set", NOT_IN_KRR, "--reservert", "--varslingsstatus", "KAN_IKKE_VARSLES")
    assert replaced.exit_code == 0, replaced.output
    row = krr_row(svarut, NOT_IN_KRR)
    assert (row.reservert, row.digital_postkasse, row.varslingsstatus) == (True, None, "KAN_IKKE_VARSLES")

    shown = run("krr", "show", NOT_IN_KRR)
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    assert (body["fnr"], body["reservert"], body["digitalPostkasse"], body["kanal"]) == (NOT_IN_KRR, True, None, "PRINT")
    # The same JSON as the operator API answers.
    token = svarut.client.post("/helseid/connect/token", data=OPERATOR_TOKEN_FORM).json()["access_token"]
    api = svarut.client.get(f"/operator/api/v1/svarut/krr/{NOT_IN_KRR}", headers={"Authorization": f"Bearer {token}"})
    assert api.json() == body

    listed = run("krr", "list", "--limit", "1000")
    assert listed.exit_code == 0, listed.output
    with db.read(svarut.engine) as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(krr)).scalar_one()
    assert f"{total} of {total}" in listed.stdout and NOT_IN_KRR in listed.stdout

    removed = run("krr", "remove", NOT_IN_KRR)
    assert removed.exit_code == 0, removed.output
    assert krr_row(svarut, NOT_IN_KRR) is None
    again = run("krr", "remove", NOT_IN_KRR)
    assert again.exit_code == 2 and "ikke i KRR" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("krr", "set", "1204864551"), "Ugyldig fødselsnummer for innbyggeren: et fødselsnummer har 11 sifre"),
        (("krr", "set", "12048645511"), "Fant ikke innbyggeren i folkeregisteret"),
        (("krr", "set", CITIZEN, "--postkasse", "fjellpost"), "digitalPostkasse må være digipost eller eboks, eller null (ingen)"),
        (("krr", "set", CITIZEN, "--varslingsstatus", "KANSKJE"), "varslingsstatus må være KAN_VARSLES eller KAN_IKKE_VARSLES"),
        (("svarinn", "add", "974760674"), "Ugyldig organisasjonsnummer: 9 sifre med gyldig kontrollsiffer (mod 11)"),
        (("svarinn", "add", "974760673"), "Fant ingen organisasjon med dette organisasjonsnummeret i Enhetsregisteret"),
        (("svarinn", "add", SVARINN_ORGNR[1]), "Organisasjonen tar allerede imot gjennom SvarInn"),
        (("svarinn", "remove", ALTINN_ORG), "Organisasjonen tar ikke imot gjennom SvarInn"),
        (("fastlege", "set", CITIZEN, "82x"), "herId må være et tall"),
        (("fastlege", "show", NOT_IN_KRR), "Innbyggeren har ingen fastlege i fastlegeregisteret"),
    ],
    ids=[
        "fnr-short",
        "fnr-unknown",
        "mailbox",
        "varslingsstatus",
        "orgnr-invalid",
        "orgnr-unknown",
        "svarinn-twice",
        "not-svarinn",
        "her-id",
        "no-gp",
    ],
)
def test_refusals_exit_2_with_the_api_message(svarut, args, message):
    before = _snapshot(svarut)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr.replace("\n", " ")
    assert _snapshot(svarut) == before


def test_the_cli_and_the_api_refuse_with_the_same_message(svarut):
    token = svarut.client.post("/helseid/connect/token", data=OPERATOR_TOKEN_FORM).json()["access_token"]
    api = svarut.client.put(
        f"/operator/api/v1/svarut/krr/{CITIZEN}", json={"digitalPostkasse": "fjellpost"}, headers={"Authorization": f"Bearer {token}"}
    )
    cli = run("krr", "set", CITIZEN, "--postkasse", "fjellpost")
    assert api.status_code == 400 and cli.exit_code == 2
    assert api.json()["Message"] in cli.stderr.replace("\n", " ")


def test_a_krr_change_on_the_command_line_decides_where_the_next_letter_goes(svarut):
    assert send_and_deliver(svarut, "person", NOT_IN_KRR) == ("PRINT", "PRINTET")
    assert run("krr", "set", NOT_IN_KRR, "--postkasse", "digipost").exit_code == 0
    assert send_and_deliver(svarut, "person", NOT_IN_KRR) == ("SDP", "LEVERT_SDP")
    assert run("krr", "set", NOT_IN_KRR).exit_code == 0  # no mailbox, can be notified: the inbox
    assert send_and_deliver(svarut, "person", NOT_IN_KRR) == ("INNBYGGER_INNBOKS", "VARSLET")
    assert run("krr", "set", CITIZEN, "--reservert").exit_code == 0
    assert send_and_deliver(svarut, "person", CITIZEN) == ("PRINT", "PRINTET")
    assert run("krr", "remove", NOT_IN_KRR).exit_code == 0
    assert send_and_deliver(svarut, "person", NOT_IN_KRR) == ("PRINT", "PRINTET")


# --- SvarInn and the GP register -------------------------------------------------------------------------


def test_svarinn_add_list_remove_and_routing(svarut):
    listed = run("svarinn", "list")
    assert listed.exit_code == 0 and all(orgnr in listed.stdout for orgnr in SVARINN_ORGNR)
    assert send_and_deliver(svarut, "organisasjon", ALTINN_ORG) == ("VIRKSOMHET_ALTINN", "SENDT_DIGITALT")
    added = run("svarinn", "add", ALTINN_ORG)
    assert added.exit_code == 0, added.output
    assert send_and_deliver(svarut, "organisasjon", ALTINN_ORG) == ("SVARINN", "KLAR_FOR_MOTTAK")
    assert run("svarinn", "remove", ALTINN_ORG).exit_code == 0
    with db.read(svarut.engine) as conn:
        assert sorted(conn.execute(sa.select(svarinn_mottaker.c.orgnr)).scalars()) == sorted(SVARINN_ORGNR)


def test_fastlege_set_show_remove(svarut):
    assert run("fastlege", "set", NOT_IN_KRR, "8200002").exit_code == 0
    shown = run("fastlege", "show", NOT_IN_KRR)
    assert shown.exit_code == 0 and shown.stdout.strip() == "8200002"
    assert run("fastlege", "remove", NOT_IN_KRR).exit_code == 0
    with db.read(svarut.engine) as conn:
        assert conn.execute(sa.select(fastlege).where(fastlege.c.fnr == NOT_IN_KRR)).first() is None


def _snapshot(svarut) -> tuple:
    with db.read(svarut.engine) as conn:
        return (
            sorted(tuple(r) for r in conn.execute(sa.select(krr.c.fnr, krr.c.reservert, krr.c.digital_postkasse, krr.c.varslingsstatus))),
            sorted(conn.execute(sa.select(svarinn_mottaker.c.orgnr)).scalars()),
            sorted(tuple(r) for r in conn.execute(sa.select(fastlege.c.fnr, fastlege.c.her_id))),
        )


def test_forsendelsestype_and_mottakersystem_on_the_command_line(svarut):
    from helsebro.svarut.tables import svarut_mottakersystem

    assert run("forsendelsestype", "add", "Skatt").exit_code == 0
    assert "Skatt" in run("forsendelsestype", "list").stdout.split()
    refused = run("forsendelsestype", "add", "to ord")
    assert refused.exit_code == 2 and "mønsteret" in refused.output
    added = run("mottakersystem", "add", ALTINN_ORG, "Skatt", "--navn", "Vestfjord skatt", "--niva", "3")
    assert added.exit_code == 0, added.output
    system = json.loads(added.stdout)
    assert (system["organisasjonsnummer"], system["forsendelseType"], system["niva"]) == (ALTINN_ORG, "Skatt", 3)
    assert system["id"] in run("mottakersystem", "list").stdout
    assert run("mottakersystem", "remove", system["id"]).exit_code == 0
    assert run("forsendelsestype", "remove", "Skatt").exit_code == 0
    with db.read(svarut.engine) as conn:
        assert conn.execute(sa.select(svarut_mottakersystem.c.id).where(svarut_mottakersystem.c.id == system["id"])).first() is None
