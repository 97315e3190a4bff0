"""The Verktøykatalog's rules without HTTP or a database: query parsing, filters, paging, search, folding.

The snapshot is built by hand; query parameters are given the way ``helsebro.casing.query_lists`` hands
them over: ``{lower-cased name: [values]}``.
"""

from __future__ import annotations

import pytest

from helsebro.errors import HelsenorgeError
from helsebro.verktoy import service
from helsebro.verktoy.catalog import FAGOMRADE, INNHOLDSTYPE, MALGRUPPE, SPRAK, Code, Snapshot, Tool, fold, word_starts


def make_tool(
    n: int,
    navn: str,
    sokeord: tuple[str, ...] = (),
    fag: tuple[int, ...] = (),
    mal: tuple[int, ...] = (),
    sprak: tuple[int, ...] = (),
    klass: tuple[str, ...] = (),
    kan: bool = True,
    anonym: bool = False,
) -> Tool:
    tool_id = f"00000000-0000-4000-8000-{n:012d}"
    return Tool(
        id=tool_id,
        navn=navn,
        owner_client_id=None,
        kan_legges_til_av_innbygger=kan,
        kun_anonym_tilgang=anonym,
        values={FAGOMRADE: frozenset(fag), MALGRUPPE: frozenset(mal), SPRAK: frozenset(sprak), INNHOLDSTYPE: frozenset()},
        klassifiseringer=frozenset(klass),
        word_starts=word_starts([navn, *sokeord]),
        body={"VerktoyId": tool_id, "Navn": navn},
        json=b"{}",
        summary_json=b"{}",
    )


def snapshot_of(tools: list[Tool], extra_fagomrade: tuple[int, ...] = ()) -> Snapshot:
    ordered = sorted(tools, key=lambda t: (fold(t.navn), t.id))
    codes = {
        FAGOMRADE: {i: Code(i, f"F{i}") for i in (1, 2, 3, *extra_fagomrade)},
        MALGRUPPE: {i: Code(i, f"M{i}") for i in (1, 2, 3, 4)},
        SPRAK: {1: Code(1, "Norsk bokmål", "nb-NO"), 2: Code(2, "Norsk nynorsk", "nn-NO"), 3: Code(3, "Nordsamisk", "se-NO")},
    }
    return Snapshot(tools=ordered, by_id={t.id: t for t in ordered}, codes=codes)


TOOLS = [
    make_tool(1, "Angstkurset", ("angst", "kognitiv terapi"), fag=(2,), mal=(3,), sprak=(1, 2), klass=("197480006",)),
    make_tool(2, "Søvnskolen", ("søvn", "søvndagbok"), fag=(2, 3), mal=(3,), sprak=(1,), kan=False),
    make_tool(3, "Ærlig om alkohol", ("alkohol", "selvtest"), fag=(3,), mal=(3, 4), sprak=(1, 3), anonym=True),
    make_tool(4, "ADHD-hjelp for foreldre", ("adhd", "barn"), fag=(2,), mal=(1, 3), sprak=(2,), klass=("406506008",)),
    make_tool(5, "eMestring ved depresjon", ("depresjon",), fag=(2,), mal=(3,), sprak=(1,), kan=False, anonym=True),
    make_tool(6, "Hørselstesten", ("hørsel", "selvtest"), fag=(1,), mal=(3, 4), sprak=(3,), klass=("15188001", "406506008")),
    make_tool(7, "Barn i bevegelse", ("barn", "aktivitet"), fag=(1, 3), mal=(1,), sprak=(1, 2, 3), anonym=True),
]
SNAPSHOT = snapshot_of(TOOLS)
NAMES = {t.id: t.navn for t in TOOLS}


def names(tools: list[Tool]) -> list[str]:
    return [t.navn for t in tools]


def error_of(call, *args) -> HelsenorgeError:
    with pytest.raises(HelsenorgeError) as caught:
        call(*args)
    return caught.value


# -- parse_list_query ------------------------------------------------------------------------------------


def test_defaults_without_parameters():
    query = service.parse_list_query({}, SNAPSHOT)
    assert query.enums == {FAGOMRADE: frozenset(), MALGRUPPE: frozenset(), SPRAK: frozenset()}
    assert query.klassifiseringer == frozenset()
    assert query.kan_legges_til_av_innbygger is None and query.kun_anonym_tilgang is None
    assert (query.page, query.page_size) == (1, 10)


def test_enum_lists_parse_to_code_ids():
    query = service.parse_list_query({"fagomrader": ["1", "3"], "malgrupper": [" 4 "], "sprak": ["2", "2"]}, SNAPSHOT)
    assert query.enums == {FAGOMRADE: frozenset({1, 3}), MALGRUPPE: frozenset({4}), SPRAK: frozenset({2})}


@pytest.mark.parametrize(
    "params",
    [
        {"fagomrader": ["4"]},
        {"fagomrader": ["1", "4"]},
        {"malgrupper": ["0"]},
        {"sprak": ["abc"]},
        {"sprak": [""]},
        {"sprak": ["1.0"]},
        {"malgrupper": ["٣"]},  # a non-ASCII digit is no number to .NET
    ],
)
def test_undefined_enum_value_is_VER_000204(params):
    error = error_of(service.parse_list_query, params, SNAPSHOT)
    assert (error.status, error.code) == (400, "VER-000204")


def test_enum_values_come_from_the_snapshot_code_tables():
    assert error_of(service.parse_list_query, {"fagomrader": ["7"]}, SNAPSHOT).code == "VER-000204"
    extended = snapshot_of(TOOLS, extra_fagomrade=(7,))
    assert service.parse_list_query({"fagomrader": ["7"]}, extended).enums[FAGOMRADE] == {7}


def test_klassifiseringer_are_trimmed_and_empty_values_dropped():
    query = service.parse_list_query({"klassifiseringer": [" 197480006 ", "", "  ", "406506008"]}, SNAPSHOT)
    assert query.klassifiseringer == {"197480006", "406506008"}


@pytest.mark.parametrize(("raw", "size"), [("1", 1), ("50", 50), (" 7 ", 7), ("+7", 7), ("010", 10)])
def test_page_size_in_range(raw, size):
    assert service.parse_list_query({"antallverktoy": [raw]}, SNAPSHOT).page_size == size


@pytest.mark.parametrize("raw", ["0", "51", "-1", "abc", "1.5", "1_0", "٣", "５", "2147483648", "1e1"])
def test_page_size_out_of_range_is_VK_001206(raw):
    error = error_of(service.parse_list_query, {"antallverktoy": [raw]}, SNAPSHOT)
    assert (error.status, error.code) == (400, "VK-001206")


def test_first_value_of_a_repeated_scalar_wins():
    query = service.parse_list_query({"antallverktoy": ["5", "99"], "sidereferanse": ["2", "x"]}, SNAPSHOT)
    assert (query.page, query.page_size) == (2, 5)


@pytest.mark.parametrize(
    ("params", "page"),
    [
        ({"sidereferanse": ["3"]}, 3),
        ({"siderefereanse": ["4"]}, 4),  # the seed's spelling
        ({"sidereferanse": ["2"], "siderefereanse": ["9"]}, 2),  # the documented name wins
        ({"sidereferanse": ["2147483647"]}, 2147483647),
    ],
)
def test_page_reference(params, page):
    assert service.parse_list_query(params, SNAPSHOT).page == page


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.0", "2147483648", "٢"])
def test_bad_page_reference_is_400(raw):
    for name in ("sidereferanse", "siderefereanse"):
        error = error_of(service.parse_list_query, {name: [raw]}, SNAPSHOT)
        assert (error.status, error.code) == (400, "VER-000293")


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("TRUE", True), (" False ", False), ("false", False), ("", None), ("  ", None)])
def test_booleans(raw, value):
    query = service.parse_list_query({"kanleggestilavinnbygger": [raw], "kunanonymtilgang": [raw]}, SNAPSHOT)
    assert query.kan_legges_til_av_innbygger is value
    assert query.kun_anonym_tilgang is value


@pytest.mark.parametrize("raw", ["1", "0", "yes", "ja", "t"])
def test_bad_boolean_is_400(raw):
    for name in ("kanleggestilavinnbygger", "kunanonymtilgang"):
        error = error_of(service.parse_list_query, {name: [raw]}, SNAPSHOT)
        assert (error.status, error.code) == (400, "VER-000293")


# -- list_tools ------------------------------------------------------------------------------------------


def listed(params: dict[str, list[str]]) -> list[str]:
    return names(service.list_tools(SNAPSHOT, service.parse_list_query({"antallverktoy": ["50"], **params}, SNAPSHOT)))


def test_snapshot_order_is_name_casefolded_then_id():
    assert names(SNAPSHOT.tools) == [
        "ADHD-hjelp for foreldre",
        "Angstkurset",
        "Barn i bevegelse",
        "eMestring ved depresjon",
        "Hørselstesten",
        "Søvnskolen",
        "Ærlig om alkohol",
    ]
    twins = snapshot_of([make_tool(9, "Likt navn"), make_tool(8, "likt navn")])
    assert [t.id for t in twins.tools] == [make_tool(8, "x").id, make_tool(9, "x").id]


@pytest.mark.parametrize(
    ("params", "want"),
    [
        ({}, names(SNAPSHOT.tools)),
        ({"fagomrader": ["1"]}, ["Barn i bevegelse", "Hørselstesten"]),
        ({"fagomrader": ["1", "3"]}, ["Barn i bevegelse", "Hørselstesten", "Søvnskolen", "Ærlig om alkohol"]),
        ({"fagomrader": ["2"], "malgrupper": ["1"]}, ["ADHD-hjelp for foreldre"]),
        ({"sprak": ["3"], "kunanonymtilgang": ["true"]}, ["Barn i bevegelse", "Ærlig om alkohol"]),
        ({"kanleggestilavinnbygger": ["false"]}, ["eMestring ved depresjon", "Søvnskolen"]),
        ({"kanleggestilavinnbygger": ["false"], "kunanonymtilgang": ["false"]}, ["Søvnskolen"]),
        ({"klassifiseringer": ["406506008"]}, ["ADHD-hjelp for foreldre", "Hørselstesten"]),
        ({"klassifiseringer": ["15188001", "197480006"]}, ["Angstkurset", "Hørselstesten"]),
        ({"klassifiseringer": ["406506008"], "fagomrader": ["1"]}, ["Hørselstesten"]),
        ({"malgrupper": ["2"]}, []),
        ({"fagomrader": ["2"], "malgrupper": ["1", "4"], "sprak": ["1", "2"]}, ["ADHD-hjelp for foreldre"]),
    ],
)
def test_filters_and_across_fields_or_within_a_list(params, want):
    assert listed(params) == want


@pytest.mark.parametrize(
    ("page", "size", "want"),
    [(1, 3, [0, 1, 2]), (2, 3, [3, 4, 5]), (3, 3, [6]), (4, 3, []), (7, 1, [6]), (8, 1, []), (1, 50, list(range(7)))],
)
def test_paging_slices_the_ordered_list(page, size, want):
    query = service.parse_list_query({"sidereferanse": [str(page)], "antallverktoy": [str(size)]}, SNAPSHOT)
    assert service.list_tools(SNAPSHOT, query) == [SNAPSHOT.tools[i] for i in want]


def test_paging_applies_after_filtering():
    query = service.parse_list_query({"fagomrader": ["2"], "antallverktoy": ["2"], "sidereferanse": ["2"]}, SNAPSHOT)
    # Psykisk helse (2): ADHD, Angst, eMestring, Søvnskolen; page 2 of size 2.
    assert names(service.list_tools(SNAPSHOT, query)) == ["eMestring ved depresjon", "Søvnskolen"]


# -- parse_search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{}, {"sokeord": []}, {"sokeord": [""]}, {"sokeord": ["   "]}, {"sokeord": ["\t\n"]}, {"rowcount": ["5"]}]
)
def test_missing_search_term_is_VER_000205(params):
    error = error_of(service.parse_search, params)
    assert (error.status, error.code) == (400, "VER-000205")


@pytest.mark.parametrize("term", ["ab", " ab ", "x" * 257, "å" * 257])
def test_search_term_length_is_VER_000254(term):
    error = error_of(service.parse_search, {"sokeord": [term]})
    assert (error.status, error.code) == (400, "VER-000254")


@pytest.mark.parametrize(("term", "clean"), [("abc", "abc"), ("  abc  ", "abc"), ("x" * 256, "x" * 256), ("æøå", "æøå")])
def test_search_term_accepted_and_trimmed(term, clean):
    assert service.parse_search({"sokeord": [term]}) == (clean, 50)


@pytest.mark.parametrize(("raw", "count"), [("1", 1), ("49", 49), ("50", 50), ("51", 50), ("1000", 50), (" 3 ", 3)])
def test_row_count_is_capped_at_50(raw, count):
    assert service.parse_search({"sokeord": ["abc"], "rowcount": [raw]}) == ("abc", count)


@pytest.mark.parametrize("raw", ["0", "-3", "abc", "2.5", "1_0"])
def test_bad_row_count_is_400(raw):
    error = error_of(service.parse_search, {"sokeord": ["abc"], "rowcount": [raw]})
    assert (error.status, error.code) == (400, "VER-000293")


# -- search ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "want"),
    [
        ("ang", ["Angstkurset"]),  # name and keyword
        ("terapi", ["Angstkurset"]),  # second word of a keyword
        ("hjelp", ["ADHD-hjelp for foreldre"]),  # after a hyphen
        ("test", []),  # only mid-word: "selvtest", "Hørselstesten"
        ("selvtest", ["Hørselstesten", "Ærlig om alkohol"]),
        ("mestring", []),  # "eMestring" is one word
        ("emestring", ["eMestring ved depresjon"]),
        ("SØVN", ["Søvnskolen"]),
        ("ærlig", ["Ærlig om alkohol"]),
        ("ÆRLIG", ["Ærlig om alkohol"]),
        ("A\u030angst", []),  # å (decomposed) is not a
        ("barn", ["ADHD-hjelp for foreldre", "Barn i bevegelse"]),
        ("kognitiv terapi", ["Angstkurset"]),  # a phrase that begins at a word start
        ("angstkurset angst", []),  # never across the name and a keyword
        ("zzz", []),
    ],
)
def test_search_matches_word_starts(term, want):
    assert names(service.search(SNAPSHOT, term, 50)) == want


def test_search_folds_decomposed_letters_to_their_composed_form():
    tools = [make_tool(1, "Å leve med smerter", ("pårørende",)), make_tool(2, "Aleve")]
    snapshot = snapshot_of(tools)
    assert names(service.search(snapshot, "A\u030a leve", 50)) == ["Å leve med smerter"]
    assert names(service.search(snapshot, "pa\u030arørende", 50)) == ["Å leve med smerter"]
    assert names(service.search(snapshot, "ale", 50)) == ["Aleve"]


def test_search_keeps_the_list_order_and_the_row_count():
    assert names(service.search(SNAPSHOT, "selvtest", 1)) == ["Hørselstesten"]
    many = snapshot_of([make_tool(n, f"Program {n:02d}") for n in range(60, 0, -1)])
    assert names(service.search(many, "program", 50)) == [f"Program {n:02d}" for n in range(1, 51)]


# -- fold and word starts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [("ÆØÅ", "æøå"), ("Søvn", "søvn"), ("A\u030a", "å"), ("a\u030a", "å"), ("Straße", "strasse"), ("KOLS", "kols")],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("texts", "starts"),
    [
        (["ADHD-hjelp for foreldre"], ("adhd-hjelp for foreldre", "hjelp for foreldre", "for foreldre", "foreldre")),
        (["Sov godt, ungdom!"], ("sov godt, ungdom!", "godt, ungdom!", "ungdom!")),
        (["eMestring"], ("emestring",)),
        (["Barnets utvikling 0–5 år"], ("barnets utvikling 0–5 år", "utvikling 0–5 år", "0–5 år", "5 år", "år")),
        (["Navn", "kognitiv terapi"], ("navn", "kognitiv terapi", "terapi")),
        (["", "  "], ()),
    ],
)
def test_word_starts(texts, starts):
    assert word_starts(texts) == starts


# -- ids -------------------------------------------------------------------------------------------------

GUID = "08ead360-0d65-448c-ba9e-8a08f0921c90"


@pytest.mark.parametrize("raw", [GUID, GUID.upper(), f" {GUID} ", GUID.replace("-", ""), "{" + GUID + "}", "(" + GUID + ")"])
def test_tool_id_accepts_the_guid_forms_of_dotnet(raw):
    assert service.parse_tool_id(raw) == GUID


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        GUID[:-1],
        GUID + "0",
        GUID[:-1] + "g",
        "urn:uuid:" + GUID,
        "0" + GUID.replace("-", "", 1)[1:],
        "{" + GUID + ")",
        "{" + GUID,
        "٠" * 32,
        GUID.replace("-", "", 1),
    ],
)
def test_malformed_tool_id_is_VER_000209(raw):
    error = error_of(service.parse_tool_id, raw)
    assert (error.status, error.code) == (400, "VER-000209")


@pytest.mark.parametrize(("raw", "value"), [("5", 5), ("0", 0), ("-1", -1), ("34", 34), ("+5", 5)])
def test_image_id(raw, value):
    assert service.parse_image_id(raw) == value


@pytest.mark.parametrize("raw", ["", "abc", "5.0", "1_0", "٥", "５", "0x5", "2147483648"])
def test_bad_image_id_is_VER_000209(raw):
    error = error_of(service.parse_image_id, raw)
    assert (error.status, error.code) == (400, "VER-000209")


@pytest.mark.parametrize("blank", ["", " "])
def test_blank_page_size_page_and_row_count_mean_the_defaults(blank):
    query = service.parse_list_query({"antallverktoy": [blank], "sidereferanse": [blank]}, Snapshot())
    assert (query.page, query.page_size) == (1, service.DEFAULT_PAGE_SIZE)
    assert service.parse_search({"sokeord": ["søvn"], "rowcount": [blank]}) == ("søvn", service.DEFAULT_ROW_COUNT)
