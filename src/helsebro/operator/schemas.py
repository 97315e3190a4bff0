"""The operator API's wire format: camelCase JSON, Norwegian names. Inputs are strict (a string is not a
number, "true" is not a boolean) and reject unknown fields, so a typo in a test suite fails loudly."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from helsebro.registries import admin
from helsebro.registries import service as registry


def _date_only(value: Any) -> Any:
    """ISO 8601 date; a time part is ignored (SPEC section 0: date-only fields ignore any time part)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if len(text) > 10 and text[10] in "Tt ":
        text = text[:10]
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _raise_date()
    except ValueError:
        _raise_date()


def _raise_date() -> None:
    raise PydanticCustomError("date_invalid", "må være en dato (ÅÅÅÅ-MM-DD)")


Dato = Annotated[dt.date, BeforeValidator(_date_only)]


class _In(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", strict=True)


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True)


class OperatorFeil(BaseModel):
    """Every error: ``Code`` is OP-0004xx (see helsebro.operator.errors), SEC-110000 or SEC-110001."""

    Code: str = Field(examples=["OP-000404"])
    Message: str = Field(examples=["Fant ikke innbyggeren i folkeregisteret"])


# --- citizens --------------------------------------------------------------------------------------------


class NyInnbygger(_In):
    fnr: str | None = Field(
        None,
        description="11 sifre med gyldige kontrollsifre. Utelatt: et nytt syntetisk Tenor-nummer (måned + 80) lages fra fodselsdato.",
        examples=["13880549868"],
    )
    fodselsdato: Dato | None = Field(None, description="Påkrevd når fnr mangler; må ellers stemme med fnr.")
    fornavn: str = Field(examples=["Kari"])
    mellomnavn: str | None = None
    etternavn: str = Field(examples=["Nordmann"])
    adresse: str | None = Field(None, examples=["Storgata 1"])
    postnummer: str | None = Field(None, description="Fire sifre", examples=["0150"])
    poststed: str | None = Field(None, examples=["OSLO"])
    dodsdato: Dato | None = Field(None, description="Satt: innbyggeren er død.")
    helsenorge_samtykke: bool = Field(
        False, description="true: innbyggeren har gitt Helsenorge-samtykket (PVK, part HN) og blir digitalt aktiv selv."
    )

    def to_admin(self) -> admin.NewCitizen:
        return admin.NewCitizen(**self.model_dump())


class InnbyggerEndring(_In):
    """Bare feltene som er med, endres. null tømmer et valgfritt felt; dodsdato null betyr levende."""

    fornavn: str | None = None
    mellomnavn: str | None = None
    etternavn: str | None = None
    adresse: str | None = None
    postnummer: str | None = None
    poststed: str | None = None
    dodsdato: Dato | None = None
    helsenorge_samtykke: bool | None = Field(None, description="false trekker samtykket tilbake (aktiv=false, med historikk).")

    def to_admin(self) -> admin.CitizenChanges:
        return admin.CitizenChanges(**{name: getattr(self, name) for name in self.model_fields_set})


class Person(_Out):
    fnr: str
    navn: str


class Fullmakt(_Out):
    id: int
    fullmaktsgiver_fnr: str
    fullmektig_fnr: str
    gyldig_fra: dt.date
    gyldig_til: dt.date | None

    @classmethod
    def of(cls, power: admin.PowerOfAttorney) -> Fullmakt:
        return cls(
            id=power.id,
            fullmaktsgiver_fnr=power.fullmaktsgiver_fnr,
            fullmektig_fnr=power.fullmektig_fnr,
            gyldig_fra=power.gyldig_fra,
            gyldig_til=power.gyldig_til,
        )


class Innbygger(_Out):
    fnr: str
    fornavn: str
    mellomnavn: str | None
    etternavn: str
    navn: str
    fodselsdato: dt.date | None
    adresse: str | None
    postnummer: str | None
    poststed: str | None
    dodsdato: dt.date | None
    helsenorge_samtykke: bool
    foreldre: list[Person] = Field(description="Har foreldreansvar for innbyggeren")
    barn: list[Person] = Field(description="Innbyggeren har foreldreansvar for disse")
    fullmakter_gitt: list[Fullmakt] = Field(description="Innbyggeren er fullmaktsgiver")
    fullmakter_mottatt: list[Fullmakt] = Field(description="Innbyggeren er fullmektig")

    @classmethod
    def of(cls, profile: admin.CitizenProfile) -> Innbygger:
        c = profile.citizen
        return cls(
            fnr=c.fnr,
            fornavn=c.fornavn,
            mellomnavn=c.mellomnavn,
            etternavn=c.etternavn,
            navn=c.navn,
            fodselsdato=profile.fodselsdato,
            adresse=c.adresse,
            postnummer=c.postnummer,
            poststed=c.poststed,
            dodsdato=c.dodsdato,
            helsenorge_samtykke=profile.helsenorge_samtykke,
            foreldre=[Person(fnr=p.fnr, navn=p.navn) for p in profile.foreldre],
            barn=[Person(fnr=p.fnr, navn=p.navn) for p in profile.barn],
            fullmakter_gitt=[Fullmakt.of(f) for f in profile.fullmakter_gitt],
            fullmakter_mottatt=[Fullmakt.of(f) for f in profile.fullmakter_mottatt],
        )


class InnbyggerKort(_Out):
    fnr: str
    navn: str
    dodsdato: dt.date | None
    helsenorge_samtykke: bool

    @classmethod
    def of(cls, summary: admin.CitizenSummary) -> InnbyggerKort:
        return cls(fnr=summary.fnr, navn=summary.navn, dodsdato=summary.dodsdato, helsenorge_samtykke=summary.helsenorge_samtykke)


class _Side(_Out):
    totalt: int = Field(description="Antall treff i alt")
    limit: int
    offset: int


class InnbyggerListe(_Side):
    innbyggere: list[InnbyggerKort]


# --- relations -------------------------------------------------------------------------------------------


class NyttForeldreansvar(_In):
    barn_fnr: str = Field(description="Barnet må finnes og være under 18 år.")


class Foreldreansvar(_Out):
    forelder_fnr: str
    barn_fnr: str


class NyFullmakt(_In):
    fullmaktsgiver_fnr: str
    fullmektig_fnr: str = Field(description="Ikke samme person som fullmaktsgiver")
    gyldig_fra: Dato
    gyldig_til: Dato | None = Field(None, description="Utelatt: gjelder til den trekkes tilbake")

    def to_admin(self) -> admin.NewPowerOfAttorney:
        return admin.NewPowerOfAttorney(**self.model_dump())


class FullmaktEndring(_In):
    """Flytt perioden; f.eks. avslutt fullmakten ved å sette gyldigTil."""

    gyldig_fra: Dato | None = None
    gyldig_til: Dato | None = None

    def to_admin(self) -> dict[str, dt.date | None]:
        return {name: getattr(self, name) for name in self.model_fields_set}


# --- health personnel and organisations --------------------------------------------------------------------


class Autorisasjon(_In):
    kode: str = Field(examples=["LE"])
    navn: str = Field(examples=["Lege"])


class AutorisasjonUt(_Out):
    kode: str
    navn: str


class HelsepersonellEndring(_In):
    """Erstatter alt unntatt HPR-nummeret."""

    hpr_nummer: str | None = Field(None, description="Kan utelates; er det med, må det være det samme som i stien.")
    fnr: str | None = Field(None, description="Gyldig fødselsnummer; unikt blant helsepersonell")
    fornavn: str
    etternavn: str
    autorisasjoner: list[Autorisasjon] = Field(default_factory=list)

    def to_admin(self, hpr_nummer: str) -> admin.HealthPersonData:
        return admin.HealthPersonData(
            hpr_nummer=hpr_nummer if self.hpr_nummer is None else self.hpr_nummer,
            fnr=self.fnr,
            fornavn=self.fornavn,
            etternavn=self.etternavn,
            autorisasjoner=[admin.Authorisation(a.kode, a.navn) for a in self.autorisasjoner],
        )


class NyttHelsepersonell(HelsepersonellEndring):
    hpr_nummer: str = Field(description="1-9 sifre, uten kontrollsiffer", examples=["9876543"])

    def to_admin(self, hpr_nummer: str | None = None) -> admin.HealthPersonData:
        return super().to_admin(self.hpr_nummer)


class Helsepersonell(_Out):
    hpr_nummer: str
    fnr: str | None
    fornavn: str
    etternavn: str
    navn: str
    autorisasjoner: list[AutorisasjonUt]

    @classmethod
    def of(cls, person: registry.HealthPerson) -> Helsepersonell:
        return cls(
            hpr_nummer=person.hpr_nummer,
            fnr=person.fnr,
            fornavn=person.fornavn,
            etternavn=person.etternavn,
            navn=person.navn,
            autorisasjoner=[AutorisasjonUt(kode=a["kode"], navn=a["navn"]) for a in person.autorisasjoner],
        )


class HelsepersonellListe(_Side):
    helsepersonell: list[Helsepersonell]


class OrganisasjonEndring(_In):
    orgnr: str | None = Field(None, description="Kan utelates; er det med, må det være det samme som i stien.")
    navn: str
    her_id: str | None = Field(None, description="HER-id (tall, unik). Utelatt eller null: ingen.")

    def to_admin(self, orgnr: str) -> admin.OrganisationData:
        return admin.OrganisationData(orgnr=orgnr if self.orgnr is None else self.orgnr, navn=self.navn, her_id=self.her_id)


class NyOrganisasjon(OrganisasjonEndring):
    orgnr: str = Field(description="9 sifre med mod 11-kontrollsiffer", examples=["974760673"])

    def to_admin(self, orgnr: str | None = None) -> admin.OrganisationData:
        return super().to_admin(self.orgnr)


class Organisasjon(_Out):
    orgnr: str
    navn: str
    her_id: str | None

    @classmethod
    def of(cls, organisation: registry.Organisation) -> Organisasjon:
        return cls(orgnr=organisation.orgnr, navn=organisation.navn, her_id=organisation.her_id)


class OrganisasjonListe(_Side):
    organisasjoner: list[Organisasjon]
