"""PVK's rules without HTTP or a database: JSON repair, request parsing, the metadata rule by type,
what counts as no change, part rights, base64, paging parameters.

Bodies are given the way ``bodies.parse_body`` hands them over: property names lower-cased.
"""

from __future__ import annotations

import datetime as dt
import random

import orjson
import pytest

from helsebro.casing import lower_keys
from helsebro.errors import HelsenorgeError
from helsebro.personvern import bodies, fields, inputs, metadata, service
from helsebro.personvern.bodies import REPAIRED_QUOTES, REPAIRED_TRAILING_COMMA
from helsebro.personvern.service import Definition, Setting

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
NFS = "3fe2a80a-4200-42e2-817b-da8a6236708a"


def code_of(error: pytest.ExceptionInfo[HelsenorgeError]) -> str:
    return error.value.code


# -- JSON repair --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "repaired", "repairs"),
    [
        ('{"typePi": “samtykke”}', '{"typePi": "samtykke"}', (REPAIRED_QUOTES,)),
        ('{"typePi": ”samtykke”}', '{"typePi": "samtykke"}', (REPAIRED_QUOTES,)),
        ("{“returkode”: “ok”}", '{"returkode": "ok"}', (REPAIRED_QUOTES,)),
        ('{"aktiv": true,}', '{"aktiv": true}', (REPAIRED_TRAILING_COMMA,)),
        ('{"aktiv": true,\n  \r\n}', '{"aktiv": true\n  \r\n}', (REPAIRED_TRAILING_COMMA,)),
        ('{"a": [1, 2, ], "b": 3,}', '{"a": [1, 2 ], "b": 3}', (REPAIRED_TRAILING_COMMA,)),
        ('{"t": “x”,}', '{"t": "x"}', (REPAIRED_QUOTES, REPAIRED_TRAILING_COMMA)),
        ('{"t": “he said \\"hi\\"”}', '{"t": "he said \\\\\\"hi\\\\\\""}', (REPAIRED_QUOTES,)),
        ('{"t": “with " inside”}', '{"t": "with \\" inside"}', (REPAIRED_QUOTES,)),
    ],
)
def test_repairs(text, repaired, repairs):
    assert bodies.repair_json(text) == (repaired, repairs)


@pytest.mark.parametrize(
    "text",
    [
        '{"navn": "“sitat”", "x": 1}',  # typographic quotes inside a JSON string are content
        '{"navn": "a,}", "b": "c,]"}',  # so are commas before a brace
        '{"navn": "escaped \\" “quote”,}"}',
        '["“", "”"]',
    ],
)
def test_text_inside_json_strings_is_never_touched(text):
    assert bodies.repair_json(text) == (text, ())


def test_repair_leaves_every_valid_json_document_unchanged():
    """Valid JSON never carries either artefact outside its strings, so repair is the identity on it."""
    rng = random.Random(3)
    alphabet = ['"', "\\", ",", "}", "]", "“", "”", "a", "æ", " ", "\n", "{", "["]

    def value(depth: int) -> object:
        kind = rng.randrange(6 if depth < 3 else 4)
        if kind == 0:
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(8)))
        if kind == 1:
            return rng.choice([True, False, None])
        if kind == 2:
            return rng.randrange(-1000, 1000)
        if kind == 3:
            return rng.random()
        if kind == 4:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {"".join(rng.choice(alphabet) for _ in range(3)): value(depth + 1) for _ in range(rng.randrange(4))}

    for _ in range(500):
        text = orjson.dumps(value(0)).decode()
        assert bodies.repair_json(text) == (text, ())


def test_parse_body_strict_json_has_no_repairs_and_lower_keys():
    parsed = bodies.parse_body(b'{"InnbyggerFnr": "12048645510", "TbInnbyggerMetadata": {"DetaljertAngivelse": {}}}')
    assert parsed.repairs == ()
    assert parsed.value == {"innbyggerfnr": "12048645510", "tbinnbyggermetadata": {"detaljertangivelse": {}}}


def test_parse_body_accepts_a_utf8_byte_order_mark():
    assert bodies.parse_body('\ufeff{"a": 1}'.encode()).value == {"a": 1}


@pytest.mark.parametrize(
    "raw",
    [b"", b" \n", b"\xff\xfe", b"[]", b"null", b"1", b"{'a': 1}", b'{"a": 1,,}', b'{"a": NaN}', '{"a": “x}'.encode()],
)
def test_parse_body_refuses_what_is_not_a_json_object(raw):
    with pytest.raises(HelsenorgeError) as error:
        bodies.parse_body(raw)
    assert code_of(error) == "EPVK-101501" and error.value.status == 400


# -- SettInnbyggersPersonvernInnstilling body ---------------------------------------------------------


def body(**changes: object) -> dict[str, object]:
    values = {
        "innbyggerfnr": "12048645510",
        "definisjonguid": NFS.upper(),
        "partkode": "NFS",
        "typepi": "samtykke",
        "aktiv": True,
    }
    values.update(lower_keys(changes))
    return {k: v for k, v in values.items() if v is not ...}


def test_parse_setting_change_minimal():
    change = inputs.parse_setting_change(body(), NOW)
    assert change == inputs.SettingChange("12048645510", NFS, "NFS", "samtykke", True, None, None, None)


@pytest.mark.parametrize("guid", [NFS, NFS.upper(), NFS.replace("-", ""), "{" + NFS + "}", "(" + NFS + ")", f" {NFS} "])
def test_guid_forms_dotnet_accepts(guid):
    assert fields.parse_definition_guid(guid) == NFS


@pytest.mark.parametrize("guid", ["", "x", "urn:uuid:" + NFS, NFS + "0", NFS.replace("a", "g"), "３fe2a80a-4200-42e2-817b-da8a6236708a"])
def test_guid_forms_refused(guid):
    with pytest.raises(HelsenorgeError) as error:
        fields.parse_definition_guid(guid)
    assert code_of(error) == "EPVK-101500"


@pytest.mark.parametrize("type_pi", ["samtykke", "Samtykke", "SAMTYKKE", " samtykke "])
def test_type_pi_is_case_insensitive(type_pi):
    assert inputs.parse_setting_change(body(typePi=type_pi), NOW).type_pi == "samtykke"


@pytest.mark.parametrize("fnr", ["1204864551", "120486455100", "1204864551a", "１２０４８６４５５１０"])
def test_fnr_must_have_eleven_ascii_digits(fnr):
    with pytest.raises(HelsenorgeError) as error:
        inputs.parse_setting_change(body(innbyggerFnr=fnr), NOW)
    assert code_of(error) == "EPVK-101504" and "11 sifre" in error.value.message


def test_tidspunkt_forms():
    parse = lambda value: inputs.parse_setting_change(body(tidspunkt=value), NOW).set_at  # noqa: E731
    utc = dt.UTC
    assert parse("2023-12-07T08:05:39Z") == dt.datetime(2023, 12, 7, 8, 5, 39, tzinfo=utc)
    assert parse("2023-12-07T09:05:39+01:00") == dt.datetime(2023, 12, 7, 8, 5, 39, tzinfo=utc)
    assert parse("2023-12-07T08:05:39") == dt.datetime(2023, 12, 7, 8, 5, 39, tzinfo=utc)  # no offset: UTC
    assert parse("2023-12-07T08:05:39.1234567Z") == dt.datetime(2023, 12, 7, 8, 5, 39, 123456, tzinfo=utc)  # .NET's 7 digits
    assert parse(None) is None


def test_tidspunkt_in_the_future_beyond_the_tolerance_is_refused():
    within = (NOW + fields.FUTURE_TOLERANCE).isoformat()
    assert inputs.parse_setting_change(body(tidspunkt=within), NOW).set_at == NOW + fields.FUTURE_TOLERANCE
    beyond = (NOW + fields.FUTURE_TOLERANCE + dt.timedelta(seconds=1)).isoformat()
    with pytest.raises(HelsenorgeError) as error:
        inputs.parse_setting_change(body(tidspunkt=beyond), NOW)
    assert code_of(error) == "EPVK-101509"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"innbyggerFnr": ...}, "EPVK-101502"),
        ({"definisjonGuid": None}, "EPVK-101502"),
        ({"partKode": " "}, "EPVK-101502"),
        ({"typePi": ...}, "EPVK-101502"),
        ({"aktiv": ...}, "EPVK-101502"),
        ({"aktiv": "false"}, "EPVK-101503"),
        ({"aktiv": 0}, "EPVK-101503"),
        ({"partKode": ["NFS"]}, "EPVK-101503"),
        ({"typePi": "fullmakt"}, "EPVK-101505"),
        ({"tidspunkt": "07.12.2023"}, "EPVK-101503"),
        ({"signertBevisMimeType": "application/pdf"}, "EPVK-101510"),
        ({"signertBevisInnhold": "YWJj"}, "EPVK-101510"),
        ({"signertBevisMimeType": "application/pdf", "signertBevisInnhold": "YWJ"}, "EPVK-101511"),
        ({"signertBevisMimeType": "application pdf", "signertBevisInnhold": "YWJj"}, "EPVK-101511"),
    ],
)
def test_setting_change_errors(changes, code):
    with pytest.raises(HelsenorgeError) as error:
        inputs.parse_setting_change(body(**changes), NOW)
    assert code_of(error) == code and error.value.status == 400


def test_proof_is_kept_as_received():
    change = inputs.parse_setting_change(body(signertBevisMimeType=" application/pdf ", signertBevisInnhold="YWJj\nZGVm"), NOW)
    assert change.proof == fields.Proof("application/pdf", "YWJj\nZGVm")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("YWJj", True),
        ("YWI=", True),
        ("YW\r\nJj", True),
        ("", False),
        ("YWJ", False),
        ("YWJj=", False),
        ("YW*j", False),
        ("YWJj-_==", False),
    ],
)
def test_base64(value, ok):
    assert fields.is_base64(value) is ok


# -- TbInnbyggerMetadata by type ----------------------------------------------------------------------

LINDA = {"nummer": "4128168", "navn": "Linda Ingrid Telle"}
PER = {"nummer": "1234567", "navn": "Per Olsen"}


def named(*people: dict) -> dict:
    return {"detaljertangivelse": {"navngitthelseperson": list(people)}}


def test_access_restriction_metadata_canonical_form():
    parsed = metadata.parse_metadata(named(LINDA, {"nummer": "1234567", "type": "HPR"}), "tilgangsbegrensning", True)
    assert parsed == {"detaljertAngivelse": {"navngittHelseperson": [LINDA, {"nummer": "1234567", "navn": None}]}}


def test_time_limits_canonical_form():
    raw = {"tidsbegrensning": {"tiltidspunkt": "2027-01-01T01:00:00+01:00"}}
    assert metadata.parse_metadata(raw, "reservasjon", True) == {"tidsbegrensning": {"tilTidspunkt": "2027-01-01T00:00:00Z"}}


@pytest.mark.parametrize(
    ("raw", "type_pi", "aktiv", "code"),
    [
        (None, "tilgangsbegrensning", True, "EPVK-101507"),
        ({}, "tilgangsbegrensning", True, "EPVK-101507"),
        (named(), "tilgangsbegrensning", True, "EPVK-101507"),
        (named(LINDA, LINDA), "tilgangsbegrensning", True, "EPVK-101507"),
        (named({"nummer": "12345678901"}), "tilgangsbegrensning", True, "EPVK-101507"),
        (named({"nummer": ""}), "tilgangsbegrensning", True, "EPVK-101507"),
        ([LINDA], "tilgangsbegrensning", True, "EPVK-101507"),
        (named(), "tilgangsbegrensning", False, "EPVK-101507"),  # a removal's metadata is checked too
        (named(LINDA), "samtykke", True, "EPVK-101506"),
        (named(LINDA), "reservasjon", False, "EPVK-101506"),
        ({"annet": True}, "samtykke", True, "EPVK-101506"),
        ({"tidsbegrensning": "2027"}, "samtykke", True, "EPVK-101507"),
        ({"tidsbegrensning": {"fratidspunkt": "2027-01-01", "tiltidspunkt": "2027-01-01"}}, "samtykke", True, "EPVK-101507"),
        ({"tidsbegrensning": {"fratidspunkt": 2027}}, "samtykke", True, "EPVK-101503"),
    ],
)
def test_metadata_rule(raw, type_pi, aktiv, code):
    with pytest.raises(HelsenorgeError) as error:
        metadata.parse_metadata(raw, type_pi, aktiv)
    assert code_of(error) == code


@pytest.mark.parametrize(
    ("raw", "type_pi", "aktiv"),
    [
        (None, "samtykke", True),
        (None, "reservasjon", False),
        (None, "tilgangsbegrensning", False),
        (named(LINDA), "tilgangsbegrensning", False),
    ],
)
def test_metadata_not_needed(raw, type_pi, aktiv):
    metadata.parse_metadata(raw, type_pi, aktiv)


# -- what is a change -------------------------------------------------------------------------------


def setting(aktiv: bool, metadata: dict | None = None) -> Setting:
    return Setting(1, aktiv, metadata, NOW, NOW, 1)


def canonical(*people: dict) -> dict:
    return {"detaljertAngivelse": {"navngittHelseperson": list(people)}}


@pytest.mark.parametrize(
    ("current", "aktiv", "metadata", "unchanged"),
    [
        (None, False, None, True),  # a consent never given is withdrawn
        (None, True, None, False),
        (setting(True), True, None, True),
        (setting(True), False, None, False),
        (setting(False), False, None, True),
        (setting(False), True, None, False),
        (setting(True, canonical(LINDA, PER)), True, canonical(PER, LINDA), True),  # order does not matter
        (setting(True, canonical(LINDA, PER)), True, canonical(LINDA), False),  # the list is replaced whole
        (setting(True, canonical(LINDA)), True, canonical({**LINDA, "navn": "Linda Telle"}), False),
        (setting(True, {"tidsbegrensning": {"tilTidspunkt": "2027-01-01T00:00:00Z"}}), True, None, False),
    ],
)
def test_is_unchanged(current, aktiv, metadata, unchanged):
    assert service.is_unchanged(current, aktiv, metadata) is unchanged


# -- parts, definitions, paging -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "part", "allowed"),
    [
        (("*",), "RF", True),
        (("NFS",), "NFS", True),
        (("nfs",), "NFS", True),
        (("NFS",), "RF", False),
        ((), "NFS", False),
        (("NFS", "RF"), "rf", True),
    ],
)
def test_may_use_part(parts, part, allowed):
    assert service.may_use_part(parts, part) is allowed


def definition(part: str = "NFS", type_pi: str = "samtykke", fra: dt.date | None = None, til: dt.date | None = None) -> Definition:
    return Definition(NFS, "navn", part, type_pi, [], fra, til)


def test_only_the_hn_samtykke_is_the_helsenorge_consent():
    assert definition("HN").is_helsenorge_consent
    assert not definition("NFS").is_helsenorge_consent
    assert not definition("HN", "reservasjon").is_helsenorge_consent


def test_definition_active_period_is_inclusive():
    day = NOW.date()
    assert definition().active_on(day)
    assert definition(fra=day, til=day).active_on(day)
    assert not definition(fra=day + dt.timedelta(days=1)).active_on(day)
    assert not definition(til=day - dt.timedelta(days=1)).active_on(day)


def test_definition_query_defaults_and_case():
    query = inputs.parse_definition_query({"definisjonguid": [NFS.upper()], "partkode": ["NFS"]})
    assert query == inputs.DefinitionQuery(NFS, "NFS", 0)
    query = inputs.parse_definition_query({"definisjonguid": [NFS], "partkode": ["NFS"], "pagingreference": ["42", "7"]})
    assert query.paging_reference == 42


@pytest.mark.parametrize("reference", ["-1", "1.5", "x", "٣", str(2**63)])
def test_definition_query_paging_reference_refused(reference):
    with pytest.raises(HelsenorgeError) as error:
        inputs.parse_definition_query({"definisjonguid": [NFS], "partkode": ["NFS"], "pagingreference": [reference]})
    assert code_of(error) == "EPVK-101503"
