"""PVK reads: SjekkInnbyggersPiStatus, HentInnbyggersPiForPart, HentInnbyggereAktivePiForDefinisjon (paged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.identifiers import FnrKind, make_fnr
from helsebro.personvern import service
from helsebro.personvern.errors import category_of
from helsebro.personvern.tables import pvk_innstilling
from helsebro.registries.tables import innbygger
from tests import pvkbroker
from tests.support import EPJ_CLIENT

BASE = "/personvern/Personverninnstillinger"
SET = f"{BASE}/SettInnbyggersPersonvernInnstilling/v2"
STATUS = f"{BASE}/SjekkInnbyggersPiStatus/v2"
FOR_PART = f"{BASE}/HentInnbyggersPiForPart/v2"
ACTIVE = f"{BASE}/HentInnbyggereAktivePiForDefinisjon/v2"
SEED_CITIZEN = "12048645510"
NFS_CONSENT = "3fe2a80a-4200-42e2-817b-da8a6236708a"
RF_RESTRICTION = "3f7457b8-821c-45a8-ae04-d3e4a0dac0f0"
HN_CONSENT = "5b0e3c1d-8a47-4f6e-9b2d-7c1a0e4f3d58"
LINDA = {"nummer": "4128168", "navn": "Linda Ingrid Telle"}
UNKNOWN_FNR = make_fnr(dt.date(1990, 5, 17), 123, FnrKind.FNR)  # valid, but nobody in the registry


@pytest.fixture(scope="module")
def read_auth(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.get('Personverninnstillinger_les', EPJ_CLIENT)}"}


@pytest.fixture(scope="module")
def write_auth(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.get('Personverninnstillinger_skriv', EPJ_CLIENT)}"}


def write(client, auth: dict[str, str], fnr: str, guid: str, part: str, type_pi: str, aktiv: bool, **extra: Any) -> None:
    body = {"innbyggerFnr": fnr, "definisjonGuid": guid, "partKode": part, "typePi": type_pi, "aktiv": aktiv, **extra}
    response = client.post(SET, json=body, headers=auth)
    assert response.status_code == 200, response.text


def expect_error(response, status: int, code: str, message_part: str = "") -> None:
    """A PVK business error, read as PVKBroker reads it (case-sensitive, every field required)."""
    assert response.status_code == status, response.text
    parsed = pvkbroker.parse_error(response.text)
    assert parsed is not None and set(response.json()) == {"code", "message", "errorCategory"}, response.text
    assert parsed["code"] == code and parsed["errorCategory"] == category_of(code)
    assert message_part in parsed["message"]


def utc(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    assert value.endswith("Z") and parsed.utcoffset() == dt.timedelta(0), value
    return parsed


def citizens(engine, count: int) -> list[str]:
    with db.read(engine) as conn:
        return list(conn.execute(sa.select(innbygger.c.fnr).order_by(innbygger.c.fnr).limit(count)).scalars())


# -- SjekkInnbyggersPiStatus ------------------------------------------------------------------------


def status_body(**changes: Any) -> dict[str, Any]:
    body = {
        "innbyggerFnr": SEED_CITIZEN,
        "definisjonGuid": NFS_CONSENT,
        "definisjonNavn": "Samtykke til oppbevaring av biomateriale",
        "partKode": "NFS",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def test_status_of_a_setting_never_given(client, read_auth):
    response = client.post(STATUS, json=status_body(), headers=read_auth)
    assert response.status_code == 200
    assert response.json() == {"innbyggerFnr": SEED_CITIZEN, "definisjonGuid": NFS_CONSENT, "aktiv": False, "sistEndretTidspunkt": None}


def test_status_follows_changes(client, read_auth, write_auth, fresh_data):
    write(client, write_auth, SEED_CITIZEN, NFS_CONSENT, "NFS", "samtykke", True, tidspunkt="2024-02-03T04:05:06Z")
    answer = client.post(STATUS, json=status_body(), headers=read_auth).json()
    assert answer == {
        "innbyggerFnr": SEED_CITIZEN,
        "definisjonGuid": NFS_CONSENT,
        "aktiv": True,
        "sistEndretTidspunkt": "2024-02-03T04:05:06Z",
    }
    write(client, write_auth, SEED_CITIZEN, NFS_CONSENT, "NFS", "samtykke", False)
    answer = client.post(STATUS, json=status_body(), headers=read_auth).json()
    assert answer["aktiv"] is False
    assert utc(answer["sistEndretTidspunkt"]) > dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_status_of_the_seed_citizens_helsenorge_consent(client, read_auth):
    body = {"innbyggerfnr": SEED_CITIZEN, "DEFINISJONGUID": HN_CONSENT.upper(), "PartKode": "hn"}
    answer = client.post(STATUS, json=body, headers=read_auth).json()
    assert answer["aktiv"] is True and answer["definisjonGuid"] == HN_CONSENT
    utc(answer["sistEndretTidspunkt"])


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (status_body(innbyggerFnr=...), "EPVK-101502", "innbyggerFnr"),
        (status_body(innbyggerFnr="123"), "EPVK-101504", "11 sifre"),
        (status_body(innbyggerFnr="17059012399"), "EPVK-101504", "kontrollsifrene"),
        (status_body(definisjonGuid="x"), "EPVK-101500", "ikke en GUID"),
        (status_body(definisjonGuid="00000000-0000-4000-8000-000000000000"), "EPVK-101500", ""),
        (status_body(partKode=...), "EPVK-101502", "partKode"),
        (status_body(partKode="RF"), "EPVK-101500", "partKode"),
    ],
)
def test_status_errors(client, read_auth, body, code, message):
    expect_error(client.post(STATUS, json=body, headers=read_auth), 400, code, message)


def test_status_of_an_unknown_citizen(client, read_auth):
    response = client.post(STATUS, json=status_body(innbyggerFnr=UNKNOWN_FNR), headers=read_auth)
    assert (response.status_code, response.json()["code"]) == (400, "EPVK-101518")


def test_status_body_with_seed_artefacts_is_repaired(client, read_auth):
    text = '{"innbyggerFnr": “12048645510”, "definisjonGuid": "%s", "partKode": "HN",}' % HN_CONSENT
    response = client.post(STATUS, content=text.encode(), headers={**read_auth, "Content-Type": "application/json"})
    assert response.status_code == 200 and response.json()["aktiv"] is True
    assert "X-Helsebro-Warning" in response.headers


# -- HentInnbyggersPiForPart ------------------------------------------------------------------------


def test_settings_for_part_lists_only_active_ones(client, read_auth, write_auth, fresh_data):
    body = {"innbyggerFnr": SEED_CITIZEN, "partKode": "RF"}
    assert client.post(FOR_PART, json=body, headers=read_auth).json() == []
    metadata = {"detaljertAngivelse": {"navngittHelseperson": [LINDA]}}
    when = "2025-06-01T12:00:00Z"
    write(client, write_auth, SEED_CITIZEN, RF_RESTRICTION, "RF", "tilgangsbegrensning", True, TbInnbyggerMetadata=metadata, tidspunkt=when)
    response = client.post(FOR_PART, json=body, headers=read_auth)
    assert response.status_code == 200
    assert response.json() == [
        {
            "definisjonGuid": RF_RESTRICTION,
            "definisjonNavn": "Begrensning av helsepersonells tilgang til legemiddelliste",
            "typePi": "tilgangsbegrensning",
            "aktiv": True,
            "sistEndretTidspunkt": "2025-06-01T12:00:00Z",
            "TbInnbyggerMetadata": metadata,
        }
    ]
    write(client, write_auth, SEED_CITIZEN, RF_RESTRICTION, "RF", "tilgangsbegrensning", False)
    assert client.post(FOR_PART, json=body, headers=read_auth).json() == []


def test_settings_for_part_without_metadata_have_no_metadata_field(client, read_auth):
    answer = client.post(FOR_PART, json={"INNBYGGERFNR": SEED_CITIZEN, "partkode": "hn"}, headers=read_auth).json()
    assert len(answer) == 1
    assert set(answer[0]) == {"definisjonGuid", "definisjonNavn", "typePi", "aktiv", "sistEndretTidspunkt"}
    assert answer[0]["definisjonGuid"] == HN_CONSENT and answer[0]["typePi"] == "samtykke"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"partKode": "RF"}, "EPVK-101502", "innbyggerFnr"),
        ({"innbyggerFnr": SEED_CITIZEN}, "EPVK-101502", "partKode"),
        ({"innbyggerFnr": SEED_CITIZEN, "partKode": "UKJENT"}, "EPVK-101500", "UKJENT"),
        ({"innbyggerFnr": "1", "partKode": "RF"}, "EPVK-101504", "11 sifre"),
        ({"innbyggerFnr": UNKNOWN_FNR, "partKode": "RF"}, "EPVK-101518", ""),
    ],
)
def test_settings_for_part_errors(client, read_auth, body, code, message):
    expect_error(client.post(FOR_PART, json=body, headers=read_auth), 400, code, message)


# -- HentInnbyggereAktivePiForDefinisjon ------------------------------------------------------------


def active_hn_fnrs(engine) -> list[str]:
    with db.read(engine) as conn:
        query = (
            sa.select(pvk_innstilling.c.innbygger_fnr)
            .where((pvk_innstilling.c.definisjon_guid == HN_CONSENT) & pvk_innstilling.c.aktiv.is_(True))
            .order_by(pvk_innstilling.c.sekvensnummer)
        )
        return list(conn.execute(query).scalars())


def get_page(client, auth: dict[str, str], guid: str, part: str, reference: int | None = 0):
    params = {"definisjonGuid": guid, "partKode": part}
    if reference is not None:
        params["pagingReference"] = str(reference)
    return client.get(ACTIVE, params=params, headers=auth)


def all_pages(client, auth: dict[str, str], guid: str, part: str) -> list[dict]:
    pages, reference = [], 0
    while True:
        response = get_page(client, auth, guid, part, reference)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        reference = response.json()["pagingReference"]
        if reference == 0:
            return pages
        assert len(pages) < 1000, "paging does not end"


def test_first_page_shape(client, read_auth):
    response = get_page(client, read_auth, NFS_CONSENT.upper(), "NFS", reference=None)
    assert response.status_code == 200
    assert response.json() == {
        "definisjonGuid": NFS_CONSENT,
        "definisjonNavn": "Samtykke til oppbevaring av biomateriale",
        "partKode": "NFS",
        "typePi": "samtykke",
        "reFasteMetadata": {
            "omfangElementer": [
                {
                    "omfangKode": "BIO",
                    "logiskOmfang": "Oppbevaring av biologisk materiale",
                    "presisering": "Blodprøver tatt i forbindelse med screening",
                }
            ]
        },
        "pagingReference": 0,
        "personvernInnstillinger": [],
    }


def test_one_page_holds_every_active_consent_by_default(client, engine, read_auth):
    answer = get_page(client, read_auth, HN_CONSENT, "HN").json()
    expected = active_hn_fnrs(engine)
    assert len(expected) < service.ACTIVE_PAGE_SIZE
    assert [s["innbyggerFnr"] for s in answer["personvernInnstillinger"]] == expected
    assert answer["pagingReference"] == 0
    first = answer["personvernInnstillinger"][0]
    assert set(first) == {"innbyggerFnr", "sekvensnummer", "opprettetTidspunkt", "sistEndretTidspunkt"}
    utc(first["opprettetTidspunkt"]), utc(first["sistEndretTidspunkt"])


def test_paging_across_pages(client, engine, read_auth, monkeypatch):
    monkeypatch.setattr(service, "ACTIVE_PAGE_SIZE", 3)
    expected = active_hn_fnrs(engine)
    pages = all_pages(client, read_auth, HN_CONSENT, "HN")
    assert len(pages) == -(-len(expected) // 3)
    for page in pages[:-1]:
        rows = page["personvernInnstillinger"]
        assert len(rows) == 3 and page["pagingReference"] > 0
    assert pages[-1]["pagingReference"] == 0 and 1 <= len(pages[-1]["personvernInnstillinger"]) <= 3
    # Each citizen's consent of the default data was given once: version 1 (PVKBroker: "starter på 1").
    assert {row["sekvensnummer"] for page in pages for row in page["personvernInnstillinger"]} == {1}
    assert [row["innbyggerFnr"] for page in pages for row in page["personvernInnstillinger"]] == expected


def test_paging_of_a_definition_with_withdrawn_settings(client, engine, read_auth, write_auth, monkeypatch, fresh_data):
    people = citizens(engine, 6)
    for fnr in people:
        write(client, write_auth, fnr, NFS_CONSENT, "NFS", "samtykke", True)
    write(client, write_auth, people[2], NFS_CONSENT, "NFS", "samtykke", False)  # withdrawn: not listed
    monkeypatch.setattr(service, "ACTIVE_PAGE_SIZE", 5)
    pages = all_pages(client, read_auth, NFS_CONSENT, "NFS")
    assert len(pages) == 1 and len(pages[0]["personvernInnstillinger"]) == 5
    monkeypatch.setattr(service, "ACTIVE_PAGE_SIZE", 2)
    pages = all_pages(client, read_auth, NFS_CONSENT, "NFS")
    assert [len(p["personvernInnstillinger"]) for p in pages] == [2, 2, 1]
    assert [r["innbyggerFnr"] for p in pages for r in p["personvernInnstillinger"]] == [f for f in people if f != people[2]]


def test_paging_reference_past_the_end(client, read_auth):
    answer = get_page(client, read_auth, HN_CONSENT, "HN", reference=10**12).json()
    assert answer["personvernInnstillinger"] == [] and answer["pagingReference"] == 0


def test_query_names_are_case_insensitive(client, read_auth):
    url = f"{ACTIVE}?DEFINISJONGUID={HN_CONSENT}&partkode=HN&PagingReference=0"
    response = client.get(url, headers=read_auth)
    assert response.status_code == 200 and response.json()["personvernInnstillinger"]


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ({"partKode": "NFS"}, "EPVK-101502", "definisjonGuid"),
        ({"definisjonGuid": NFS_CONSENT}, "EPVK-101502", "partKode"),
        ({"definisjonGuid": "nope", "partKode": "NFS"}, "EPVK-101500", "ikke en GUID"),
        ({"definisjonGuid": "00000000-0000-4000-8000-000000000000", "partKode": "NFS"}, "EPVK-101500", ""),
        ({"definisjonGuid": NFS_CONSENT, "partKode": "HN"}, "EPVK-101500", "partKode"),
        ({"definisjonGuid": NFS_CONSENT, "partKode": "NFS", "pagingReference": "-1"}, "EPVK-101503", "pagingReference"),
        ({"definisjonGuid": NFS_CONSENT, "partKode": "NFS", "pagingReference": "abc"}, "EPVK-101503", "pagingReference"),
    ],
)
def test_active_errors(client, read_auth, query, code, message):
    expect_error(client.get(ACTIVE, params=query, headers=read_auth), 400, code, message)


def test_sekvensnummer_counts_each_citizens_changes_from_1(client, engine, read_auth, write_auth, fresh_data):
    """Per citizen and definition (PVKBroker's model: starts at 1, one more for every change); an unchanged
    write is no change. The first time stays the first, even when a change names an earlier tidspunkt."""
    first, second = citizens(engine, 2)
    write(client, write_auth, first, NFS_CONSENT, "NFS", "samtykke", True, tidspunkt="2024-05-01T10:00:00Z")
    write(client, write_auth, second, NFS_CONSENT, "NFS", "samtykke", True)
    write(client, write_auth, first, NFS_CONSENT, "NFS", "samtykke", True)  # ikkeEndret
    write(client, write_auth, first, NFS_CONSENT, "NFS", "samtykke", False, tidspunkt="2024-06-01T10:00:00Z")
    write(client, write_auth, first, NFS_CONSENT, "NFS", "samtykke", True, tidspunkt="2023-01-01T00:00:00Z")
    answer = get_page(client, read_auth, NFS_CONSENT, "NFS").json()
    by_fnr = {row["innbyggerFnr"]: row for row in answer["personvernInnstillinger"]}
    assert (by_fnr[first]["sekvensnummer"], by_fnr[second]["sekvensnummer"]) == (3, 1)
    assert by_fnr[first]["sistEndretTidspunkt"] == "2023-01-01T00:00:00Z"
    assert by_fnr[first]["opprettetTidspunkt"] == "2023-01-01T00:00:00Z"  # never after sistEndretTidspunkt
    for row in by_fnr.values():
        assert utc(row["opprettetTidspunkt"]) <= utc(row["sistEndretTidspunkt"])


def test_a_past_tidspunkt_on_the_first_write_is_the_first_time(client, engine, read_auth, write_auth, fresh_data):
    """opprettetTidspunkt was the row's creation (now) while sistEndretTidspunkt was the given, earlier time."""
    (fnr,) = citizens(engine, 1)
    write(client, write_auth, fnr, NFS_CONSENT, "NFS", "samtykke", True, tidspunkt="2021-10-17T08:05:39Z")
    write(client, write_auth, fnr, NFS_CONSENT, "NFS", "samtykke", False, tidspunkt="2022-01-01T00:00:00Z")
    write(client, write_auth, fnr, NFS_CONSENT, "NFS", "samtykke", True)
    row = get_page(client, read_auth, NFS_CONSENT, "NFS").json()["personvernInnstillinger"][0]
    assert (row["innbyggerFnr"], row["sekvensnummer"], row["opprettetTidspunkt"]) == (fnr, 3, "2021-10-17T08:05:39Z")
    assert utc(row["sistEndretTidspunkt"]) > utc(row["opprettetTidspunkt"])
