"""Operator API for SvarUt's test data (/operator/api/v1/svarut): KRR entries, SvarInn receivers and the GP
register, with their rules and errors ({Code, Message}), and that a change really changes where the next
letter goes (sent through the SvarUt API, delivered by a worker) while a letter already accepted keeps its
channel."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.jobs.tables import outbox as outbox_table
from helsebro.svarut.tables import fastlege, krr, svarinn_mottaker, svarut_forsendelse
from helsebro.svarut.testdata import SVARINN_ORGNR, krr_roles
from tests.api.test_operator_auth import OPERATOR_TOKEN_FORM, tenor_number
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_svarut import CITIZEN, load_svarut_data, nhn_letter, organisation_letter, pdf, person_letter

BASE = "/operator/api/v1/svarut"
ROLES = krr_roles()
NOT_IN_KRR = ROLES["ikke_i_krr"][0]
ALTINN_ORG = "913748263"  # in Enhetsregisteret, not a SvarInn receiver
UNKNOWN_ORGNR = "974760673"  # valid mod 11, not in Enhetsregisteret


@pytest.fixture(autouse=True)
def _default_svarut_data(svarut) -> Iterator[None]:
    """Each test starts from the default SvarUt data (and no pending job) and leaves it so."""
    with db.write(svarut.engine) as conn:
        conn.execute(sa.delete(outbox_table))
    yield
    load_svarut_data(svarut.engine)


@pytest.fixture()
def op(svarut) -> dict[str, str]:
    response = svarut.client.post("/helseid/connect/token", data=OPERATOR_TOKEN_FORM)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def krr_row(svarut, fnr: str):
    with db.read(svarut.engine) as conn:
        return conn.execute(sa.select(krr).where(krr.c.fnr == fnr)).first()


def channel_of_letter(svarut, letter_id: str) -> tuple[str, str]:
    with db.read(svarut.engine) as conn:
        row = conn.execute(
            sa.select(svarut_forsendelse.c.kanal, svarut_forsendelse.c.status).where(svarut_forsendelse.c.id == letter_id)
        ).one()
    return row.kanal, row.status


def send_to_person(svarut, fnr: str) -> str:
    metadata = person_letter()
    metadata["mottaker"] = {**metadata["mottaker"], "digitalId": fnr}
    return svarut.send_ok("person", metadata, [("vedtak.pdf", pdf())])


def send_to_organisation(svarut, orgnr: str) -> str:
    metadata = organisation_letter()
    metadata["mottaker"] = {"navn": "Mottaker", "digitalId": orgnr}
    return svarut.send_ok("organisasjon", metadata, [("melding.pdf", pdf())])


def assert_error(response, status: int, code: str, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"Code", "Message"} and body["Code"] == code, body
    for word in words:
        assert word in body["Message"], body


# --- auth ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/krr"),
        ("GET", f"/krr/{CITIZEN}"),
        ("PUT", f"/krr/{CITIZEN}"),
        ("DELETE", f"/krr/{CITIZEN}"),
        ("GET", "/svarinn"),
        ("POST", "/svarinn"),
        ("DELETE", f"/svarinn/{ALTINN_ORG}"),
        ("GET", f"/fastleger/{CITIZEN}"),
        ("PUT", f"/fastleger/{CITIZEN}"),
    ],
)
def test_every_endpoint_needs_an_operator_token(svarut, method, path):
    response = svarut.client.request(method, BASE + path, json={})
    assert_error(response, 401, "SEC-110000")
    maskinporten = svarut.client.request(method, BASE + path, json={}, headers={"Authorization": f"Bearer {svarut.token()}"})
    assert maskinporten.status_code in (401, 403), maskinporten.text  # a SvarUt token is no operator token
    assert krr_row(svarut, CITIZEN).digital_postkasse is None  # and nothing changed


# --- KRR -------------------------------------------------------------------------------------------------


def test_get_a_krr_entry_of_the_default_data(svarut, op):
    digipost = svarut.client.get(f"{BASE}/krr/{ROLES['digipost'][0]}", headers=op)
    assert digipost.status_code == 200, digipost.text
    body = digipost.json()
    assert {k: body[k] for k in ("fnr", "reservert", "digitalPostkasse", "varslingsstatus", "kanal")} == {
        "fnr": ROLES["digipost"][0],
        "reservert": False,
        "digitalPostkasse": "digipost",
        "varslingsstatus": "KAN_VARSLES",
        "kanal": "SDP",
    }
    assert body["navn"] and body["endret"].endswith("Z")
    reserved = svarut.client.get(f"{BASE}/krr/{ROLES['reservert'][0]}", headers=op).json()
    assert (reserved["reservert"], reserved["kanal"]) == (True, "PRINT")
    assert svarut.client.get(f"{BASE}/krr/{CITIZEN}", headers=op).json()["kanal"] == "INNBYGGER_INNBOKS"
    assert_error(svarut.client.get(f"{BASE}/krr/{NOT_IN_KRR}", headers=op), 404, "OP-000404", "ikke i KRR")


def test_list_krr_entries_in_pages(svarut, op):
    everything = svarut.client.get(f"{BASE}/krr", params={"limit": 1000}, headers=op).json()
    with db.read(svarut.engine) as conn:
        in_table = sorted(conn.execute(sa.select(krr.c.fnr)).scalars())
    assert everything["totalt"] == len(in_table) and [e["fnr"] for e in everything["oppforinger"]] == in_table
    page = svarut.client.get(f"{BASE}/krr", params={"limit": 2, "offset": 1}, headers=op).json()
    assert (page["limit"], page["offset"], page["oppforinger"]) == (2, 1, everything["oppforinger"][1:3])
    assert_error(svarut.client.get(f"{BASE}/krr", params={"limit": 0}, headers=op), 400, "OP-000400", "limit")


def test_put_creates_replaces_and_delete_removes_a_krr_entry(svarut, op):
    created = svarut.client.put(f"{BASE}/krr/{NOT_IN_KRR}", json={"digitalPostkasse": "eboks"}, headers=op)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"{BASE}/krr/{NOT_IN_KRR}"
    assert (created.json()["digitalPostkasse"], created.json()["reservert"], created.json()["varslingsstatus"]) == (
        "eboks",
        False,
        "KAN_VARSLES",
    )
    row = krr_row(svarut, NOT_IN_KRR)
    assert (row.reservert, row.digital_postkasse, row.varslingsstatus) == (False, "eboks", "KAN_VARSLES")

    # PUT replaces the whole entry: what is left out gets its default.
    replaced = svarut.client.put(f"{BASE}/krr/{NOT_IN_KRR}", json={"reservert": True, "varslingsstatus": "KAN_IKKE_VARSLES"}, headers=op)
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["digitalPostkasse"], replaced.json()["kanal"]) == (None, "PRINT")
    row = krr_row(svarut, NOT_IN_KRR)
    assert (row.reservert, row.digital_postkasse, row.varslingsstatus) == (True, None, "KAN_IKKE_VARSLES")
    assert svarut.client.get(f"{BASE}/krr/{NOT_IN_KRR}", headers=op).json() == replaced.json()

    assert svarut.client.delete(f"{BASE}/krr/{NOT_IN_KRR}", headers=op).status_code == 204
    assert krr_row(svarut, NOT_IN_KRR) is None
    assert_error(svarut.client.delete(f"{BASE}/krr/{NOT_IN_KRR}", headers=op), 404, "OP-000404", "ikke i KRR")


@pytest.mark.parametrize(
    ("fnr", "body", "status", "code", "words"),
    [
        ("1204864551", {}, 400, "OP-000410", ("11 sifre",)),
        ("1204864551x", {}, 400, "OP-000410", ("11 sifre",)),
        (tenor_number(dt.date(1990, 5, 17), 500), {}, 404, "OP-000404", ("folkeregisteret",)),
        ("12048645511", {}, 404, "OP-000404", ("folkeregisteret", "kontrollsifrene")),
        (CITIZEN, {"digitalPostkasse": "fjellpost"}, 400, "OP-000400", ("digitalPostkasse", "digipost", "eboks")),
        (CITIZEN, {"varslingsstatus": "KANSKJE"}, 400, "OP-000400", ("varslingsstatus", "KAN_VARSLES", "KAN_IKKE_VARSLES")),
        (CITIZEN, {"reservert": "ja"}, 400, "OP-000400", ("reservert", "true eller false")),
        (CITIZEN, {"reservert": False, "epost": "a@b.no"}, 400, "OP-000400", ("epost", "ikke et kjent felt")),
    ],
    ids=["short", "letters", "unknown-citizen", "check-digits", "mailbox", "varslingsstatus", "reservert-type", "unknown-field"],
)
def test_krr_refusals(svarut, op, fnr, body, status, code, words):
    before = krr_row(svarut, CITIZEN)
    response = svarut.client.put(f"{BASE}/krr/{fnr}", json=body, headers=op)
    assert_error(response, status, code, *words)
    assert fnr not in response.json()["Message"]
    assert krr_row(svarut, CITIZEN) == before


def test_a_krr_change_decides_where_the_next_letter_goes(svarut, op):
    first = send_to_person(svarut, NOT_IN_KRR)  # not in KRR: paper
    deliver(svarut)
    assert channel_of_letter(svarut, first) == ("PRINT", "PRINTET")

    assert svarut.client.put(f"{BASE}/krr/{NOT_IN_KRR}", json={"digitalPostkasse": "digipost"}, headers=op).status_code == 201
    second = send_to_person(svarut, NOT_IN_KRR)
    deliver(svarut)
    assert channel_of_letter(svarut, second) == ("SDP", "LEVERT_SDP")

    assert svarut.client.put(f"{BASE}/krr/{NOT_IN_KRR}", json={}, headers=op).status_code == 200  # inbox, can be notified
    third = send_to_person(svarut, NOT_IN_KRR)
    deliver(svarut)
    assert channel_of_letter(svarut, third) == ("INNBYGGER_INNBOKS", "VARSLET")

    # Reserved after the send but before delivery: the letter is routed by KRR as it is at acceptance.
    fourth = send_to_person(svarut, NOT_IN_KRR)
    assert svarut.client.put(f"{BASE}/krr/{NOT_IN_KRR}", json={"reservert": True}, headers=op).status_code == 200
    deliver(svarut)
    assert channel_of_letter(svarut, fourth) == ("PRINT", "PRINTET")
    # ... and letters already accepted keep their channel.
    assert [channel_of_letter(svarut, i)[0] for i in (first, second, third)] == ["PRINT", "SDP", "INNBYGGER_INNBOKS"]


def test_changes_are_logged_without_the_fodselsnummer(svarut, op, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    svarut.client.put(f"{BASE}/krr/{NOT_IN_KRR}", json={"reservert": True}, headers=op)
    svarut.client.put(f"{BASE}/fastleger/{NOT_IN_KRR}", json={"herId": "8200002"}, headers=op)
    svarut.client.delete(f"{BASE}/krr/{NOT_IN_KRR}", headers=op)
    assert svarut.client.put(f"{BASE}/krr/{NOT_IN_KRR}", json={"varslingsstatus": "feil"}, headers=op).status_code == 400
    assert krr_row(svarut, NOT_IN_KRR) is None
    out, err = capfd.readouterr()
    assert "operator set KRR entry" in out + err  # the changes were logged ...
    # ... without the number (the test's own HTTP client logs its URLs; that is not the server's log).
    server_records = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert NOT_IN_KRR not in out + err + server_records


# --- SvarInn receivers -----------------------------------------------------------------------------------


def test_list_svarinn_receivers(svarut, op):
    listed = svarut.client.get(f"{BASE}/svarinn", headers=op)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["totalt"] == len(SVARINN_ORGNR)
    assert [m["orgnr"] for m in body["mottakere"]] == sorted(SVARINN_ORGNR)
    assert all(m["navn"] for m in body["mottakere"])


def test_adding_and_removing_a_svarinn_receiver_changes_where_the_next_letter_goes(svarut, op):
    before = send_to_organisation(svarut, ALTINN_ORG)
    deliver(svarut)
    assert channel_of_letter(svarut, before) == ("VIRKSOMHET_ALTINN", "SENDT_DIGITALT")

    added = svarut.client.post(f"{BASE}/svarinn", json={"orgnr": ALTINN_ORG}, headers=op)
    assert added.status_code == 201, added.text
    assert added.json()["orgnr"] == ALTINN_ORG and added.json()["navn"]
    assert added.headers["Location"] == f"{BASE}/svarinn/{ALTINN_ORG}"
    assert_error(svarut.client.post(f"{BASE}/svarinn", json={"orgnr": ALTINN_ORG}, headers=op), 409, "OP-000409", "allerede")
    through_svarinn = send_to_organisation(svarut, ALTINN_ORG)
    deliver(svarut)
    assert channel_of_letter(svarut, through_svarinn) == ("SVARINN", "KLAR_FOR_MOTTAK")

    assert svarut.client.delete(f"{BASE}/svarinn/{ALTINN_ORG}", headers=op).status_code == 204
    assert_error(svarut.client.delete(f"{BASE}/svarinn/{ALTINN_ORG}", headers=op), 404, "OP-000404", "SvarInn")
    after = send_to_organisation(svarut, ALTINN_ORG)
    deliver(svarut)
    assert channel_of_letter(svarut, after) == ("VIRKSOMHET_ALTINN", "SENDT_DIGITALT")


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"orgnr": "974760674"}, 400, "OP-000413", ("organisasjonsnummer", "mod 11")),
        ({"orgnr": "97476067"}, 400, "OP-000413", ("9 sifre",)),
        ({"orgnr": UNKNOWN_ORGNR}, 404, "OP-000404", ("Enhetsregisteret",)),
        ({"orgnr": 974760673}, 400, "OP-000400", ("orgnr", "tekst")),
        ({}, 400, "OP-000400", ("orgnr", "mangler")),
    ],
    ids=["check-digit", "short", "unknown", "number", "missing"],
)
def test_svarinn_refusals(svarut, op, body, status, code, words):
    assert_error(svarut.client.post(f"{BASE}/svarinn", json=body, headers=op), status, code, *words)
    with db.read(svarut.engine) as conn:
        assert sorted(conn.execute(sa.select(svarinn_mottaker.c.orgnr)).scalars()) == sorted(SVARINN_ORGNR)


# --- the GP register -------------------------------------------------------------------------------------


def test_set_and_remove_a_gp_decides_nhn_letters_to_fastlege(svarut, op):
    patient = NOT_IN_KRR  # an adult without a GP in the default data
    assert_error(svarut.client.get(f"{BASE}/fastleger/{patient}", headers=op), 404, "OP-000404", "fastlege")
    letter = nhn_letter(pasient={"fodselsnummer": patient, "fornavn": "Test", "etternavn": "Pasient"})
    refused = svarut.send("nhn", _nhn_parts(letter))
    assert refused.status_code == 400 and "fastlege" in refused.text

    created = svarut.client.put(f"{BASE}/fastleger/{patient}", json={"herId": "8200003"}, headers=op)
    assert created.status_code == 201, created.text
    assert created.json() == {"fnr": patient, "herId": "8200003"}
    assert svarut.client.get(f"{BASE}/fastleger/{patient}", headers=op).json() == created.json()
    response = svarut.send("nhn", _nhn_parts(letter))
    assert response.status_code == 200, response.text
    deliver(svarut)
    with db.read(svarut.engine) as conn:
        row = conn.execute(sa.select(svarut_forsendelse).where(svarut_forsendelse.c.id == response.json()["id"])).one()
    assert (row.kanal, row.mottaker_id, row.status) == ("NHN", "8200003", "LEVERT_NHN_MOTTAKER")

    changed = svarut.client.put(f"{BASE}/fastleger/{patient}", json={"herId": "8200001"}, headers=op)
    assert changed.status_code == 200 and changed.json()["herId"] == "8200001"
    assert svarut.client.delete(f"{BASE}/fastleger/{patient}", headers=op).status_code == 204
    with db.read(svarut.engine) as conn:
        assert conn.execute(sa.select(fastlege).where(fastlege.c.fnr == patient)).first() is None


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"herId": "82x"}, "OP-000400", ("herId", "tall")),
        ({"herId": "0123"}, "OP-000400", ("herId", "tall")),
        ({"herId": "8100010"}, "OP-000400", ("organisasjon",)),  # the demo kommune's own HER-id
        ({"herId": 8200001}, "OP-000400", ("herId", "tekst")),
    ],
    ids=["letters", "leading-zero", "organisation", "number"],
)
def test_gp_refusals(svarut, op, body, code, words):
    assert_error(svarut.client.put(f"{BASE}/fastleger/{CITIZEN}", json=body, headers=op), 400, code, *words)
    with db.read(svarut.engine) as conn:
        assert conn.execute(sa.select(fastlege.c.her_id).where(fastlege.c.fnr == CITIZEN)).scalar() == "8200001"


def _nhn_parts(letter: dict) -> list:
    from tests.support_svarut import letter_parts

    return letter_parts(letter, [("epikrise.pdf", pdf())])


def test_openapi_documents_the_svarut_operator_paths(svarut):
    document = svarut.client.get("/openapi.json").json()
    paths = {p: v for p, v in document["paths"].items() if p.startswith(BASE)}
    assert set(paths) == {
        f"{BASE}/krr", f"{BASE}/krr/{{fnr}}", f"{BASE}/svarinn", f"{BASE}/svarinn/{{orgnr}}", f"{BASE}/fastleger/{{fnr}}",
        f"{BASE}/forsendelsestyper", f"{BASE}/forsendelsestyper/{{navn}}", f"{BASE}/mottakersystemer", f"{BASE}/mottakersystemer/{{system_id}}",
        # accounts and integrations one entry at a time (operator.kinds_routes)
        f"{BASE}/kontoer", f"{BASE}/kontoer/{{kontoId}}", f"{BASE}/kontoer/{{kontoId}}/integrasjoner/{{integrasjonId}}",
        f"{BASE}/integrasjoner", f"{BASE}/integrasjoner/{{integrasjonId}}",
    }  # fmt: skip
    for operations in paths.values():
        for operation in operations.values():
            assert operation["summary"]
            assert "422" not in operation["responses"]
            assert operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/OperatorFeil")
    put = paths[f"{BASE}/krr/{{fnr}}"]["put"]["responses"]
    assert put["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/KrrOppforing") and "201" in put


# --- v2: forsendelsestyper and receiving systems --------------------------------------------------------------


def _v2_get(svarut, path: str, **params):
    response = svarut.client.get("/svarut/api/v2" + path, headers=svarut.headers(), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_forsendelsestype_added_and_removed_shows_in_v2(svarut, op):
    added = svarut.client.post(BASE + "/forsendelsestyper", headers=op, json={"navn": "Plan.Regulering"})
    assert added.status_code == 201 and "Plan.Regulering" in added.json()["forsendelsestyper"]
    assert "Plan.Regulering" in _v2_get(svarut, "/forsendelsestyper")["forsendelsestyper"]
    assert_error(svarut.client.post(BASE + "/forsendelsestyper", headers=op, json={"navn": "Plan.Regulering"}), 409, "OP-000409")
    assert_error(svarut.client.post(BASE + "/forsendelsestyper", headers=op, json={"navn": "to ord"}), 400, "OP-000400", "mønsteret")
    assert svarut.client.delete(BASE + "/forsendelsestyper/Plan.Regulering", headers=op).status_code == 204
    assert "Plan.Regulering" not in _v2_get(svarut, "/forsendelsestyper")["forsendelsestyper"]
    assert_error(svarut.client.delete(BASE + "/forsendelsestyper/Plan.Regulering", headers=op), 404, "OP-000404")


def test_a_receiving_system_routes_letters_of_its_type_through_svarinn(svarut, op):
    body = {"navn": "Vestfjord byggesak", "organisasjonsnummer": ALTINN_ORG, "forsendelseType": "Byggesak", "niva": 3}
    added = svarut.client.post(BASE + "/mottakersystemer", headers=op, json=body)
    assert added.status_code == 201, added.text
    system = added.json()
    assert {k: system[k] for k in body} == body
    found = _v2_get(svarut, "/mottakersystem", organisasjonsnummer=ALTINN_ORG, forsendelseType="Byggesak")["mottakersystemer"]
    assert found == [system]
    # A v2 letter of that type to the organisation now goes through SvarInn; one without a type still to Altinn.
    from tests.support_svarut_v2 import V2Client, load_v2_specs, til_organisasjon

    v2 = V2Client(svarut, load_v2_specs())
    of_type, untyped = v2.send_ok(til_organisasjon(forsendelsestype="Byggesak")), v2.send_ok(til_organisasjon())
    deliver(svarut)
    assert channel_of_letter(svarut, of_type) == ("SVARINN", "KLAR_FOR_MOTTAK")
    assert channel_of_letter(svarut, untyped) == ("VIRKSOMHET_ALTINN", "SENDT_DIGITALT")
    assert svarut.client.delete(f"{BASE}/mottakersystemer/{system['id']}", headers=op).status_code == 204
    assert _v2_get(svarut, "/mottakersystem", organisasjonsnummer=ALTINN_ORG, forsendelseType="Byggesak")["mottakersystemer"] == []


@pytest.mark.parametrize(
    ("body", "status", "code", "word"),
    [
        ({"navn": "X", "organisasjonsnummer": UNKNOWN_ORGNR, "forsendelseType": "Byggesak"}, 404, "OP-000404", "Enhetsregisteret"),
        ({"navn": "X", "organisasjonsnummer": ALTINN_ORG, "forsendelseType": "to ord"}, 400, "OP-000400", "mønsteret"),
        ({"navn": "X", "organisasjonsnummer": ALTINN_ORG, "forsendelseType": "Byggesak", "niva": 10}, 400, "OP-000400", "niva"),
        (
            {"navn": "X", "organisasjonsnummer": ALTINN_ORG, "forsendelseType": "Byggesak", "id": "3e6f1a2b-9c8d-4e7f-a6b5-4c3d2e1f0a9b"},
            409,
            "OP-000409",
            "id",
        ),
    ],
)
def test_receiving_system_refusals(svarut, op, body, status, code, word):
    assert_error(svarut.client.post(BASE + "/mottakersystemer", headers=op, json=body), status, code, word)
