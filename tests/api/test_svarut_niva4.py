"""``krevNiva4Innlogging`` on the citizen pages, in-process: "det kreves nivå 4-innlogging ved nedlasting eller
signering". A citizen logged in at level 3 (MinID on the test login page) sees such a letter listed, but opening
it, downloading a document or signing sends them to a new login at level 4 (``acr_values=Level4``, where the
login page offers nothing lower), and back to the letter; only then is it LEST. The ID token's ``acr`` is the
level picked. SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.api.test_citizen_letters import browser  # noqa: F401  (a fixture)
from tests.api.test_svarut_v2_letters import signing_letter
from tests.conftest import PUBLIC_URL
from tests.support import VERKTOY_CLIENT
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_login import AUTHORIZE, authorize_params, exchange, hidden_fields, pkce
from tests.support_svarut import CITIZEN
from tests.support_svarut_v2 import til_person, v2  # noqa: F401  (v2 is a fixture)

LETTERS = "/innbygger/brev"


def level4_letter(**fields) -> dict:
    return til_person(kryptert=True, krevNiva4Innlogging=True, **fields)


def log_in_at(browser: TestClient, niva: str, start: str = LETTERS):
    """From ``start`` through the login page at ``niva``; returns where the login sends the browser back to."""
    to_login = browser.get(start, follow_redirects=False)
    assert to_login.status_code == 303, to_login.text
    page = browser.get(to_login.headers["location"])
    back = browser.post(AUTHORIZE, data={**hidden_fields(page.text), "fnr": CITIZEN, "niva": niva}, follow_redirects=False)
    assert back.status_code == 302, back.text
    landing = browser.get(back.headers["location"], follow_redirects=False)
    assert landing.status_code == 303
    return landing.headers["location"]


def test_a_level3_login_must_log_in_again_at_level4_to_open_it(svarut, v2, browser):
    letter_id = v2.send_ok(level4_letter(tittel="Vedtak som krever nivå 4"))
    deliver(svarut)
    assert log_in_at(browser, "Level3") == LETTERS
    inbox = browser.get(LETTERS)
    assert "Vedtak som krever nivå 4" in inbox.text and "Krever innlogging på nivå 4" in inbox.text

    document = browser.get(f"{LETTERS}/{letter_id}/dokumenter/0", follow_redirects=False)
    assert document.status_code == 303 and "acr_values=Level4" in document.headers["location"]
    step_up = browser.get(f"{LETTERS}/{letter_id}", follow_redirects=False)  # (the login the browser follows)
    assert step_up.status_code == 303 and parse_qs(urlsplit(step_up.headers["location"]).query)["acr_values"] == ["Level4"]
    assert v2.status_of(letter_id) == "VARSLET"  # not read: nothing was shown

    # The login page at level 4 only: MinID is not offered, and a level 3 post is refused.
    page = browser.get(step_up.headers["location"])
    assert "BankID" in page.text and 'value="Level3"' not in page.text
    refused = browser.post(AUTHORIZE, data={**hidden_fields(page.text), "fnr": CITIZEN, "niva": "Level3"}, follow_redirects=False)
    assert refused.status_code == 400 and "nivå 4" in refused.text
    back = browser.post(AUTHORIZE, data={**hidden_fields(page.text), "fnr": CITIZEN, "niva": "Level4"}, follow_redirects=False)
    landing = browser.get(back.headers["location"], follow_redirects=False)
    assert landing.headers["location"] == f"{LETTERS}/{letter_id}"  # back to the letter
    opened = browser.get(landing.headers["location"])
    assert opened.status_code == 200 and "Vedtak som krever nivå 4" in opened.text
    assert v2.status_of(letter_id) == "LEST"
    assert browser.get(f"{LETTERS}/{letter_id}/dokumenter/0").status_code == 200


def test_other_letters_open_at_level3(svarut, v2, browser):
    letter_id = v2.send_ok(til_person(tittel="Vanlig brev"))
    deliver(svarut)
    log_in_at(browser, "Level3")
    assert browser.get(f"{LETTERS}/{letter_id}").status_code == 200
    assert v2.status_of(letter_id) == "LEST"


def test_signing_needs_level4_too(svarut, v2, browser):
    letter_id = v2.send_ok({**signing_letter(), "kryptert": True, "krevNiva4Innlogging": True})
    deliver(svarut)
    log_in_at(browser, "Level3")
    csrf = hidden_fields(browser.get(LETTERS).text).get("csrf")
    assert csrf
    refused = browser.post(f"{LETTERS}/{letter_id}/signering/signer", data={"csrf": csrf}, follow_redirects=False)
    assert refused.status_code == 303 and "acr_values=Level4" in refused.headers["location"]
    assert [e["status"] for e in v2.signeringshendelser(letter_id).json()["hendelser"]] == ["VENTER_SIGNERING"]


def test_the_default_login_is_level4_and_opens_it_at_once(svarut, v2, browser):
    letter_id = v2.send_ok(level4_letter())
    deliver(svarut)
    assert log_in_at(browser, "Level4", start=f"{LETTERS}/{letter_id}") == LETTERS
    assert browser.get(f"{LETTERS}/{letter_id}").status_code == 200
    assert v2.status_of(letter_id) == "LEST"


@pytest.mark.parametrize(
    ("acr_values", "picked", "acr"), [(None, None, "Level4"), (None, "Level3", "Level3"), ("idporten-loa-high", "Level4", "Level4")]
)
def test_the_id_token_carries_the_level_picked(svarut, acr_values, picked, acr):
    client = svarut.client
    verifier, challenge = pkce()
    page = client.get(AUTHORIZE, params=authorize_params(challenge, **({"acr_values": acr_values} if acr_values else {})))
    form = {**hidden_fields(page.text), "fnr": CITIZEN, **({"niva": picked} if picked else {})}
    back = client.post(AUTHORIZE, data=form, follow_redirects=False)
    assert back.status_code == 302, back.text
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    tokens = exchange(client, code, verifier, VERKTOY_CLIENT, PUBLIC_URL).json()
    assert claims_of(tokens["id_token"])["acr"] == acr


def test_a_form_that_drops_acr_values_is_refused(svarut):
    verifier, challenge = pkce()
    page = svarut.client.get(AUTHORIZE, params=authorize_params(challenge, acr_values="Level4"))
    form = {**hidden_fields(page.text), "fnr": CITIZEN, "niva": "Level3"}
    form.pop("acr_values")
    assert svarut.client.post(AUTHORIZE, data=form, follow_redirects=False).status_code == 400


def claims_of(token: str) -> dict:
    """The token's payload as sent (its signature is the login tests' concern)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
