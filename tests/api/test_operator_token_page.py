"""Tokenkontroll (/operator/token): the operator pastes a token (and a DPoP proof) and sees, in Norwegian, the
checks the guard runs and why it would accept or refuse it. Behind the operator login, CSRF on the POST; the
token is never shown again, never logged, and a fødselsnummer in its claims is masked.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Iterator
from html import unescape

import pytest
from starlette.testclient import TestClient

from helsebro.auth.client_side import dpop_proof
from tests.attacks import forge, new_key, parts, with_claims
from tests.conftest import PUBLIC_URL
from tests.support import EPJ_CLIENT

PAGE = "/operator/token"
LOGIN = "/operator/logg-inn"
CATALOG_URL = PUBLIC_URL + "/verktoy/v1/SelvstendigVerktoy"
PTS_URL = PUBLIC_URL + "/pts/v0.5/access-restrictions/patient-safety/_search"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

pytestmark = pytest.mark.usefixtures("engine")


@pytest.fixture()
def browser(app) -> Iterator[TestClient]:
    """A fresh cookie jar: one operator's browser."""
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as fresh:
        yield fresh


def log_in(browser: TestClient) -> str:
    """Logs in as the operator; returns the CSRF token of the token page."""
    form = browser.get(LOGIN)
    data = {"csrf": CSRF.search(form.text).group(1), "klient_id": "helsebro-operator", "hemmelighet": "helsebro-operator"}
    assert browser.post(LOGIN, data=data, follow_redirects=False).status_code == 303
    page = browser.get(PAGE)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html.replace("<wbr>", "")))).strip()


def row(page, name: str) -> str:
    match = re.search(rf'<tr [^>]*id="sjekk-{name}">(.*?)</tr>', page.text, re.DOTALL)
    assert match, f"no check {name} on the page"
    return visible(match.group(1))


def check(browser: TestClient, csrf: str, token: str, **fields: str):
    return browser.post(PAGE, data={"csrf": csrf, "token": token, **fields})


def test_the_page_needs_a_login_and_is_in_the_navigation(browser):
    response = browser.get(PAGE, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == LOGIN + "?neste=%2Foperator%2Ftoken"
    assert browser.post(PAGE, data={"token": "x"}, follow_redirects=False).headers["location"].startswith(LOGIN)
    log_in(browser)
    page = browser.get(PAGE)
    assert "<h1>Tokenkontroll</h1>" in page.text and 'aria-current="page">Tokenkontroll</a>' in page.text
    assert '<label for="token">Token</label>' in page.text and "<script" not in page.text
    assert '<a href="/operator/token">Tokenkontroll</a>' in browser.get("/operator/klienter").text


def test_a_post_without_the_right_csrf_token_is_refused(browser, tokens):
    log_in(browser)
    for csrf in ("", "forfalsket"):
        response = check(browser, csrf, tokens.get("verktoykatalog_read"), url=CATALOG_URL)
        assert response.status_code == 400
        assert "Skjemaet er utløpt eller ugyldig" in response.text and "Resultat" not in response.text


def test_a_good_token_is_accepted_and_never_shown_again(browser, tokens):
    csrf = log_in(browser)
    token = tokens.get("verktoykatalog_read")
    page = check(browser, csrf, token, url=CATALOG_URL, metode="GET")
    assert page.status_code == 200, page.text
    assert "Godtatt: helsebro ville sluppet tokenet inn på /verktoy/v1/SelvstendigVerktoy" in visible(page.text)
    assert row(page, "signature").startswith("Signatur Bestått Gyldig, med utstederens nøkkel")
    assert row(page, "scope") == "Scope Bestått Har scope verktoykatalog_read"
    assert "Feilet" not in visible(page.text)
    assert "helsebro-demo-verktoy" in page.text  # the decoded claims
    assert token not in page.text and parts(token)[2] not in page.text
    assert f'value="{CATALOG_URL}"' in page.text and '<option value="GET" selected>' in page.text
    assert page.headers["cache-control"] == "no-store"


def test_an_expired_token_for_another_api_is_explained(browser, app, tokens):
    csrf = log_in(browser)
    now = int(time.time())
    claims = with_claims(
        parts(tokens.get("verktoykatalog_read"))[1], iat=now - 3600, nbf=now - 3600, exp=now - 180, jti=secrets.token_hex(8)
    )
    page = check(browser, csrf, forge(app, claims), familie="pts")
    text = visible(page.text)
    assert "Avvist: API-et svarer 401 invalid_token med grunnen «token has expired»." in text
    assert row(page, "lifetime").startswith("Gyldighet (exp, nbf, iat) Feilet (avgjør svaret) Utløpt for 3 minutter siden")
    assert row(page, "audience") == "Målgruppe (aud) Feilet aud er 'nhn:helsenorge.eksternapi': pts krever 'nhn:pts'"


def test_a_dpop_proof_is_checked_and_not_used_up(browser, client, tokens):
    csrf = log_in(browser)
    key = new_key()
    token = tokens.get("digitaltaktiv", EPJ_CLIENT, dpop_key=key)
    url = PUBLIC_URL + "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer"
    proof = dpop_proof(key, "GET", url, access_token=token)
    wrong = check(browser, csrf, "DPoP " + token, dpop=proof, metode="POST", url=url)
    assert "Bevis: metode (htm) Feilet (avgjør svaret) Lag et nytt bevis for forespørselens metode" in row(wrong, "proof_htm")
    page = check(browser, csrf, "DPoP " + token, dpop=proof, metode="GET", url=url)
    assert "Godtatt" in visible(page.text) and row(page, "proof_replay").startswith("Beviset brukt én gang Bestått")
    assert proof not in page.text
    headers = {"Authorization": f"DPoP {token}", "DPoP": proof}
    assert client.get("/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer", headers=headers).status_code == 200
    again = check(browser, csrf, "DPoP " + token, dpop=proof, metode="GET", url=url)
    assert row(again, "proof_replay").startswith("Beviset brukt én gang Feilet (avgjør svaret) Beviset med jti")


def test_a_bearer_token_at_pts_says_pts_wants_dpop(browser, tokens):
    csrf = log_in(browser)
    page = check(browser, csrf, tokens.get("verktoykatalog_read"), url=PTS_URL)
    assert "Bearer eller DPoP Feilet pts tar bare DPoP-bundne tokener" in row(page, "binding")


def test_unusable_input_is_named(browser):
    csrf = log_in(browser)
    assert "Lim inn et token." in check(browser, csrf, "  ").text
    response = check(browser, csrf, "a.b.c", url="/helseid/connect/token")
    assert response.status_code == 400 and "Kan ikke sjekke" in response.text


def test_the_token_and_a_fodselsnummer_claim_stay_out_of_the_page_and_the_log(browser, app, tokens, caplog):
    csrf = log_in(browser)
    fnr = "12048645510"
    token = forge(app, with_claims(parts(tokens.get("verktoykatalog_read"))[1], pid=fnr, jti=secrets.token_hex(8)))
    with caplog.at_level(logging.DEBUG):
        page = check(browser, csrf, token, url=CATALOG_URL)
    assert page.status_code == 200 and "Godtatt" in page.text
    assert "120486*****" in page.text and fnr not in page.text and token not in page.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (token, parts(token)[2], token.split(".")[1], fnr):
        assert secret not in logged


def test_a_fodselsnummer_the_checks_quote_is_masked_too(browser, app, tokens):
    """The check lines and the verdict quote the token's iss, kid, htu ...: masked there as in the claims."""
    csrf = log_in(browser)
    fnr = "12048645510"
    claims = with_claims(parts(tokens.get("verktoykatalog_read"))[1], iss=fnr, jti=secrets.token_hex(8))
    page = check(browser, csrf, forge(app, claims, kid=fnr), url=CATALOG_URL)
    assert row(page, "iss") == "Utsteder (iss) Bestått iss er 120486*****"
    assert "Avvist" in page.text and "120486*****" in row(page, "issuer_trusted")
    assert fnr not in page.text
