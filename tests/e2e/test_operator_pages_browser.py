"""The operator's pages in a real headless Chromium (Debian's package, installed by scripts/install-chromium)
against a running server (``helsebro serve``, SQLite and PostgreSQL): log in with the keyboard only, then every
page, at a phone's width and on a desktop, with a screenshot of each in test-artifacts/.

The data shown comes over real HTTP first: a SvarUt letter (Maskinporten token, multipart send; the server's
own worker delivers it), a PTS call (token exchange and DPoP), and a citizen with consent from the CLI.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from pathlib import Path

import httpx
from joserfc.jwk import ECKey

from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, tab_to
from tests.e2e.test_pts_flow import SAFETY, Pts, exchange_over_http
from tests.support_svarut import (
    CITIZEN,
    INTEGRASJON,
    KONTO,
    PASSORD,
    jwt_grant,
    letter_parts,
    multipart,
    pdf,
    person_letter,
    token_form,
)

OPERATOR, OPERATOR_SECRET = "helsebro-operator", "helsebro-operator"


# -- data over real HTTP ---------------------------------------------------------------------------------------


def send_letter(live_server, tittel: str) -> str:
    base = live_server.base_url
    grant = jwt_grant(aud=f"{base}/maskinporten")
    token = httpx.post(base + "/maskinporten/token", data=token_form(grant), timeout=30).raise_for_status().json()["access_token"]
    content_type, body = multipart(letter_parts(person_letter("vedtak.pdf", tittel=tittel), [("vedtak.pdf", pdf(tittel))]))
    headers = {
        "Authorization": f"Bearer {token}",
        "IntegrasjonId": INTEGRASJON,
        "IntegrasjonPassord": PASSORD,
        "Content-Type": content_type,
    }
    response = httpx.post(f"{base}/svarut/api/v3/kontoer/{KONTO}/forsendelser/person", content=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def call_pts(live_server) -> str:
    """One patient-safety restriction for a new person, as Venstre Morfar through the demo EPJ; returns the person."""
    user_token = live_server.cli("token", "--scope", "nhn:pts/api", "--hpr", "565513636").stdout.strip()
    key = ECKey.generate_key("P-256", private=True)
    pts = Pts(live_server.base_url, exchange_over_http(live_server.base_url, user_token, key)["access_token"], key)
    off_id = "9" + "".join(secrets.choice("0123456789") for _ in range(10))
    body = {
        "patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": {"type": "Rekvisisjon", "value": str(uuid.uuid4())}},
        "confidentialityCode": "NORU",
        "delayDays": 2,
        "cause": "Manual",
    }
    response = pts.post(SAFETY, body)
    assert response.status_code == 201, response.text
    return off_id


# -- the browser -----------------------------------------------------------------------------------------------


def press_enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def follow_by_keyboard(page, link) -> None:
    tab_to(page, link)
    assert_focus_is_visible(link)
    press_enter_and_wait(page)


def assert_focus_is_visible(target) -> None:
    style = target.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }")
    assert style[0] != "none" and style[1] != "0px", style


def type_into(page, field, text: str) -> None:
    """Reach the field with Tab, select what is there and enter ``text`` over it, as a paste does: one input
    event (typing a JSON entry a key at a time cost a browser test seconds and proved nothing more)."""
    tab_to(page, field)
    assert_focus_is_visible(field)
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def assert_masked(page, *numbers: str) -> None:
    html = page.content()
    for number in numbers:
        assert number not in html, f"{page.url} shows a whole fødselsnummer"


def database_of(live_server) -> str:
    return "postgresql" if live_server.env.get("HELSEBRO_DATABASE_URL", "").startswith("postgres") else "sqlite"


def shoot(page, artifacts_dir: Path, name: str) -> None:
    shot = artifacts_dir / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000


def test_operator_logs_in_with_the_keyboard_and_reads_every_page(live_server, chromium, artifacts_dir):
    from playwright.sync_api import expect

    db_name = database_of(live_server)
    marker = secrets.token_hex(3)
    tittel = f"Vedtak om trygghetsalarm {marker}"
    letter_id = send_letter(live_server, tittel)
    off_id = call_pts(live_server)
    name = f"Operatørtest {marker}"
    added = live_server.cli("citizens", "add", "--fornavn", name, "--etternavn", "Testesen", "--fodselsdato", "1991-03-04", "--samtykke")
    fnr = re.search(r"\d{11}", added.stdout).group(0)
    numbers = (CITIZEN, off_id, fnr)

    context = chromium.new_context(viewport=PHONE, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.base_url

    # Not logged in: a page sends the browser to the login, which goes back there after. Keyboard only.
    page.goto(base + "/operator/brev")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn som operatør")
    client_field = page.get_by_label("Klient-ID")
    tab_to(page, client_field)
    assert_focus_is_visible(client_field)
    page.keyboard.type(OPERATOR)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Hemmelighet")).to_be_focused()
    page.keyboard.type("feil")
    press_enter_and_wait(page)
    expect(page.get_by_role("alert")).to_have_text("Innloggingen mislyktes: klient-ID eller hemmelighet er feil.")
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"operator-login-failed-{db_name}")

    secret_field = page.get_by_label("Hemmelighet")
    tab_to(page, secret_field)
    page.keyboard.type(OPERATOR_SECRET)
    press_enter_and_wait(page)
    expect(page).to_have_url(base + "/operator/brev")
    expect(page.get_by_role("heading", level=1)).to_have_text("Brev (SvarUt)")
    expect(page.get_by_role("navigation", name="Operatørsider")).to_be_visible()

    # Letters: the one sent above, then its timeline, which the server's worker fills in as it delivers.
    letter_row = page.locator(f"#brev-{letter_id}")
    expect(letter_row).to_contain_text(tittel)
    expect(letter_row).to_contain_text(CITIZEN[:6] + "*****")
    assert_no_horizontal_scroll(page)
    assert_masked(page, *numbers)
    follow_by_keyboard(page, letter_row.get_by_role("link", name=tittel))
    expect(page.get_by_role("heading", level=1)).to_have_text(tittel)
    deadline = time.monotonic() + 180  # a bound, not a figure: the server's worker on a loaded machine
    while "VARSLET" not in page.locator("table.tidslinje").inner_text():
        assert time.monotonic() < deadline, "the letter was not delivered within 180 s"
        time.sleep(1)
        page.reload()
    steps = page.locator("table.tidslinje tbody th").all_inner_texts()
    assert steps[:4] == ["MOTTATT", "AKSEPTERT", "SENDT_DIGITALT", "VARSLET"], steps
    assert_no_horizontal_scroll(page)
    assert_masked(page, *numbers)
    shoot(page, artifacts_dir, f"operator-letter-{db_name}")

    # The status filter, by keyboard: choose VARSLET, then "Filtrer".
    follow_by_keyboard(page, page.get_by_role("link", name="Brev (SvarUt)"))
    status = page.get_by_label("Status")
    tab_to(page, status)
    status.select_option("VARSLET")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Filtrer")).to_be_focused()
    press_enter_and_wait(page)
    expect(page).to_have_url(base + "/operator/brev?status=VARSLET")
    expect(page.locator(f"#brev-{letter_id}")).to_contain_text("VARSLET")
    shoot(page, artifacts_dir, f"operator-letters-{db_name}")

    # Clients.
    follow_by_keyboard(page, page.get_by_role("link", name="Klienter"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Klienter")
    operator_row = page.locator(f"#klient-{OPERATOR}")
    expect(operator_row).to_contain_text("helsebro:operator")
    expect(operator_row).to_contain_text("Hemmelighet")
    expect(page.locator("#klient-helsebro-demo-epj")).to_contain_text("Nøkkel (JWK)")
    assert "scrypt" not in page.content()
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"operator-clients-{db_name}")

    # The catalog, and one tool's detail page through its link.
    follow_by_keyboard(page, page.get_by_role("link", name="Katalog"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verktøykatalogen")
    first_tool = page.locator("tbody tr th a").first
    tool_name = first_tool.inner_text()
    expect(page.locator("img.miniatyr").first).to_have_js_property("complete", True)
    assert page.locator("img.miniatyr").first.evaluate("img => img.naturalWidth") > 0  # the thumbnail loads
    assert_no_horizontal_scroll(page)
    shoot(page, artifacts_dir, f"operator-catalog-{db_name}")
    follow_by_keyboard(page, first_tool)
    expect(page.get_by_role("heading", level=1)).to_have_text(tool_name)
    expect(page.get_by_role("main")).to_contain_text("Verktøy-ID")
    assert_no_horizontal_scroll(page)

    # The DigitaltAktiv change feed: the citizen added above, newest first, masked.
    follow_by_keyboard(page, page.get_by_role("link", name="DigitaltAktiv-endringer"))
    expect(page.get_by_role("heading", level=1)).to_have_text("DigitaltAktiv-endringer")
    newest = page.locator("tr.endring").first
    expect(newest).to_contain_text(name)
    expect(newest).to_contain_text(fnr[:6] + "*****")
    expect(newest).to_contain_text("Digitalt aktiv selv")
    assert_no_horizontal_scroll(page)
    assert_masked(page, *numbers)
    shoot(page, artifacts_dir, f"operator-feed-{db_name}")
    next_page = page.get_by_role("link", name="Neste side")
    follow_by_keyboard(page, next_page)
    expect(page.get_by_text("Side 2 av")).to_be_visible()

    # The PTS audit: the call made above, newest first, masked.
    follow_by_keyboard(page, page.get_by_role("link", name="PTS-logg"))
    expect(page.get_by_role("heading", level=1)).to_have_text("PTS-logg")
    call = page.locator("tbody tr").first
    expect(call).to_contain_text(off_id[:6] + "*****")
    expect(call).to_contain_text(f"POST {SAFETY}")
    expect(call).to_contain_text("201")
    assert_no_horizontal_scroll(page)
    assert_masked(page, *numbers)
    shoot(page, artifacts_dir, f"operator-pts-{db_name}")

    # On a desktop: the same pages, wide tables without a scroll bar of their own.
    page.set_viewport_size(DESKTOP)
    for path, name_of_shot in (("/operator/brev", "letters"), ("/operator/pts-logg", "pts"), ("/operator/klienter", "clients")):
        page.goto(base + path)
        assert_no_horizontal_scroll(page)
        if path != "/operator/klienter":  # the clients' scopes may need room; the others fit
            region = page.locator(".tabell").first
            assert region.evaluate("r => r.scrollWidth <= r.clientWidth"), path
        shoot(page, artifacts_dir, f"operator-{name_of_shot}-desktop-{db_name}")

    # Log out with the keyboard: back at the login, and the pages are closed again.
    follow_by_keyboard(page, page.get_by_role("button", name="Logg ut"))
    expect(page.get_by_role("status")).to_have_text("Du er logget ut.")
    page.goto(base + "/operator/pts-logg")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn som operatør")
    context.close()
