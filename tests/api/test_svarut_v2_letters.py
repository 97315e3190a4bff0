"""SvarUt REST v2 on a letter already sent, in-process, as KS's HendelserKlientV2, LestKlientV2,
MetadataKlientV2, SlettKlientV2, EksternRefKlientV2, TyperKlientV2 and MottakersystemKlientV2 call it, every
answer checked against KS's v2 specs: events for every status step (v3 letters too), lest as the citizen pages
read, documents' metadata, deletion and download, signing on the citizen pages, the look-ups; and that a
letter of another account is the same 404 as none. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from starlette.testclient import TestClient

from helsebro import db
from helsebro._time import utcnow
from helsebro.svarut import letters, status
from helsebro.svarut.testdata import krr_roles
from tests.api.test_citizen_letters import log_in
from tests.conftest import PUBLIC_URL
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_login import hidden_fields
from tests.support_svarut import CITIZEN, KONTO, KONTO_UTEN_TILGANG, pdf, person_letter
from tests.support_svarut_v2 import dokument, letter_row, til_organisasjon, til_person, til_print, v2  # noqa: F401  (v2 is a fixture)

UNKNOWN = "0f8e6c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b"


def now_iso(delta: dt.timedelta = dt.timedelta()) -> str:
    return (utcnow() + delta).isoformat()


def delivered(svarut, v2, metadata: dict | None = None) -> str:
    letter_id = v2.send_ok(metadata or til_person())
    deliver(svarut)
    return letter_id


def history(svarut, letter_id: str) -> list[tuple[str, dt.datetime]]:
    with db.read(svarut.engine) as conn:
        return status.history(conn, letter_id)


@pytest.fixture(scope="module")
def foreign_letter(svarut) -> str:
    """A letter of an account the demo integration has no access to (stored directly: nobody may send there)."""
    new = letters.NewLetter(KONTO_UTEN_TILGANG, "00000000-0000-0000-0000-000000000001", "person", person_letter(), [], None, utcnow())
    letter_id, _ = letters.store(svarut.engine, new)
    return letter_id


@pytest.fixture()
def browser(svarut):
    with TestClient(svarut.app, base_url=PUBLIC_URL, raise_server_exceptions=False) as fresh:
        yield fresh


# -- hendelser -----------------------------------------------------------------------------------------


def test_every_status_step_is_an_event_with_its_time(svarut, v2):
    letter_id = delivered(svarut, v2)
    answer = v2.hendelser(letter_id).json()["hendelser"]
    steps = history(svarut, letter_id)
    assert [status.format_time(at) for _, at in steps] == [e["tidspunkt"] for e in answer]
    assert [e["hendelse"] for e in answer] == [
        "Mottatt av SvarUt",
        "Akseptert for ekspedering",
        "Sendt digitalt til mottakerens innboks (Helsenorge/Altinn)",
        "Mottaker er varslet om forsendelsen",
    ]


def test_a_v3_letter_has_v2_events(svarut, v2):
    letter_id = svarut.send_ok("person", person_letter(), [("vedtak.pdf", pdf())])
    deliver(svarut)
    assert len(v2.hendelser(letter_id).json()["hendelser"]) == len(history(svarut, letter_id)) == 4


@pytest.mark.parametrize("call", ["hendelser", "signeringshendelser", "metadata", "slett"])
def test_unknown_and_foreign_letters_are_the_same_404(svarut, v2, foreign_letter, call):
    unknown, foreign = getattr(v2, call)(UNKNOWN), getattr(v2, call)(foreign_letter)
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.json()["errorCode"] == foreign.json()["errorCode"] == "FORSENDELSE_FINNES_IKKE"
    assert unknown.json()["message"].replace(UNKNOWN, "X") == foreign.json()["message"].replace(foreign_letter, "X")


def test_a_letter_id_that_is_no_uuid_is_400(svarut, v2):
    response = v2.hendelser("ikke-en-uuid")
    assert response.status_code == 400 and response.json()["errorCode"] == "UGYLDIG_PARAMETER"


def test_letter_calls_need_the_integration(svarut, v2):
    letter_id = v2.send_ok(til_person())
    assert v2.hendelser(letter_id, headers={}).status_code == 401
    assert v2.hendelser(letter_id, headers=svarut.headers(passord="feil")).status_code == 401


# -- lest ----------------------------------------------------------------------------------------------


def test_lest_marks_a_delivered_letter_read_as_the_citizen_pages_do(svarut, v2):
    letter_id = delivered(svarut, v2)
    read_at = now_iso()
    response = v2.lest(letter_id, {"fnr": CITIZEN, "tidspunkt": read_at, "eksterntSystemnavn": "Min side"})
    assert response.status_code == 204
    assert [s for s, _ in history(svarut, letter_id)][-1] == "LEST"
    v3 = svarut.status({"id": [letter_id]}).json()["statuser"][0]
    assert v3["status"] == "LEST" == v2.status_of(letter_id)
    assert v3["sisteStatusEndring"] == status.format_time(dt.datetime.fromisoformat(read_at))
    events = [e["hendelse"] for e in v2.hendelser(letter_id).json()["hendelser"]]
    assert events[-2:] == ["Lest av mottaker", "Lest i eksternt system: Min side"]
    # Read already: nothing changes, and the answer is the same.
    assert v2.lest(letter_id, {"fnr": CITIZEN, "tidspunkt": now_iso()}).status_code == 204
    assert [s for s, _ in history(svarut, letter_id)].count("LEST") == 1


def test_lest_on_a_letter_not_delivered_is_409(svarut, v2):
    letter_id = v2.send_ok(til_person())
    response = v2.lest(letter_id, {"fnr": CITIZEN, "tidspunkt": now_iso()})
    assert response.status_code == 409 and response.json()["errorCode"] == "FORSENDELSE_IKKE_LEVERT"
    assert v2.status_of(letter_id) == "MOTTATT"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tidspunkt": "2026-01-01T12:00:00Z"}, "fnr"),
        ({"fnr": "123", "tidspunkt": "2026-01-01T12:00:00Z"}, "fnr"),
        ({"fnr": CITIZEN}, "tidspunkt"),
        ({"fnr": CITIZEN, "tidspunkt": "i går"}, "tidspunkt"),
        ({"fnr": CITIZEN, "tidspunkt": "2999-01-01T12:00:00Z"}, "tidspunkt"),
        ({"fnr": CITIZEN, "tidspunkt": "2000-01-01T12:00:00Z"}, "tidspunkt"),  # before it was delivered
        ({"fnr": krr_roles()["innboks"][1], "tidspunkt": "NOW"}, "fnr"),  # not the recipient
    ],
)
def test_a_bad_lest_is_400_and_changes_nothing(svarut, v2, body, field):
    letter_id = delivered(svarut, v2)
    body = {k: (now_iso() if v == "NOW" else v) for k, v in body.items()}
    response = v2.lest(letter_id, body)
    assert response.status_code == 400, response.text
    assert field in response.text and v2.status_of(letter_id) == "VARSLET"


def test_someone_in_eksponertfor_may_have_read_it(svarut, v2):
    other = krr_roles()["innboks"][1]
    letter_id = delivered(svarut, v2, til_person(eksponertFor=[other]))
    assert v2.lest(letter_id, {"fnr": other, "tidspunkt": now_iso()}).status_code == 204


# -- metadata, deletion and download ------------------------------------------------------------------------


def test_metadata_describes_each_document(svarut, v2):
    metadata = til_person(
        dokumenter=[
            dokument(
                "vedtak.pdf", dokumentType="Vedtak", inneholderPersonsensitivInformasjon=True, ekstraMetadata=[{"key": "k", "value": "v"}]
            ),
            dokument("vedlegg.txt", "text/plain", skalEkskluderesFraUtskrift=True),
        ]
    )
    letter_id = v2.send_ok(metadata, [("vedtak.pdf", pdf("vedtak")), ("vedlegg.txt", b"hei")])
    documents = v2.metadata(letter_id).json()["dokumenter"]
    assert [(d["filnavn"], d["mimeType"], d["dokumentType"], d["storrelse"]) for d in documents] == [
        ("vedtak.pdf", "application/pdf", "Vedtak", len(pdf("vedtak"))),
        ("vedlegg.txt", "text/plain", "", 3),
    ]
    assert documents[0]["ekstraMetadata"] == [{"key": "k", "value": "v"}] and documents[0]["inneholderPersonsensitivInformasjon"] is True
    assert not any(d["kanSigneres"] for d in documents)
    # nedlasningUrl downloads the document with the same credentials, byte for byte.
    download = svarut.client.get(documents[1]["nedlasningUrl"], headers=svarut.headers())
    assert download.status_code == 200 and download.content == b"hei" and download.headers["content-type"].startswith("text/plain")
    import hashlib

    assert documents[0]["sha256Hash"] == hashlib.sha256(pdf("vedtak")).hexdigest()


def test_deleted_documents_are_gone_once(svarut, v2, browser):
    letter_id = delivered(svarut, v2)
    url = v2.metadata(letter_id).json()["dokumenter"][0]["nedlasningUrl"]
    assert v2.slett(letter_id).status_code == 204
    assert v2.metadata(letter_id).json()["dokumenter"] == []
    gone = svarut.client.get(url, headers=svarut.headers())
    assert gone.status_code == 410 and gone.json()["errorCode"] == "DOKUMENT_SLETTET"
    # A second delete changes nothing and answers as the first (ALLE too).
    assert v2.slett(letter_id, "ALLE").status_code == 204
    events = [e["hendelse"] for e in v2.hendelser(letter_id).json()["hendelser"]]
    assert events.count("Originaldokumentene er slettet av avsender") == 1 and len(events) == 5
    # The citizen's inbox no longer offers the document.
    log_in(browser)
    page = browser.get(f"/innbygger/brev/{letter_id}")
    assert "Avsenderen har slettet dokumentene" in page.text
    assert browser.get(f"/innbygger/brev/{letter_id}/dokumenter/0").status_code == 404


def test_documents_cannot_be_deleted_before_the_letter_is_sent(svarut, v2):
    letter_id = v2.send_ok(til_person())
    response = v2.slett(letter_id)
    assert response.status_code == 409 and response.json()["errorCode"] == "FORSENDELSE_IKKE_EKSPEDERT"
    deliver(svarut)
    assert v2.status_of(letter_id) == "VARSLET"  # delivery had its files


def test_slettetype_outside_the_enum_is_400(svarut, v2):
    letter_id = delivered(svarut, v2)
    assert v2.slett(letter_id, "NOEN", check=False).status_code == 400
    assert v2.slett(letter_id, None).status_code == 204  # the default: ORIGINALDOKUMENTER


def test_a_document_number_that_does_not_exist_is_404(svarut, v2):
    letter_id = v2.send_ok(til_person())
    response = svarut.client.get(f"/svarut/api/v2/forsendelser/{letter_id}/dokumenter/7", headers=svarut.headers())
    assert response.status_code == 404 and response.json()["errorCode"] == "DOKUMENT_FINNES_IKKE"


# -- signing on the citizen pages -------------------------------------------------------------------------------


def signing_letter(expires: dt.timedelta = dt.timedelta(days=7), fnr: str = CITIZEN) -> dict:
    return til_person(
        fnr=fnr,
        dokumenter=[dokument("avtale.pdf", skalSigneres=True), dokument("vedlegg.pdf")],
        signeringUtloper=now_iso(expires),
        signaturType="AUTENTISERT_SIGNATUR",
    )


def sign_on_the_page(browser, letter_id: str, action: str = "signer"):
    page = browser.get(f"/innbygger/brev/{letter_id}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return browser.post(f"/innbygger/brev/{letter_id}/signering/{action}", data={"csrf": csrf}, follow_redirects=False)


def test_the_citizen_signs_on_the_citizen_pages(svarut, v2, browser):
    letter_id = delivered(svarut, v2, signing_letter())
    waiting = v2.signeringshendelser(letter_id).json()["hendelser"]
    assert [e["status"] for e in waiting] == ["VENTER_SIGNERING"]
    assert waiting[0]["hendelse"].startswith("Signeringsoppdrag av type AUTENTISERT_SIGNATUR registrert og utløper ")
    documents = v2.metadata(letter_id).json()["dokumenter"]
    assert [d["kanSigneres"] for d in documents] == [True, False]
    assert documents[0]["signeringUrl"].endswith(f"/innbygger/brev/{letter_id}")

    log_in(browser)
    done = sign_on_the_page(browser, letter_id)
    assert done.status_code == 303 and "kvittering=SIGNERT_AV_MOTTAKER" in done.headers["location"]
    assert [e["status"] for e in v2.signeringshendelser(letter_id).json()["hendelser"]] == ["VENTER_SIGNERING", "SIGNERT_AV_MOTTAKER"]
    assert not any(d["kanSigneres"] for d in v2.metadata(letter_id).json()["dokumenter"])
    # Signed once: the buttons are gone, and a second post is refused.
    page = browser.get(f"/innbygger/brev/{letter_id}")
    assert "Signert av deg" in page.text and "Signer dokumentet" not in page.text
    csrf = hidden_fields(browser.get("/innbygger/brev").text).get("csrf") or re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert browser.post(f"/innbygger/brev/{letter_id}/signering/avvis", data={"csrf": csrf}).status_code == 409


def test_the_citizen_may_decline(svarut, v2, browser):
    letter_id = delivered(svarut, v2, signing_letter())
    log_in(browser)
    assert sign_on_the_page(browser, letter_id, "avvis").status_code == 303
    assert v2.signeringshendelser(letter_id).json()["hendelser"][-1]["status"] == "AVVIST_AV_MOTTAKER"


def test_an_assignment_past_its_time_is_utlopt(svarut, v2, browser):
    letter_id = delivered(svarut, v2, signing_letter())
    future = utcnow() + dt.timedelta(days=8)
    from helsebro.svarut import signing

    with db.read(svarut.engine) as conn:
        assert signing.current(conn, letter_id, future)[0] == "UTLOPT"
        events = signing.signeringshendelser(conn, letter_id, future)["hendelser"]
    assert [e["status"] for e in events] == ["VENTER_SIGNERING", "UTLOPT"]


def test_a_letter_that_cannot_be_signed_where_it_goes_is_refused_by_svarut(svarut, v2):
    letter_id = delivered(svarut, v2, signing_letter(fnr=krr_roles()["digipost"][0]))
    assert [e["status"] for e in v2.signeringshendelser(letter_id).json()["hendelser"]] == ["AVVIST_AV_SVARUT"]


def test_a_letter_without_assignment_has_no_signing_events(svarut, v2):
    assert v2.signeringshendelser(delivered(svarut, v2)).json() == {"hendelser": []}


# -- look-ups ----------------------------------------------------------------------------------------------


def test_letters_are_found_by_their_external_reference_in_the_account(svarut, v2):
    first = v2.send_ok(til_person(eksternReferanse="sak-42", avgivendeSystem="Acos"))
    second = svarut.send_ok("person", person_letter(eksternReferanse="sak-42"), [("vedtak.pdf", pdf())])  # v3 too
    v2.send_ok(til_person(eksternReferanse="sak-43"))
    assert v2.ekstern_ref("sak-42").json() == {"forsendelseIds": [first, second]}
    found = v2.ekstern_ref("sak-42", metadata=True).json()["forsendelser"]
    assert [(f["id"], f.get("avgivendeSystem")) for f in found] == [(first, "Acos"), (second, "helsebro-test")]
    assert v2.ekstern_ref("finnes-ikke").json() == {"forsendelseIds": []}
    missing = v2._call("GET", f"/kontoer/{KONTO}/forsendelser")
    assert missing.status_code == 400 and "eksternRef" in missing.json()["message"]


def test_forsendelsestyper_are_the_registered_ones(svarut, v2):
    types = v2.forsendelsestyper().json()["forsendelsestyper"]
    assert {"Byggesak", "Helse.Epikrise", "Standard"} <= set(types) and len(types) == len(set(types))
    assert v2.forsendelsestyper(headers={}).status_code == 401


def test_mottakersystem_answers_from_the_registries_and_accounts(svarut, v2):
    everything = v2.mottakersystem().json()["mottakersystemer"]
    by_org = v2.mottakersystem(organisasjonsnummer="913748263").json()["mottakersystemer"]
    assert by_org == [{"id": "3e6f1a2b-9c8d-4e7f-a6b5-4c3d2e1f0a9b", "navn": "Helse Vestfjord DIPS", "organisasjonsnummer": "913748263",
                       "forsendelseType": "Helse.Epikrise", "niva": 4}]  # fmt: skip
    kommune = v2.mottakersystem(organisasjonsnummer="910000063").json()["mottakersystemer"]
    assert KONTO in {s["id"] for s in kommune}  # the demo kommune's own account receives through SvarInn
    assert v2.mottakersystem(forsendelseType="Helse.Epikrise", niva=4).json()["mottakersystemer"] == by_org
    assert v2.mottakersystem(forsendelseType="Helse.Epikrise", niva=3).json()["mottakersystemer"] == []
    assert len(everything) > len(by_org) + len(kommune) - 1


@pytest.mark.parametrize(
    ("name", "value"), [("organisasjonsnummer", "12345"), ("forsendelseType", "ugyldig type"), ("niva", "10"), ("niva", "x")]
)
def test_mottakersystem_parameters_outside_the_spec_are_400(svarut, v2, name, value):
    response = v2.mottakersystem(**{name: value}, check=False)
    assert response.status_code == 400 and name in response.json()["message"]


# -- one letter model: the pages ---------------------------------------------------------------------------


def test_a_v2_letter_is_on_the_operator_pages_and_opened_in_the_citizen_inbox(svarut, v2, browser):
    from tests.api.test_operator_pages import log_in as operator_log_in
    from tests.api.test_operator_pages import visible

    letter_id = delivered(svarut, v2, til_person(tittel="Vedtak sendt med v2"))
    on_paper = delivered(svarut, v2, til_print(tittel="Papirbrev sendt med v2"))
    with TestClient(svarut.app, base_url=PUBLIC_URL, raise_server_exceptions=False) as operator:
        operator_log_in(operator)
        detail = visible(operator.get(f"/operator/brev/{letter_id}").text)
        assert "Vedtak sendt med v2" in detail and "VARSLET" in detail
        assert "Ola Nordmann, BERGEN" in visible(operator.get(f"/operator/brev/{on_paper}").text)
    inbox = log_in(browser)
    assert "Vedtak sendt med v2" in inbox.text
    assert browser.get(f"/innbygger/brev/{letter_id}").status_code == 200  # opening it is reading it
    assert v2.status_of(letter_id) == "LEST" == svarut.status({"id": [letter_id]}).json()["statuser"][0]["status"]
    assert v2.hendelser(letter_id).json()["hendelser"][-1]["hendelse"] == "Lest av mottaker"
