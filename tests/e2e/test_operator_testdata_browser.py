"""The operator's Testdata pages in a real headless Chromium against ``helsebro serve`` (SQLite and PostgreSQL),
with the keyboard only, at a phone's width (390 px) and a desktop's (1280 px): create a tool, edit it, give it
an image and delete it; be refused with the operator API's message; make a client whose secret is shown once
and gets a token; reset the test data. A screenshot of each step goes to test-artifacts/."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from pathlib import Path

import httpx
import pytest

from helsebro.testdata import kinds
from tests.e2e.browser import assert_no_horizontal_scroll, tab_to
from tests.e2e.test_operator_pages_browser import (
    OPERATOR,
    OPERATOR_SECRET,
    assert_focus_is_visible,
    database_of,
    follow_by_keyboard,
    press_enter_and_wait,
    shoot,
    type_into,
)

WIDTHS = {"telefon": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
PNG = Path(kinds.__file__).parent / "images" / "1.png"
ORGNR = "921000006"


def logged_in(chromium, url: str, width: str):
    """A page at this width that asked for ``url`` and logged in there with the keyboard only."""
    page = chromium.new_context(viewport=WIDTHS[width], locale="nb-NO").new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    type_into(page, page.get_by_label("Klient-ID"), OPERATOR)
    page.keyboard.press("Tab")
    page.keyboard.type(OPERATOR_SECRET)
    press_enter_and_wait(page)
    return page


def menu_link(page, name: str):
    return page.get_by_role("navigation", name="Operatørsider").get_by_role("link", name=name, exact=True)


def press(page, button) -> None:
    tab_to(page, button)
    assert_focus_is_visible(button)
    press_enter_and_wait(page)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_operator_changes_test_data_with_the_keyboard(live_server, chromium, artifacts_dir, width):
    from playwright.sync_api import expect

    shot = f"operator-testdata-{width}-{database_of(live_server)}"
    base = live_server.base_url

    # Log in by keyboard; the login goes back to the Testdata page asked for.
    page = logged_in(chromium, base + "/operator/testdata/verktoy", width)
    expect(page).to_have_url(base + "/operator/testdata/verktoy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verktøy")

    # A new tool from its entry in the environment file's shape.
    tool, name = str(uuid.uuid4()), f"Tastaturverktøy {secrets.token_hex(3)}"
    type_into(page, page.get_by_label("Oppføringen som JSON"), json.dumps({"VerktoyId": tool, "Navn": name, "Organisasjonsnummer": ORGNR}))
    press(page, page.get_by_role("button", name="Opprett"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("status")).to_have_text("Lagret.")
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"{shot}-tool")

    # Edit it: a refused value keeps the text and says what the API says; then a good one.
    entry = json.loads(page.get_by_label("Oppføringen som JSON").input_value())
    type_into(page, page.get_by_label("Oppføringen som JSON"), json.dumps({**entry, "Url": "ftp://nei"}))
    press(page, page.get_by_role("button", name="Lagre"))
    expect(page.get_by_role("alert")).to_contain_text("Url")
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"{shot}-refused")
    type_into(page, page.get_by_label("Oppføringen som JSON"), json.dumps({**entry, "Navn": name + " endret"}))
    press(page, page.get_by_role("button", name="Lagre"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name + " endret")

    # Its image: the file field reached by Tab (the file itself comes from the test, as a file dialog would give it).
    image_field = page.get_by_label(re.compile("^Bildefil"))
    tab_to(page, image_field)
    image_field.set_input_files(str(PNG))
    press(page, page.get_by_role("button", name="Last opp bildet"))
    thumbnail = page.get_by_role("img", name="Verktøyets bilde")
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    shoot(page, artifacts_dir, f"{shot}-image")

    # Delete it: back at the list, which says so.
    press(page, page.get_by_role("button", name="Slett verktøy"))
    expect(page.get_by_role("status")).to_have_text("Oppføringen er slettet.")
    expect(page.get_by_role("main")).not_to_contain_text(tool)

    # A client whose secret is made, shown once, and works at the token endpoint.
    page.goto(base + "/operator/testdata/klienter")
    client_id = f"tastatur-{secrets.token_hex(3)}"
    type_into(page, page.get_by_label("client_id"), client_id)
    type_into(page, page.get_by_label("Organisasjonsnummer"), ORGNR)
    type_into(page, page.get_by_label("Scopes (skilt med mellomrom)"), "verktoykatalog_read")
    first_choice = page.get_by_label("Offentlig nøkkel (last opp JWK eller JWKS)")
    tab_to(page, first_choice)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # arrows move through the choices: the third is "make a secret"
    expect(page.get_by_label("Lag en hemmelighet (vises én gang)")).to_be_checked()
    press(page, page.get_by_role("button", name="Opprett klient"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Klienten {client_id} er opprettet")
    secret = page.locator("#hemmelighet").inner_text()
    assert_no_horizontal_scroll(page)
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": "verktoykatalog_read"}
    assert httpx.post(base + "/helseid/connect/token", data=form, timeout=30).status_code == 200
    follow_by_keyboard(page, page.get_by_role("link", name="Til klienten"))
    assert secret not in page.content()

    # Reset the test data: the client is gone, the operator still logged in.
    follow_by_keyboard(page, menu_link(page, "Testdata"))
    press(page, page.get_by_role("button", name="Tilbakestill testdataene"))
    expect(page.get_by_role("status")).to_contain_text("Testdataene er tilbakestilt")
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"{shot}-reset")
    assert httpx.post(base + "/helseid/connect/token", data=form, timeout=30).status_code == 401
    page.context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_operator_sets_up_a_citizen_with_the_keyboard(live_server, chromium, artifacts_dir, width):
    from playwright.sync_api import expect

    shot = f"operator-citizen-{width}-{database_of(live_server)}"
    base = live_server.base_url
    page = logged_in(chromium, base + "/operator/testdata/innbyggere", width)
    expect(page.get_by_role("heading", level=1)).to_have_text("Innbyggere")

    # A new citizen: the number is shown whole once, on the answer, and masked everywhere after.
    name = f"Tastatur{secrets.token_hex(2)}"
    type_into(page, page.get_by_label("Fornavn"), name)
    type_into(page, page.get_by_label("Etternavn"), "Testesen")
    type_into(page, page.get_by_label("Fødselsdato (ÅÅÅÅ-MM-DD)"), "1988-08-08")
    press(page, page.get_by_role("button", name="Opprett innbygger"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} Testesen er opprettet")
    fnr = page.locator("#nytt-fnr").inner_text()
    assert re.fullmatch(r"\d{11}", fnr)
    follow_by_keyboard(page, page.get_by_role("link", name="Til innbyggeren"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} Testesen")
    assert fnr not in page.content() and fnr not in page.url

    # Consent, a refused death date with the API's message, then a good one; a KRR entry.
    press(page, page.get_by_role("button", name="Gi samtykket"))
    expect(page.locator("#samtykke-status")).to_have_text("Gitt")
    type_into(page, page.get_by_label("Dødsdato (ÅÅÅÅ-MM-DD)"), "i går")
    press(page, page.get_by_role("button", name="Lagre død"))
    expect(page.get_by_role("alert")).to_contain_text("dodsdato må være en dato (ÅÅÅÅ-MM-DD)")
    shoot(page, artifacts_dir, f"{shot}-refused")
    type_into(page, page.get_by_label("Dødsdato (ÅÅÅÅ-MM-DD)"), "2026-01-02")
    press(page, page.get_by_role("button", name="Lagre død"))
    expect(page.locator("#dod-status")).to_have_text("2026-01-02")
    reserved = page.get_by_label("Reservert mot digital post")
    tab_to(page, reserved)
    page.keyboard.press("Space")
    press(page, page.get_by_role("button", name="Lagre KRR-oppføringen"))
    expect(page.locator("#krr-status")).to_contain_text("reservert")
    assert fnr not in page.content()
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, shot)

    # An organisation and a health person, from the Testdata page's links.
    follow_by_keyboard(page, menu_link(page, "Testdata"))
    follow_by_keyboard(page, page.get_by_role("link", name="Organisasjoner"))
    orgnr = "921000006"
    if page.get_by_role("link", name=orgnr).count() == 0:  # the other width's run made it already
        type_into(page, page.get_by_label("Organisasjonsnummer"), orgnr)
        type_into(page, page.get_by_label("Navn"), "Min Virksomhet AS")
        press(page, page.get_by_role("button", name="Opprett organisasjon"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Min Virksomhet AS")
    follow_by_keyboard(page, menu_link(page, "Testdata"))
    follow_by_keyboard(page, page.get_by_role("link", name="Helsepersonell"))
    hpr = str(9_000_000 + secrets.randbelow(900_000))
    type_into(page, page.get_by_label("HPR-nummer"), hpr)
    type_into(page, page.get_by_label("Fornavn"), "Lege")
    type_into(page, page.get_by_label("Etternavn"), "Tastesen")
    type_into(page, page.get_by_label("Autorisasjoner, én per linje: KODE:Navn (f.eks. LE:Lege)"), "LE:Lege")
    press(page, page.get_by_role("button", name="Opprett helsepersonell"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lege Tastesen")
    expect(page.get_by_role("status")).to_have_text("Lagret.")
    assert_no_horizontal_scroll(page)
    page.context.close()
