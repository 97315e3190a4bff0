"""The wire format of SvarUt REST v2 as pydantic models: KS's v2 OpenAPI schemas (reference/fiks-svarut/v2/),
constraint for constraint, read the way SvarUt reads them (``schemas.Wire``: case-sensitive names, ``null`` as
absent, strict types). The v2 schemas state fewer limits than v3's: only what they state is a schema error
here; the rules they state in words are in ``validation_v2``.

KS's own client (``SendKlientV2``, Kotlin data classes written by Jackson) sends every unset property as an
explicit ``null`` and the booleans with their defaults; both are read as the spec means them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from helsebro.svarut.schemas import DateTime, Int32, Text, Uuid, Wire, _unique

# The pattern of mottakersystem's forsendelseType query parameter (mottakersystem-api-v2.json).
FORSENDELSETYPE_PATTERN = r"^[a-zA-ZæøåÆØÅ0-9]+(\.[a-zA-ZæøåÆØÅ0-9]+)*$"
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class Adresse(Wire):
    """Postadresse, with digitalId (fødselsnummer or organisasjonsnummer) for digital addressing."""

    navn: str
    digitalId: str | None = None
    adresselinje1: str | None = None
    adresselinje2: str | None = None
    adresselinje3: str | None = None
    poststed: str | None = None
    postnummer: str | None = None
    land: str | None = None


class Metadata(Wire):
    key: str
    value: str


class Dokument(Wire):
    filnavn: Text(0, 226)
    mimeType: str
    skalSigneres: bool | None = None
    dokumentType: str | None = None
    giroarkSider: Annotated[list[Int32], AfterValidator(_unique)] | None = None
    skalEkskluderesFraUtskrift: bool | None = None
    ekstraMetadata: Annotated[list[Metadata], AfterValidator(_unique)] | None = None
    inneholderPersonsensitivInformasjon: bool | None = None


class Lenke(Wire):
    url: str
    tekst: str
    ledetekst: str | None = None


class Utskriftskonfigurasjon(Wire):
    utskriftMedFarger: bool | None = None
    tosidig: bool | None = None


class NoarkMetadataForImport(Wire):
    mappeId: str | None = None
    mappeSystemId: str | None = None
    saksaar: Int32 | None = None
    sakssekvensnummer: Int64 | None = None
    systemId: str | None = None
    registreringsId: str | None = None
    journalpostnummer: Int64 | None = None
    journalaar: Int32 | None = None
    journalsekvensnummer: Int64 | None = None
    journalposttype: str | None = None
    journalstatus: str | None = None
    dokumentetsDato: DateTime | None = None
    tittel: str | None = None


class NoarkMetadataFraAvleverendeSaksSystem(NoarkMetadataForImport):
    journaldato: DateTime | None = None
    saksbehandler: str | None = None
    ekstraMetadata: Annotated[list[Metadata], AfterValidator(_unique)] | None = None


class Forsendelse(Wire):
    """The ``forsendelse`` part of POST /v2/kontoer/{kontoId}/forsendelser."""

    tittel: Text(0, 1000)
    mottaker: Adresse
    eksponertFor: Annotated[list[str], AfterValidator(_unique)] | None = None
    avgivendeSystem: Text(0, 100) | None = None
    avgivendeSystemAktor: str | None = None
    konteringskode: Text(0, 20, r"^[a-zA-Z0-9_\-.øæåØÆÅ]{0,20}$") | None = None
    kunDigitalLevering: bool | None = None
    kryptert: bool | None = None
    utskriftskonfigurasjon: Utskriftskonfigurasjon | None = None
    krevNiva4Innlogging: bool | None = None
    metadataFraAvleverendeSystem: NoarkMetadataFraAvleverendeSaksSystem | None = None
    metadataForImport: NoarkMetadataForImport | None = None
    svarSendesTil: Adresse | None = None
    svarPaForsendelse: Uuid | None = None
    dokumenter: list[Dokument] | None = None
    lenker: Annotated[list[Lenke], Field(max_length=5)] | None = None
    forsendelsestype: Text(0, 100) | None = None
    eksternReferanse: Text(0, 100) | None = None
    korrelasjonsid: Text(0, 100) | None = None
    svarPaForsendelseLink: bool | None = None
    signeringUtloper: DateTime | None = None
    signaturType: Literal["AUTENTISERT_SIGNATUR", "AVANSERT_SIGNATUR"] | None = None
    taushetsbelagtPost: bool | None = None


class StatusSok(Wire):
    """The body of POST /v2/kontoer/{kontoId}/forsendelser/status-sok."""

    forsendelseIds: list[Uuid]


class LestAv(Wire):
    """The body of POST /v2/forsendelser/{forsendelseId}/lest."""

    fnr: Text(0, None, r"^[0-9]{11}$")
    tidspunkt: DateTime
    eksterntSystemnavn: str | None = None
