"""The rules a letter's metadata must meet, without a server or database, each cross-checked against KS's
own spec (forsendelse-send-api-v3.json, read with jsonschema):

- a schema rule we enforce is one the spec's schema enforces too (jsonschema rejects the same example);
- a rule the spec states in words passes the spec's schema and is refused by us, with its message;
- where we read the spec the way SvarUt's Java stack does (UTF-16 lengths, ASCII ``\\d``, ``null`` as absent,
  four-digit years), the difference to a plain JSON Schema reading is shown explicitly.
Also the streaming multipart reader, fed in chunks of every awkward size.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
from typing import Any

import pytest

from helsebro.errors import FiksError
from helsebro.svarut import validation
from helsebro.svarut.multipart import MalformedMultipart, MultipartReader, boundary_of
from tests.support_svarut import Part, load_specs, multipart, nhn_letter, organisation_letter, person_letter, print_letter

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
SCHEMA = {"person": "PersonForsendelse", "organisasjon": "OrganisasjonForsendelse", "print": "PrintForsendelse", "nhn": "NhnForsendelse"}
EXAMPLES = {"person": person_letter, "organisasjon": organisation_letter, "print": print_letter, "nhn": nhn_letter}
DELETE = object()


@pytest.fixture(scope="module")
def specs():
    return load_specs()


def changed(kind: str, path: str, value: Any) -> dict:
    """The kind's valid example with the value at a dotted path (list indices as numbers) set or deleted."""
    letter = copy.deepcopy(EXAMPLES[kind]())
    *parents, last = path.split(".")
    target: Any = letter
    for step in parents:
        target = target[int(step)] if step.isdigit() else target.setdefault(step, {})
    if value is DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return letter


def problems(kind: str, letter: Any) -> list[tuple[str, str]]:
    """Our verdict: the (field, message) problems, empty when the letter is accepted."""
    raw = letter if isinstance(letter, bytes) else json.dumps(letter).encode()
    try:
        validation.forsendelse(kind, raw, NOW)
    except FiksError as exc:
        assert exc.status == 400
        return list((exc.error_json or {}).items()) or [("", exc.message)]
    return []


def assert_refused(kind: str, letter: Any, field: str, message: str) -> None:
    found = problems(kind, letter)
    assert any(f == field and message in m for f, m in found), found


# -- the valid examples --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_examples_are_valid_for_ks_and_for_us(specs, kind):
    assert specs.errors(EXAMPLES[kind](), SCHEMA[kind]) == []
    assert problems(kind, EXAMPLES[kind]()) == []


# -- schema rules: the spec's schema and ours agree ----------------------------------------------------

LONG = "x" * 1001
SCHEMA_CASES = [
    ("person", "tittel", DELETE, "forsendelse.tittel", "er påkrevd"),
    ("person", "tittel", "", "forsendelse.tittel", "minst 1 tegn"),
    ("person", "tittel", LONG, "forsendelse.tittel", "høyst 1000 tegn"),
    ("person", "tittel", 123, "forsendelse.tittel", "må være en tekst"),
    ("person", "mottaker", DELETE, "forsendelse.mottaker", "er påkrevd"),
    ("person", "mottaker.navn", "x" * 101, "forsendelse.mottaker.navn", "høyst 100 tegn"),
    ("person", "mottaker.digitalId", "12345678", "forsendelse.mottaker.digitalId", "minst 9 tegn"),
    ("person", "mottaker.digitalId", "123456789012", "forsendelse.mottaker.digitalId", "høyst 11 tegn"),
    ("person", "mottaker.adresse.poststed", DELETE, "forsendelse.mottaker.adresse.poststed", "er påkrevd"),
    ("person", "mottaker.adresse.adresselinje1", "x" * 71, "forsendelse.mottaker.adresse.adresselinje1", "høyst 70 tegn"),
    ("person", "mottaker.adresse.postnummer", "x" * 21, "forsendelse.mottaker.adresse.postnummer", "høyst 20 tegn"),
    ("person", "mottaker.adresse.landkode", "no", "forsendelse.mottaker.adresse.landkode", "mønsteret"),
    ("person", "mottaker.adresse.landkode", "NOR", "forsendelse.mottaker.adresse.landkode", "høyst 2 tegn"),
    ("person", "mottaker.adresse", "Storgata 1", "forsendelse.mottaker.adresse", "må være et objekt"),
    ("person", "konteringskode", "a b", "forsendelse.konteringskode", "mønsteret"),
    ("person", "konteringskode", "k" * 21, "forsendelse.konteringskode", "høyst 20 tegn"),
    ("person", "sikkerhetsniva", "MIDDELS", "forsendelse.sikkerhetsniva", "BETYDELIG, HOYESTE"),
    ("person", "kryptert", "true", "forsendelse.kryptert", "true eller false"),
    ("person", "kunDigitalLevering", 1, "forsendelse.kunDigitalLevering", "true eller false"),
    ("person", "svarPaForsendelseId", "123", "forsendelse.svarPaForsendelseId", "UUID"),
    ("person", "avgivendeSystem", "x" * 101, "forsendelse.avgivendeSystem", "høyst 100 tegn"),
    ("person", "avgivendeSystemAktor", "", "forsendelse.avgivendeSystemAktor", "minst 1 tegn"),
    ("person", "eksternReferanse", "x" * 101, "forsendelse.eksternReferanse", "høyst 100 tegn"),
    ("person", "korrelasjonsid", "", "forsendelse.korrelasjonsid", "minst 1 tegn"),
    ("person", "utskriftskonfigurasjon", {"tosidig": "ja"}, "forsendelse.utskriftskonfigurasjon.tosidig", "true eller false"),
    ("person", "eksponertFor", ["12048645510", "12048645510"], "forsendelse.eksponertFor", "unike"),
    ("person", "eksponertFor", "12048645510", "forsendelse.eksponertFor", "må være en liste"),
    ("person", "dokumenter.0.mimeType", DELETE, "forsendelse.dokumenter[0].mimeType", "er påkrevd"),
    ("person", "dokumenter.0.filnavn", "f" * 227, "forsendelse.dokumenter[0].filnavn", "høyst 226 tegn"),
    ("person", "dokumenter.0.mimeType", "m" * 128, "forsendelse.dokumenter[0].mimeType", "høyst 127 tegn"),
    ("person", "dokumenter.0.giroarkSide", 0, "forsendelse.dokumenter[0].giroarkSide", "minst 1"),
    ("person", "dokumenter.0.giroarkSide", 2**31, "forsendelse.dokumenter[0].giroarkSide", f"høyst {2**31 - 1}"),
    ("person", "dokumenter.0.giroarkSide", 1.5, "forsendelse.dokumenter[0].giroarkSide", "heltall"),
    ("person", "dokumenter.0.skalSigneres", "nei", "forsendelse.dokumenter[0].skalSigneres", "true eller false"),
    ("person", "lenker", [{"url": "https://ks.no", "tekst": "KS"}] * 6, "forsendelse.lenker", "høyst 5 elementer"),
    ("person", "lenker", [{"url": "https://ks.no"}], "forsendelse.lenker[0].tekst", "er påkrevd"),
    ("person", "lenker", [{"url": "https://ks.no/" + "x" * 1000, "tekst": "KS"}], "forsendelse.lenker[0].url", "høyst 1000 tegn"),
    ("person", "lenker", [{"url": "https://ks.no", "tekst": "KS", "ledetekst": ""}], "forsendelse.lenker[0].ledetekst", "minst 1 tegn"),
    (
        "person",
        "signering",
        {"signeringUtloper": "2027-01-01T00:00:00Z", "signaturType": "BANKID"},
        "forsendelse.signering.signaturType",
        "AUTENTISERT_SIGNATUR",
    ),
    (
        "person",
        "signering",
        {"signeringUtloper": "i morgen", "signaturType": "AVANSERT_SIGNATUR"},
        "forsendelse.signering.signeringUtloper",
        "RFC 3339",
    ),
    ("person", "signering", {"signaturType": "AVANSERT_SIGNATUR"}, "forsendelse.signering.signeringUtloper", "er påkrevd"),
    (
        "person",
        "svarSendesTil",
        {"navn": "A", "type": "KOMMUNE", "digitalId": "910000063", "adresse": {"adresselinje1": "a", "poststed": "b"}},
        "forsendelse.svarSendesTil.type",
        "PERSON, ORGANISASJON, NHN_MOTTAKER",
    ),
    (
        "person",
        "svarSendesTil",
        {"navn": "A", "type": "ORGANISASJON", "digitalId": "12a", "adresse": {"adresselinje1": "a", "poststed": "b"}},
        "forsendelse.svarSendesTil.digitalId",
        "mønsteret",
    ),
    (
        "person",
        "svarSendesTil",
        {"navn": "A", "type": "ORGANISASJON", "digitalId": "910000063"},
        "forsendelse.svarSendesTil.adresse",
        "er påkrevd",
    ),
    ("organisasjon", "metadataFraAvleverendeSystem.saksaar", 999, "forsendelse.metadataFraAvleverendeSystem.saksaar", "minst 1000"),
    (
        "organisasjon",
        "metadataFraAvleverendeSystem.sakssekvensnummer",
        0,
        "forsendelse.metadataFraAvleverendeSystem.sakssekvensnummer",
        "minst 1",
    ),
    (
        "organisasjon",
        "metadataFraAvleverendeSystem.journaldato",
        "2026-01-16",
        "forsendelse.metadataFraAvleverendeSystem.journaldato",
        "RFC 3339",
    ),
    (
        "organisasjon",
        "metadataFraAvleverendeSystem.saksbehandler",
        "",
        "forsendelse.metadataFraAvleverendeSystem.saksbehandler",
        "minst 1 tegn",
    ),
    (
        "organisasjon",
        "metadataFraAvleverendeSystem.ekstraMetadata",
        [{"key": f"k{i}", "value": "v"} for i in range(21)],
        "forsendelse.metadataFraAvleverendeSystem.ekstraMetadata",
        "høyst 20 elementer",
    ),
    (
        "organisasjon",
        "metadataFraAvleverendeSystem.ekstraMetadata",
        [{"key": "k", "value": "v" * 501}],
        "forsendelse.metadataFraAvleverendeSystem.ekstraMetadata[0].value",
        "høyst 500 tegn",
    ),
    (
        "organisasjon",
        "metadataFraAvleverendeSystem.ekstraMetadata",
        [{"key": "k", "value": "v"}, {"key": "k", "value": "v"}],
        "forsendelse.metadataFraAvleverendeSystem.ekstraMetadata",
        "unike",
    ),
    ("organisasjon", "metadataForImport", {"journalpostnummer": 0}, "forsendelse.metadataForImport.journalpostnummer", "minst 1"),
    ("organisasjon", "metadataForImport", {"tittel": "x" * 1001}, "forsendelse.metadataForImport.tittel", "høyst 1000 tegn"),
    (
        "organisasjon",
        "metadataForImport",
        {"sakssekvensnummer": 2**63},
        "forsendelse.metadataForImport.sakssekvensnummer",
        f"høyst {2**63 - 1}",
    ),
    ("organisasjon", "dokumenter.0.dokumentType", "", "forsendelse.dokumenter[0].dokumentType", "minst 1 tegn"),
    ("organisasjon", "dokumenter.0.ekstraMetadata", [{"key": "k"}], "forsendelse.dokumenter[0].ekstraMetadata[0].value", "er påkrevd"),
    (
        "organisasjon",
        "dokumenter.0.inneholderPersonsensitivInformasjon",
        "ja",
        "forsendelse.dokumenter[0].inneholderPersonsensitivInformasjon",
        "true eller false",
    ),
    ("organisasjon", "forsendelsestype", "x" * 101, "forsendelse.forsendelsestype", "høyst 100 tegn"),
    ("organisasjon", "taushetsbelagtPost", "nei", "forsendelse.taushetsbelagtPost", "true eller false"),
    ("print", "mottaker.adresse", DELETE, "forsendelse.mottaker.adresse", "er påkrevd"),
    ("print", "mottaker.navn", DELETE, "forsendelse.mottaker.navn", "er påkrevd"),
    ("print", "dokumenter.0.mimeType", "m" * 51, "forsendelse.dokumenter[0].mimeType", "høyst 50 tegn"),
    ("nhn", "tittel", "x" * 201, "forsendelse.tittel", "høyst 200 tegn"),
    ("nhn", "beskrivelse", "x" * 5001, "forsendelse.beskrivelse", "høyst 5000 tegn"),
    ("nhn", "mottakertype", DELETE, "forsendelse.mottakertype", "er påkrevd"),
    ("nhn", "mottakertype", "LEGEVAKT", "forsendelse.mottakertype", "FASTLEGE, HER_ID"),
    ("nhn", "mottakerHerId", 0, "forsendelse.mottakerHerId", "minst 1"),
    ("nhn", "mottakerHerId", "8100001", "forsendelse.mottakerHerId", "heltall"),
    ("nhn", "avsenderKontakt", DELETE, "forsendelse.avsenderKontakt", "er påkrevd"),
    ("nhn", "avsenderKontakt.telefonnummer", "1" * 21, "forsendelse.avsenderKontakt.telefonnummer", "høyst 20 tegn"),
    ("nhn", "avsenderKontakt.mellomnavn", "", "forsendelse.avsenderKontakt.mellomnavn", "minst 1 tegn"),
    ("nhn", "pasient.fodselsnummer", "1234567890", "forsendelse.pasient.fodselsnummer", "mønsteret"),
    ("nhn", "pasient.fornavn", "x" * 31, "forsendelse.pasient.fornavn", "høyst 30 tegn"),
    ("nhn", "pasient", DELETE, "forsendelse.pasient", "er påkrevd"),
]


@pytest.mark.parametrize(("kind", "path", "value", "field", "message"), SCHEMA_CASES, ids=[f"{c[0]}:{c[1]}" for c in SCHEMA_CASES])
def test_schema_rule(specs, kind, path, value, field, message):
    letter = changed(kind, path, value)
    assert specs.errors(letter, SCHEMA[kind]), "KS's schema accepts this example: the case does not test a schema rule"
    assert_refused(kind, letter, field, message)


# -- rules the spec states in words --------------------------------------------------------------------

SIGNED = [{"filnavn": "avtale.pdf", "mimeType": "application/pdf", "skalSigneres": True}]
REPLY = {
    "navn": "Demo kommune",
    "type": "ORGANISASJON",
    "digitalId": "910000063",
    "adresse": {"adresselinje1": "Rådhuset", "poststed": "OSLO"},
}
TEXT_CASES = [
    ("person", "dokumenter.0.filnavn", "vedtak?.pdf", "forsendelse.dokumenter[0].filnavn", "kan ikke inneholde ?"),
    ("person", "dokumenter.0.filnavn", 'a/b\\c:"*<>|.pdf', "forsendelse.dokumenter[0].filnavn", '" * / : < > \\ |'),
    ("person", "dokumenter", [{"filnavn": "a.pdf", "mimeType": "application/pdf"}] * 2, "forsendelse.dokumenter[1].filnavn", "unikt"),
    (
        "person",
        "dokumenter",
        [{"filnavn": "data.csv", "mimeType": "text/csv"}],
        "forsendelse.dokumenter[0].mimeType",
        "kun application/pdf kan printes",
    ),
    (
        "organisasjon",
        "dokumenter",
        [{"filnavn": "data.xml", "mimeType": "application/xml"}],
        "forsendelse.dokumenter[0].mimeType",
        "kun application/pdf kan printes",
    ),
    ("print", "dokumenter.0.mimeType", "image/png", "forsendelse.dokumenter[0].mimeType", "kun application/pdf godtas for print"),
    ("person", "sikkerhetsniva", "HOYESTE", "forsendelse.kryptert", "HOYESTE"),
    ("organisasjon", "sikkerhetsniva", "HOYESTE", "forsendelse.kryptert", "HOYESTE"),
    ("person", "kanSvareViaEdialog", True, "forsendelse.svarSendesTil", "ORGANISASJON"),
    ("person", "svarSendesTil", {**REPLY, "type": "PERSON", "digitalId": "123"}, "forsendelse.svarSendesTil.digitalId", "11 sifre"),
    ("person", "svarSendesTil", {**REPLY, "digitalId": "123456789"}, "forsendelse.svarSendesTil.digitalId", "organisasjonsnummer"),
    ("person", "mottaker.digitalId", "910000063", "forsendelse.mottaker.digitalId", "11 sifre"),
    ("organisasjon", "mottaker.digitalId", "123456789", "forsendelse.mottaker.digitalId", "gyldig organisasjonsnummer"),
    ("organisasjon", "mottaker.digitalId", "12048645510", "forsendelse.mottaker.digitalId", "gyldig organisasjonsnummer"),
    ("person", "eksponertFor", ["abc"], "forsendelse.eksponertFor[0]", "fødselsnummer (11 sifre) eller et organisasjonsnummer"),
    ("person", "lenker", [{"url": "ikke en url", "tekst": "a"}], "forsendelse.lenker[0].url", "URI"),
    ("person", "lenker", [{"url": "/relativ/sti", "tekst": "a"}], "forsendelse.lenker[0].url", "URI"),
    ("person", "lenker", [{"url": "https://[::1/", "tekst": "a"}], "forsendelse.lenker[0].url", "URI"),
    ("person", "lenker", [{"url": "https://ks.no/%zz", "tekst": "a"}], "forsendelse.lenker[0].url", "URI"),
    ("person", "dokumenter", SIGNED * 2, "forsendelse.dokumenter", "kun ett dokument kan signeres"),
    (
        "person",
        "dokumenter",
        [{"filnavn": "a.docx", "mimeType": "application/msword", "skalSigneres": True, "skalEkskluderesFraUtskrift": True}],
        "forsendelse.dokumenter[0].mimeType",
        "signeres må være application/pdf",
    ),
    ("person", "dokumenter", SIGNED, "forsendelse.signering", "påkrevd når et dokument skal signeres"),
    (
        "person",
        "signering",
        {"signeringUtloper": "2026-11-24T18:00:00Z", "signaturType": "AVANSERT_SIGNATUR"},
        "forsendelse.signering.signeringUtloper",
        "minst én dag frem i tid",
    ),
    ("nhn", "mottakertype", "HER_ID", "forsendelse.mottakerHerId", "påkrevd når mottakertype er HER_ID"),
]


@pytest.mark.parametrize(
    ("kind", "path", "value", "field", "message"), TEXT_CASES, ids=[f"{c[0]}:{c[1]}={str(c[2])[:20]}" for c in TEXT_CASES]
)
def test_rule_stated_in_words(specs, kind, path, value, field, message):
    letter = changed(kind, path, value)
    assert specs.errors(letter, SCHEMA[kind]) == [], "KS's schema refuses this example already"
    assert_refused(kind, letter, field, message)


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("person", {"dokumenter": [{"filnavn": "data.csv", "mimeType": "text/csv"}], "kunDigitalLevering": True}),
        ("person", {"dokumenter": [{"filnavn": "data.csv", "mimeType": "text/csv", "skalEkskluderesFraUtskrift": True}]}),
        ("person", {"sikkerhetsniva": "HOYESTE", "kryptert": True}),
        ("person", {"sikkerhetsniva": "BETYDELIG"}),
        ("person", {"kanSvareViaEdialog": True, "svarSendesTil": REPLY}),
        (
            "person",
            {"dokumenter": SIGNED, "signering": {"signeringUtloper": "2026-11-26T12:00:00+01:00", "signaturType": "AUTENTISERT_SIGNATUR"}},
        ),
        (
            "person",
            {"lenker": [{"url": "https://ks.no/sti?a=b#c", "tekst": "KS"}, {"url": "http://[2001:db8::1]:8080/x", "tekst": "IPv6"}]},
        ),
        ("person", {"eksponertFor": ["12048645510", "910000063"]}),
        ("nhn", {"mottakertype": "HER_ID", "mottakerHerId": 8100001}),
        ("organisasjon", {"metadataForImport": {"saksaar": 2026, "journalaar": 2026, "dokumentetsDato": "2026-01-16T18:39:11.123+01:00"}}),
    ],
    ids=[
        "non-pdf-digital-only",
        "non-pdf-excluded",
        "hoyeste-encrypted",
        "betydelig-unencrypted",
        "edialog",
        "signing",
        "links",
        "exposed",
        "her-id",
        "noark",
    ],
)
def test_letters_that_meet_the_rules_in_words_are_accepted(specs, kind, changes):
    letter = {**EXAMPLES[kind](), **changes}
    assert specs.errors(letter, SCHEMA[kind]) == []
    assert problems(kind, letter) == []


# -- reading the spec the way SvarUt's Java stack does -------------------------------------------------


def test_null_counts_as_absent_for_optional_properties(specs):
    letter = {**person_letter(), "eksponertFor": None, "kryptert": None}
    assert specs.errors(letter, "PersonForsendelse")  # a plain JSON Schema reading refuses null ...
    assert problems("person", letter) == []  # ... Jackson reads it as absent


def test_null_for_a_required_property_is_missing():
    assert problems("person", {**person_letter(), "tittel": None}) == [("forsendelse.tittel", "er påkrevd")]


def test_property_names_are_case_sensitive_and_a_case_slip_is_named():
    letter = person_letter()
    letter["Tittel"] = letter.pop("tittel")
    [(field, message)] = problems("person", letter)
    assert field == "forsendelse" and "'Tittel'" in message and "'tittel'" in message


def test_unknown_properties_are_ignored_as_jackson_does(specs):
    letter = {**person_letter(), "forsendelsesType": "x", "mottaker": {**person_letter()["mottaker"], "foedselsdato": "1986-04-12"}}
    assert specs.errors(letter, "PersonForsendelse") == []
    assert problems("person", letter) == []


def test_lengths_count_utf16_code_units_as_java_does(specs):
    fits = person_letter(tittel="😀" * 500)  # 1000 UTF-16 code units
    too_long = person_letter(tittel="😀" * 501)  # 501 characters, 1002 code units
    assert problems("person", fits) == []
    assert specs.errors(too_long, "PersonForsendelse") == []  # JSON Schema counts characters
    assert problems("person", too_long) == [("forsendelse.tittel", "kan ha høyst 1000 tegn (har 1002)")]


def test_pattern_digits_are_ascii_as_in_java(specs):
    letter = {**person_letter(), "svarSendesTil": {**REPLY, "type": "NHN_MOTTAKER", "digitalId": "١٢٣"}}
    assert specs.errors(letter, "PersonForsendelse") == []  # Python's \\d takes Arabic-Indic digits
    assert problems("person", letter)[0][0] == "forsendelse.svarSendesTil.digitalId"


def test_four_digit_years_as_the_integer_pattern_says(specs):
    letter = {**organisation_letter(), "metadataForImport": {"saksaar": 10000}}
    assert specs.errors(letter, "OrganisasjonForsendelse") == []  # JSON Schema ignores pattern on integers
    assert problems("organisasjon", letter) == [("forsendelse.metadataForImport.saksaar", "kan være høyst 9999")]


def test_every_problem_is_reported_at_once():
    letter = person_letter(tittel="", konteringskode="a b", sikkerhetsniva="X")
    assert {f for f, _ in problems("person", letter)} == {"forsendelse.tittel", "forsendelse.konteringskode", "forsendelse.sikkerhetsniva"}


@pytest.mark.parametrize(("raw", "expected"), [(b"{", "Ugyldig JSON"), (b"[]", "må være et objekt"), (b'"tekst"', "må være et objekt")])
def test_metadata_that_is_not_a_json_object(raw, expected):
    assert expected in " ".join(m for _, m in problems("person", raw))


# -- the status search body ----------------------------------------------------------------------------


def test_status_query_reads_ids_and_lowercases_them(specs):
    body = {"id": ["7D3C9A52-4B1E-4F0A-9C6D-2E8B5A1F0C37"]}
    assert specs.errors(body, "Forsendelser", "status") == []
    assert validation.status_query(json.dumps(body).encode()) == ["7d3c9a52-4b1e-4f0a-9c6d-2e8b5a1f0c37"]


@pytest.mark.parametrize("body", [{}, {"id": ["x"]}, {"id": [1]}, {"id": "7d3c9a52-4b1e-4f0a-9c6d-2e8b5a1f0c37"}])
def test_invalid_status_query_is_refused_as_the_spec_would(specs, body):
    assert specs.errors(body, "Forsendelser", "status")
    with pytest.raises(FiksError) as raised:
        validation.status_query(json.dumps(body).encode())
    assert raised.value.status == 400


# -- the multipart reader ------------------------------------------------------------------------------


async def _read_all(body: bytes, boundary: bytes, chunk: int) -> list[tuple[str | None, str | None, str | None, bytes]]:
    async def chunks():
        for start in range(0, len(body), chunk):
            yield body[start : start + chunk]

    reader = MultipartReader(chunks(), boundary)
    parts = []
    while (headers := await reader.next_part()) is not None:
        data = b"".join([piece async for piece in reader.data()])
        parts.append((headers.name, headers.filename, headers.content_type, data))
    return parts


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000, 10**6])
def test_multipart_reader_gives_the_same_parts_whatever_the_chunking(chunk):
    parts = [
        Part("forsendelse", b'{"tittel": "t"}', content_type="application/json"),
        Part("filer_0", b"%PDF-1.7\r\n--not-the-boundary\r\n" * 50, filename="æøå vedtak.pdf", content_type="application/pdf"),
        Part("filer_1", b"", filename="tom.pdf"),
    ]
    content_type, body = multipart(parts, boundary="grense")
    assert boundary_of(content_type) == b"grense"
    read = asyncio.run(_read_all(body, b"grense", chunk))
    assert read == [(p.name, p.filename, p.content_type, p.data) for p in parts]


def test_multipart_reader_reads_rfc2231_filenames():
    body = b"--g\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%C3%A6%C3%B8%C3%A5.pdf\r\n\r\nx\r\n--g--\r\n"
    assert asyncio.run(_read_all(body, b"g", 5)) == [("f", "æøå.pdf", None, b"x")]


@pytest.mark.parametrize(
    "disposition",
    [
        # An ASCII fallback first, as curl, requests/urllib3 with RFC 2231 and many Java clients write it ...
        b'form-data; name="filer"; filename="vedtak_aeoa.pdf"; filename*=UTF-8\'\'vedtak_%C3%A6%C3%B8%C3%A5.pdf',
        # ... or after, and with the extended value split over continuations (RFC 2231 section 3)
        b'form-data; name="filer"; filename*0*=UTF-8\'\'vedtak_%C3%A6; filename*1*=%C3%B8%C3%A5.pdf; filename="vedtak_aeoa.pdf"',
        b'form-data; filename*=utf-8\'nb\'vedtak_%C3%A6%C3%B8%C3%A5.pdf; name="filer"; filename="vedtak_aeoa.pdf"',
    ],
)
def test_filename_star_wins_over_filename(disposition):
    """RFC 7578 4.2 and RFC 6266 4.3: a part with both uses filename*."""
    body = b"--g\r\nContent-Disposition: " + disposition + b"\r\nContent-Type: application/pdf\r\n\r\nx\r\n--g--\r\n"
    assert asyncio.run(_read_all(body, b"g", 7)) == [("filer", "vedtak_æøå.pdf", "application/pdf", b"x")]


def test_a_plain_filename_alone_is_taken_as_it_is():
    body = b'--g\r\nContent-Disposition: form-data; name="filer"; filename="vedtak.pdf"\r\n\r\nx\r\n--g--\r\n'
    assert asyncio.run(_read_all(body, b"g", 7)) == [("filer", "vedtak.pdf", None, b"x")]


def test_multipart_reader_refuses_a_body_without_closing_boundary():
    _, body = multipart([Part("forsendelse", b"{}")], boundary="g")
    with pytest.raises(MalformedMultipart):
        asyncio.run(_read_all(body[:-10], b"g", 4))


@pytest.mark.parametrize("content_type", [None, "application/json", "multipart/mixed; boundary=a", "multipart/form-data"])
def test_boundary_is_only_taken_from_multipart_form_data(content_type):
    assert boundary_of(content_type) is None
