"""The in-memory catalog follows the database: a tool, code or image written with the store is seen by the
next request (the test settings check for changes on every request: catalog_refresh_seconds=0).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import helsebro.testdata
from helsebro import db
from helsebro.verktoy import store
from helsebro.verktoy.tables import verktoy
from tests.support import catalog_order_key

DATA_DIR = Path(helsebro.testdata.__file__).parent
CATALOG = json.loads((DATA_DIR / "catalog.json").read_text(encoding="utf-8"))
TOOLS = CATALOG["verktoy"]
SEED_TOOL = "08ead360-0d65-448c-ba9e-8a08f0921c90"

LIST = "/verktoy/v1/SelvstendigVerktoy"
GET = "/verktoy/v1/SelvstendigVerktoy/"
SEARCH = "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy"

NEW_TOOL = {
    "VerktoyId": "ABCDEF00-1111-4222-8333-444455556666",  # stored and answered in lower case
    "Navn": "Kneskolen",
    "Ingress": "Trening og kunnskap for deg med artrose i kneet.",
    "Beskrivelse": "Seks uker med øvelser og korte leksjoner.",
    "OpprettetDato": "2026-02-01T09:30:00Z",
    "EndretDato": "2026-02-02T10:00:00Z",
    "VerktoyFormalTypeId": 2,
    "FagligAnsvarlig": "Fysioterapitjenesten, Helse Vestfjord HF",
    "UtvikletAv": "Mestringsverket AS",
    "Url": "https://kne.mestringsverket.example.no/",
    "Sokeord": ["artrose", "knetrening", "fysioterapi"],
    "GrafiskElementId": 3,
    "Behandlerinnsyn": 1,
    "KreverForskrivning": False,
    "KanLeggesTilAvInnbygger": True,
    "KunAnonymTilgang": True,
    "Organisasjonsnummer": 913748263,
    "Organisasjonsnavn": "Helse Vestfjord HF",
    "AntattTid": 12,
    "Fagomrader": [1, 3],
    "Malgrupper": [4],
    "Sprak": [3, 1],
    "Innholdstyper": [5],
    "Klassifiseringer": [{"kode": "239873007", "navn": "Artrose i kne"}],
}
NEW_ID = NEW_TOOL["VerktoyId"].lower()


@pytest.fixture(scope="module")
def auth(tokens) -> dict[str, str]:
    return tokens.bearer()


def save(engine, *tools: dict) -> None:
    with db.write(engine) as conn:
        for tool in tools:
            store.save_tool(conn, tool)


def all_ids(client, auth) -> list[str]:
    collected = []
    for page in range(1, 100):
        response = client.get(f"{LIST}?AntallVerktoy=50&Sidereferanse={page}", headers=auth)
        assert response.status_code == 200, response.text
        if not response.json():
            return collected
        collected.extend(t["VerktoyId"] for t in response.json())
    raise AssertionError("paging never ended")


def search_ids(client, auth, term: str, **extra: str) -> list[str]:
    response = client.get(SEARCH, params={"SokeOrd": term, **extra}, headers=auth)
    assert response.status_code == 200, response.text
    return [hit["VerktoyId"] for hit in response.json()]


def test_an_added_tool_is_listed_got_and_found(client, auth, engine, fresh_data):
    gone = client.get(GET + NEW_ID, headers=auth)
    assert gone.status_code == 404 and gone.json() == {"Code": "VK-001126", "Message": "Fant ingen verktøy med angitt id"}
    assert search_ids(client, auth, "artrose") == []
    assert client.get(f"{LIST}?Klassifiseringer=239873007", headers=auth).json() == []

    save(engine, NEW_TOOL)

    response = client.get(GET + NEW_ID, headers=auth)
    assert response.status_code == 200, response.text
    tool = response.json()
    assert tool["VerktoyId"] == NEW_ID
    assert tool["Navn"] == "Kneskolen"
    assert tool["Sokeord"] == NEW_TOOL["Sokeord"]
    assert tool["SprakKode"] == "se-NO"  # the first language, from the code table
    assert tool["FagomradeType"] == 1 and tool["MalgruppeTypeId"] == 4 and tool["InnholdstypeId"] == 5
    assert tool["GrafiskElementTypeNavn"] == "Logo"
    assert tool["KlassifiseringKode"] == "239873007"
    assert tool["AntattTid"] == 12

    # In the list, at its place in the stable order.
    want = [t["VerktoyId"] for t in sorted([*TOOLS, NEW_TOOL], key=catalog_order_key)]
    want = [i.lower() for i in want]
    assert all_ids(client, auth) == want
    assert client.get(f"{LIST}?Klassifiseringer=239873007", headers=auth).json() == [tool]
    filtered = client.get(f"{LIST}?Sprak=3&Malgrupper=4&KunAnonymTilgang=true&AntallVerktoy=50", headers=auth).json()
    assert NEW_ID in [t["VerktoyId"] for t in filtered]

    # Found by name and by keyword, at word starts only.
    assert search_ids(client, auth, "kneskol") == [NEW_ID]
    assert search_ids(client, auth, "ARTROSE") == [NEW_ID]
    assert NEW_ID in search_ids(client, auth, "fysioterapi")
    assert NEW_ID not in search_ids(client, auth, "trening")  # "knetrening" is one word


def test_a_renamed_tool_moves_and_is_found_by_its_new_name(client, auth, engine, fresh_data):
    before = all_ids(client, auth)
    assert before == [t["VerktoyId"] for t in sorted(TOOLS, key=catalog_order_key)]
    assert before.index(SEED_TOOL) == 2  # "Assistert selvhjelp ved angst", after "ADHD-hjelp ..." and "Aktiv ..."
    assert search_ids(client, auth, "assistert") == [SEED_TOOL]

    renamed = copy.deepcopy(next(t for t in TOOLS if t["VerktoyId"] == SEED_TOOL))
    renamed["Navn"] = "Zen mot angst"
    renamed["Sokeord"] = ["uro", "panikk"]
    save(engine, renamed)

    got = client.get(GET + SEED_TOOL, headers=auth).json()
    assert got["Navn"] == "Zen mot angst"
    assert got["Sokeord"] == ["uro", "panikk"]

    after = all_ids(client, auth)
    assert sorted(after) == sorted(before)
    want = [t["VerktoyId"] for t in sorted([renamed if t["VerktoyId"] == SEED_TOOL else t for t in TOOLS], key=catalog_order_key)]
    assert after == want
    # After every A-Z name, before the names beginning with Å, Æ and Ø.
    assert after.index(SEED_TOOL) == len(TOOLS) - 4

    assert search_ids(client, auth, "assistert") == []
    assert search_ids(client, auth, "bekymring") == []  # an old keyword is gone
    assert search_ids(client, auth, "zen") == [SEED_TOOL]
    response = client.get(SEARCH, params={"SokeOrd": "panikk"}, headers=auth)
    assert response.json() == [{"VerktoyId": SEED_TOOL, "Navn": "Zen mot angst"}]


def test_search_and_list_are_capped_at_50_with_a_large_catalog(client, auth, engine, fresh_data):
    extra = []
    for n in range(1, 56):
        tool = copy.deepcopy(NEW_TOOL)
        tool["VerktoyId"] = f"00000000-0000-4000-8000-{n:012d}"
        tool["Navn"] = f"Treningsprogram {n:02d}"
        tool["Sokeord"] = []
        extra.append(tool)
    save(engine, *extra)
    extra_ids = [t["VerktoyId"] for t in extra]  # already in name order

    assert search_ids(client, auth, "treningsprogram") == extra_ids[:50]  # default RowCount 50
    assert search_ids(client, auth, "treningsprogram", RowCount="100") == extra_ids[:50]
    assert search_ids(client, auth, "treningsprogram", RowCount="50") == extra_ids[:50]
    assert search_ids(client, auth, "treningsprogram", RowCount="7") == extra_ids[:7]

    total = len(TOOLS) + len(extra)
    page1 = client.get(f"{LIST}?AntallVerktoy=50", headers=auth).json()
    page2 = client.get(f"{LIST}?AntallVerktoy=50&Sidereferanse=2", headers=auth).json()
    assert (len(page1), len(page2)) == (50, total - 50)
    everything = [t["VerktoyId"] for t in page1 + page2]
    assert everything == [t["VerktoyId"].lower() for t in sorted([*TOOLS, *extra], key=catalog_order_key)]
    too_many = client.get(f"{LIST}?AntallVerktoy=51", headers=auth)
    assert too_many.status_code == 400 and too_many.json()["Code"] == "VK-001206" and "51" in too_many.json()["Message"]


def test_a_new_code_value_becomes_a_valid_filter(client, auth, engine, fresh_data):
    assert client.get(f"{LIST}?Fagomrader=4", headers=auth).json()["Code"] == "VER-000204"

    tool = copy.deepcopy(NEW_TOOL)
    tool["Fagomrader"] = [4]
    with db.write(engine) as conn:
        store.save_code(conn, "fagomrade", 4, "Rehabilitering")
        store.save_tool(conn, tool)

    response = client.get(f"{LIST}?Fagomrader=4", headers=auth)
    assert response.status_code == 200, response.text
    assert [(t["VerktoyId"], t["FagomradeType"], t["FagomradeNavn"]) for t in response.json()] == [(NEW_ID, 4, "Rehabilitering")]


def test_a_renamed_code_shows_in_every_tool(client, auth, engine, fresh_data):
    with db.write(engine) as conn:
        store.save_code(conn, "fagomrade", 2, "Psykisk helse og rus")
    body = client.get(f"{GET}{SEED_TOOL}", headers=auth).json()
    assert (body["FagomradeType"], body["FagomradeNavn"]) == (2, "Psykisk helse og rus")


def test_a_new_image_is_served(client, auth, engine, fresh_data):
    missing = client.get("/verktoy/v1/GrafiskElement/99", headers=auth)
    assert missing.status_code == 404 and missing.json()["Code"] == "VK-001127"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
    with db.write(engine) as conn:
        store.save_image(conn, 99, 3, "image/svg+xml", svg)
    response = client.get("/verktoy/v1/GrafiskElement/99", headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.content == svg

    # Replacing the bytes changes the ETag, so a cached copy is not reused.
    old_etag = response.headers["etag"]
    with db.write(engine) as conn:
        store.save_image(conn, 99, 3, "image/svg+xml", svg.replace(b'width="4"', b'width="8"'))
    again = client.get("/verktoy/v1/GrafiskElement/99", headers={**auth, "If-None-Match": old_etag})
    assert again.status_code == 200
    assert again.headers["etag"] != old_etag
    assert b'width="8"' in again.content


def test_a_change_that_commits_with_an_older_timestamp_is_still_seen(client, auth, engine, fresh_data):
    """On PostgreSQL a write can commit after a later one: a newest-timestamp check would miss it; the
    catalog version counter does not."""
    client.get(GET + SEED_TOOL, headers=auth)  # the process now holds a snapshot
    renamed = {**next(t for t in TOOLS if t["VerktoyId"] == SEED_TOOL), "Navn": "Angstkurset (omdøpt)"}
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    with db.write(engine) as conn:
        store.save_tool(conn, renamed)
        conn.execute(sa.update(verktoy).where(verktoy.c.id == SEED_TOOL).values(changed_at=long_ago))
    assert client.get(GET + SEED_TOOL, headers=auth).json()["Navn"] == "Angstkurset (omdøpt)"
