"""What the registry set-up takes (inputs) and gives back (views)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from helsebro.identifiers import birth_date
from helsebro.registries import service as registry

T = TypeVar("T")


class _Keep:
    """The value of a field an update leaves as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class NewCitizen:
    fornavn: str | None
    etternavn: str | None
    fnr: str | None = None  # None: a new synthetic Tenor number is made from fodselsdato
    fodselsdato: dt.date | None = None
    mellomnavn: str | None = None
    adresse: str | None = None
    postnummer: str | None = None
    poststed: str | None = None
    dodsdato: dt.date | None = None
    helsenorge_samtykke: bool = False


@dataclass(frozen=True)
class CitizenChanges:
    """An update of a citizen: fields left at KEEP stay as they are; None clears an optional field."""

    fornavn: str | None = KEEP
    mellomnavn: str | None = KEEP
    etternavn: str | None = KEEP
    adresse: str | None = KEEP
    postnummer: str | None = KEEP
    poststed: str | None = KEEP
    dodsdato: dt.date | None = KEEP
    helsenorge_samtykke: bool | None = KEEP

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP}


@dataclass(frozen=True)
class NewPowerOfAttorney:
    fullmaktsgiver_fnr: str
    fullmektig_fnr: str
    gyldig_fra: dt.date | None
    gyldig_til: dt.date | None = None


@dataclass(frozen=True)
class Authorisation:
    kode: str
    navn: str


@dataclass(frozen=True)
class HealthPersonData:
    hpr_nummer: str
    fornavn: str | None
    etternavn: str | None
    fnr: str | None = None
    autorisasjoner: Sequence[Authorisation] = ()


@dataclass(frozen=True)
class OrganisationData:
    orgnr: str
    navn: str | None
    her_id: str | None = None


@dataclass(frozen=True)
class PersonRef:
    fnr: str
    navn: str


@dataclass(frozen=True)
class PowerOfAttorney:
    id: int
    fullmaktsgiver_fnr: str
    fullmektig_fnr: str
    gyldig_fra: dt.date
    gyldig_til: dt.date | None


@dataclass(frozen=True)
class CitizenSummary:
    fnr: str
    fornavn: str
    mellomnavn: str | None
    etternavn: str
    dodsdato: dt.date | None
    helsenorge_samtykke: bool

    @property
    def navn(self) -> str:
        return full_name(self.fornavn, self.mellomnavn, self.etternavn)


@dataclass(frozen=True)
class CitizenProfile:
    citizen: registry.Citizen
    helsenorge_samtykke: bool
    foreldre: list[PersonRef]
    barn: list[PersonRef]
    fullmakter_gitt: list[PowerOfAttorney]
    fullmakter_mottatt: list[PowerOfAttorney]

    @property
    def fodselsdato(self) -> dt.date | None:
        return birth_date(self.citizen.fnr)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def full_name(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)
