"""The Verktøykatalog examples of seed 000, requested verbatim, against the default data.

Every URL below is copied character for character from the seed (including its misspelling
``Siderefereanse``). Expected values come from the default data file, read here independently of the server.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

import helsebro.testdata

DATA_DIR = Path(helsebro.testdata.__file__).parent
CATALOG = json.loads((DATA_DIR / "catalog.json").read_text(encoding="utf-8"))
TOOLS = {t["VerktoyId"]: t for t in CATALOG["verktoy"]}
CODES = {table: {c["id"]: c for c in codes} for table, codes in CATALOG["kodeverk"].items()}
IMAGES = {g["id"]: g for g in CATALOG["grafiske_elementer"]}

SEED_LIST_URL = (
    "/verktoy/v1/SelvstendigVerktoy?Fagomrader=2&Malgrupper=2&Sprak=1&KanLeggesTilAvInnbygger=false"
    "&KunAnonymTilgang=true&Siderefereanse=1&AntallVerktoy=20"
)
SEED_GET_URL = "/verktoy/v1/SelvstendigVerktoy/08ead360-0d65-448c-ba9e-8a08f0921c90"
SEED_SEARCH_URL = "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy?SokeOrd=test&RowCount=10"
SEED_IMAGE_URL = "/verktoy/v1/GrafiskElement/5"

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# The response fields the seed lists for list and get, with the JSON types it gives them.
SEED_FIELDS: dict[str, tuple[type, ...]] = {
    "VerktoyId": (str,),
    "Navn": (str,),
    "Ingress": (str,),
    "Beskrivelse": (str,),
    "OpprettetDato": (str,),
    "EndretDato": (str,),
    "VerktoyFormalTypeId": (int,),
    "VerktoyFormalNavn": (str,),
    "FagligAnsvarlig": (str,),
    "UtvikletAv": (str,),
    "SprakKode": (str,),
    "SprakNavn": (str,),
    "FagomradeType": (int,),
    "FagomradeNavn": (str,),
    "LenkeType": (int,),
    "LenkeTypeNavn": (str,),
    "Url": (str,),
    "Sokeord": (list,),
    "MalgruppeTypeId": (int,),
    "MalgruppeNavn": (str,),
    "GrafiskElementId": (int,),
    "GrafiskElementTypeNavn": (str,),
    "InnholdstypeId": (int,),
    "InnholdstypeNavn": (str,),
    "Behandlerinnsyn": (str,),
    # A .NET string may be null: tools without a SNOMED CT classification have none.
    "KlassifiseringKode": (str, type(None)),
    "KlassifiseringNavn": (str, type(None)),
    "KreverForskrivning": (bool,),
    "Organisasjonsnummer": (int,),
    "Organisasjonsnavn": (str,),
    "AntattTid": (int, type(None)),
}


@pytest.fixture(scope="module")
def auth(tokens) -> dict[str, str]:
    return tokens.bearer()


def utc(value: str) -> dt.datetime:
    """An ISO 8601 timestamp with an explicit UTC offset (Z or +00:00)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset() == dt.timedelta(0), value
    return parsed


def assert_seed_shape(tool: dict) -> None:
    missing = set(SEED_FIELDS) - set(tool)
    assert not missing, f"fields the seed lists are missing: {sorted(missing)}"
    for name, types in SEED_FIELDS.items():
        value = tool[name]
        # bool is a subclass of int in Python: an int field must not be true/false.
        assert isinstance(value, types) and not (bool not in types and isinstance(value, bool)), (name, value)
    assert GUID.fullmatch(tool["VerktoyId"])
    assert all(isinstance(word, str) for word in tool["Sokeord"])
    assert tool["LenkeType"] == 50
    assert tool["LenkeTypeNavn"] == "Lenke til verktøy"
    assert tool["VerktoyFormalTypeId"] in (2, 4, 5)
    assert tool["FagomradeType"] in (1, 2, 3)
    assert tool["MalgruppeTypeId"] in (1, 2, 3, 4)
    assert 1 <= tool["InnholdstypeId"] <= 10
    assert utc(tool["OpprettetDato"]) <= utc(tool["EndretDato"])


def test_seed_list_example_returns_exactly_the_matching_tools(client, auth):
    response = client.get(SEED_LIST_URL, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()

    expected = {
        t["VerktoyId"]
        for t in CATALOG["verktoy"]
        if 2 in t["Fagomrader"]
        and 2 in t["Malgrupper"]
        and 1 in t["Sprak"]
        and t["KanLeggesTilAvInnbygger"] is False
        and t["KunAnonymTilgang"] is True
    }
    # The two tools of the default data that this example is meant to find.
    assert expected == {"3f6c2a1e-7b4d-4c8e-9a21-5d0e8b7c6f13", "a7d41e9b-2c35-4f08-b6e1-93c8d2f0a4b7"}
    assert [t["VerktoyId"] for t in body] == sorted(expected, key=lambda i: TOOLS[i]["Navn"].casefold())

    for tool in body:
        assert_seed_shape(tool)
        data = TOOLS[tool["VerktoyId"]]
        # Every filter of the example holds for every tool returned, by the response's own fields ...
        assert 2 in [f["FagomradeType"] for f in tool["FagomradeListe"]]
        assert 2 in [m["MalgruppeTypeId"] for m in tool["MalgruppeListe"]]
        assert "nb-NO" in [s["SprakKode"] for s in tool["SprakListe"]]
        assert tool["KanLeggesTilAvInnbygger"] is False
        assert tool["KunAnonymTilgang"] is True
        # ... and by the data the tool was loaded from.
        assert 2 in data["Fagomrader"] and 2 in data["Malgrupper"] and 1 in data["Sprak"]
        assert data["KanLeggesTilAvInnbygger"] is False and data["KunAnonymTilgang"] is True


def test_seed_get_example_has_every_seed_field_with_its_value(client, auth):
    response = client.get(SEED_GET_URL, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    tool = response.json()
    assert_seed_shape(tool)

    data = TOOLS["08ead360-0d65-448c-ba9e-8a08f0921c90"]
    sprak = CODES["sprak"][data["Sprak"][0]]
    image = IMAGES[data["GrafiskElementId"]]
    assert tool["VerktoyId"] == "08ead360-0d65-448c-ba9e-8a08f0921c90"
    assert {k: tool[k] for k in ("Navn", "Ingress", "Beskrivelse", "FagligAnsvarlig", "UtvikletAv", "Url")} == {
        k: data[k] for k in ("Navn", "Ingress", "Beskrivelse", "FagligAnsvarlig", "UtvikletAv", "Url")
    }
    assert utc(tool["OpprettetDato"]) == utc(data["OpprettetDato"])
    assert utc(tool["EndretDato"]) == utc(data["EndretDato"])
    assert tool["VerktoyFormalTypeId"] == data["VerktoyFormalTypeId"] == 4
    assert tool["VerktoyFormalNavn"] == CODES["formal"][4]["navn"]
    assert (tool["SprakKode"], tool["SprakNavn"]) == (sprak["kode"], sprak["navn"]) == ("nb-NO", "Norsk bokmål")
    assert tool["FagomradeType"] == data["Fagomrader"][0]
    assert tool["FagomradeNavn"] == CODES["fagomrade"][data["Fagomrader"][0]]["navn"]
    assert tool["MalgruppeTypeId"] == data["Malgrupper"][0]
    assert tool["MalgruppeNavn"] == CODES["malgruppe"][data["Malgrupper"][0]]["navn"]
    assert tool["InnholdstypeId"] == data["Innholdstyper"][0]
    assert tool["InnholdstypeNavn"] == CODES["innholdstype"][data["Innholdstyper"][0]]["navn"]
    assert tool["Sokeord"] == data["Sokeord"]
    assert tool["GrafiskElementId"] == 5
    assert tool["GrafiskElementTypeNavn"] == CODES["grafisk_element_type"][image["type"]]["navn"]
    assert tool["Behandlerinnsyn"] == CODES["behandlerinnsyn"][data["Behandlerinnsyn"]]["navn"]
    assert tool["KlassifiseringKode"] == data["Klassifiseringer"][0]["kode"] == "197480006"
    assert tool["KlassifiseringNavn"] == data["Klassifiseringer"][0]["navn"]
    assert tool["KreverForskrivning"] is data["KreverForskrivning"]
    assert tool["Organisasjonsnummer"] == data["Organisasjonsnummer"] == 913748263
    assert tool["Organisasjonsnavn"] == data["Organisasjonsnavn"]
    assert tool["AntattTid"] == data["AntattTid"] == 45


def test_seed_second_tool_has_a_null_antatt_tid(client, auth):
    # AntattTid is int? in the seed; the other example tool has none.
    response = client.get("/verktoy/v1/SelvstendigVerktoy/95d2290a-ecbc-4525-9593-f35d4ee4e42d", headers=auth)
    assert response.status_code == 200, response.text
    assert_seed_shape(response.json())
    assert "AntattTid" in response.json() and response.json()["AntattTid"] is None


def test_seed_search_example_returns_id_and_name_of_word_start_matches(client, auth):
    response = client.get(SEED_SEARCH_URL, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list)
    for hit in body:
        assert set(hit) == {"VerktoyId", "Navn"}
        assert GUID.fullmatch(hit["VerktoyId"])
        assert hit["Navn"] == TOOLS[hit["VerktoyId"]]["Navn"]
    # "Test deg selv: ..." by its name, "Minnetrening for eldre" by its keyword "testing"; not the tools
    # whose only "test" is inside a word (selvtest, stresstest, Hørselstesten).
    assert [hit["Navn"] for hit in body] == ["Minnetrening for eldre", "Test deg selv: Hvordan har du det?"]
    assert len(body) <= 10


def test_seed_image_example_returns_the_png_with_etag(client, auth):
    response = client.get(SEED_IMAGE_URL, headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == (DATA_DIR / IMAGES[5]["fil"]).read_bytes()
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    etag = response.headers["etag"]
    assert re.fullmatch(r'(W/)?"[^"]+"', etag)
    assert response.headers.get("cache-control")

    again = client.get(SEED_IMAGE_URL, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
