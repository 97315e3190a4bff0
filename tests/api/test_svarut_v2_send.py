"""SvarUt REST v2 send and status-sok in-process, with requests shaped exactly as KS's ``SendKlientV2`` and
``StatusKlientV2`` build them (tests/support_svarut_v2.py), every answer checked against KS's v2 specs: one
endpoint for every recipient (the recipient decides the channel), the rules the spec states, the same
letters as v3 (a v2 letter in v3's status/sok, a v3 letter in v2's status-sok), under /svarut/api/v2 and at
the root /api/v2, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest

from helsebro._time import utcnow
from helsebro.svarut import letters_v2
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_svarut import CITIZEN, KONTO, KONTO_UTEN_TILGANG, pdf, person_letter
from tests.support_svarut_v2 import (  # noqa: F401  (v2 is a fixture)
    V2Client,
    adresse,
    dokument,
    letter_row,
    til_organisasjon,
    til_person,
    til_print,
    v2,
)


def error_fields(response) -> list[str]:
    return list(response.json().get("errorJson") or {})  # field -> message, as KS's client reads it


# -- the send, as KS's client makes it -----------------------------------------------------------------


def test_a_send_as_sendklientv2_makes_it_is_stored_as_a_v2_letter(svarut, v2):
    letter_id = v2.send_ok(til_person("vedtak.pdf", "vedlegg.pdf", eksternReferanse="sak-2026-1"))
    row = letter_row(svarut, letter_id)
    assert (row.kind, row.api_versjon, row.konto_id, row.status, row.ekstern_referanse) == ("person", "v2", KONTO, "MOTTATT", "sak-2026-1")
    # The metadata is kept as sent, Jackson's explicit nulls and all (KS's client sends every property).
    assert row.metadata["svarSendesTil"] is None and row.metadata["kunDigitalLevering"] is False


def test_the_root_path_as_on_ks_hosts_is_the_same_api(svarut, v2):
    at_root = V2Client(svarut, v2.specs, root="")
    letter_id = at_root.send_ok(til_person())
    assert at_root.status_of(letter_id) == v2.status_of(letter_id) == "MOTTATT"
    refused = at_root.statuses(["ikke-en-uuid"])  # a refusal at the root is a Fiks ErrorMessage too
    assert refused.status_code == 400 and refused.json()["path"].startswith("/api/v2/")


@pytest.mark.parametrize(
    ("metadata", "kind", "delivered"),
    [
        (til_person(), "person", "VARSLET"),  # the seed citizen: Helsenorge/Altinn inbox
        (til_organisasjon(), "organisasjon", "SENDT_DIGITALT"),  # not a SvarInn receiver: Altinn
        (til_organisasjon(forsendelsestype="Helse.Epikrise"), "organisasjon", "KLAR_FOR_MOTTAK"),  # its receiving system
        (til_organisasjon(orgnr="964107580"), "organisasjon", "KLAR_FOR_MOTTAK"),  # a kommune in SvarInn
        (til_print(), "print", "PRINTET"),  # no digitalId: the postal address
    ],
)
def test_the_recipient_decides_the_channel(svarut, v2, metadata, kind, delivered):
    letter_id = v2.send_ok(metadata)
    assert letter_row(svarut, letter_id).kind == kind
    deliver(svarut)
    assert v2.status_of(letter_id) == delivered


def test_a_person_without_digital_contact_gets_paper_unless_only_digital(svarut, v2):
    from helsebro.svarut.testdata import krr_roles

    reserved = krr_roles()["reservert"][0]
    on_paper = v2.send_ok(til_person(fnr=reserved))
    only_digital = v2.send_ok(til_person(fnr=reserved, kunDigitalLevering=True))
    deliver(svarut)
    assert (v2.status_of(on_paper), v2.status_of(only_digital)) == ("PRINTET", "IKKE_LEVERT")


def _with(metadata: dict, **changes) -> dict:
    return {**metadata, **changes}


PERSON = til_person()
SIGNED = til_person(dokumenter=[dokument("avtale.pdf", skalSigneres=True)])


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({k: v for k, v in PERSON.items() if k != "tittel"}, "forsendelse.tittel"),
        (_with(PERSON, tittel="x" * 1001), "forsendelse.tittel"),
        (_with(PERSON, mottaker=adresse(digitalId=CITIZEN, poststed="OSLO", postnummer="0150")), "forsendelse.mottaker.navn"),
        (
            _with(PERSON, mottaker=adresse(navn="Ola", digitalId="1234", poststed="OSLO", postnummer="0150")),
            "forsendelse.mottaker.digitalId",
        ),
        (_with(til_print(), kunDigitalLevering=True), "forsendelse.mottaker.digitalId"),
        (_with(PERSON, mottaker=adresse(navn="Line Danser", digitalId=CITIZEN, postnummer="0150")), "forsendelse.mottaker.poststed"),
        (_with(PERSON, mottaker=adresse(navn="Line Danser", digitalId=CITIZEN, poststed="OSLO")), "forsendelse.mottaker.postnummer"),
        (_with(PERSON, dokumenter=[dokument("a.docx", "application/msword")]), "forsendelse.dokumenter[0].mimeType"),
        (_with(PERSON, dokumenter=[dokument("a.pdf"), dokument("a.pdf")]), "forsendelse.dokumenter[1].filnavn"),
        (_with(PERSON, dokumenter=[dokument("a|b.pdf")]), "forsendelse.dokumenter[0].filnavn"),
        (_with(PERSON, krevNiva4Innlogging=True), "forsendelse.kryptert"),
        (_with(PERSON, konteringskode="ugyldig kode!"), "forsendelse.konteringskode"),
        (_with(PERSON, lenker=[{"url": "https://ks.no", "tekst": "KS", "ledetekst": None}] * 6), "forsendelse.lenker"),
        (_with(PERSON, lenker=[{"url": "ikke en uri", "tekst": "KS", "ledetekst": None}]), "forsendelse.lenker[0].url"),
        (_with(PERSON, eksponertFor=["123"]), "forsendelse.eksponertFor[0]"),
        (_with(PERSON, svarSendesTil=adresse(navn="Kommunen", digitalId="910000063")), "forsendelse.svarSendesTil.adresselinje1"),
        (_with(PERSON, svarPaForsendelseLink=True), "forsendelse.svarSendesTil.digitalId"),
        (_with(PERSON, svarPaForsendelse="ikke-en-uuid"), "forsendelse.svarPaForsendelse"),
        (_with(PERSON, signaturType="BANKID"), "forsendelse.signaturType"),
        (SIGNED, "forsendelse.signeringUtloper"),
        (
            _with(SIGNED, signaturType="AUTENTISERT_SIGNATUR", signeringUtloper=(utcnow() + dt.timedelta(hours=2)).isoformat()),
            "forsendelse.signeringUtloper",
        ),
        (
            _with(
                til_organisasjon(),
                dokumenter=[dokument("a.pdf", skalSigneres=True)],
                signaturType="AUTENTISERT_SIGNATUR",
                signeringUtloper=(utcnow() + dt.timedelta(days=3)).isoformat(),
            ),
            "forsendelse.mottaker.digitalId",
        ),  # fmt: skip
        (_with(PERSON, Tittel="Feil stavet"), "forsendelse"),  # Jackson would drop it silently; helsebro names it
        (_with(PERSON, kryptert="true"), "forsendelse.kryptert"),
    ],
)
def test_what_the_spec_forbids_is_a_400_naming_the_field(svarut, v2, metadata, field):
    files = [(d["filnavn"], pdf()) for d in metadata.get("dokumenter") or []]
    response = v2.send(metadata, files)
    assert response.status_code == 400, response.text
    assert response.json()["errorCode"] == "VALIDERING_FEILET"
    assert field in error_fields(response) or any(f.startswith(field) for f in error_fields(response)), (field, response.json())


def test_the_registries_are_checked_before_any_file_is_stored(svarut, v2):
    unknown_org = v2.send(til_organisasjon(orgnr="974760673"), [("melding.pdf", pdf())])  # valid mod 11, not registered
    assert unknown_org.status_code == 400 and error_fields(unknown_org) == ["forsendelse.mottaker.digitalId"]
    unknown_reply = v2.send(_with(PERSON, svarPaForsendelse="0f8e6c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b"), [("vedtak.pdf", pdf())])
    assert unknown_reply.status_code == 400 and error_fields(unknown_reply) == ["forsendelse.svarPaForsendelse"]


def test_a_reply_names_a_letter_of_the_same_account(svarut, v2):
    first = v2.send_ok(til_person())
    answer = v2.send_ok(_with(til_person(), svarPaForsendelse=first, tittel="Svar på vedtak"))
    assert letter_row(svarut, answer).metadata["svarPaForsendelse"] == first


def test_files_must_come_as_announced(svarut, v2):
    wrong_name = v2.send(til_person("vedtak.pdf"), [("annet.pdf", pdf())])
    assert wrong_name.status_code == 400 and "dokumenter[0].filnavn er 'vedtak.pdf'" in wrong_name.json()["message"]
    missing = v2.send(til_person("vedtak.pdf", "vedlegg.pdf"), [("vedtak.pdf", pdf())])
    assert missing.status_code == 400 and missing.json()["errorCode"] == "DOKUMENT_UGYLDIG"
    not_a_pdf = v2.send(til_print("brev.pdf"), [("brev.pdf", b"<html>ikke pdf</html>")])
    assert not_a_pdf.status_code == 400 and "er ikke en PDF" in not_a_pdf.json()["message"]


def test_the_same_idempotency_key_and_body_give_the_same_letter(svarut, v2):
    headers = {"Idempotency-Key": "v2-send-1"}
    first = v2.send_ok(til_person(), extra_headers=headers)
    again = v2.send_ok(til_person(), extra_headers=headers)
    other = v2.send(til_person(tittel="Et annet brev"), [("vedtak.pdf", pdf("vedtak.pdf"))], extra_headers=headers)
    assert first == again and other.status_code == 409


def test_access_is_v3s(svarut, v2):
    no_token = v2.send(til_person(), [("vedtak.pdf", pdf())], headers={})
    assert no_token.status_code == 401
    wrong_password = v2.send(til_person(), [("vedtak.pdf", pdf())], headers=svarut.headers(passord="feil"))
    assert wrong_password.status_code == 401 and wrong_password.json()["errorCode"] == "INTEGRASJON_UGYLDIG"
    not_granted = v2.send(til_person(), [("vedtak.pdf", pdf())], konto=KONTO_UTEN_TILGANG)
    assert not_granted.status_code == 403
    not_multipart = v2._call("POST", f"/kontoer/{KONTO}/forsendelser", json=til_person())
    assert not_multipart.status_code == 415


# -- status-sok, on the same letters as v3's status/sok -----------------------------------------------------


def test_v2_and_v3_letters_are_one_set(svarut, v2):
    from_v2 = v2.send_ok(til_person())
    from_v3 = svarut.send_ok("person", person_letter(), [("vedtak.pdf", pdf())])
    deliver(svarut)
    in_v2 = v2.statuses([from_v3, from_v2]).json()["statuser"]
    in_v3 = svarut.status({"id": [from_v2, from_v3]}).json()["statuser"]
    assert [s["id"] for s in in_v2] == [from_v3, from_v2]
    assert {s["id"]: (s["status"], s["sisteStatusEndring"]) for s in in_v2} == {
        s["id"]: (s["status"], s["sisteStatusEndring"]) for s in in_v3
    }
    assert {s["status"] for s in in_v2} == {"VARSLET"}


def test_statuses_v2_has_no_name_for_are_the_nearest_v2_status(svarut, v2):
    assert letters_v2.V2_STATUS["FEILET_UNDER_MOTTAK"] == "AVVIST"
    enum = set(v2.specs.documents["status"]["components"]["schemas"]["ForsendelseStatus"]["properties"]["status"]["enum"])
    from helsebro.svarut.status import STATUSES

    assert {letters_v2.V2_STATUS.get(s, s) for s in STATUSES} <= enum


def test_unknown_and_other_accounts_ids_are_left_out(svarut, v2):
    mine = v2.send_ok(til_person())
    response = v2.statuses([mine, "0f8e6c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b"])
    assert [s["id"] for s in response.json()["statuser"]] == [mine]


@pytest.mark.parametrize(
    "body",
    [b"{}", b'{"forsendelseIds": "x"}', b'{"forsendelseIds": ["ikke-en-uuid"]}', b'{"id": []}', b"ikke json"],
)
def test_a_bad_status_search_is_400(svarut, v2, body):
    response = v2._call(
        "POST", f"/kontoer/{KONTO}/forsendelser/status-sok", content=body, extra_headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
