"""Who may call PVK: a token (401), the endpoint's scope (403), and the client's registered part codes
(403 for a part it may not use, on writes and reads alike)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from joserfc.jwk import ECKey

from helsebro import db
from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion
from helsebro.auth.clients import get_client, save_client
from helsebro.auth.tables import api_clients
from helsebro.personvern.tables import pvk_historikk, pvk_innstilling
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT, demo_key

BASE = "/personvern/Personverninnstillinger"
SET = f"{BASE}/SettInnbyggersPersonvernInnstilling/v2"
STATUS = f"{BASE}/SjekkInnbyggersPiStatus/v2"
FOR_PART = f"{BASE}/HentInnbyggersPiForPart/v2"
ACTIVE = f"{BASE}/HentInnbyggereAktivePiForDefinisjon/v2"
SEED_CITIZEN = "12048645510"
NFS_CONSENT = "3fe2a80a-4200-42e2-817b-da8a6236708a"
RF_RESTRICTION = "3f7457b8-821c-45a8-ae04-d3e4a0dac0f0"
WRITE, READ = "Personverninnstillinger_skriv", "Personverninnstillinger_les"
NFS_ONLY_CLIENT = "pvk-test-nfs-only"
NO_PARTS_CLIENT = "pvk-test-no-parts"

UNAUTHORIZED = {"Code": "SEC-110000", "Message": "Token is expired or invalid"}
FORBIDDEN = {"Code": "SEC-110001", "Message": "Mangler tilgang (scope)"}

SET_NFS = {"innbyggerFnr": SEED_CITIZEN, "definisjonGuid": NFS_CONSENT, "partKode": "NFS", "typePi": "samtykke", "aktiv": True}
SET_RF = {
    "innbyggerFnr": SEED_CITIZEN,
    "definisjonGuid": RF_RESTRICTION,
    "partKode": "RF",
    "typePi": "tilgangsbegrensning",
    "aktiv": True,
    "TbInnbyggerMetadata": {"detaljertAngivelse": {"navngittHelseperson": [{"nummer": "4128168", "navn": "Linda Ingrid Telle"}]}},
}


def call(client, endpoint: str, headers: dict[str, str], part: str = "NFS", guid: str = NFS_CONSENT):
    """One request to an endpoint, about a definition of the given part."""
    if endpoint == SET:
        return client.post(SET, json=SET_NFS if part == "NFS" else SET_RF, headers=headers)
    if endpoint == STATUS:
        return client.post(STATUS, json={"innbyggerFnr": SEED_CITIZEN, "definisjonGuid": guid, "partKode": part}, headers=headers)
    if endpoint == FOR_PART:
        return client.post(FOR_PART, json={"innbyggerFnr": SEED_CITIZEN, "partKode": part}, headers=headers)
    return client.get(ACTIVE, params={"definisjonGuid": guid, "partKode": part, "pagingReference": "0"}, headers=headers)


ENDPOINTS = [SET, STATUS, FOR_PART, ACTIVE]
SCOPE_OF = {SET: WRITE, STATUS: READ, FOR_PART: READ, ACTIVE: READ}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(client, tokens, client_id: str, scope: str) -> str:
    """A token for a test client that signs with the EPJ demo client's key (its public key is registered)."""
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(client_id, demo_key(EPJ_CLIENT), tokens.issuer),
        "scope": scope,
    }
    response = client.post("/helseid/connect/token", data=form)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture()
def restricted_clients(engine) -> Iterator[None]:
    """Two clients with both PVK scopes: one that may use part NFS only, one that may use no part.
    Per test, since ``fresh_data`` restores the default clients."""
    with db.write(engine) as conn:
        epj = get_client(conn, EPJ_CLIENT)
        assert epj is not None
        save_client(conn, replace(epj, client_id=NFS_ONLY_CLIENT, name="Kun NFS", pvk_parts=("NFS",)))
        save_client(conn, replace(epj, client_id=NO_PARTS_CLIENT, name="Ingen parter", pvk_parts=()))
    yield
    with db.write(engine) as conn:
        conn.execute(sa.delete(api_clients).where(api_clients.c.client_id.in_([NFS_ONLY_CLIENT, NO_PARTS_CLIENT])))


def state(engine) -> tuple[int, int]:
    with db.read(engine) as conn:
        settings = conn.execute(sa.select(sa.func.count()).select_from(pvk_innstilling)).scalar_one()
        history = conn.execute(sa.select(sa.func.count()).select_from(pvk_historikk)).scalar_one()
    return settings, history


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_token_is_401(client, endpoint):
    response = call(client, endpoint, {})
    assert response.status_code == 401 and response.json() == UNAUTHORIZED
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_invalid_token_is_401(client, endpoint):
    response = call(client, endpoint, bearer("not.a.token"))
    assert response.status_code == 401 and response.json() == UNAUTHORIZED


def test_token_is_checked_before_the_body(client):
    response = client.post(SET, content=b"not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 401 and response.json() == UNAUTHORIZED


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_token_without_a_pvk_scope_is_403(client, tokens, endpoint):
    response = call(client, endpoint, bearer(tokens.get("verktoykatalog_read", VERKTOY_CLIENT)))
    assert response.status_code == 403 and response.json() == FORBIDDEN


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_other_pvk_scope_is_not_enough(client, tokens, endpoint):
    other = READ if SCOPE_OF[endpoint] == WRITE else WRITE
    response = call(client, endpoint, bearer(tokens.get(other, EPJ_CLIENT)))
    assert response.status_code == 403 and response.json() == FORBIDDEN


def test_write_scope_alone_cannot_read_and_changes_nothing_when_refused(client, engine, tokens):
    before = state(engine)
    response = client.post(SET, json=SET_NFS, headers=bearer(tokens.get(READ, EPJ_CLIENT)))
    assert response.status_code == 403 and response.json() == FORBIDDEN
    assert state(engine) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_granted_part_is_allowed(client, tokens, restricted_clients, endpoint, fresh_data):
    response = call(client, endpoint, bearer(token_for(client, tokens, NFS_ONLY_CLIENT, SCOPE_OF[endpoint])), part="NFS")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_part_not_granted_is_403(client, engine, tokens, restricted_clients, endpoint):
    before = state(engine)
    headers = bearer(token_for(client, tokens, NFS_ONLY_CLIENT, SCOPE_OF[endpoint]))
    response = call(client, endpoint, headers, part="RF", guid=RF_RESTRICTION)
    assert response.status_code == 403 and response.json() == FORBIDDEN
    assert state(engine) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_client_without_parts_may_use_none(client, tokens, restricted_clients, endpoint):
    response = call(client, endpoint, bearer(token_for(client, tokens, NO_PARTS_CLIENT, SCOPE_OF[endpoint])))
    assert response.status_code == 403 and response.json() == FORBIDDEN


def test_part_right_is_checked_before_the_registry(client, tokens, restricted_clients):
    """A client may not learn from PVK who is in the population registry for a part it may not use."""
    headers = bearer(token_for(client, tokens, NFS_ONLY_CLIENT, READ))
    body = {"innbyggerFnr": "00000000000", "definisjonGuid": RF_RESTRICTION, "partKode": "RF"}
    response = client.post(STATUS, json=body, headers=headers)
    assert response.status_code == 403 and response.json() == FORBIDDEN


def test_part_right_is_read_per_request(client, engine, tokens, restricted_clients, fresh_data):
    """A client's parts are data: granting a part takes effect for tokens already issued."""
    headers = bearer(token_for(client, tokens, NFS_ONLY_CLIENT, WRITE))
    assert client.post(SET, json=SET_RF, headers=headers).status_code == 403
    with db.write(engine) as conn:
        granted = get_client(conn, NFS_ONLY_CLIENT)
        save_client(conn, replace(granted, pvk_parts=("NFS", "rf")))
    assert client.post(SET, json=SET_RF, headers=headers).json() == {"returKode": "ok", "instansEndret": "endret"}


def test_dpop_bound_token_on_the_paged_read_proves_the_url_without_query(client, tokens):
    """The real service checks a DPoP proof's htu without the query string here (SPEC section 4)."""
    key = ECKey.generate_key("P-256", private=True)
    token = tokens.get(READ, EPJ_CLIENT, dpop_key=key)
    url = f"{ACTIVE}?definisjonGuid={NFS_CONSENT}&partKode=NFS&pagingReference=0"
    response = client.get(url, headers=tokens.dpop_headers(key, token, "GET", ACTIVE))
    assert response.status_code == 200, response.text
    as_bearer = client.get(url, headers=bearer(token))
    assert as_bearer.status_code == 401 and as_bearer.json() == UNAUTHORIZED


def test_dpop_bound_token_on_a_write(client, tokens, fresh_data):
    key = ECKey.generate_key("P-256", private=True)
    token = tokens.get(WRITE, EPJ_CLIENT, dpop_key=key)
    response = client.post(SET, json=SET_NFS, headers=tokens.dpop_headers(key, token, "POST", SET))
    assert response.json() == {"returKode": "ok", "instansEndret": "endret"}
