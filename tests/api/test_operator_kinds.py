"""The operator API's create, read, update and delete of each kind of the environment file (clients, tools
with their images, guidance services, PVK definitions, SvarUt accounts and integrations), on SQLite and
PostgreSQL: the same rules and messages as the file, 404 for an unknown id, 409 for a duplicate, and deletes
refused (409, saying why) where other data depends on an entry. Two small stories: a client and a tool made
over the API send the tool to a citizen; a Maskinporten client, integration and account made over the API
send a SvarUt letter."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey

from helsebro.auth.client_side import client_assertion
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.testdata import kinds
from tests.api.test_operator_auth import operator_token
from tests.support_svarut import JWT_BEARER, MASKINPORTEN_ISSUER, letter_parts, multipart, pdf, person_letter

BASE = "/operator/api/v1"
ORGNR = "921000006"
CITIZEN = "12048645510"  # digitally active in the default data
PVK_SET = "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"
IMAGES = Path(kinds.__file__).parent / "images"


@pytest.fixture()
def op(client) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token(client)}"}


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)


def client_body(client_id: str, key: RSAKey, **fields) -> dict:
    return {
        "client_id": client_id,
        "name": "Min EPJ",
        "orgnr": ORGNR,
        "jwks": {"keys": [key.as_dict(private=False)]},
        "scopes": ["verktoysendtilinnbygger"],
        **fields,
    }


def tool_body(tool_id: str, owner: str | None = None, **fields) -> dict:
    return {
        "VerktoyId": tool_id,
        "Navn": f"Verktøy {tool_id[:8]}",
        **({"eier": owner} if owner else {"Organisasjonsnummer": ORGNR}),
        **fields,
    }


def refused(response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"Code", "Message"} and body["Code"] == {400: "OP-000400", 404: "OP-000404", 409: "OP-000409"}[status]
    for word in words:
        assert word in body["Message"], body["Message"]
    return body["Message"]


# -- clients -------------------------------------------------------------------------------------------------


def test_a_client_is_created_read_replaced_and_deleted(client, op, fresh_data) -> None:
    key = new_key("k1")
    created = client.post(f"{BASE}/klienter", headers=op, json=client_body("min-epj", key))
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"{BASE}/klienter/min-epj"
    entry = client.get(f"{BASE}/klienter/min-epj", headers=op).json()
    assert (entry["name"], entry["orgnr"], entry["scopes"]) == ("Min EPJ", ORGNR, ["verktoysendtilinnbygger"])
    assert [k["kid"] for k in entry["jwks"]["keys"]] == ["k1"] and "d" not in entry["jwks"]["keys"][0]
    assert any(c["client_id"] == "min-epj" for c in client.get(f"{BASE}/klienter", headers=op, params={"limit": 1000}).json()["klienter"])

    refused(client.post(f"{BASE}/klienter", headers=op, json=client_body("min-epj", key)), 409, "min-epj", "finnes allerede")
    replaced = client.put(f"{BASE}/klienter/min-epj", headers=op, json={**entry, "name": "Ny EPJ"})
    assert replaced.status_code == 200 and replaced.json()["name"] == "Ny EPJ"
    refused(client.put(f"{BASE}/klienter/min-epj", headers=op, json={**entry, "client_id": "annen"}), 400, "client_id")
    refused(client.put(f"{BASE}/klienter/finnes-ikke", headers=op, json={**entry, "client_id": "finnes-ikke"}), 404)

    assert client.delete(f"{BASE}/klienter/min-epj", headers=op).status_code == 204
    refused(client.get(f"{BASE}/klienter/min-epj", headers=op), 404)
    refused(client.delete(f"{BASE}/klienter/min-epj", headers=op), 404)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scopes": ["ingen-slik"]}, "scopes"),
        ({"orgnr": "123456789"}, "orgnr"),
        ({"jwks": {"keys": []}}, "jwks"),
        ({"client_id": ""}, "client_id"),
        ({"issuer": "maskinporten"}, "scopes"),  # a Maskinporten client has only Maskinporten scopes
    ],
)
def test_a_bad_client_is_refused_with_the_field_named(client, op, change, field) -> None:
    message = refused(client.post(f"{BASE}/klienter", headers=op, json={**client_body("min-epj", new_key("k")), **change}), 400, field)
    assert "Value error" not in message
    refused(client.get(f"{BASE}/klienter/min-epj", headers=op), 404)


def test_a_private_key_is_refused(client, op) -> None:
    key = new_key("k")
    body = {**client_body("min-epj", key), "jwks": {"keys": [key.as_dict(private=True)]}}
    refused(client.post(f"{BASE}/klienter", headers=op, json=body), 400, "jwks", "private key")


def test_a_generated_secret_is_shown_once_stored_hashed_and_gets_tokens(client, op, fresh_data) -> None:
    body = {"client_id": "min-hemmelige", "orgnr": ORGNR, "scopes": ["verktoykatalog_read"], "genererSecret": True}
    created = client.post(f"{BASE}/klienter", headers=op, json=body)
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert len(secret) >= 32
    read = client.get(f"{BASE}/klienter/min-hemmelige", headers=op).json()
    assert "secret" not in read and read["secret_hash"] and secret not in json.dumps(read)
    form = {"grant_type": "client_credentials", "client_id": "min-hemmelige", "client_secret": secret, "scope": "verktoykatalog_read"}
    assert client.post("/helseid/connect/token", data=form).status_code == 200
    assert client.post("/helseid/connect/token", data={**form, "client_secret": secret + "x"}).status_code == 401
    # A PUT of what GET answered keeps the secret (its hash).
    assert client.put(f"{BASE}/klienter/min-hemmelige", headers=op, json={**read, "name": "Endret"}).status_code == 200
    assert client.post("/helseid/connect/token", data=form).status_code == 200
    refused(
        client.post(f"{BASE}/klienter", headers=op, json={**body, "client_id": "x2", "secret": "et-langt-passord"}), 400, "genererSecret"
    )


@pytest.fixture()
def jwks_server() -> Iterator[tuple[str, RSAKey]]:
    """A vendor's JWKS endpoint on a local port."""
    key = new_key("fra-uri")
    document = json.dumps({"keys": [key.as_dict(private=False)]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/jwks":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks", key
    server.shutdown()
    thread.join()


def test_a_jwks_uri_is_fetched_when_the_client_is_created(client, op, tokens, jwks_server, fresh_data) -> None:
    uri, key = jwks_server
    body = {"client_id": "min-uri", "orgnr": ORGNR, "jwks_uri": uri, "scopes": ["verktoykatalog_read"]}
    created = client.post(f"{BASE}/klienter", headers=op, json=body)
    assert created.status_code == 201, created.text
    assert [k["kid"] for k in created.json()["jwks"]["keys"]] == ["fra-uri"]
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": client_assertion("min-uri", key, tokens.issuer),
        "scope": "verktoykatalog_read",
    }
    assert client.post("/helseid/connect/token", data=form).status_code == 200
    refused(client.post(f"{BASE}/klienter", headers=op, json={**body, "client_id": "x", "jwks_uri": uri + "/404"}), 400, "jwks_uri")


def test_a_multi_tenant_client_made_over_the_api_acts_for_the_customer_it_names(client, op, tokens, fresh_data) -> None:
    key = new_key("saas-1")
    body = client_body("min-saas", key, scopes=["nhn:pts/api"], multi_tenant=True)
    assert client.post(f"{BASE}/klienter", headers=op, json=body).status_code == 201
    assert client.get(f"{BASE}/klienter/min-saas", headers=op).json()["multi_tenant"] is True
    # HelseID.Samples' PayloadClaimsCreatorForMultiTenantClient structure, for Fjordvik kommune (in the registry).
    details = {
        "type": "helseid_authorization",
        "practitioner_role": {
            "organization": {"identifier": {"system": "urn:oid:1.0.6523", "type": "ENH", "value": "NO:ORGNR:964107580:"}}
        },
    }
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": client_assertion("min-saas", key, tokens.issuer, extra_claims={"authorization_details": details}),
        "scope": "nhn:pts/api",
    }
    token = client.post("/helseid/connect/token", data=form)
    assert token.status_code == 200, token.text
    payload = token.json()["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["helseid://claims/client/claims/orgnr_parent"] == "964107580"
    assert claims["helseid://claims/client/claims/orgnr_supplier"] == ORGNR
    bad = client_body("min-st", new_key("st-1"), child_organisations=["920000003"])
    refused(client.post(f"{BASE}/klienter", headers=op, json=bad), 400, "child_organisations[0]", "920000003")


# -- tools and their images ---------------------------------------------------------------------------------


def test_a_tool_is_created_read_replaced_and_deleted(client, op, fresh_data) -> None:
    tool = str(uuid.uuid4())
    created = client.post(f"{BASE}/verktoy", headers=op, json=tool_body(tool, Sokeord=["mitt"]))
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"{BASE}/verktoy/{tool}"
    entry = client.get(f"{BASE}/verktoy/{tool.upper()}", headers=op).json()
    assert (entry["VerktoyId"], entry["Organisasjonsnummer"], entry["Sokeord"]) == (tool, ORGNR, ["mitt"])
    refused(client.post(f"{BASE}/verktoy", headers=op, json=tool_body(tool)), 409, tool)
    refused(client.post(f"{BASE}/verktoy", headers=op, json=tool_body(str(uuid.uuid4()), Navn=entry["Navn"])), 409, "Navn")
    refused(client.post(f"{BASE}/verktoy", headers=op, json=tool_body("ikke-en-uuid")), 400, "VerktoyId", "not a UUID")
    refused(client.post(f"{BASE}/verktoy", headers=op, json=tool_body(str(uuid.uuid4()), owner="ingen-slik")), 400, "eier", "ingen-slik")

    replaced = client.put(f"{BASE}/verktoy/{tool}", headers=op, json={**entry, "Navn": "Nytt navn", "Url": "https://ny.example.no/"})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["Navn"], replaced.json()["OpprettetDato"]) == ("Nytt navn", entry["OpprettetDato"])
    refused(client.get(f"{BASE}/verktoy/{uuid.uuid4()}", headers=op), 404)
    refused(client.get(f"{BASE}/verktoy/ikke-en-uuid", headers=op), 404)

    assert client.delete(f"{BASE}/verktoy/{tool}", headers=op).status_code == 204
    refused(client.get(f"{BASE}/verktoy/{tool}", headers=op), 404)


def test_a_tool_image_is_uploaded_served_by_the_catalog_and_removed(client, op, tokens, fresh_data) -> None:
    tool = str(uuid.uuid4())
    assert client.post(f"{BASE}/verktoy", headers=op, json=tool_body(tool)).status_code == 201
    png = (IMAGES / "1.png").read_bytes()
    uploaded = client.put(f"{BASE}/verktoy/{tool}/bilde", headers={**op, "Content-Type": "image/png"}, content=png)
    assert uploaded.status_code == 200, uploaded.text
    image_id = uploaded.json()["GrafiskElementId"]
    own = client.get(f"{BASE}/verktoy/{tool}/bilde", headers=op)
    assert (own.content, own.headers["content-type"]) == (png, "image/png")
    served = client.get(f"/verktoy/v1/GrafiskElement/{image_id}", headers=tokens.bearer())
    assert served.status_code == 200 and served.content == png
    # Replacing keeps the tool's own image id; a PUT of the tool without GrafiskElementId keeps the image.
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1" height="1"/></svg>'
    again = client.put(f"{BASE}/verktoy/{tool}/bilde", headers={**op, "Content-Type": "image/svg+xml"}, content=svg)
    assert again.json()["GrafiskElementId"] == image_id
    assert client.put(f"{BASE}/verktoy/{tool}", headers=op, json=tool_body(tool, Navn="Omdøpt")).json()["GrafiskElementId"] == image_id

    assert client.delete(f"{BASE}/verktoy/{tool}/bilde", headers=op).status_code == 204
    refused(client.get(f"{BASE}/verktoy/{tool}/bilde", headers=op), 404, "bilde")
    assert client.get(f"/verktoy/v1/GrafiskElement/{image_id}", headers=tokens.bearer()).status_code == 404


@pytest.mark.parametrize(
    ("content_type", "data", "words"),
    [
        ("image/gif", b"GIF89a", ("Content-Type", "image/png")),
        ("image/png", b"\xff\xd8\xff\xe0 not a png", ("not a PNG",)),
        ("image/jpeg", b"\x89PNG\r\n\x1a\n", ("not a JPEG",)),
        ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', ("script",)),
        ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', ("script",)),
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"0" * kinds.MAX_IMAGE_BYTES, ("larger than 512 KiB",)),
        ("image/png", b"", ("empty",)),
    ],
)
def test_a_bad_image_is_refused_and_the_tool_keeps_its_own(client, op, content_type, data, words) -> None:
    tool = "08ead360-0d65-448c-ba9e-8a08f0921c90"  # a default tool with an image
    before = client.get(f"{BASE}/verktoy/{tool}/bilde", headers=op).content
    refused(client.put(f"{BASE}/verktoy/{tool}/bilde", headers={**op, "Content-Type": content_type}, content=data), 400, *words)
    assert client.get(f"{BASE}/verktoy/{tool}/bilde", headers=op).content == before


def test_a_client_and_a_tool_made_over_the_api_send_the_tool_to_a_citizen(client, op, tokens, fresh_data) -> None:
    """A vendor's own client_id, key and tool GUID, none of them helsebro's demo data."""
    key, tool = new_key("min-epj-1"), str(uuid.uuid4())
    assert client.post(f"{BASE}/organisasjoner", headers=op, json={"orgnr": ORGNR, "navn": "Min Virksomhet AS"}).status_code == 201
    assert client.post(f"{BASE}/klienter", headers=op, json=client_body("min-epj", key)).status_code == 201
    created = client.post(f"{BASE}/verktoy", headers=op, json={"VerktoyId": tool, "Navn": "Mitt verktøy", "eier": "min-epj"})
    assert created.json()["Organisasjonsnavn"] == "Min Virksomhet AS"
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": client_assertion("min-epj", key, tokens.issuer),
        "scope": "verktoysendtilinnbygger",
    }
    token = client.post("/helseid/connect/token", data=form)
    assert token.status_code == 200, token.text
    send = {"VerktoyId": tool, "InnbyggerFnr": CITIZEN, "AvsenderOrgNummer": ORGNR, "AvsenderNavn": "Min Virksomhet AS", "Melding": "Hei!"}
    sent = client.post("/verktoy/system/verktoy/v2", json=send, headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert sent.status_code == 200, sent.text
    # Now a citizen has a task of the tool, and the client owns the tool: neither may go.
    refused(client.delete(f"{BASE}/verktoy/{tool}", headers=op), 409, tool, "1 oppgaver")
    refused(client.delete(f"{BASE}/klienter/min-epj", headers=op), 409, "eier verktøy", tool)


# -- guidance services -------------------------------------------------------------------------------------


def test_a_guidance_service_is_created_read_replaced_and_deleted(client, op, fresh_data) -> None:
    body = {
        "navn": "Min brukerstøtte",
        "orgnr": ORGNR,
        "telefon": "+47 22 00 00 09",
        "url": "https://hjelp.example.no/",
        "apningstider": [1, 1],
    }
    created = client.post(f"{BASE}/veiledningstjenester", headers=op, json=body)
    assert created.status_code == 201, created.text
    service_id = created.json()["id"]
    assert created.json()["apningstider"] == [1]
    assert created.headers["Location"] == f"{BASE}/veiledningstjenester/{service_id}"
    listed = client.get(f"{BASE}/veiledningstjenester", headers=op).json()
    assert service_id in [s["id"] for s in listed["veiledningstjenester"]] and listed["totalt"] >= 3
    refused(client.post(f"{BASE}/veiledningstjenester", headers=op, json={**body, "id": service_id}), 409)
    refused(
        client.put(f"{BASE}/veiledningstjenester/{service_id}", headers=op, json={**body, "id": service_id, "apningstider": [999]}),
        400,
        "apningstider",
        "999",
    )
    refused(client.post(f"{BASE}/veiledningstjenester", headers=op, json={**body, "url": "ftp://x"}), 400, "url")
    replaced = client.put(f"{BASE}/veiledningstjenester/{service_id}", headers=op, json={**body, "id": service_id, "telefon": None})
    assert replaced.status_code == 200 and replaced.json()["telefon"] is None
    assert client.delete(f"{BASE}/veiledningstjenester/{service_id}", headers=op).status_code == 204
    refused(client.get(f"{BASE}/veiledningstjenester/{service_id}", headers=op), 404)


# -- PVK definitions -----------------------------------------------------------------------------------------


def test_a_pvk_definition_is_created_read_replaced_and_deleted(client, op, fresh_data) -> None:
    guid = str(uuid.uuid4())
    body = {"definisjonGuid": guid, "definisjonNavn": "Samtykke til Mitt register", "partKode": "MINREG", "typePi": "Samtykke"}
    created = client.post(f"{BASE}/pvk-definisjoner", headers=op, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["typePi"] == "samtykke"
    refused(client.post(f"{BASE}/pvk-definisjoner", headers=op, json=body), 409, guid)
    refused(client.post(f"{BASE}/pvk-definisjoner", headers=op, json={**body, "typePi": "kanskje"}), 400, "typePi", "samtykke, reservasjon")
    refused(
        client.put(f"{BASE}/pvk-definisjoner/{guid}", headers=op, json={**body, "aktivFra": "2027-01-01", "aktivTil": "2026-01-01"}),
        400,
        "aktivTil",
    )
    replaced = client.put(f"{BASE}/pvk-definisjoner/{guid.upper()}", headers=op, json={**body, "definisjonNavn": "Nytt navn"})
    assert replaced.status_code == 200 and replaced.json()["definisjonNavn"] == "Nytt navn"
    assert client.delete(f"{BASE}/pvk-definisjoner/{guid}", headers=op).status_code == 204
    refused(client.get(f"{BASE}/pvk-definisjoner/{guid}", headers=op), 404)


def test_a_pvk_definition_made_over_the_api_takes_a_setting_and_is_then_not_deleted(client, op, tokens, fresh_data) -> None:
    """A register's own definition GUID and part code, written by its own client through PVK's API."""
    refused(client.delete(f"{BASE}/pvk-definisjoner/{HELSENORGE_CONSENT}", headers=op), 409, "DigitaltAktiv")
    key, guid = new_key("min-reg-1"), str(uuid.uuid4())
    definition = {"definisjonGuid": guid, "definisjonNavn": "Samtykke til Mitt register", "partKode": "MINREG", "typePi": "samtykke"}
    assert client.post(f"{BASE}/pvk-definisjoner", headers=op, json=definition).status_code == 201
    body = client_body("min-reg", key, scopes=["Personverninnstillinger_skriv"], pvk_parts=["MINREG"])
    assert client.post(f"{BASE}/klienter", headers=op, json=body).status_code == 201
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": client_assertion("min-reg", key, tokens.issuer),
        "scope": "Personverninnstillinger_skriv",
    }
    token = client.post("/helseid/connect/token", data=form).json()["access_token"]
    setting = {"innbyggerFnr": CITIZEN, **definition, "aktiv": True}
    written = client.post(PVK_SET, json=setting, headers={"Authorization": f"Bearer {token}"})
    assert written.status_code == 200, written.text
    refused(client.delete(f"{BASE}/pvk-definisjoner/{guid}", headers=op), 409, guid, "innstillinger for 1 innbyggere")
    assert client.get(f"{BASE}/pvk-definisjoner/{guid}", headers=op).status_code == 200


# -- SvarUt accounts and integrations ------------------------------------------------------------------------


def test_svarut_integrations_and_accounts_are_created_granted_and_deleted(client, op, fresh_data) -> None:
    konto, integrasjon, annen = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    created = client.post(
        f"{BASE}/svarut/integrasjoner", headers=op, json={"integrasjonId": annen, "passord": "annet-passord", "orgnr": ORGNR}
    )
    assert created.status_code == 201, created.text
    assert "passord" not in created.json() and created.json()["passord_hash"]
    refused(client.post(f"{BASE}/svarut/integrasjoner", headers=op, json={"integrasjonId": annen, "passord": "x", "orgnr": ORGNR}), 409)
    refused(
        client.post(f"{BASE}/svarut/integrasjoner", headers=op, json={"integrasjonId": str(uuid.uuid4()), "orgnr": ORGNR}), 400, "passord"
    )

    account = {
        "kontoId": konto,
        "navn": "Min kommune",
        "orgnr": ORGNR,
        "integrations": [{"integrasjonId": integrasjon, "passord": "mitt-passord", "orgnr": ORGNR}],
    }
    assert client.post(f"{BASE}/svarut/kontoer", headers=op, json=account).status_code == 201
    refused(client.post(f"{BASE}/svarut/kontoer", headers=op, json=account), 409, konto)
    refused(client.post(f"{BASE}/svarut/kontoer", headers=op, json={**account, "kontoId": "x"}), 400, "kontoId")
    granted = client.put(f"{BASE}/svarut/kontoer/{konto}/integrasjoner/{annen}", headers=op)
    assert granted.status_code == 201
    assert sorted(i["integrasjonId"] for i in granted.json()["integrations"]) == sorted([integrasjon, annen])
    assert client.put(f"{BASE}/svarut/kontoer/{konto}/integrasjoner/{annen}", headers=op).status_code == 200
    refused(client.put(f"{BASE}/svarut/kontoer/{konto}/integrasjoner/{uuid.uuid4()}", headers=op), 404)
    # Deleting an integration ends its grants, as in Fiks.
    assert client.delete(f"{BASE}/svarut/integrasjoner/{annen}", headers=op).status_code == 204
    assert [i["integrasjonId"] for i in client.get(f"{BASE}/svarut/kontoer/{konto}", headers=op).json()["integrations"]] == [integrasjon]
    assert client.delete(f"{BASE}/svarut/kontoer/{konto}/integrasjoner/{integrasjon}", headers=op).status_code == 204
    refused(client.delete(f"{BASE}/svarut/kontoer/{konto}/integrasjoner/{integrasjon}", headers=op), 404)
    assert client.delete(f"{BASE}/svarut/kontoer/{konto}", headers=op).status_code == 204
    refused(client.get(f"{BASE}/svarut/kontoer/{konto}", headers=op), 404)
    refused(client.get(f"{BASE}/svarut/kontoer/ikke-en-uuid", headers=op), 404)


def test_an_account_and_integration_made_over_the_api_send_a_letter(client, op, fresh_data) -> None:
    """A municipality's own Maskinporten client, kontoId, IntegrasjonId and password; the account then keeps
    its letter, so it cannot be deleted."""
    key, konto, integrasjon = new_key("min-sak-1"), str(uuid.uuid4()), str(uuid.uuid4())
    maskinporten = {
        "client_id": "min-sak",
        "issuer": "maskinporten",
        "orgnr": ORGNR,
        "jwks": {"keys": [key.as_dict(private=False)]},
        "scopes": ["ks:fiks"],
    }
    assert client.post(f"{BASE}/klienter", headers=op, json=maskinporten).status_code == 201
    account = {
        "kontoId": konto,
        "orgnr": ORGNR,
        "integrations": [{"integrasjonId": integrasjon, "passord": "mitt-passord", "orgnr": ORGNR}],
    }
    assert client.post(f"{BASE}/svarut/kontoer", headers=op, json=account).status_code == 201

    from joserfc import jwt

    now = int(time.time())
    grant = jwt.encode(
        {"alg": "RS256", "kid": key.kid},
        {"aud": MASKINPORTEN_ISSUER, "iss": "min-sak", "scope": "ks:fiks", "iat": now, "exp": now + 60, "jti": uuid.uuid4().hex},
        key,
    )
    token = client.post("/maskinporten/token", data={"grant_type": JWT_BEARER, "assertion": grant})
    assert token.status_code == 200, token.text
    content_type, body = multipart(letter_parts(person_letter(), [("vedtak.pdf", pdf())]))
    headers = {
        "Authorization": f"Bearer {token.json()['access_token']}",
        "IntegrasjonId": integrasjon,
        "IntegrasjonPassord": "mitt-passord",
        "Content-Type": content_type,
    }
    sent = client.post(f"/svarut/api/v3/kontoer/{konto}/forsendelser/person", headers=headers, content=body)
    assert sent.status_code == 200, sent.text
    refused(client.delete(f"{BASE}/svarut/kontoer/{konto}", headers=op), 409, konto, "1 forsendelser")


# -- the environment file and the API share their rules -----------------------------------------------------


def test_the_file_and_the_api_refuse_the_same_value_with_the_same_message(client, op) -> None:
    entry = {"definisjonGuid": str(uuid.uuid4()), "definisjonNavn": "X", "partKode": "X", "typePi": "kanskje"}
    over_api = refused(client.post(f"{BASE}/pvk-definisjoner", headers=op, json=entry), 400)
    in_file = refused(client.post(f"{BASE}/miljo", headers=op, content=json.dumps({"pvk_definitions": [entry]})), 400)
    assert over_api.endswith("typePi: must be one of samtykke, reservasjon, tilgangsbegrensning")
    assert in_file.endswith("typePi: must be one of samtykke, reservasjon, tilgangsbegrensning")
