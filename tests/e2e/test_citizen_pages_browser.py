"""The citizen's pages in a real headless Chromium (Debian's package, installed by scripts/install-chromium)
against a running server, at a phone's width, used with the keyboard only. Keeps a full-page screenshot
per database in test-artifacts/.

The live server's database lives for the whole test session and other e2e tests send the seed tool
08ead360-...; this test sends other tools and finds its tasks by a marker in the message.
"""

from __future__ import annotations

import datetime as dt
import secrets

import httpx

from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, tab_to

NARROW_PHONE = {"width": 360, "height": 740}
CITIZEN = "12048645510"
KOLS = "95d2290a-ecbc-4525-9593-f35d4ee4e42d"  # "Hjemmeoppfølging ved KOLS", owned by the default demo client
SOVNSKOLEN = "5e2d9c7a-0b61-4f3e-a8d4-7c19b3e62f80"  # "Søvnskolen", owned by the default demo client
KOLS_URL = "https://kols.innlandsdal.example.no/hjemme"


def send(live_server, token: str, path: str, body: dict) -> None:
    response = httpx.post(live_server.base_url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text


def assert_focus_is_visible(target) -> None:
    style = target.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }")
    assert style[0] != "none" and style[1] != "0px" and style[2] != "none", style


def database_of(live_server) -> str:
    return "postgresql" if live_server.env.get("HELSEBRO_DATABASE_URL", "").startswith("postgres") else "sqlite"


def test_citizen_logs_in_accepts_and_declines_with_the_keyboard_on_a_phone(live_server, chromium, artifacts_dir):
    from playwright.sync_api import expect

    marker = secrets.token_hex(4)
    deadline = dt.date.today() + dt.timedelta(days=30)
    accept_message = f"Hei! Her er oppfølgingsverktøyet for KOLS. Referanse {marker}."
    decline_message = f"Et søvnkurs du kan prøve. Referanse {marker}."
    token = live_server.cli("token", "-s", "verktoysendtilinnbygger").stdout.strip()
    send(live_server, token, "/verktoy/v1/Verktoy", {
        "VerktoyId": KOLS, "InnbyggerFnr": CITIZEN, "BehandlerHpr": "565513636",
        "FristDato": deadline.isoformat(), "Melding": accept_message,
    })  # fmt: skip
    send(live_server, token, "/verktoy/system/verktoy/v2", {
        "VerktoyId": SOVNSKOLEN, "InnbyggerFnr": CITIZEN, "AvsenderOrgNummer": "913748263",
        "AvsenderNavn": "Søvnpoliklinikken", "Melding": decline_message,
    })  # fmt: skip

    context = chromium.new_context(viewport=PHONE, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # Not logged in: the pages send the browser to the citizen login. Log in by typing the number.
    page.goto(live_server.base_url + "/innbygger/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn som testinnbygger")
    number = page.get_by_label("eller fødselsnummer")
    tab_to(page, number)
    page.keyboard.type(CITIZEN)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.base_url + "/innbygger/oppgaver")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine oppgaver")
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("navigation", name="Innbyggersider")).to_be_visible()

    kols = page.locator("li.oppgave", has_text=accept_message)
    expect(kols.get_by_role("heading", level=2)).to_have_text("Hjemmeoppfølging ved KOLS")
    expect(kols).to_contain_text("Venstre Morfar")
    expect(kols).to_contain_text(deadline.strftime("%d.%m.%Y"))
    expect(kols.locator(".status")).to_have_text("Ny")
    assert_no_horizontal_scroll(page)

    # Accept with the keyboard only: Tab to "Ta i bruk", then Enter.
    accept = kols.get_by_role("button", name="Ta i bruk")
    tab_to(page, accept)
    assert_focus_is_visible(accept)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Du har tatt i bruk «Hjemmeoppfølging ved KOLS»")
    kols = page.locator("li.oppgave", has_text=accept_message)
    expect(kols.locator(".status")).to_have_text("Tatt i bruk")
    expect(kols.get_by_role("link", name="Gå til verktøyet")).to_have_attribute("href", KOLS_URL)
    expect(kols.get_by_role("button", name="Marker som utført")).to_be_visible()
    expect(kols.get_by_role("button", name="Ta i bruk")).to_have_count(0)

    # Decline the other task, the same way.
    sleep_course = page.locator("li.oppgave", has_text=decline_message)
    expect(sleep_course).to_contain_text("Søvnpoliklinikken, Helse Vestfjord HF")
    decline = sleep_course.get_by_role("button", name="Avslå")
    tab_to(page, decline)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Du har avslått «Søvnskolen»")
    expect(page.locator("li.oppgave", has_text=decline_message).locator(".status")).to_have_text("Avslått")

    assert_no_horizontal_scroll(page)
    shot = artifacts_dir / f"citizen-tasks-{database_of(live_server)}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # The other page, through the navigation, by keyboard as well.
    tab_to(page, page.get_by_role("link", name="Mine personverninnstillinger"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine personverninnstillinger")
    expect(page.get_by_role("main")).to_contain_text("Samtykke til å bruke helsenorge.no")
    assert_no_horizontal_scroll(page)

    # Still readable on the narrowest common phone.
    page.set_viewport_size(NARROW_PHONE)
    assert_no_horizontal_scroll(page)
    page.goto(live_server.base_url + "/innbygger/oppgaver")
    assert_no_horizontal_scroll(page)
    context.close()
