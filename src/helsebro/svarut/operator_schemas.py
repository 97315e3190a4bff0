"""Wire format of SvarUt's test data in the operator API (ours): camelCase JSON, Norwegian names, strict
inputs that reject unknown fields, as the rest of the operator API (``helsebro.operator.schemas``)."""

from __future__ import annotations

from pydantic import Field

from helsebro._time import isoformat_z
from helsebro.operator.schemas import _In, _Out, _Side
from helsebro.svarut import testdata_admin as admin


class KrrEndring(_In):
    """Hele KRR-oppføringen (PUT erstatter den). Utelatte felt får standardverdien."""

    reservert: bool = Field(False, description="true: reservert mot digital post (brev går på papir)")
    # Plain strings, checked by the rules (testdata_admin), so the API and the CLI refuse with the same words.
    digital_postkasse: str | None = Field(
        None, description="Digital postkasse for Digital Post til innbygger: digipost, eboks, eller null (ingen)", examples=["digipost"]
    )
    varslingsstatus: str = Field(
        "KAN_VARSLES", description="KAN_VARSLES, eller KAN_IKKE_VARSLES: ingen kontaktinformasjon (brev går på papir)"
    )

    def to_admin(self) -> admin.KrrChange:
        return admin.KrrChange(self.reservert, self.digital_postkasse, self.varslingsstatus)


class KrrOppforing(_Out):
    fnr: str
    navn: str = Field(description="Navnet i folkeregisteret")
    reservert: bool
    digital_postkasse: str | None
    varslingsstatus: str
    endret: str = Field(description="Sist endret (UTC)")
    kanal: str = Field(description="Kanalen et brev til personen går i nå: SDP, INNBYGGER_INNBOKS eller PRINT")

    @classmethod
    def of(cls, record: admin.KrrRecord) -> KrrOppforing:
        return cls(
            fnr=record.fnr,
            navn=record.navn,
            reservert=record.reservert,
            digital_postkasse=record.digital_postkasse,
            varslingsstatus=record.varslingsstatus,
            endret=isoformat_z(record.endret),
            kanal=admin.channel_of(record),
        )


class KrrListe(_Side):
    oppforinger: list[KrrOppforing]


class NySvarInnMottaker(_In):
    orgnr: str = Field(description="9 sifre med mod 11-kontrollsiffer; organisasjonen må finnes i Enhetsregisteret", examples=["974760673"])


class SvarInnMottaker(_Out):
    orgnr: str
    navn: str

    @classmethod
    def of(cls, receiver: admin.SvarInnReceiver) -> SvarInnMottaker:
        return cls(orgnr=receiver.orgnr, navn=receiver.navn)


class SvarInnMottakerListe(_Side):
    mottakere: list[SvarInnMottaker]


class FastlegeEndring(_In):
    her_id: str = Field(description="Fastlegens HER-id (sifre)", examples=["8200001"])


class Fastlege(_Out):
    fnr: str
    her_id: str


# -- v2: forsendelsestyper and receiving systems ---------------------------------------------------------------


class NyForsendelsestype(_In):
    navn: str = Field(description="Forsendelsestypen, 1-100 tegn: bokstaver og sifre, gjerne delt med punktum", examples=["Byggesak"])


class Forsendelsestyper(_Out):
    forsendelsestyper: list[str] = Field(
        description="Registrerte forsendelsestyper (v2 GET /forsendelsestyper viser også mottakersystemenes)"
    )


class NyttMottakersystem(_In):
    navn: str = Field(description="Systemets navn, 1-200 tegn", examples=["Fjordvik sak/arkiv"])
    organisasjonsnummer: str = Field(description="Organisasjonen i Enhetsregisteret som tar imot", examples=["974760673"])
    forsendelse_type: str = Field(description="Brev av denne forsendelsestypen hentes gjennom SvarInn", examples=["Byggesak"])
    niva: int = Field(4, description="Sikkerhetsnivå 0-9")
    id: str | None = Field(None, description="Systemets id (UUID); utelatt: en ny")


class Mottakersystem(_Out):
    id: str
    navn: str
    organisasjonsnummer: str
    forsendelse_type: str
    niva: int

    @classmethod
    def of(cls, system) -> Mottakersystem:  # noqa: ANN001  (receiving_systems.Mottakersystem)
        return cls(
            id=system.id,
            navn=system.navn,
            organisasjonsnummer=system.organisasjonsnummer,
            forsendelse_type=system.forsendelseType,
            niva=system.niva,
        )


class Mottakersystemer(_Out):
    mottakersystemer: list[Mottakersystem]
