"""HelseID's test login page for health personnel in a real headless Chromium, against a running server on
SQLite and PostgreSQL: authlib pushes the request (PAR), the browser is sent to the authorize endpoint, the
professional is picked by keyboard on a phone's width (an unknown HPR number first, said on the page), the
redirect carries the code to the client, and authlib goes on: DPoP-bound tokens, userinfo, refresh, token
exchange, a PTS call and logout, which the browser also does once more to see the page. Keeps a screenshot
of the login page per database in test-artifacts/."""

from __future__ import annotations

import httpx
from joserfc.jwk import ECKey

from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, tab_to
from tests.e2e.helseid_authlib import REDIRECT, authlib_session, push, redeem, the_rest_of_the_story
from tests.e2e.test_citizen_pages_browser import assert_focus_is_visible, database_of

OTHER_PROFESSIONAL = "4128168"  # Linda Ingrid Telle, lege


def test_a_professional_logs_in_on_the_page_with_the_keyboard(live_server, chromium, artifacts_dir):
    from playwright.sync_api import expect

    metadata = httpx.get(live_server.base_url + "/helseid/.well-known/openid-configuration").json()
    session = authlib_session(metadata)
    url, kept = push(session, metadata)

    context = chromium.new_context(viewport=PHONE, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(15_000)
    arrived: list[str] = []  # where HelseID sent the browser back to: nothing listens at the client's redirect URI

    def back_to_the_client(route) -> None:
        # Playwright does not route the request a redirect leads to: take HelseID's answer here, note where
        # it sends the browser, and stand in for the client's page.
        response = route.fetch(max_redirects=0)
        location = response.headers.get("location", "")
        if response.status == 302 and location.startswith(REDIRECT):
            arrived.append(location)
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>EPJ</title><p>Innlogget</p>")
        else:
            route.fulfill(response=response)

    page.route(metadata["authorization_endpoint"], back_to_the_client)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn som helsepersonell")
    expect(page.get_by_text("Demo EPJ-leverandør AS")).to_be_visible()
    expect(page.get_by_label("Helsepersonell fra HPR")).to_contain_text("Venstre Morfar, Lege (HPR 565513636)")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts_dir / f"helseid-login-{database_of(live_server)}.png"), full_page=True)

    # A number nobody in HPR has: the page says so (role=alert) and keeps the request.
    typed = page.get_by_label("eller HPR-nummer eller fødselsnummer")
    tab_to(page, typed)
    assert_focus_is_visible(typed)
    page.keyboard.type("999999999")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("ingen helsepersonell i HPR har HPR-nummer 999999999")
    expect(page.get_by_label("eller HPR-nummer eller fødselsnummer")).to_have_attribute("aria-invalid", "true")

    # Pick a professional from the list by keyboard, then Tab to "Logg inn" and press Enter.
    chosen = page.get_by_label("Helsepersonell fra HPR")
    tab_to(page, chosen)
    chosen.select_option(OTHER_PROFESSIONAL)
    button = page.get_by_role("button", name="Logg inn")
    tab_to(page, button)
    assert_focus_is_visible(button)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Innlogget")).to_be_visible()
    [location] = arrived
    assert location.startswith(REDIRECT + "?code=")

    key = ECKey.generate_key("P-256", private=True)
    tokens = redeem(session, metadata, location, kept, key)
    the_rest_of_the_story(live_server.base_url, session, metadata, tokens, kept, key, OTHER_PROFESSIONAL)

    # Logging out again in the browser: the page says there was no session left.
    page.goto(metadata["end_session_endpoint"] + "?id_token_hint=" + tokens["id_token"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Du er logget ut")
    expect(page.get_by_role("status")).to_contain_text("ingen aktiv HelseID-økt")
    context.close()
