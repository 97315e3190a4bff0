"""The wire format of SvarUt v3 as pydantic models: KS's OpenAPI schemas (forsendelse-send-api-v3.json and
forsendelse-status-api-v3.json), constraint for constraint.

How input is read, as SvarUt (Java, Jackson, bean validation) reads it:
- Property names are case-sensitive and spelt as in the spec. Unknown properties are ignored (the spec does
  not forbid them), except one that differs from a spec property only by case: Jackson would silently drop
  its value, so helsebro refuses it and names the right spelling.
- ``null`` counts as absent: fine for an optional property, "required" for a required one.
- Types are strict (no "1" for 1, no 1 for true). Lengths count UTF-16 code units, as Java's
  ``String.length()`` does; patterns match the whole value with ASCII ``\\d``, as ``java.util.regex`` does.
- ``format: int32/int64`` bound integers; ``format: uuid`` and ``date-time`` (RFC 3339) are checked. The spec
  puts ``pattern: ^[0-9]{4}$`` on the integer years (``saksaar``, ``journalaar``): read as "four digits".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)


def java_length(value: str) -> int:
    """Length in UTF-16 code units: a character outside the BMP (an emoji) counts two, as in Java."""
    return len(value.encode("utf-16-le")) // 2


def _text_check(min_length: int, max_length: int | None, pattern: str | None):  # noqa: ANN202
    compiled = re.compile(pattern, re.ASCII) if pattern else None

    def check(value: str) -> str:
        length = java_length(value)
        if length < min_length:
            raise PydanticCustomError("for_kort", "må ha minst {min} tegn", {"min": min_length})
        if max_length is not None and length > max_length:
            raise PydanticCustomError("for_lang", "kan ha høyst {max} tegn (har {length})", {"max": max_length, "length": length})
        if compiled is not None and not compiled.fullmatch(value):
            raise PydanticCustomError("monster", "må samsvare med mønsteret {pattern}", {"pattern": pattern})
        return value

    return check


def Text(min_length: int = 0, max_length: int | None = None, pattern: str | None = None) -> Any:  # noqa: N802
    return Annotated[str, AfterValidator(_text_check(min_length, max_length, pattern))]


def _uuid(value: str) -> str:
    if not _UUID.match(value):
        raise PydanticCustomError("uuid", "må være en UUID (8-4-4-4-12 heksadesimale sifre)")
    return value


def _date_time(value: str) -> str:
    try:
        if not _DATE_TIME.match(value):
            raise ValueError
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError("date_time", "må være et tidspunkt etter RFC 3339, f.eks. 2026-01-16T18:39:11Z") from None
    return value


def _unique(values: list) -> list:
    seen = [v.model_dump() if isinstance(v, BaseModel) else v for v in values]
    if any(item in seen[:index] for index, item in enumerate(seen)):
        raise PydanticCustomError("unik", "elementene må være unike")
    return values


Uuid = Annotated[str, AfterValidator(_uuid)]
DateTime = Annotated[str, AfterValidator(_date_time)]
Int32 = Annotated[int, Field(ge=-(2**31), le=INT32_MAX)]
Year = Annotated[int, Field(ge=1000, le=9999)]  # minimum 1000 and pattern ^[0-9]{4}$
PositiveInt32 = Annotated[int, Field(ge=1, le=INT32_MAX)]
PositiveInt64 = Annotated[int, Field(ge=1, le=INT64_MAX)]


class Wire(BaseModel):
    """A JSON object of the spec, read the way Jackson reads it (see the module docstring)."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _as_jackson_reads_it(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = {name.lower(): name for name in cls.model_fields}
        for key in data:
            spelt = known.get(str(key).lower())
            if key not in cls.model_fields and spelt is not None:
                raise PydanticCustomError(
                    "feil_stavemate",
                    "ukjent felt '{key}': feltnavn skiller mellom store og små bokstaver, skal være '{expected}'",
                    {"key": key, "expected": spelt},
                )
        return {key: value for key, value in data.items() if value is not None}


# -- shared parts --------------------------------------------------------------------------------------


class Adresse(Wire):
    adresselinje1: Text(1, 70)
    adresselinje2: Text(1, 70) | None = None
    adresselinje3: Text(1, 70) | None = None
    poststed: Text(1, 70)
    postnummer: Text(1, 20) | None = None
    landkode: Text(2, 2, r"^[A-Z]{2}$") | None = None


class Mottaker(Wire):
    navn: Text(1, 100)
    digitalId: Text(9, 11)
    adresse: Adresse | None = None


class SvarSendesTil(Wire):
    navn: Text(1, 100)
    type: Literal["PERSON", "ORGANISASJON", "NHN_MOTTAKER"]
    digitalId: Text(0, None, r"^\d{1,11}$")
    adresse: Adresse


class Postadresse(Wire):
    navn: Text(1, 100)
    adresse: Adresse


class Lenke(Wire):
    url: Text(1, 1000)
    tekst: Text(1, 100)
    ledetekst: Text(1, 100) | None = None


class Metadata(Wire):
    key: Text(1, 100)
    value: Text(1, 500)


EkstraMetadata = Annotated[list[Metadata], Field(max_length=20), AfterValidator(_unique)]
EksponertFor = Annotated[list[str], AfterValidator(_unique)]
Lenker = Annotated[list[Lenke], Field(max_length=5)]


class _NoarkMetadata(Wire):
    mappeId: Text(1, 100) | None = None
    mappeSystemId: Text(1, 100) | None = None
    saksaar: Year | None = None
    sakssekvensnummer: PositiveInt64 | None = None
    systemId: Text(1, 100) | None = None
    registreringsId: Text(1, 100) | None = None
    journalpostnummer: PositiveInt64 | None = None
    journalaar: Year | None = None
    journalsekvensnummer: PositiveInt64 | None = None
    journalposttype: Text(1, 100) | None = None
    journalstatus: Text(1, 100) | None = None
    dokumentetsDato: DateTime | None = None
    tittel: Text(1, 1000) | None = None


class NoarkMetadataForImport(_NoarkMetadata):
    pass


class NoarkMetadataFraAvleverendeSakssystem(_NoarkMetadata):
    journaldato: DateTime | None = None
    saksbehandler: Text(1, 100) | None = None
    ekstraMetadata: EkstraMetadata | None = None


class Utskriftskonfigurasjon(Wire):
    tosidig: bool | None = None


class Signering(Wire):
    signeringUtloper: DateTime
    signaturType: Literal["AUTENTISERT_SIGNATUR", "AVANSERT_SIGNATUR"]


Sikkerhetsniva = Literal["BETYDELIG", "HOYESTE"]


class _Common(Wire):
    """Properties every kind of letter has, with the same schema."""

    avgivendeSystem: Text(1, 100) | None = None
    avgivendeSystemAktor: Text(1, 100) | None = None
    konteringskode: Text(1, 20, r"^[a-zA-Z0-9_\-.øæåØÆÅ]{0,20}$") | None = None
    kryptert: bool | None = None
    utskriftskonfigurasjon: Utskriftskonfigurasjon | None = None
    svarPaForsendelseId: Uuid | None = None
    eksternReferanse: Text(1, 100) | None = None
    korrelasjonsid: Text(1, 100) | None = None


# -- the four kinds of letter --------------------------------------------------------------------------


class PersonDokument(Wire):
    filnavn: Text(1, 226)
    mimeType: Text(1, 127)
    giroarkSide: PositiveInt32 | None = None
    skalSigneres: bool | None = None
    skalEkskluderesFraUtskrift: bool | None = None


class PersonForsendelse(_Common):
    tittel: Text(1, 1000)
    mottaker: Mottaker
    eksponertFor: EksponertFor | None = None
    kunDigitalLevering: bool | None = None
    sikkerhetsniva: Sikkerhetsniva | None = None
    svarSendesTil: SvarSendesTil | None = None
    dokumenter: list[PersonDokument] | None = None
    lenker: Lenker | None = None
    kanSvareViaEdialog: bool | None = None
    signering: Signering | None = None


class OrganisasjonDokument(Wire):
    filnavn: Text(1, 226)
    mimeType: Text(1, 127)
    dokumentType: Text(1, 100) | None = None
    giroarkSide: PositiveInt32 | None = None
    skalEkskluderesFraUtskrift: bool | None = None
    ekstraMetadata: EkstraMetadata | None = None
    inneholderPersonsensitivInformasjon: bool | None = None


class OrganisasjonForsendelse(_Common):
    tittel: Text(1, 1000)
    mottaker: Mottaker
    eksponertFor: EksponertFor | None = None
    kunDigitalLevering: bool | None = None
    sikkerhetsniva: Sikkerhetsniva | None = None
    metadataFraAvleverendeSystem: NoarkMetadataFraAvleverendeSakssystem | None = None
    metadataForImport: NoarkMetadataForImport | None = None
    svarSendesTil: SvarSendesTil | None = None
    dokumenter: list[OrganisasjonDokument] | None = None
    lenker: Lenker | None = None
    forsendelsestype: Text(1, 100) | None = None
    kanSvareViaEdialog: bool | None = None
    taushetsbelagtPost: bool | None = None


class PrintDokument(Wire):
    filnavn: Text(1, 226)
    mimeType: Text(1, 50)
    giroarkSide: PositiveInt32 | None = None


class PrintForsendelse(_Common):
    tittel: Text(1, 1000)
    mottaker: Postadresse
    svarSendesTil: SvarSendesTil | None = None
    dokumenter: list[PrintDokument] | None = None


class AvsenderKontakt(Wire):
    fornavn: Text(1, 30)
    mellomnavn: Text(1, 30) | None = None
    etternavn: Text(1, 30)
    telefonnummer: Text(1, 20)


class Pasient(Wire):
    fodselsnummer: Text(0, None, r"^[0-9]{11}$")
    fornavn: Text(1, 30)
    mellomnavn: Text(1, 30) | None = None
    etternavn: Text(1, 30)


class NhnForsendelse(_Common):
    tittel: Text(1, 200)
    beskrivelse: Text(1, 5000) | None = None
    mottakertype: Literal["FASTLEGE", "HER_ID"]
    mottakerHerId: PositiveInt32 | None = None
    avsenderKontakt: AvsenderKontakt
    pasient: Pasient
    eksponertFor: EksponertFor | None = None
    kunDigitalLevering: bool | None = None


FORSENDELSE_MODELS: dict[str, type[Wire]] = {
    "person": PersonForsendelse,
    "organisasjon": OrganisasjonForsendelse,
    "nhn": NhnForsendelse,
    "print": PrintForsendelse,
}


# -- status --------------------------------------------------------------------------------------------


class Forsendelser(Wire):
    """The body of POST .../forsendelser/status/sok."""

    id: list[Uuid]
