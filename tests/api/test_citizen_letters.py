"""The citizen's "Mine brev" (SPEC section 8) in-process: SvarUt letters delivered to the Helsenorge/Altinn
inbox, sent through the SvarUt API and delivered by a worker; opening one marks it LEST for the sender; its
documents stream from the blob store with their own content type, and only the citizen's own letters open.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from helsebro import db
from helsebro.svarut import status
from helsebro.svarut.testdata import krr_roles
from tests.conftest import PUBLIC_URL
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_login import AUTHORIZE, hidden_fields
from tests.support_svarut import CITIZEN, pdf, person_letter

LETTERS = "/innbygger/brev"
OTHER_IN_INBOX = krr_roles()["innboks"][1]
WITH_DIGIPOST = krr_roles()["digipost"][0]


@pytest.fixture()
def browser(svarut) -> Iterator[TestClient]:
    with TestClient(svarut.app, base_url=PUBLIC_URL, raise_server_exceptions=False) as fresh:
        yield fresh


def log_in(browser: TestClient, fnr: str = CITIZEN):
    """From Mine brev through the citizen login and back: returns the page it lands on."""
    to_login = browser.get(LETTERS, follow_redirects=False)
    assert to_login.status_code == 303
    login_page = browser.get(to_login.headers["location"])
    back = browser.post(AUTHORIZE, data={**hidden_fields(login_page.text), "fnr": fnr}, follow_redirects=False)
    landing = browser.get(back.headers["location"], follow_redirects=False)
    assert (landing.status_code, landing.headers["location"]) == (303, LETTERS), landing.text
    return browser.get(LETTERS)


def send(svarut, fnr: str, tittel: str, files: list[tuple[str, bytes, str]] | None = None) -> str:
    files = files or [("vedtak.pdf", pdf(tittel), "application/pdf")]
    metadata = person_letter(*[name for name, _, _ in files], tittel=tittel)
    metadata["mottaker"] = {**metadata["mottaker"], "digitalId": fnr}
    for document, (_, _, mime) in zip(metadata["dokumenter"], files):
        document["mimeType"] = mime
        if mime != "application/pdf":
            document["skalEkskluderesFraUtskrift"] = True
    return svarut.send_ok("person", metadata, [(name, data) for name, data, _ in files])


def statuses(svarut, letter_id: str) -> list[str]:
    with db.read(svarut.engine) as conn:
        return [name for name, _ in status.history(conn, letter_id)]


def test_mine_brev_lists_the_citizens_delivered_inbox_letters(svarut, browser):
    mine = send(svarut, CITIZEN, "Vedtak om praktisk bistand")
    other = send(svarut, OTHER_IN_INBOX, "Brev til en annen")
    by_digipost = send(svarut, WITH_DIGIPOST, "Brev til Digipost")
    also_mine = send(svarut, CITIZEN, "Melding om vedtak")
    deliver(svarut)
    waiting = send(svarut, CITIZEN, "Sendt etter leveringen")  # still MOTTATT: not in the inbox
    page = log_in(browser)
    assert page.status_code == 200 and "<h1>Mine brev</h1>" in page.text
    assert 'aria-current="page">Mine brev' in page.text
    assert f"{LETTERS}/{mine}" in page.text and "Vedtak om praktisk bistand" in page.text and "Ulest" in page.text
    assert f"{LETTERS}/{also_mine}" in page.text
    for absent in (other, by_digipost, waiting):
        assert absent not in page.text
    assert page.headers["cache-control"] == "no-store"


def test_opening_a_letter_marks_it_lest_once(svarut, browser):
    letter_id = send(svarut, CITIZEN, "Innkalling til samtale")
    deliver(svarut)
    log_in(browser)
    opened = browser.get(f"{LETTERS}/{letter_id}")
    assert opened.status_code == 200 and "<h1>Innkalling til samtale</h1>" in opened.text
    assert "Demo kommune" in opened.text and f"{LETTERS}/{letter_id}/dokumenter/0" in opened.text
    assert statuses(svarut, letter_id) == ["MOTTATT", "AKSEPTERT", "SENDT_DIGITALT", "VARSLET", "LEST"]
    assert svarut.status({"id": [letter_id]}).json()["statuser"][0]["status"] == "LEST"
    assert browser.get(f"{LETTERS}/{letter_id}").status_code == 200
    assert statuses(svarut, letter_id).count("LEST") == 1
    listed = browser.get(LETTERS).text
    card = re.search(rf'id="brev-{letter_id}".*?</li>', listed, re.S).group(0)
    assert "Lest" in card and "Ulest" not in card


def test_a_pdf_is_shown_in_the_browser_straight_from_the_blob_store(svarut, browser):
    content = pdf("hele brevet", size=200_000)
    letter_id = send(svarut, CITIZEN, "Vedtak med vedlegg", [("vedtak æøå.pdf", content, "application/pdf")])
    deliver(svarut)
    log_in(browser)
    response = browser.get(f"{LETTERS}/{letter_id}/dokumenter/0")
    assert response.status_code == 200 and response.content == content
    assert response.headers["content-type"] == "application/pdf"
    assert (
        response.headers["content-disposition"] == "inline; filename=\"vedtak ___.pdf\"; filename*=UTF-8''vedtak%20%C3%A6%C3%B8%C3%A5.pdf"
    )
    assert response.headers["x-content-type-options"] == "nosniff" and response.headers["cache-control"] == "no-store"
    assert statuses(svarut, letter_id)[-1] == "LEST"  # a document opened straight from a link is read too


def test_other_documents_are_downloads_in_a_sandbox(svarut, browser):
    html = b"<script>alert(document.cookie)</script>"
    letter_id = send(svarut, CITIZEN, "Brev med HTML", [("brev.pdf", pdf(), "application/pdf"), ("side.html", html, "text/html")])
    deliver(svarut)
    log_in(browser)
    response = browser.get(f"{LETTERS}/{letter_id}/dokumenter/1")
    assert response.status_code == 200 and response.content == html
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["content-security-policy"].startswith("sandbox")


def test_only_the_citizens_own_letters_open(svarut, browser):
    theirs = send(svarut, OTHER_IN_INBOX, "Ikke ditt brev")
    deliver(svarut)
    log_in(browser)
    for path in (f"{LETTERS}/{theirs}", f"{LETTERS}/{theirs}/dokumenter/0", f"{LETTERS}/ikke-en-id", f"{LETTERS}/{theirs}/dokumenter/9"):
        response = browser.get(path)
        assert response.status_code == 404, path
        assert "%PDF" not in response.text
    assert statuses(svarut, theirs)[-1] == "VARSLET"  # not read by someone else


def test_without_a_session_letters_lead_to_the_login(svarut, browser):
    letter_id = send(svarut, CITIZEN, "Krever innlogging")
    deliver(svarut)
    for path in (LETTERS, f"{LETTERS}/{letter_id}", f"{LETTERS}/{letter_id}/dokumenter/0"):
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith(PUBLIC_URL + AUTHORIZE), path
    assert statuses(svarut, letter_id)[-1] == "VARSLET"
