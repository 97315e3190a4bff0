"""The operator's steering pages in a real headless Chromium, with the keyboard only (Tab, typing, Enter, Space;
no clicks), at a phone's width and a desktop's: Feil (add a fault through the form, see it listed, see an API
call get its answer, remove it; a refused definition and a form without its CSRF token), Forespørsler (the
calls, filtered; a refusal's link to the token inspector's verdict) and Klokke (freeze, move forward, a refused
duration, release, to an instant).

One server for the module (SQLite: the rules under the pages are tested on both databases in tests/api), so the
faults and the moved clock stay here; one browser page, logged in once, whose viewport each test sets. A
screenshot of each step goes to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.browser import assert_no_horizontal_scroll, launch, tab_to
from tests.e2e.conftest import LiveServer, start_server
from tests.e2e.test_operator_pages_browser import (
    OPERATOR,
    OPERATOR_SECRET,
    assert_focus_is_visible,
    follow_by_keyboard,
    press_enter_and_wait,
    shoot,
    type_into,
)
from tests.support import SECRET, SECRET_CLIENT

WIDTHS = {"telefon": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 900}}
CATALOG = "/verktoy/v1/SelvstendigVerktoy"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    yield from start_server(tmp_path_factory.mktemp("steering-pages"), {})


@pytest.fixture(scope="module")
def page(server):
    """One logged-in page for the module's tests (the login by keyboard is tested in test_operator_pages_browser)."""
    for chromium in launch():
        context = chromium.new_context(viewport=WIDTHS["telefon"], locale="nb-NO")
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        tab.goto(server.base_url + "/operator/feil")
        type_into(tab, tab.get_by_label("Klient-ID"), OPERATOR)
        tab.keyboard.press("Tab")
        tab.keyboard.type(OPERATOR_SECRET)
        press_enter_and_wait(tab)
        yield tab
        context.close()


@pytest.fixture(params=list(WIDTHS))
def width(request, page) -> str:
    page.set_viewport_size(WIDTHS[request.param])
    return request.param


def choose(page, select, label: str) -> None:
    """A closed <select> chooses by typing the start of an option's text, as a keyboard user does."""
    tab_to(page, select)
    assert_focus_is_visible(select)
    page.keyboard.type(label)


def press(page, button) -> None:
    tab_to(page, button)
    assert_focus_is_visible(button)
    press_enter_and_wait(page)


def menu_link(page, name: str):
    return page.get_by_role("navigation", name="Operatørsider").get_by_role("link", name=name, exact=True)


def token(server: LiveServer, client_id: str, secret: str, scope: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope}
    answer = httpx.post(server.base_url + "/helseid/connect/token", data=form, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def catalog(server: LiveServer, access_token: str) -> httpx.Response:
    return httpx.get(server.base_url + CATALOG, headers={"Authorization": f"Bearer {access_token}"}, timeout=30)


def test_faults_page_adds_lists_and_removes_a_fault(server, page, width, artifacts_dir):
    from playwright.sync_api import expect

    follow_by_keyboard(page, menu_link(page, "Feil"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Injiserte feil")

    # A definition that could never match: the API's message, in Norwegian, and the form keeps what was typed.
    choose(page, page.get_by_label("Familie"), "verktoy")
    expect(page.get_by_label("Familie")).to_have_value("verktoy")
    type_into(page, page.get_by_label(re.compile("^Rute")), "/verktoy/finnes-ikke")
    press(page, page.get_by_role("button", name="Legg til"))
    expect(page.get_by_role("alert")).to_contain_text("Ingen rute")
    expect(page.get_by_label(re.compile("^Rute"))).to_have_value("/verktoy/finnes-ikke")
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"operator-feil-avvist-{width}")

    # The real one: the catalog, for one client, the next call.
    expect(page.get_by_label("Familie")).to_have_value("verktoy")
    type_into(page, page.get_by_label(re.compile("^Rute")), CATALOG)
    type_into(page, page.get_by_label("Klient-ID (valgfri)"), SECRET_CLIENT)
    type_into(page, page.get_by_label(re.compile("^For de neste kallene")), "1")
    press(page, page.get_by_role("button", name="Legg til"))
    expect(page.get_by_role("status")).to_have_text("Feilene er endret.")
    row = page.locator("tbody tr").filter(has_text=SECRET_CLIENT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(CATALOG)
    expect(row).to_contain_text("1 av 1")
    expect(row).to_contain_text("Aktiv")
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"operator-feil-lagt-til-{width}")

    # The API answers that call with the Verktøy API's own error, and the next one as usual.
    access_token = token(server, SECRET_CLIENT, SECRET, "verktoykatalog_read")
    failed = catalog(server, access_token)
    assert failed.status_code == 500 and failed.json() == {"Code": "PVS-000204", "Message": "Feil ved underliggende tjeneste"}
    assert catalog(server, access_token).status_code == 200

    # Used up on the page too; then removed with its own button.
    follow_by_keyboard(page, menu_link(page, "Feil"))
    expect(row).to_contain_text("0 av 1")
    expect(row).to_contain_text("Ikke aktiv")
    press(page, row.get_by_role("button", name="Fjern feilen for verktoy"))
    expect(page.get_by_role("status")).to_have_text("Feilene er endret.")
    expect(page.locator("tbody tr").filter(has_text=SECRET_CLIENT)).to_have_count(0)
    assert catalog(server, access_token).status_code == 200

    # A post without the form's CSRF token (as another site would send it, with the session's cookie) adds nothing.
    forged = page.request.post(server.base_url + "/operator/feil", form={"familie": "verktoy", "svar": "feil"}, max_redirects=0)
    assert forged.status == 400 and "Skjemaet er utløpt eller ugyldig" in forged.text()
    page.reload()
    expect(page.locator("tbody tr")).to_have_count(0)


def test_journal_page_filters_calls_and_links_a_refusal_to_its_verdict(server, page, width, artifacts_dir):
    from playwright.sync_api import expect

    served = catalog(server, token(server, SECRET_CLIENT, SECRET, "verktoykatalog_read"))
    assert served.status_code == 200
    # The operator's token at the catalog: the guard refuses it (not the catalog's audience or scope).
    refused = catalog(server, token(server, OPERATOR, OPERATOR_SECRET, "helsebro:operator"))
    assert refused.status_code in (401, 403)

    follow_by_keyboard(page, menu_link(page, "Forespørsler"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Forespørsler")
    shoot(page, artifacts_dir, f"operator-journal-{width}")

    # Filtered by client and family: only that client's calls, the token request under helseid left out.
    type_into(page, page.get_by_label("Klient-ID"), SECRET_CLIENT)
    choose(page, page.get_by_label("Familie"), "verktoy")
    press(page, page.get_by_role("button", name="Vis"))
    expect(page).to_have_url(re.compile(rf"klientId={SECRET_CLIENT}&familie=verktoy"))
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text(f"GET {CATALOG}")
    expect(rows.first).to_contain_text("200")
    for text in rows.all_inner_texts():
        assert SECRET_CLIENT in text and "verktoy" in text, text
    assert_no_horizontal_scroll(page)

    # A malformed filter: the operator API's message, in Norwegian.
    type_into(page, page.get_by_label(re.compile("^Status")), "abc")
    press(page, page.get_by_role("button", name="Vis"))
    expect(page.get_by_role("alert")).to_contain_text("skriv en statuskode (401), en klasse (4xx)")

    # The refusals (4xx) of any client: the operator's call, linked to the token inspector's verdict.
    type_into(page, page.get_by_label("Klient-ID"), OPERATOR)
    type_into(page, page.get_by_label(re.compile("^Status")), "4xx")
    press(page, page.get_by_role("button", name="Vis"))
    refusal = page.locator("tbody tr").filter(has_text=CATALOG).first
    expect(refusal).to_contain_text(str(refused.status_code))
    link = refusal.get_by_role("link", name=re.compile("se tokenkontrollens vurdering"))
    check = re.search(r"«(\w+)»", link.inner_text()).group(1)
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"operator-journal-avvist-{width}")
    follow_by_keyboard(page, link)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Kall \d+$"))
    expect(page.get_by_role("heading", name="Tokenkontrollens vurdering")).to_be_visible()
    expect(page.locator("#svar")).to_contain_text(str(refused.status_code))
    expect(page.get_by_role("main")).to_contain_text(f"({check})")
    # The inspector's checks, the one the guard refused on marked as deciding, the ones before it passed.
    expect(page.locator(f"#sjekk-{check}")).to_contain_text("Feilet (avgjør svaret)")
    expect(page.locator("#sjekk-signature")).to_contain_text("Bestått")
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"operator-journal-kall-{width}")
    follow_by_keyboard(page, page.get_by_role("link", name="Tilbake til forespørslene"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Forespørsler")


def ahead_seconds(page) -> int:
    return int(page.locator("#foran").inner_text().split()[0])


def test_clock_page_freezes_moves_and_releases_the_clock(server, page, width, artifacts_dir):
    from playwright.sync_api import expect

    follow_by_keyboard(page, menu_link(page, "Klokke"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Klokke")
    before = ahead_seconds(page)

    press(page, page.get_by_role("button", name="Frys klokka"))
    expect(page.locator("#status")).to_have_text("Fryst")

    # A month has no fixed length: refused with the service's message; the field keeps it and points to it.
    type_into(page, page.get_by_label("Flytt fram med"), "P1M")
    page.keyboard.press("Enter")  # Enter in the field sends its form
    expect(page.get_by_role("alert")).to_contain_text("måneder og år har ingen fast lengde")
    expect(page.get_by_label("Flytt fram med")).to_have_value("P1M")
    assert "feil" in (page.get_by_label("Flytt fram med").get_attribute("aria-describedby") or "")
    shoot(page, artifacts_dir, f"operator-klokke-avvist-{width}")

    type_into(page, page.get_by_label("Flytt fram med"), "P1D")
    press(page, page.get_by_role("button", name="Flytt fram", exact=True))
    expect(page.get_by_role("status")).to_have_text("Klokka er flyttet.")
    moved = ahead_seconds(page)
    assert 86_400 - 600 < moved - before <= 86_400 + 600  # a day on; frozen, the gap shrinks with real time

    # To an instant: an hour past the time shown.
    shown = dt.datetime.fromisoformat(re.search(r"\((\S+)\)", page.locator("#tid").inner_text()).group(1))
    target = (shown + dt.timedelta(hours=1)).replace(microsecond=0)
    type_into(page, page.get_by_label("Flytt fram til tidspunktet"), target.isoformat().replace("+00:00", "Z"))
    press(page, page.get_by_role("button", name="Flytt til tidspunktet"))
    expect(page.get_by_role("status")).to_have_text("Klokka er flyttet.")
    expect(page.locator("#tid")).to_contain_text(target.isoformat())

    # Back to real time is refused while the clock is ahead of stored data; releasing it is not.
    press(page, page.get_by_role("button", name="Tilbake til sann tid"))
    expect(page.get_by_role("alert")).to_contain_text("Klokka kan ikke gå bakover")
    press(page, page.get_by_role("button", name="La klokka gå igjen"))
    expect(page.locator("#status")).to_have_text("Går")
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"operator-klokke-{width}")
