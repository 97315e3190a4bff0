"""The operator's Testdata pages: create, edit and delete each kind of the environment file, a tool's image, a
client with a key upload or a secret shown once, and a reset; each form with the session's CSRF token and the
operator API's rules and messages (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey
from starlette.testclient import TestClient

from helsebro.testdata import kinds
from tests.api.test_operator_pages import csrf_of, logged_in_operator, visible

PAGES = "/operator/testdata"
ORGNR = "921000006"
PNG = (Path(kinds.__file__).parent / "images" / "1.png").read_bytes()


@pytest.fixture()
def operator(app, engine) -> Iterator[TestClient]:
    yield from logged_in_operator(app, engine)


def textarea(page) -> str:
    import html

    return html.unescape(re.search(r'<textarea id="oppforing"[^>]*>(.*?)</textarea>', page.text, flags=re.DOTALL).group(1))


def test_a_tool_is_created_edited_given_an_image_and_deleted_on_the_pages(operator, tokens) -> None:
    listing = operator.get(PAGES + "/verktoy")
    assert listing.status_code == 200 and 'aria-current="page">Testdata' in listing.text
    tool = str(uuid.uuid4())
    entry = {"VerktoyId": tool, "Navn": "Sidenes verktøy", "Organisasjonsnummer": ORGNR}
    created = operator.post(PAGES + "/verktoy", data={"csrf": csrf_of(listing), "innhold": json.dumps(entry)}, follow_redirects=False)
    assert (created.status_code, created.headers["location"]) == (303, f"{PAGES}/verktoy/{tool}?lagret=1")
    page = operator.get(created.headers["location"])
    assert "Lagret." in visible(page.text) and json.loads(textarea(page))["Navn"] == "Sidenes verktøy"

    edited = operator.post(
        f"{PAGES}/verktoy/{tool}", data={"csrf": csrf_of(page), "innhold": json.dumps({**json.loads(textarea(page)), "Navn": "Omdøpt"})}
    )
    assert edited.status_code == 200 and json.loads(textarea(edited))["Navn"] == "Omdøpt"
    # The catalog of this process shows the change at once.
    found = operator.get(f"/verktoy/v1/SelvstendigVerktoy/{tool}", headers=tokens.bearer())
    assert found.status_code == 200 and found.json()["Navn"] == "Omdøpt"

    image = operator.post(f"{PAGES}/verktoy/{tool}/bilde", data={"csrf": csrf_of(edited)}, files={"bilde": ("logo.png", PNG, "image/png")})
    assert image.status_code == 200 and json.loads(textarea(image))["GrafiskElementId"]
    fake = operator.post(
        f"{PAGES}/verktoy/{tool}/bilde", data={"csrf": csrf_of(image)}, files={"bilde": ("logo.png", b"GIF89a", "image/png")}
    )
    assert fake.status_code == 400 and "not a PNG image" in visible(fake.text)

    deleted = operator.post(f"{PAGES}/verktoy/{tool}/slett", data={"csrf": csrf_of(fake)}, follow_redirects=False)
    assert (deleted.status_code, deleted.headers["location"]) == (303, f"{PAGES}/verktoy?slettet=1")
    assert operator.get(f"{PAGES}/verktoy/{tool}").status_code == 404


def test_the_pages_give_the_api_s_messages_and_keep_what_was_typed(operator) -> None:
    listing = operator.get(PAGES + "/pvk-definisjoner")
    entry = {"definisjonGuid": str(uuid.uuid4()), "definisjonNavn": "X", "partKode": "X", "typePi": "kanskje"}
    refused = operator.post(PAGES + "/pvk-definisjoner", data={"csrf": csrf_of(listing), "innhold": json.dumps(entry)})
    assert refused.status_code == 400
    assert "typePi: must be one of samtykke, reservasjon, tilgangsbegrensning" in visible(refused.text)
    assert json.loads(textarea(refused)) == entry
    broken = operator.post(PAGES + "/pvk-definisjoner", data={"csrf": csrf_of(listing), "innhold": "{nei"})
    assert broken.status_code == 400 and "ikke gyldig JSON" in visible(broken.text)
    # A delete other data depends on: 409 and the reason, the entry still there.
    consent = "5b0e3c1d-8a47-4f6e-9b2d-7c1a0e4f3d58"
    page = operator.get(f"{PAGES}/pvk-definisjoner/{consent}")
    kept = operator.post(f"{PAGES}/pvk-definisjoner/{consent}/slett", data={"csrf": csrf_of(page)})
    assert kept.status_code == 409 and "DigitaltAktiv leser det" in visible(kept.text)


def test_a_form_without_the_csrf_token_changes_nothing(operator) -> None:
    tool = str(uuid.uuid4())
    refused = operator.post(
        PAGES + "/verktoy", data={"innhold": json.dumps({"VerktoyId": tool, "Navn": "X", "Organisasjonsnummer": ORGNR})}
    )
    assert refused.status_code == 400 and "Skjemaet er utløpt eller ugyldig" in visible(refused.text)
    assert operator.get(f"{PAGES}/verktoy/{tool}").status_code == 404
    assert operator.post(PAGES + "/tilbakestill", data={"csrf": "feil"}).status_code == 400
    assert operator.post(PAGES + "/klienter/ny", data={"client_id": "x", "orgnr": ORGNR, "nokkel": "secret"}).status_code == 400


def test_a_client_with_a_secret_shown_once_and_one_with_an_uploaded_key(operator) -> None:
    listing = operator.get(PAGES + "/klienter")
    form = {
        "csrf": csrf_of(listing),
        "client_id": "sidenes-klient",
        "orgnr": ORGNR,
        "issuer": "helseid",
        "scopes": "verktoykatalog_read",
        "nokkel": "secret",
    }
    shown = operator.post(PAGES + "/klienter/ny", data=form)
    assert shown.status_code == 201
    secret = re.search(r'<code id="hemmelighet">([^<]+)</code>', shown.text).group(1)
    token = operator.post(
        "/helseid/connect/token",
        data={"grant_type": "client_credentials", "client_id": "sidenes-klient", "client_secret": secret, "scope": "verktoykatalog_read"},
    )
    assert token.status_code == 200
    assert secret not in operator.get(PAGES + "/klienter/sidenes-klient").text

    key = RSAKey.generate_key(2048, parameters={"kid": "sidene-1"}, private=True)
    upload = {"jwk": ("key.json", json.dumps(key.as_dict(private=False)).encode(), "application/json")}
    made = operator.post(
        PAGES + "/klienter/ny", data={**form, "client_id": "med-nokkel", "nokkel": "jwk"}, files=upload, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    assert json.loads(textarea(operator.get(made.headers["location"])))["jwks"]["keys"][0]["kid"] == "sidene-1"
    private = {"jwk": ("key.json", json.dumps(key.as_dict(private=True)).encode(), "application/json")}
    refused = operator.post(PAGES + "/klienter/ny", data={**form, "client_id": "privat", "nokkel": "jwk"}, files=private)
    assert refused.status_code == 400 and "private key" in visible(refused.text) and 'value="privat"' in refused.text
    taken = operator.post(PAGES + "/klienter/ny", data=form)
    assert taken.status_code == 409 and "finnes allerede" in visible(taken.text)


def test_a_reset_from_the_page_restores_the_default_data(operator) -> None:
    listing = operator.get(PAGES + "/veiledningstjenester")
    entry = {"navn": "Forsvinner", "orgnr": ORGNR}
    created = operator.post(
        PAGES + "/veiledningstjenester", data={"csrf": csrf_of(listing), "innhold": json.dumps(entry)}, follow_redirects=False
    )
    assert created.status_code == 303
    index = operator.get(PAGES)
    reset = operator.post(PAGES + "/tilbakestill", data={"csrf": csrf_of(index)}, follow_redirects=False)
    assert (reset.status_code, reset.headers["location"]) == (303, PAGES + "?tilbakestilt=1")
    # The operator is still logged in (the reset wrote their client again), and the entry is gone.
    assert "Testdataene er tilbakestilt" in visible(operator.get(reset.headers["location"]).text)
    assert operator.get(created.headers["location"].split("?")[0]).status_code == 404


def test_an_account_s_integrations_are_granted_and_revoked_on_its_page(operator) -> None:
    konto, integrasjon = str(uuid.uuid4()), str(uuid.uuid4())
    listing = operator.get(PAGES + "/svarut-integrasjoner")
    made = operator.post(
        PAGES + "/svarut-integrasjoner",
        data={"csrf": csrf_of(listing), "innhold": json.dumps({"integrasjonId": integrasjon, "passord": "et-passord", "orgnr": ORGNR})},
        follow_redirects=False,
    )
    assert made.status_code == 303
    listing = operator.get(PAGES + "/svarut-kontoer")
    assert (
        operator.post(
            PAGES + "/svarut-kontoer",
            data={"csrf": csrf_of(listing), "innhold": json.dumps({"kontoId": konto, "orgnr": ORGNR})},
            follow_redirects=False,
        ).status_code
        == 303
    )
    page = operator.get(f"{PAGES}/svarut-kontoer/{konto}")
    assert "Ingen." in visible(page.text)
    granted = operator.post(f"{PAGES}/svarut-kontoer/{konto}/tilgang", data={"csrf": csrf_of(page), "integrasjon_id": integrasjon})
    assert granted.status_code == 200 and f"Ta tilgangen fra {integrasjon}" in visible(granted.text)
    unknown = operator.post(f"{PAGES}/svarut-kontoer/{konto}/tilgang", data={"csrf": csrf_of(page), "integrasjon_id": str(uuid.uuid4())})
    assert unknown.status_code == 404 and "Fant ingen integrasjon" in visible(unknown.text)
    revoked = operator.post(f"{PAGES}/svarut-kontoer/{konto}/tilgang-fjern", data={"csrf": csrf_of(page), "integrasjon_id": integrasjon})
    assert revoked.status_code == 200 and "Ingen." in visible(revoked.text)
