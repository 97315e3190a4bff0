"""GET /verktoy/v1/SelvstendigVerktoy: filters, order, paging, validation and case-insensitive binding.

Expected results are computed here from the default data file, not with the server's code: filters on
different fields AND, values within one list OR, order by name (Norwegian alphabetical, case-insensitive) then id.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

import helsebro.testdata
from tests.support import catalog_order_key

CATALOG = json.loads((Path(helsebro.testdata.__file__).parent / "catalog.json").read_text(encoding="utf-8"))
TOOLS = CATALOG["verktoy"]
BY_NAME = {t["Navn"]: t["VerktoyId"] for t in TOOLS}
URL = "/verktoy/v1/SelvstendigVerktoy"


ALL_IDS = [t["VerktoyId"] for t in sorted(TOOLS, key=catalog_order_key)]


def expected(
    fagomrader: tuple[int, ...] = (),
    malgrupper: tuple[int, ...] = (),
    sprak: tuple[int, ...] = (),
    klassifiseringer: tuple[str, ...] = (),
    kan: bool | None = None,
    anonym: bool | None = None,
) -> list[str]:
    def keep(t: dict) -> bool:
        return (
            (not fagomrader or any(v in t["Fagomrader"] for v in fagomrader))
            and (not malgrupper or any(v in t["Malgrupper"] for v in malgrupper))
            and (not sprak or any(v in t["Sprak"] for v in sprak))
            and (not klassifiseringer or any(k["kode"] in klassifiseringer for k in t["Klassifiseringer"]))
            and (kan is None or t["KanLeggesTilAvInnbygger"] is kan)
            and (anonym is None or t["KunAnonymTilgang"] is anonym)
        )

    return [t["VerktoyId"] for t in sorted(TOOLS, key=catalog_order_key) if keep(t)]


@pytest.fixture(scope="module")
def auth(tokens) -> dict[str, str]:
    return tokens.bearer()


def get_list(client, auth, query: str | list[tuple[str, str]] = "", path: str = URL):
    if not isinstance(query, str):
        query = urlencode(query)
    return client.get(f"{path}?{query}" if query else path, headers=auth)


def ids(client, auth, query: str | list[tuple[str, str]] = "", path: str = URL) -> list[str]:
    response = get_list(client, auth, query, path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list)
    return [tool["VerktoyId"] for tool in body]


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"Code", "Message"}, body
    assert isinstance(body["Message"], str) and body["Message"]
    if code is not None:
        assert body["Code"] == code, body
    return body


# -- filters ---------------------------------------------------------------------------------------------

FILTER_CASES = [
    # (query, expected-set arguments)
    ("Fagomrader=1", {"fagomrader": (1,)}),
    ("Fagomrader=2", {"fagomrader": (2,)}),
    ("Fagomrader=3", {"fagomrader": (3,)}),
    ("Malgrupper=1", {"malgrupper": (1,)}),
    ("Malgrupper=2", {"malgrupper": (2,)}),
    ("Malgrupper=3", {"malgrupper": (3,)}),
    ("Malgrupper=4", {"malgrupper": (4,)}),
    ("Sprak=1", {"sprak": (1,)}),
    ("Sprak=3", {"sprak": (3,)}),
    ("Sprak=5", {"sprak": (5,)}),
    ("Sprak=8", {"sprak": (8,)}),
    ("Klassifiseringer=56294008", {"klassifiseringer": ("56294008",)}),
    ("Klassifiseringer=52448006", {"klassifiseringer": ("52448006",)}),
    # A tool's second classification counts too (Blodtrykket mitt: 38341003, 56265001).
    ("Klassifiseringer=56265001", {"klassifiseringer": ("56265001",)}),
    ("KanLeggesTilAvInnbygger=true", {"kan": True}),
    ("KanLeggesTilAvInnbygger=false", {"kan": False}),
    ("KunAnonymTilgang=true", {"anonym": True}),
    ("KunAnonymTilgang=false", {"anonym": False}),
    # bool binds case-insensitively in ASP.NET.
    ("KanLeggesTilAvInnbygger=True", {"kan": True}),
    ("KunAnonymTilgang=FALSE", {"anonym": False}),
    # An empty value for a bool? is no filter.
    ("KunAnonymTilgang=", {}),
    # OR within one list.
    ("Fagomrader=1&Fagomrader=3", {"fagomrader": (1, 3)}),
    ("Malgrupper=1&Malgrupper=4", {"malgrupper": (1, 4)}),
    ("Sprak=3&Sprak=5", {"sprak": (3, 5)}),
    ("Klassifiseringer=56294008&Klassifiseringer=52448006", {"klassifiseringer": ("56294008", "52448006")}),
    ("Fagomrader=1&fagomrader=3", {"fagomrader": (1, 3)}),  # repeated key in another casing
    # AND across fields.
    ("Fagomrader=2&Malgrupper=1", {"fagomrader": (2,), "malgrupper": (1,)}),
    ("Fagomrader=1&KunAnonymTilgang=true", {"fagomrader": (1,), "anonym": True}),
    ("Sprak=8&Malgrupper=4&KanLeggesTilAvInnbygger=true", {"sprak": (8,), "malgrupper": (4,), "kan": True}),
    ("Klassifiseringer=35489007&KanLeggesTilAvInnbygger=false", {"klassifiseringer": ("35489007",), "kan": False}),
    ("KanLeggesTilAvInnbygger=true&KunAnonymTilgang=true", {"kan": True, "anonym": True}),
    # OR and AND together.
    (
        "Fagomrader=1&Fagomrader=3&Malgrupper=2&Malgrupper=4&Sprak=4",
        {"fagomrader": (1, 3), "malgrupper": (2, 4), "sprak": (4,)},
    ),
    (
        "Fagomrader=2&Malgrupper=2&Malgrupper=3&Sprak=5&Sprak=8&KunAnonymTilgang=false",
        {"fagomrader": (2,), "malgrupper": (2, 3), "sprak": (5, 8), "anonym": False},
    ),
    (
        "Sprak=3&Malgrupper=1&KunAnonymTilgang=false&KanLeggesTilAvInnbygger=false",
        {"sprak": (3,), "malgrupper": (1,), "anonym": False, "kan": False},
    ),
    # Filters that leave nothing are not errors.
    ("Klassifiseringer=00000000", {"klassifiseringer": ("00000000",)}),
    ("Fagomrader=2&Malgrupper=1&KunAnonymTilgang=true", {"fagomrader": (2,), "malgrupper": (1,), "anonym": True}),
]
EMPTY_CASES = {"Klassifiseringer=00000000", "Fagomrader=2&Malgrupper=1&KunAnonymTilgang=true"}


@pytest.mark.parametrize(("query", "wanted"), FILTER_CASES, ids=[q for q, _ in FILTER_CASES])
def test_filter_matches_the_data(client, auth, query, wanted):
    want = expected(**wanted)
    assert (want == []) == (query in EMPTY_CASES)  # every other case must find something
    assert len(want) <= 50  # one page holds them all
    assert ids(client, auth, query + "&AntallVerktoy=50") == want


def test_filter_cases_are_selective():
    """Guards the data the cases above rely on: single filters pick proper subsets, OR widens, AND narrows."""
    for query, wanted in FILTER_CASES:
        if wanted and "&" not in query and query not in EMPTY_CASES and query != "Sprak=1":
            assert 0 < len(expected(**wanted)) < len(TOOLS), query
    assert len(expected(fagomrader=(1, 3))) > max(len(expected(fagomrader=(1,))), len(expected(fagomrader=(3,))))
    assert len(expected(fagomrader=(2,), malgrupper=(1,))) < min(len(expected(fagomrader=(2,))), len(expected(malgrupper=(1,))))


def test_filtered_results_carry_the_filtered_values(client, auth):
    response = get_list(client, auth, "Fagomrader=3&Sprak=6&KunAnonymTilgang=true&AntallVerktoy=50")
    assert response.status_code == 200
    body = response.json()
    assert body
    for tool in body:
        assert 3 in [f["FagomradeType"] for f in tool["FagomradeListe"]]
        assert "ar" in [s["SprakKode"] for s in tool["SprakListe"]]
        assert tool["KunAnonymTilgang"] is True


def test_no_filter_lists_every_tool(client, auth):
    assert ids(client, auth, "AntallVerktoy=50") == ALL_IDS
    assert len(ALL_IDS) == len(TOOLS) == len(set(ALL_IDS))


# -- order -----------------------------------------------------------------------------------------------


def test_order_is_name_casefolded_then_id_and_repeatable(client, auth):
    first = ids(client, auth, "AntallVerktoy=50")
    second = ids(client, auth, "AntallVerktoy=50")
    assert first == second == ALL_IDS
    names = [next(t["Navn"] for t in TOOLS if t["VerktoyId"] == i) for i in first]
    # Lower-case initials sort among the others, not after "Z" (a plain code point sort would).
    assert names.index("eMestring ved depresjon") == names.index("Diabetesdagboka") + 1
    assert names.index("Epilepsidagboka") == names.index("eMestring ved depresjon") + 1
    assert names.index("mittKosthold") == names.index("Minnetrening for eldre") + 1
    assert names != sorted(names)  # so the case folding above is really exercised
    # Names beginning with Æ, Ø and Å come after every A-Z name, in Norwegian alphabetical order.
    assert names[-3:] == ["Ærlig om alkohol", "Øvelser for rygg og nakke", "Å leve med langvarige smerter"]


def test_order_inside_a_filtered_list_follows_the_same_rule(client, auth):
    got = ids(client, auth, "Fagomrader=3&AntallVerktoy=50")
    assert got == [i for i in ALL_IDS if i in set(got)]
    assert BY_NAME["Ærlig om alkohol"] in got and BY_NAME["Øvelser for rygg og nakke"] in got


# -- paging ----------------------------------------------------------------------------------------------


def test_default_page_size_is_10(client, auth):
    assert ids(client, auth) == ALL_IDS[:10]


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("AntallVerktoy=1", ALL_IDS[:1]),
        ("AntallVerktoy=1&Sidereferanse=2", ALL_IDS[1:2]),
        ("AntallVerktoy=50", ALL_IDS),
        ("AntallVerktoy=10&Sidereferanse=2", ALL_IDS[10:20]),
        ("AntallVerktoy=10&Sidereferanse=4", ALL_IDS[30:40]),  # the last, partial page
        ("AntallVerktoy=10&Sidereferanse=5", []),  # past the end
        ("Sidereferanse=1000", []),
        ("AntallVerktoy=50&Sidereferanse=2", []),
        ("AntallVerktoy=7&Sidereferanse=5", ALL_IDS[28:35]),
        ("Siderefereanse=2&AntallVerktoy=5", ALL_IDS[5:10]),  # the seed's spelling
        ("Sidereferanse=3", ALL_IDS[20:30]),
        ("Sidereferanse=%201%20&AntallVerktoy=%203", ALL_IDS[:3]),  # Int32 parsing allows surrounding blanks
        ("Sidereferanse=%2B2&AntallVerktoy=3", ALL_IDS[3:6]),  # ... and a sign
        ("AntallVerktoy=&Sidereferanse=", ALL_IDS[:10]),  # empty values count as not given: the defaults
        ("AntallVerktoy=%20&Sidereferanse=2", ALL_IDS[10:20]),
    ],
)
def test_paging(client, auth, query, want):
    assert ids(client, auth, query) == want


def test_last_page_is_partial():
    assert 30 < len(ALL_IDS) < 40  # the partial-page cases above rely on 34 tools


@pytest.mark.parametrize("size", [1, 3, 7, 10, 33, 34, 50])
def test_pages_concatenate_to_the_full_list(client, auth, size):
    collected: list[str] = []
    for page in range(1, len(ALL_IDS) + 2):
        got = ids(client, auth, f"AntallVerktoy={size}&Sidereferanse={page}")
        if not got:
            break
        assert len(got) <= size
        collected.extend(got)
    else:
        pytest.fail("paging never ended")
    assert collected == ALL_IDS
    assert len(set(collected)) == len(collected)


def test_pages_of_a_filtered_list(client, auth):
    want = expected(fagomrader=(1,))
    assert len(want) > 6
    collected = []
    for page in range(1, 20):
        got = ids(client, auth, f"Fagomrader=1&AntallVerktoy=4&Sidereferanse={page}")
        if not got:
            break
        collected.extend(got)
    assert collected == want


# -- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "51", "-1", "abc", "1.5", "1e1", "10abc", "1_0", "٣", "99999999999"])
def test_bad_page_size_is_VK_001206(client, auth, value):
    assert_error(get_list(client, auth, [("AntallVerktoy", value)]), 400, "VK-001206")


@pytest.mark.parametrize(
    "query",
    [
        "Fagomrader=9",
        "Fagomrader=0",
        "Fagomrader=-1",
        "Fagomrader=1&Fagomrader=9",  # one bad value in the list is enough
        "Sprak=99",
        "Sprak=0",
        "Malgrupper=abc",
        "Malgrupper=5",
        "Malgrupper=2.0",
        "fagomrader=4",
        "Sprak=1&Malgrupper=2&Fagomrader=7",
    ],
)
def test_undefined_enum_is_VER_000204(client, auth, query):
    assert_error(get_list(client, auth, query), 400, "VER-000204")


@pytest.mark.parametrize(
    "query",
    [
        "KanLeggesTilAvInnbygger=yes",
        "KanLeggesTilAvInnbygger=1",
        "KunAnonymTilgang=maybe",
        "KunAnonymTilgang=truee",
        "Sidereferanse=0",
        "Sidereferanse=-1",
        "Sidereferanse=abc",
        "Siderefereanse=0",
        "Sidereferanse=1.0",
        "Sidereferanse=99999999999",  # beyond Int32
    ],
)
def test_bad_boolean_or_page_is_400_with_the_family_body(client, auth, query):
    assert_error(get_list(client, auth, query), 400, "VER-000293")


def test_validation_does_not_depend_on_parameter_order(client, auth):
    a = get_list(client, auth, "AntallVerktoy=51&Fagomrader=1")
    b = get_list(client, auth, "Fagomrader=1&AntallVerktoy=51")
    assert a.json() == b.json()
    assert_error(a, 400, "VK-001206")


# -- ASP.NET-style case-insensitive binding --------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("fagomrader=2&AntallVerktoy=50", expected(fagomrader=(2,))),
        ("FAGOMRADER=1&MALGRUPPER=4&AntallVerktoy=50", expected(fagomrader=(1,), malgrupper=(4,))),
        ("sprak=7&kunanonymtilgang=TRUE&antallverktoy=50", expected(sprak=(7,), anonym=True)),
        ("kanleggestilavinnbygger=false&AntallVerktoy=50", expected(kan=False)),
        ("klassifiseringer=56294008", expected(klassifiseringer=("56294008",))),
        ("ANTALLVERKTOY=5", ALL_IDS[:5]),
        ("antallverktoy=5&SIDEREFERANSE=2", ALL_IDS[5:10]),
        ("AntallVerktoy=5&siderefereanse=3", ALL_IDS[10:15]),
    ],
)
def test_query_names_bind_case_insensitively(client, auth, query, want):
    assert ids(client, auth, query) == want


@pytest.mark.parametrize("path", ["/VERKTOY/V1/selvstendigverktoy", "/verktoy/v1/selvstendigverktoy", "/Verktoy/V1/SELVSTENDIGVERKTOY"])
def test_path_binds_case_insensitively(client, auth, path):
    assert ids(client, auth, "Fagomrader=2&AntallVerktoy=50", path=path) == expected(fagomrader=(2,))


def test_case_insensitive_errors_too(client, auth):
    assert_error(get_list(client, auth, "antallverktoy=0"), 400, "VK-001206")
    assert_error(get_list(client, auth, "SPRAK=99", path="/VERKTOY/V1/SELVSTENDIGVERKTOY"), 400, "VER-000204")
