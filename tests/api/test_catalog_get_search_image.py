"""Verktøykatalog: one tool's metadata, the search, graphic elements, and who may call them.

Expected values come from the default data file, read here independently of the server.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

import helsebro.testdata

DATA_DIR = Path(helsebro.testdata.__file__).parent
CATALOG = json.loads((DATA_DIR / "catalog.json").read_text(encoding="utf-8"))
TOOLS = CATALOG["verktoy"]
BY_ID = {t["VerktoyId"]: t for t in TOOLS}
BY_NAME = {t["Navn"]: t["VerktoyId"] for t in TOOLS}
CODES = {table: {c["id"]: c for c in codes} for table, codes in CATALOG["kodeverk"].items()}
IMAGES = CATALOG["grafiske_elementer"]
SEED_TOOL = "08ead360-0d65-448c-ba9e-8a08f0921c90"

GET = "/verktoy/v1/SelvstendigVerktoy/"
SEARCH = "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy"
IMAGE = "/verktoy/v1/GrafiskElement/"


def fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


ORDERED = sorted(TOOLS, key=lambda t: (fold(t["Navn"]), t["VerktoyId"]))


def expected_search(term: str) -> list[str]:
    """Names of the tools, in list order, with a word in Navn or Sokeord that begins with a one-word term."""
    assert re.fullmatch(r"\w+", fold(term)), "only one-word terms are computed here"
    wanted = fold(term)

    def words(tool: dict) -> list[str]:
        return [w for text in [tool["Navn"], *tool["Sokeord"]] for w in re.findall(r"\w+", fold(text))]

    return [t["Navn"] for t in ORDERED if any(w.startswith(wanted) for w in words(t))]


@pytest.fixture(scope="module")
def auth(tokens) -> dict[str, str]:
    return tokens.bearer()


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"Code", "Message"}, body
    assert isinstance(body["Message"], str) and body["Message"]
    if code is not None:
        assert body["Code"] == code, body
    return body


def search(client, auth, params: list[tuple[str, str]] | str, path: str = SEARCH):
    query = params if isinstance(params, str) else urlencode(params)
    return client.get(f"{path}?{query}" if query else path, headers=auth)


def found_names(client, auth, params: list[tuple[str, str]] | str, path: str = SEARCH) -> list[str]:
    response = search(client, auth, params, path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    for hit in body:
        assert set(hit) == {"VerktoyId", "Navn"}
        assert BY_ID[hit["VerktoyId"]]["Navn"] == hit["Navn"]
    return [hit["Navn"] for hit in body]


# -- get one ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tool_id", list(BY_ID))
def test_get_returns_the_tool_as_stored(client, auth, tool_id):
    response = client.get(GET + tool_id, headers=auth)
    assert response.status_code == 200, response.text
    tool = response.json()
    data = BY_ID[tool_id]
    assert tool["VerktoyId"] == tool_id
    for name in (
        "Navn",
        "Ingress",
        "Beskrivelse",
        "FagligAnsvarlig",
        "UtvikletAv",
        "Url",
        "Sokeord",
        "GrafiskElementId",
        "KreverForskrivning",
        "Organisasjonsnummer",
        "Organisasjonsnavn",
        "AntattTid",
        "VerktoyFormalTypeId",
        "KanLeggesTilAvInnbygger",
        "KunAnonymTilgang",
    ):
        assert tool[name] == data[name], name
    assert type(tool["Organisasjonsnummer"]) is int
    for name in ("OpprettetDato", "EndretDato"):
        assert dt.datetime.fromisoformat(tool[name].replace("Z", "+00:00")) == dt.datetime.fromisoformat(data[name].replace("Z", "+00:00"))
    # The flat enum fields hold the first value of each list, with its name from the code tables.
    assert tool["FagomradeType"] == data["Fagomrader"][0]
    assert tool["FagomradeNavn"] == CODES["fagomrade"][data["Fagomrader"][0]]["navn"]
    assert tool["MalgruppeTypeId"] == data["Malgrupper"][0]
    assert tool["MalgruppeNavn"] == CODES["malgruppe"][data["Malgrupper"][0]]["navn"]
    assert tool["SprakKode"] == CODES["sprak"][data["Sprak"][0]]["kode"]
    assert tool["SprakNavn"] == CODES["sprak"][data["Sprak"][0]]["navn"]
    assert tool["InnholdstypeId"] == data["Innholdstyper"][0]
    assert tool["InnholdstypeNavn"] == CODES["innholdstype"][data["Innholdstyper"][0]]["navn"]
    assert tool["VerktoyFormalNavn"] == CODES["formal"][data["VerktoyFormalTypeId"]]["navn"]
    assert tool["Behandlerinnsyn"] == CODES["behandlerinnsyn"][data["Behandlerinnsyn"]]["navn"]
    image_type = next(g["type"] for g in IMAGES if g["id"] == data["GrafiskElementId"])
    assert tool["GrafiskElementTypeNavn"] == CODES["grafisk_element_type"][image_type]["navn"]
    first_class = data["Klassifiseringer"][0] if data["Klassifiseringer"] else {"kode": None, "navn": None}
    assert (tool["KlassifiseringKode"], tool["KlassifiseringNavn"]) == (first_class["kode"], first_class["navn"])
    assert (tool["LenkeType"], tool["LenkeTypeNavn"]) == (50, "Lenke til verktøy")
    # The list forms carry every value, in the data's order.
    assert [f["FagomradeType"] for f in tool["FagomradeListe"]] == data["Fagomrader"]
    assert [m["MalgruppeTypeId"] for m in tool["MalgruppeListe"]] == data["Malgrupper"]
    assert [s["SprakKode"] for s in tool["SprakListe"]] == [CODES["sprak"][i]["kode"] for i in data["Sprak"]]
    assert [i["InnholdstypeId"] for i in tool["InnholdstypeListe"]] == data["Innholdstyper"]
    assert [k["KlassifiseringKode"] for k in tool["KlassifiseringListe"]] == [k["kode"] for k in data["Klassifiseringer"]]


def test_get_answers_the_same_as_the_list(client, auth):
    listed = client.get("/verktoy/v1/SelvstendigVerktoy?AntallVerktoy=50", headers=auth).json()
    assert len(listed) == len(TOOLS)
    for tool in listed[:5]:
        assert client.get(GET + tool["VerktoyId"], headers=auth).json() == tool


@pytest.mark.parametrize(
    "spelling",
    [
        SEED_TOOL.upper(),
        "08EAD360-0d65-448C-ba9e-8A08F0921C90",
        SEED_TOOL.replace("-", ""),  # Guid.Parse's "N" form
        "{" + SEED_TOOL + "}",  # "B" form
        "(" + SEED_TOOL + ")",  # "P" form
    ],
)
def test_get_accepts_every_guid_spelling(client, auth, spelling):
    response = client.get(GET + quote(spelling, safe=""), headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["VerktoyId"] == SEED_TOOL


def test_get_path_binds_case_insensitively(client, auth):
    response = client.get("/VERKTOY/V1/selvstendigverktoy/" + SEED_TOOL.upper(), headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["VerktoyId"] == SEED_TOOL


@pytest.mark.parametrize("tool_id", ["00000000-0000-0000-0000-000000000000", str(uuid.UUID(int=1)), "08ead360-0d65-448c-ba9e-8a08f0921c91"])
def test_get_unknown_tool_is_404_VK_001126(client, auth, tool_id):
    assert_error(client.get(GET + tool_id, headers=auth), 404, "VK-001126")


@pytest.mark.parametrize(
    "tool_id",
    [
        "abc",
        "123",
        SEED_TOOL[:-1],  # 35 characters
        SEED_TOOL + "0",  # 37 characters
        SEED_TOOL[:-1] + "g",
        "08ead3600d65-448c-ba9e-8a08f0921c90",  # a hyphen missing
        "08ead360-0d65448c-ba9e-8a08-f0921c90",  # hyphens in the wrong places
        "urn:uuid:" + SEED_TOOL,
        "{" + SEED_TOOL + ")",
        "٠" * 32,  # non-ASCII digits
    ],
)
def test_get_malformed_id_is_400_VER_000209(client, auth, tool_id):
    assert_error(client.get(GET + quote(tool_id, safe=""), headers=auth), 400, "VER-000209")


# -- search ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", ["", "RowCount=10", "SokeOrd=", "SokeOrd=%20%20%20", "SokeOrd=%09&RowCount=5"])
def test_search_without_a_term_is_VER_000205(client, auth, params):
    assert_error(search(client, auth, params), 400, "VER-000205")


@pytest.mark.parametrize("term", ["ab", "æø", "  ab  ", "a" * 257, "ø" * 257])
def test_search_term_too_short_or_long_is_VER_000254(client, auth, term):
    assert_error(search(client, auth, [("SokeOrd", term)]), 400, "VER-000254")


@pytest.mark.parametrize(("term", "want"), [("kol", ["Hjemmeoppfølging ved KOLS"]), ("a" * 256, []), ("ø" * 256, [])])
def test_search_term_of_3_and_256_characters_is_accepted(client, auth, term, want):
    assert found_names(client, auth, [("SokeOrd", term)]) == want


SEARCH_CASES = [
    "test",
    "søvn",
    "SØVN",
    "Søvn",
    "ærlig",
    "Ærlig",
    "ÆRLIG",
    "øvelser",
    "ØVELSER",
    "hjelp",
    "terapi",
    "mestring",
    "stress",
    "ungdom",
    "UNGDOM",
    "kols",
    "hjerte",
    "barn",
    "fødsel",
    "pårørende",
    "xyz",
]


@pytest.mark.parametrize("term", SEARCH_CASES)
def test_search_matches_word_starts_case_insensitively(client, auth, term):
    want = expected_search(term)
    assert (want == []) == (term == "xyz")
    assert found_names(client, auth, [("SokeOrd", term)]) == want


@pytest.mark.parametrize(
    ("term", "present", "absent"),
    [
        # "test" is only mid-word in "selvtest", "stresstest" and "Hørselstesten".
        (
            "test",
            ["Test deg selv: Hvordan har du det?", "Minnetrening for eldre"],
            ["Ærlig om alkohol", "Hørselstesten", "Kartlegg stressnivået ditt"],
        ),
        # A hyphen starts a word; "selvhjelp" does not contain the word "hjelp".
        ("hjelp", ["ADHD-hjelp for foreldre"], ["Assistert selvhjelp ved angst"]),
        # A word inside a multi-word keyword ("kognitiv terapi") counts.
        ("terapi", ["Assistert selvhjelp ved angst", "eMestring ved depresjon"], []),
        # "eMestring" and "Hverdagsmestring" do not begin with "mestring"; the keyword "mestring" does.
        ("mestring", ["Hverdagsmestring for nyankomne", "Å leve med langvarige smerter"], ["eMestring ved depresjon"]),
        # "søvnvaner" begins with "søvn".
        ("SØVN", ["Søvnskolen", "Bedre søvn i eldre år", "Sov godt, ungdom!"], []),
        ("ærlig", ["Ærlig om alkohol"], []),
        ("ørlig", [], ["Ærlig om alkohol"]),  # æ is not ø
        ("alkohol", ["Ærlig om alkohol"], []),
    ],
)
def test_search_specific_cases(client, auth, term, present, absent):
    names = found_names(client, auth, [("SokeOrd", term)])
    assert set(present) <= set(names), names
    assert not set(absent) & set(names), names


def test_search_normalizes_decomposed_letters(client, auth):
    decomposed = "pa\u030arørende"  # a + combining ring: NFC makes it å
    assert decomposed != "pårørende" and unicodedata.normalize("NFC", decomposed) == "pårørende"
    names = found_names(client, auth, [("SokeOrd", decomposed)])
    assert names == found_names(client, auth, [("SokeOrd", "pårørende")])
    assert "Støtte til deg som er pårørende ved demens" in names


def test_search_same_answer_for_every_casing(client, auth):
    answers = {tuple(found_names(client, auth, [("SokeOrd", t)])) for t in ("ærlig", "Ærlig", "ÆRLIG", "æRLIG")}
    assert answers == {("Ærlig om alkohol",)}


def test_search_results_are_ordered_like_the_list(client, auth):
    names = found_names(client, auth, [("SokeOrd", "ungdom")])
    assert len(names) >= 5
    assert names == [t["Navn"] for t in ORDERED if t["Navn"] in set(names)]


@pytest.mark.parametrize(("row_count", "take"), [("1", 1), ("2", 2), ("3", 3), ("50", 50), ("51", 50), ("100", 50), ("2147483647", 50)])
def test_search_row_count_limits_the_answer(client, auth, row_count, take):
    want = expected_search("ungdom")
    assert len(want) > 3
    assert found_names(client, auth, [("SokeOrd", "ungdom"), ("RowCount", row_count)]) == want[:take]


def test_search_row_count_defaults_to_all_up_to_50(client, auth):
    want = expected_search("ungdom")
    assert found_names(client, auth, [("SokeOrd", "ungdom")]) == want


@pytest.mark.parametrize("row_count", ["0", "-1", "abc", "1.5", "99999999999"])
def test_search_bad_row_count_is_400(client, auth, row_count):
    assert_error(search(client, auth, [("SokeOrd", "ungdom"), ("RowCount", row_count)]), 400, "VER-000293")


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (SEARCH, "sokeord=kols&rowcount=1"),
        (SEARCH, "SOKEORD=kols&ROWCOUNT=1"),
        ("/verktoy/v1/selvstendigverktoy/sokselvstendigverktoy", "SokeOrd=kols"),
        ("/VERKTOY/V1/SELVSTENDIGVERKTOY/SOKSELVSTENDIGVERKTOY", "sokeord=KOLS"),
    ],
)
def test_search_binds_case_insensitively(client, auth, path, query):
    assert found_names(client, auth, query, path) == ["Hjemmeoppfølging ved KOLS"]


# -- graphic elements ------------------------------------------------------------------------------------

CONTENT_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff"}


@pytest.mark.parametrize("image", IMAGES, ids=[str(g["id"]) for g in IMAGES])
def test_image_bytes_and_type(client, auth, image):
    path = DATA_DIR / image["fil"]
    response = client.get(IMAGE + str(image["id"]), headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPES[path.suffix]
    assert response.content == path.read_bytes()
    if path.suffix == ".svg":
        assert b"<svg" in response.content
    else:
        assert response.content.startswith(MAGIC[path.suffix])
    assert re.fullmatch(r'"[^"]+"', response.headers["etag"])
    assert "max-age" in response.headers["cache-control"]
    assert client.get(IMAGE + str(image["id"]), headers=auth).headers["etag"] == response.headers["etag"]


def test_every_content_type_is_in_the_data():
    assert {Path(g["fil"]).suffix for g in IMAGES} == set(CONTENT_TYPES)


def test_image_etags_differ_between_images(client, auth):
    etags = {client.get(IMAGE + str(g["id"]), headers=auth).headers["etag"] for g in IMAGES}
    distinct_files = {(DATA_DIR / g["fil"]).read_bytes() for g in IMAGES}
    assert len(etags) == len(distinct_files)


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ("{etag}", 304),
        ("W/{etag}", 304),
        ('"other", {etag}', 304),
        ("*", 304),
        ('"other"', 200),
        ('"{etag}"', 200),  # wrongly quoted: not the same tag
    ],
)
def test_image_conditional_get(client, auth, if_none_match, status):
    etag = client.get(IMAGE + "5", headers=auth).headers["etag"]
    response = client.get(IMAGE + "5", headers={**auth, "If-None-Match": if_none_match.format(etag=etag)})
    assert response.status_code == status
    if status == 304:
        assert response.content == b""
        assert response.headers["etag"] == etag
    else:
        assert response.content == (DATA_DIR / "images/5.png").read_bytes()


def test_image_path_binds_case_insensitively(client, auth):
    response = client.get("/VERKTOY/v1/grafiskelement/5", headers=auth)
    assert response.status_code == 200
    assert response.content == (DATA_DIR / "images/5.png").read_bytes()


@pytest.mark.parametrize("image_id", ["999", "0", "-1", str(max(g["id"] for g in IMAGES) + 1)])
def test_unknown_image_is_404(client, auth, image_id):
    assert_error(client.get(IMAGE + image_id, headers=auth), 404)


@pytest.mark.parametrize("image_id", ["abc", "5.0", "5a", "1_0", "٥", "99999999999", "0x5"])
def test_non_integer_image_id_is_400_VER_000209(client, auth, image_id):
    assert_error(client.get(IMAGE + quote(image_id, safe=""), headers=auth), 400, "VER-000209")


# -- who may call ----------------------------------------------------------------------------------------

ENDPOINTS = [
    "/verktoy/v1/SelvstendigVerktoy",
    "/verktoy/v1/SelvstendigVerktoy?Fagomrader=9",  # auth is checked before the query
    GET + SEED_TOOL,
    GET + "not-a-guid",
    SEARCH + "?SokeOrd=test",
    SEARCH,
    IMAGE + "5",
    IMAGE + "abc",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_without_a_token_is_401_SEC_110000(client, url):
    response = client.get(url)
    body = assert_error(response, 401, "SEC-110000")
    assert body["Message"] == "Token is expired or invalid"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("authorization", ["Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer a.b.c"])
def test_a_bad_token_is_401(client, authorization):
    assert_error(client.get(IMAGE + "5", headers={"Authorization": authorization}), 401, "SEC-110000")


@pytest.fixture(scope="module")
def other_scope_tokens(tokens) -> list[dict[str, str]]:
    return [
        {"Authorization": "Bearer " + tokens.get("digitaltaktiv", "helsebro-demo-epj")},
        tokens.bearer("verktoysendtilinnbygger"),
    ]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_token_without_verktoykatalog_read_is_403_SEC_110001(client, other_scope_tokens, url):
    for headers in other_scope_tokens:
        body = assert_error(client.get(url, headers=headers), 403, "SEC-110001")
        assert body["Message"] == "Mangler tilgang (scope)"
