"""Reading and checking a letter's metadata (the ``forsendelse`` part) before any file is stored. Pure rules:
no database, no HTTP.

Two layers, both reported together as one 400 with every problem found:
1. the schema of the endpoint's kind (``schemas``): required, lengths, patterns, enums, formats, item limits;
2. the rules KS's spec states in words, for the kinds they concern:
   - ``filnavn`` unique within the letter and free of ``* : " \\ / < > | ?``;
   - print: every document ``application/pdf``; person/organisasjon: a document that is not PDF needs
     ``kunDigitalLevering`` or ``skalEkskluderesFraUtskrift`` (only PDF can be printed);
   - ``sikkerhetsniva`` HOYESTE needs ``kryptert`` true ("Ved HOYESTE sikkerhetsnivå må dokumentene krypteres");
   - ``kanSvareViaEdialog`` needs ``svarSendesTil`` of type ORGANISASJON;
   - ``svarSendesTil.digitalId`` fits its ``type``: 11-digit fødselsnummer, 9-digit organisasjonsnummer (mod 11),
     or a HER-id (its existence is checked against the registries later);
   - ``mottaker.digitalId``: 11 digits for a person, a valid organisasjonsnummer for an organisation;
   - ``eksponertFor``: each a fødselsnummer (11 digits) or an organisasjonsnummer (9 digits, mod 11);
   - ``lenker[].url``: an absolute URI (RFC 2396/2732);
   - person: at most one document ``skalSigneres``, and it must be PDF; signing needs ``signering``, whose
     ``signeringUtloper`` lies at least one day ahead;
   - nhn: ``mottakerHerId`` required when ``mottakertype`` is HER_ID.
Not checked: ``giroarkSide`` against the PDF's page count (that needs the PDF's page tree, after upload).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import orjson
from pydantic import ValidationError

from helsebro.identifiers import has_fnr_shape, is_valid_orgnr
from helsebro.svarut import errors
from helsebro.svarut.schemas import FORSENDELSE_MODELS, Forsendelser, NhnForsendelse, PersonForsendelse, PrintForsendelse, Wire

PDF = "application/pdf"
FORBIDDEN_IN_FILNAVN = set('*:"\\/<>|?')
_URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
Problems = list[tuple[str, str]]


def parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.not_json(str(exc)) from exc


def forsendelse(kind: str, raw: bytes, now: dt.datetime) -> Wire:
    """The letter's metadata for the endpoint ``kind``, or a 400 listing every problem."""
    data = parse_json(raw)
    model = FORSENDELSE_MODELS[kind]
    try:
        letter = model.model_validate(data)
    except ValidationError as exc:
        raise errors.validation(schema_problems(exc, "forsendelse")) from None
    problems = text_rules(kind, letter, now)
    if problems:
        raise errors.validation(problems)
    return letter


def status_query(raw: bytes) -> list[str]:
    """The ids of a status search (lower case), or a 400."""
    try:
        query = Forsendelser.model_validate(parse_json(raw))
    except ValidationError as exc:
        raise errors.validation(schema_problems(exc, "")) from None
    return [value.lower() for value in query.id]


def documents_of(letter: Wire) -> list[tuple[str, str]]:
    """(filnavn, mimeType) of the documents the letter announces, in order (nhn announces none)."""
    return [(d.filnavn, d.mimeType) for d in getattr(letter, "dokumenter", None) or []]


# -- schema errors in words ----------------------------------------------------------------------------


def schema_problems(exc: ValidationError, root: str) -> Problems:
    return [(_field(root, error["loc"]), _message(error)) for error in exc.errors()]


def _field(root: str, loc: tuple) -> str:
    path = root
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "er påkrevd"
    if kind == "literal_error":
        return f"må være en av {ctx.get('expected', '')}".replace("'", "").replace(" or ", ", ")
    if kind == "too_long":
        return f"kan ha høyst {ctx.get('max_length')} elementer"
    if kind == "greater_than_equal":
        return f"må være minst {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"kan være høyst {ctx.get('le')}"
    simple = {
        "string_type": "må være en tekst",
        "int_type": "må være et heltall",
        "bool_type": "må være true eller false",
        "list_type": "må være en liste",
        "model_type": "må være et objekt",
        "dict_type": "må være et objekt",
        "model_attributes_type": "må være et objekt",
    }
    return simple.get(kind, error["msg"])


# -- the spec's rules in words -------------------------------------------------------------------------


def text_rules(kind: str, letter: Wire, now: dt.datetime) -> Problems:
    problems: Problems = []
    problems += _filename_rules(letter)
    if kind == "print":
        problems += _print_rules(letter)  # type: ignore[arg-type]
    if kind in ("person", "organisasjon"):
        problems += _printable_rules(letter)
        problems += _recipient_rules(kind, letter)
    if kind == "person":
        problems += _signing_rules(letter, now)  # type: ignore[arg-type]
    if kind == "nhn":
        problems += _nhn_rules(letter)  # type: ignore[arg-type]
    if getattr(letter, "sikkerhetsniva", None) == "HOYESTE" and letter.kryptert is not True:  # type: ignore[attr-defined]
        problems.append(("forsendelse.kryptert", "må være true når sikkerhetsniva er HOYESTE (dokumentene må krypteres)"))
    problems += _reply_rules(letter)
    problems += _exposure_rules(letter)
    for index, lenke in enumerate(getattr(letter, "lenker", None) or []):
        if not is_absolute_uri(lenke.url):
            problems.append((f"forsendelse.lenker[{index}].url", "må være en gyldig absolutt URI (RFC 2396 og RFC 2732)"))
    return problems


def filnavn_problem(filnavn: str) -> str | None:
    bad = sorted(FORBIDDEN_IN_FILNAVN.intersection(filnavn))
    if bad:
        return "kan ikke inneholde " + " ".join(bad)
    return None


def _filename_rules(letter: Wire) -> Problems:
    problems: Problems = []
    seen: set[str] = set()
    for index, (filnavn, _) in enumerate(documents_of(letter)):
        problem = filnavn_problem(filnavn)
        if problem:
            problems.append((f"forsendelse.dokumenter[{index}].filnavn", problem))
        if filnavn in seen:
            problems.append((f"forsendelse.dokumenter[{index}].filnavn", f"må være unikt i forsendelsen ({filnavn!r} finnes fra før)"))
        seen.add(filnavn)
    return problems


def _print_rules(letter: PrintForsendelse) -> Problems:
    return [
        (f"forsendelse.dokumenter[{index}].mimeType", "kun application/pdf godtas for print")
        for index, (_, mime_type) in enumerate(documents_of(letter))
        if mime_type != PDF
    ]


def _printable_rules(letter: Wire) -> Problems:
    if getattr(letter, "kunDigitalLevering", None):
        return []
    return [
        (
            f"forsendelse.dokumenter[{index}].mimeType",
            "kun application/pdf kan printes: marker forsendelsen kunDigitalLevering eller dokumentet skalEkskluderesFraUtskrift",
        )
        for index, document in enumerate(letter.dokumenter or [])  # type: ignore[attr-defined]
        if document.mimeType != PDF and not document.skalEkskluderesFraUtskrift
    ]


def _recipient_rules(kind: str, letter: Wire) -> Problems:
    digital_id = letter.mottaker.digitalId  # type: ignore[attr-defined]
    if kind == "person" and not has_fnr_shape(digital_id):
        return [("forsendelse.mottaker.digitalId", "må være et fødsels- eller d-nummer med 11 sifre")]
    if kind == "organisasjon" and not is_valid_orgnr(digital_id):
        return [("forsendelse.mottaker.digitalId", "må være et gyldig organisasjonsnummer (9 sifre)")]
    return []


def signed_documents(letter: Wire) -> tuple[list[int], Problems]:
    """The positions of the documents to be signed, and what is wrong with them (v2 and v3 say the same:
    "Kun ett dokument kan signeres, og det må ha mimeType application/pdf")."""
    documents = getattr(letter, "dokumenter", None) or []
    signed = [i for i, d in enumerate(documents) if d.skalSigneres]
    problems: Problems = [("forsendelse.dokumenter", "kun ett dokument kan signeres")] if len(signed) > 1 else []
    problems += [
        (f"forsendelse.dokumenter[{index}].mimeType", "et dokument som skal signeres må være application/pdf")
        for index in signed
        if documents[index].mimeType != PDF
    ]
    return signed, problems


def _signing_rules(letter: PersonForsendelse, now: dt.datetime) -> Problems:
    signed, problems = signed_documents(letter)
    if signed and letter.signering is None:
        problems.append(("forsendelse.signering", "er påkrevd når et dokument skal signeres"))
    if letter.signering is not None:
        expires = dt.datetime.fromisoformat(letter.signering.signeringUtloper.upper().replace("Z", "+00:00"))
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.UTC)
        if expires < now + dt.timedelta(days=1):
            problems.append(("forsendelse.signering.signeringUtloper", "må være minst én dag frem i tid"))
    return problems


def _nhn_rules(letter: NhnForsendelse) -> Problems:
    if letter.mottakertype == "HER_ID" and letter.mottakerHerId is None:
        return [("forsendelse.mottakerHerId", "er påkrevd når mottakertype er HER_ID")]
    return []


def _reply_rules(letter: Wire) -> Problems:
    problems: Problems = []
    reply = getattr(letter, "svarSendesTil", None)
    if getattr(letter, "kanSvareViaEdialog", None) and (reply is None or reply.type != "ORGANISASJON"):
        problems.append(("forsendelse.svarSendesTil", "må ha type ORGANISASJON når kanSvareViaEdialog er true"))
    if reply is not None:
        if reply.type == "PERSON" and not has_fnr_shape(reply.digitalId):
            problems.append(("forsendelse.svarSendesTil.digitalId", "må være et fødselsnummer med 11 sifre når type er PERSON"))
        if reply.type == "ORGANISASJON" and not is_valid_orgnr(reply.digitalId):
            problems.append(("forsendelse.svarSendesTil.digitalId", "må være et gyldig organisasjonsnummer når type er ORGANISASJON"))
    return problems


def _exposure_rules(letter: Wire) -> Problems:
    return [
        (f"forsendelse.eksponertFor[{index}]", "må være et fødselsnummer (11 sifre) eller et organisasjonsnummer (9 sifre)")
        for index, value in enumerate(getattr(letter, "eksponertFor", None) or [])
        if not (has_fnr_shape(value) or is_valid_orgnr(value))
    ]


def is_absolute_uri(value: str) -> bool:
    """An absolute URI with a scheme and only the characters RFC 2396 (with RFC 2732's brackets) allows."""
    if not _URI_CHARS.match(value) or re.search(r"%(?![0-9A-Fa-f]{2})", value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. unbalanced IPv6 brackets
        return False
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*$", parts.scheme)) and bool(parts.netloc or parts.path)
