"""NORPREG/PVKBroker_cs against helsebro: its requests as it sends them, its answers read as it reads them.

The client (``src/Pvk/ApiCaller/PvkCaller.cs`` and ``PvkApiModel.cs``, mirrored in ``tests/pvkbroker.py``)
asks HelseID for both prefixed PVK scopes with a DPoP key, proves the URL without its query string, writes a
reservation for its own definition (part ``norpreg``), pages through the active settings until
``pagingReference`` is 0, and on an error parses ``{"code", "message", "errorCategory"}`` strictly, branching on
``EPVK-101518`` and ``EPVK-101500``. Its definition and a citizen from its input files are added here.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from joserfc.jwk import RSAKey

from helsebro import db
from helsebro.identifiers import FnrKind, make_fnr
from helsebro.personvern.tables import pvk_definisjon
from helsebro.registries.tables import innbygger
from tests import pvkbroker
from tests.support import EPJ_CLIENT

SCOPE = "nhn:helsenorge.eksternapi/personverninnstilling_read nhn:helsenorge.eksternapi/personverninnstilling_write"
# From PVKBroker's InputJsonFiles: a citizen, and a number whose check digits are wrong.
CITIZEN = "13116900216"
WRONG_NUMBER = "13116950216"
UNKNOWN_CITIZEN = make_fnr(dt.date(1990, 5, 17), 123, FnrKind.FNR)  # valid, not in the registry


@pytest.fixture()
def norpreg(engine, fresh_data) -> Iterator[None]:
    """PVKBroker's configured definition and the citizen of its input files."""
    with db.write(engine) as conn:
        conn.execute(
            sa.insert(pvk_definisjon).values(
                guid=pvkbroker.DEFINISJON_GUID,
                navn=pvkbroker.DEFINISJON_NAVN,
                part_kode=pvkbroker.PART_KODE,
                type_pi=pvkbroker.TYPE_PI,
                omfang_elementer=[],
            )
        )
        conn.execute(sa.insert(innbygger).values(fnr=CITIZEN, fornavn="Norpreg", etternavn="Testpasient"))
    yield


@pytest.fixture()
def broker(client, tokens):
    """A send function that signs every request as PVKBroker does (a fresh DPoP proof of the URL without query)."""
    key = RSAKey.generate_key(2048, private=True)
    token = tokens.get(SCOPE, EPJ_CLIENT, dpop_key=key)

    def send(method: str, path: str, query: str = "", body: bytes | None = None):
        headers = tokens.dpop_headers(key, token, method, path)
        url = f"{path}?{query}" if query else path
        if body is None:
            return client.request(method, url, headers=headers)
        return client.request(method, url, content=body, headers={**headers, "Content-Type": pvkbroker.CONTENT_TYPE})

    return send


def collect_active(send) -> list[dict]:
    """CallApiHentInnbyggereAktivePiForDefinisjon: page until pagingReference is 0, parsing each page strictly."""
    found: list[dict] = []
    reference = 0
    for _ in range(100):
        response = send("GET", pvkbroker.ACTIVE_PATH, pvkbroker.active_query(reference))
        assert response.status_code == 200, response.text
        page = pvkbroker.parse_active_answer(response.text)
        assert page is not None, response.text
        found += page["personvernInnstillinger"]
        reference = page["pagingReference"]
        if reference == 0:
            return found
    raise AssertionError("pagingReference never became 0")


def test_the_parser_is_as_strict_as_system_text_json():
    """The old {Code, Message} body made PVKBroker's parser return null: the mirror must do the same."""
    assert pvkbroker.parse_error('{"Code": "EPVK-101518", "Message": "x", "ErrorCategory": "y"}') is None
    assert pvkbroker.parse_error('{"code": "EPVK-101518", "message": "x"}') is None
    assert pvkbroker.parse_error('{"code": "EPVK-101518", "message": null, "errorCategory": "y"}') is None
    assert pvkbroker.parse_error('{"code": "E", "message": "x", "errorCategory": "y", "more": 1}') == {
        "code": "E",
        "message": "x",
        "errorCategory": "y",
    }


def test_reservation_written_and_read_back(broker, norpreg):
    # patient_set_true.json: its "tidspunkt" does not bind to the model's "datetime", so none is sent.
    body = pvkbroker.set_request_body(CITIZEN, True)
    assert body.startswith(b'{"innbyggerFnr":"13116900216","definisjonGuid":"56a8756c-')
    response = broker("POST", pvkbroker.SET_PATH, body=body)
    assert response.status_code == 200, response.text
    assert pvkbroker.parse_set_answer(response.text) == {"returKode": "ok", "instansEndret": "endret"}
    again = broker("POST", pvkbroker.SET_PATH, body=body)
    assert pvkbroker.parse_set_answer(again.text) == {"returKode": "ok", "instansEndret": "ikkeEndret"}

    active = collect_active(broker)
    assert [(p["innbyggerFnr"], p["sekvensnummer"]) for p in active] == [(CITIZEN, 1)]
    assert active[0]["opprettetTidspunkt"] <= active[0]["sistEndretTidspunkt"]


def test_reservation_with_a_signed_proof(broker, norpreg):
    """patient_bevis.json: a PNG proof, base64, with its MIME type from the file extension."""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    body = pvkbroker.set_request_body(CITIZEN, True, mime_type="image/png", content=base64.b64encode(png).decode())
    response = broker("POST", pvkbroker.SET_PATH, body=body)
    assert pvkbroker.parse_set_answer(response.text) == {"returKode": "ok", "instansEndret": "endret"}


def test_unknown_citizen_is_the_error_pvkbroker_branches_on(broker, norpreg):
    response = broker("POST", pvkbroker.SET_PATH, body=pvkbroker.set_request_body(UNKNOWN_CITIZEN, True))
    assert response.status_code == 400
    assert pvkbroker.parse_error(response.text) == {
        "code": "EPVK-101518",
        "message": "Fant ingen innbygger med angitt fødselsnummer",
        "errorCategory": "forretningsregel",
    }


def test_wrong_check_digits_parse_too(broker, norpreg):
    """patient_wrong_innbyggerfnr.json verbatim: not a valid number, said in an error PVKBroker can read."""
    response = broker("POST", pvkbroker.SET_PATH, body=pvkbroker.set_request_body(WRONG_NUMBER, True))
    assert response.status_code == 400
    parsed = pvkbroker.parse_error(response.text)
    assert parsed is not None and parsed["code"] == "EPVK-101504" and parsed["errorCategory"] == "validering"
    assert "kontrollsifrene" in parsed["message"]


def test_empty_number_parses(broker, norpreg):
    """patient_aktiv.json sends innbyggerFnr "" (an empty string, so it is written)."""
    response = broker("POST", pvkbroker.SET_PATH, body=pvkbroker.set_request_body("", True))
    parsed = pvkbroker.parse_error(response.text)
    assert response.status_code == 400 and parsed is not None and parsed["code"] == "EPVK-101502"


def test_definition_not_configured_is_epvk_101500(broker, fresh_data):
    """Without the definition (PVKBroker's hint: "sjekk at du har riktig definisjonGuid / partKode")."""
    write = broker("POST", pvkbroker.SET_PATH, body=pvkbroker.set_request_body(CITIZEN, True))
    read = broker("GET", pvkbroker.ACTIVE_PATH, pvkbroker.active_query(0))
    for response in (write, read):
        parsed = pvkbroker.parse_error(response.text)
        assert response.status_code == 400 and parsed is not None, response.text
        assert (parsed["code"], parsed["errorCategory"]) == ("EPVK-101500", "forretningsregel")
        assert pvkbroker.DEFINISJON_GUID in parsed["message"]
