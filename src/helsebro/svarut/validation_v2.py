"""Reading and checking a v2 letter's metadata (the ``forsendelse`` part of POST /v2/kontoer/{kontoId}/forsendelser)
before any file is stored. Pure rules: no database, no HTTP.

v2 has one endpoint for every recipient; the recipient decides the kind of letter, and so the channel:
``mottaker.digitalId`` of 11 digits is a person (fødsels- or D-nummer), a valid organisasjonsnummer an
organisation, and no ``digitalId`` a letter on paper to the postal address (``print``). The letter is then
delivered by the same engine as v3's (``svarut.delivery``).

The rules KS's v2 spec states in words, all reported together with the schema's in one 400:
- ``filnavn`` unique within the letter and free of ``* : " \\ / < > | ?``;
- only ``application/pdf`` can be printed: any other document needs ``kunDigitalLevering`` or
  ``skalEkskluderesFraUtskrift``;
- ``mottaker.digitalId`` is required with ``kunDigitalLevering``; without it ``poststed`` is required, and
  ``postnummer`` for a Norwegian address (no ``land``, or Norway);
- ``svarSendesTil``, when given, is a full postal address; its ``digitalId`` a fødselsnummer or
  organisasjonsnummer; ``svarPaForsendelseLink`` needs a valid organisasjonsnummer there;
- ``krevNiva4Innlogging`` needs ``kryptert`` ("Dokumentene må da krypteres før innsending");
- ``eksponertFor``: each a fødselsnummer (11 digits) or an organisasjonsnummer (9 digits, mod 11);
- ``lenker[].url`` an absolute URI (RFC 2396/2732);
- signing: at most one document ``skalSigneres``, a PDF, to a person, with ``signeringUtloper`` (at least one
  day ahead, also when given alone) and ``signaturType``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import ValidationError

from helsebro.identifiers import has_fnr_shape, is_valid_orgnr
from helsebro.svarut import errors, validation
from helsebro.svarut.schemas_v2 import Forsendelse, LestAv, StatusSok
from helsebro.svarut.validation import Problems

NORWAY = {"", "NO", "NOR", "NORGE", "NORWAY", "NOREG"}


@dataclass(frozen=True)
class Letter:
    kind: str  # person, organisasjon or print: the delivery engine's kinds
    forsendelse: Forsendelse


def kind_of(digital_id: str | None) -> str | None:
    if digital_id is None:
        return "print"
    if has_fnr_shape(digital_id):
        return "person"
    if is_valid_orgnr(digital_id):
        return "organisasjon"
    return None


def forsendelse(raw: bytes, now: dt.datetime) -> Letter:
    """The letter's metadata and its kind, or a 400 listing every problem."""
    data = validation.parse_json(raw)
    try:
        letter = Forsendelse.model_validate(data)
    except ValidationError as exc:
        raise errors.validation(validation.schema_problems(exc, "forsendelse")) from None
    kind = kind_of(letter.mottaker.digitalId)
    problems = text_rules(kind, letter, now)
    if problems or kind is None:
        raise errors.validation(problems)
    return Letter(kind, letter)


def status_query(raw: bytes) -> list[str]:
    try:
        query = StatusSok.model_validate(validation.parse_json(raw))
    except ValidationError as exc:
        raise errors.validation(validation.schema_problems(exc, "")) from None
    return [value.lower() for value in query.forsendelseIds]


def lest_av(raw: bytes) -> LestAv:
    try:
        return LestAv.model_validate(validation.parse_json(raw))
    except ValidationError as exc:
        raise errors.validation(validation.schema_problems(exc, "")) from None


def parse_time(value: str) -> dt.datetime:
    """An RFC 3339 time the schema has accepted, as an aware datetime."""
    parsed = dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def text_rules(kind: str | None, letter: Forsendelse, now: dt.datetime) -> Problems:
    problems: Problems = []
    if kind is None:
        problems.append(
            (
                "forsendelse.mottaker.digitalId",
                "må være et fødsels- eller d-nummer (11 sifre) eller et gyldig organisasjonsnummer (9 sifre)",
            )
        )
    problems += validation._filename_rules(letter)
    problems += validation._printable_rules(letter)
    problems += _address_rules(letter)
    if letter.krevNiva4Innlogging and letter.kryptert is not True:
        problems.append(("forsendelse.kryptert", "må være true når krevNiva4Innlogging er true (dokumentene må krypteres)"))
    problems += validation._exposure_rules(letter)
    for index, lenke in enumerate(letter.lenker or []):
        if not validation.is_absolute_uri(lenke.url):
            problems.append((f"forsendelse.lenker[{index}].url", "må være en gyldig absolutt URI (RFC 2396 og RFC 2732)"))
    problems += _signing_rules(kind, letter, now)
    return problems


def _norwegian(land: str | None) -> bool:
    return (land or "").strip().upper() in NORWAY


def _address_rules(letter: Forsendelse) -> Problems:
    problems: Problems = []
    mottaker = letter.mottaker
    if letter.kunDigitalLevering:
        if mottaker.digitalId is None:
            problems.append(("forsendelse.mottaker.digitalId", "er påkrevd når kunDigitalLevering er true"))
    else:
        if not mottaker.poststed:
            problems.append(("forsendelse.mottaker.poststed", "er påkrevd når forsendelsen ikke er kun digital"))
        if not mottaker.postnummer and _norwegian(mottaker.land):
            problems.append(("forsendelse.mottaker.postnummer", "er påkrevd for en norsk adresse når forsendelsen ikke er kun digital"))
    reply = letter.svarSendesTil
    if reply is not None:
        for name in ("adresselinje1", "poststed"):
            if not getattr(reply, name):
                problems.append((f"forsendelse.svarSendesTil.{name}", "er påkrevd: svarSendesTil må ha full postadresse"))
        if not reply.postnummer and _norwegian(reply.land):
            problems.append(("forsendelse.svarSendesTil.postnummer", "er påkrevd: svarSendesTil må ha full postadresse"))
        if reply.digitalId is not None and kind_of(reply.digitalId) in (None, "print"):
            problems.append(
                ("forsendelse.svarSendesTil.digitalId", "må være et fødselsnummer (11 sifre) eller et gyldig organisasjonsnummer")
            )
    if letter.svarPaForsendelseLink and (reply is None or not is_valid_orgnr(reply.digitalId)):
        problems.append(("forsendelse.svarSendesTil.digitalId", "må være et gyldig organisasjonsnummer når svarPaForsendelseLink er true"))
    return problems


def _signing_rules(kind: str | None, letter: Forsendelse, now: dt.datetime) -> Problems:
    signed, problems = validation.signed_documents(letter)
    if signed:
        if kind not in (None, "person"):
            problems.append(("forsendelse.mottaker.digitalId", "et signeringsoppdrag må gå til en person (fødselsnummer)"))
        if letter.signeringUtloper is None:
            problems.append(("forsendelse.signeringUtloper", "er påkrevd når et dokument skal signeres"))
        if letter.signaturType is None:
            problems.append(("forsendelse.signaturType", "er påkrevd når et dokument skal signeres"))
    if letter.signeringUtloper is not None and parse_time(letter.signeringUtloper) < now + dt.timedelta(days=1):
        problems.append(("forsendelse.signeringUtloper", "må være minst én dag frem i tid"))
    return problems
