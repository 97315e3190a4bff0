"""Helsenorge PVK (personverninnstillinger): set a citizen's setting, and the three reads.
Scopes: ``Personverninnstillinger_skriv`` (set), ``Personverninnstillinger_les`` (reads).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal, TypedDict, cast

from helsebro.client._base import ServiceClient
from helsebro.client.errors import HelsenorgeError

BASE = "/personvern/Personverninnstillinger"
TypePi = Literal["samtykke", "reservasjon", "tilgangsbegrensning"]


class SettSvar(TypedDict):
    returKode: Literal["ok", "ikkeOk"]
    instansEndret: Literal["endret", "ikkeEndret"]


class PiStatus(TypedDict):
    innbyggerFnr: str
    definisjonGuid: str
    aktiv: bool
    sistEndretTidspunkt: str | None


class InnbyggersPi(TypedDict, total=False):
    definisjonGuid: str
    definisjonNavn: str
    typePi: TypePi
    aktiv: bool
    sistEndretTidspunkt: str
    TbInnbyggerMetadata: dict[str, Any]


class AktivPi(TypedDict):
    innbyggerFnr: str
    sekvensnummer: int
    opprettetTidspunkt: str
    sistEndretTidspunkt: str


class AktivePiForDefinisjon(TypedDict):
    definisjonGuid: str
    definisjonNavn: str
    partKode: str
    typePi: TypePi
    reFasteMetadata: dict[str, Any]
    pagingReference: int  # 0: the last page
    personvernInnstillinger: list[AktivPi]


def _timestamp(value: dt.datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else value


class PersonvernClient(ServiceClient):
    error_type = HelsenorgeError

    def set_setting(
        self,
        innbygger_fnr: str,
        definisjon_guid: str,
        part_kode: str,
        type_pi: TypePi,
        aktiv: bool,
        *,
        definisjon_navn: str | None = None,
        tidspunkt: dt.datetime | str | None = None,
        signert_bevis: tuple[str, bytes] | None = None,
        navngitt_helsepersonell: Iterable[tuple[str, str | None]] | None = None,
    ) -> SettSvar:
        """``SettInnbyggersPersonvernInnstilling/v2``. ``signert_bevis``: (MIME type, the signed proof's bytes);
        ``navngitt_helsepersonell``: (HPR number, name) pairs, for a tilgangsbegrensning (replaces the list)."""
        body: dict[str, Any] = {
            "innbyggerFnr": innbygger_fnr,
            "definisjonGuid": definisjon_guid,
            "partKode": part_kode,
            "typePi": type_pi,
            "aktiv": aktiv,
        }
        if definisjon_navn is not None:
            body["definisjonNavn"] = definisjon_navn
        if tidspunkt is not None:
            body["tidspunkt"] = _timestamp(tidspunkt)
        if signert_bevis is not None:
            body["signertBevisMimeType"] = signert_bevis[0]
            body["signertBevisInnhold"] = base64.b64encode(signert_bevis[1]).decode("ascii")
        if navngitt_helsepersonell is not None:
            named = [{"nummer": nummer} | ({"navn": navn} if navn else {}) for nummer, navn in navngitt_helsepersonell]
            body["TbInnbyggerMetadata"] = {"detaljertAngivelse": {"navngittHelseperson": named}}
        return cast(SettSvar, self.request("POST", f"{BASE}/SettInnbyggersPersonvernInnstilling/v2", json=body).json())

    def check_status(self, innbygger_fnr: str, definisjon_guid: str, part_kode: str, definisjon_navn: str | None = None) -> PiStatus:
        body = {"innbyggerFnr": innbygger_fnr, "definisjonGuid": definisjon_guid, "partKode": part_kode}
        body |= {"definisjonNavn": definisjon_navn} if definisjon_navn else {}
        return cast(PiStatus, self.request("POST", f"{BASE}/SjekkInnbyggersPiStatus/v2", json=body).json())

    def settings_for_part(self, innbygger_fnr: str, part_kode: str) -> list[InnbyggersPi]:
        body = {"innbyggerFnr": innbygger_fnr, "partKode": part_kode}
        return cast(list[InnbyggersPi], self.request("POST", f"{BASE}/HentInnbyggersPiForPart/v2", json=body).json())

    def active_for_definition(self, definisjon_guid: str, part_kode: str, paging_reference: int = 0) -> AktivePiForDefinisjon:
        """One page; pass the answer's ``pagingReference`` for the next, until it is 0."""
        params = {"definisjonGuid": definisjon_guid, "partKode": part_kode, "pagingReference": paging_reference}
        return cast(AktivePiForDefinisjon, self.request("GET", f"{BASE}/HentInnbyggereAktivePiForDefinisjon/v2", params=params).json())
