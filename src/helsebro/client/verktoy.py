"""Helsenorge Verktøy API: the catalog (list, get, search, images), sending a tool to a citizen (v2, v1),
guidance services. Scopes: ``verktoykatalog_read``, ``verktoysendtilinnbygger``, ``verktoyadminveiledning``.

    verktoy = Verktoy(base_url, helseid.auth(["verktoykatalog_read", "verktoysendtilinnbygger"]))
    tools = verktoy.list_tools(fagomrader=[2], antall_verktoy=20)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from helsebro.client._base import ServiceClient
from helsebro.client.errors import HelsenorgeError


class Verktoy(TypedDict, total=False):
    """A tool's metadata, with the API's names (SPEC section 2)."""

    VerktoyId: str
    Navn: str
    Ingress: str
    Beskrivelse: str
    OpprettetDato: str
    EndretDato: str
    VerktoyFormalTypeId: int
    VerktoyFormalNavn: str
    FagligAnsvarlig: str
    UtvikletAv: str
    SprakKode: str
    SprakNavn: str
    FagomradeType: int
    FagomradeNavn: str
    LenkeType: int
    LenkeTypeNavn: str
    Url: str
    Sokeord: list[str]
    MalgruppeTypeId: int
    MalgruppeNavn: str
    GrafiskElementId: int
    GrafiskElementTypeNavn: str
    InnholdstypeId: int
    InnholdstypeNavn: str
    Behandlerinnsyn: bool
    KlassifiseringKode: str
    KlassifiseringNavn: str
    KreverForskrivning: bool
    Organisasjonsnummer: int
    Organisasjonsnavn: str
    AntattTid: int | None


class VerktoySokTreff(TypedDict):
    VerktoyId: str
    Navn: str


class SendSvar(TypedDict):
    PseudoId: str


class Behandler(TypedDict):
    Id: str
    IdType: str  # "HPR" or "FNR"
    Navn: str


@dataclass(frozen=True)
class GrafiskElement:
    data: bytes
    content_type: str
    etag: str | None


def _date(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


class VerktoyClient(ServiceClient):
    error_type = HelsenorgeError

    # -- catalog (verktoykatalog_read) --

    def list_tools(
        self,
        *,
        fagomrader: Iterable[int] = (),
        klassifiseringer: Iterable[str] = (),
        malgrupper: Iterable[int] = (),
        sprak: Iterable[int] = (),
        kan_legges_til_av_innbygger: bool | None = None,
        kun_anonym_tilgang: bool | None = None,
        sidereferanse: int = 1,
        antall_verktoy: int = 10,
    ) -> list[Verktoy]:
        """One page of the filtered catalog (pages from 1). Lists OR within a field, fields AND."""
        params: list[tuple[str, Any]] = [("Fagomrader", v) for v in fagomrader]
        params += [("Klassifiseringer", v) for v in klassifiseringer]
        params += [("Malgrupper", v) for v in malgrupper]
        params += [("Sprak", v) for v in sprak]
        params += [
            (name, value)
            for name, value in (
                ("KanLeggesTilAvInnbygger", _flag(kan_legges_til_av_innbygger)),
                ("KunAnonymTilgang", _flag(kun_anonym_tilgang)),
            )
            if value is not None
        ]
        params += [("Sidereferanse", sidereferanse), ("AntallVerktoy", antall_verktoy)]
        return cast(list[Verktoy], self.request("GET", "/verktoy/v1/SelvstendigVerktoy", params=params).json())

    def get_tool(self, verktoy_id: str) -> Verktoy:
        return cast(Verktoy, self.request("GET", f"/verktoy/v1/SelvstendigVerktoy/{verktoy_id}").json())

    def search_tools(self, soke_ord: str, row_count: int | None = None) -> list[VerktoySokTreff]:
        params: dict[str, Any] = {"SokeOrd": soke_ord} | ({"RowCount": row_count} if row_count is not None else {})
        return cast(
            list[VerktoySokTreff], self.request("GET", "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy", params=params).json()
        )

    def image(self, grafisk_element_id: int) -> GrafiskElement:
        response = self.request("GET", f"/verktoy/v1/GrafiskElement/{grafisk_element_id}")
        return GrafiskElement(response.content, response.headers.get("content-type", ""), response.headers.get("etag"))

    # -- sending (verktoysendtilinnbygger) --

    def send_v2(
        self,
        verktoy_id: str,
        innbygger_fnr: str,
        avsender_org_nummer: str,
        avsender_navn: str,
        *,
        frist_dato: dt.date | str | None = None,
        melding: str | None = None,
    ) -> SendSvar:
        """Send the tool to the citizen as a Helsenorge task; answers the citizen's PseudoId for this client."""
        body = {
            "VerktoyId": verktoy_id,
            "InnbyggerFnr": innbygger_fnr,
            "AvsenderOrgNummer": avsender_org_nummer,
            "AvsenderNavn": avsender_navn,
        }
        body |= {k: v for k, v in (("FristDato", _date(frist_dato)), ("Melding", melding)) if v is not None}
        return cast(SendSvar, self.request("POST", "/verktoy/system/verktoy/v2", json=body).json())

    def send_v1(
        self,
        verktoy_id: str,
        innbygger_fnr: str,
        *,
        behandler_hpr: str | None = None,
        behandler_fnr: str | None = None,
        frist_dato: dt.date | str | None = None,
        melding: str | None = None,
    ) -> SendSvar:
        """The older send, naming the health professional (HPR number or fødselsnummer)."""
        body: dict[str, Any] = {"VerktoyId": verktoy_id, "InnbyggerFnr": innbygger_fnr}
        optional = (
            ("BehandlerHpr", behandler_hpr),
            ("BehandlerFnr", behandler_fnr),
            ("FristDato", _date(frist_dato)),
            ("Melding", melding),
        )
        body |= {k: v for k, v in optional if v is not None}
        return cast(SendSvar, self.request("POST", "/verktoy/v1/Verktoy", json=body).json())

    # -- guidance services (verktoyadminveiledning) --

    def update_guidance_service(self, veiledningstjeneste_id: str, *, telefon: str, url: str, apningstider: list[int]) -> dict[str, Any]:
        body = {"Id": veiledningstjeneste_id, "Telefon": telefon, "Url": url, "Apningstider": apningstider}
        return cast(dict[str, Any], self.request("PUT", f"/verktoy/v1/Veiledningstjeneste/{veiledningstjeneste_id}", json=body).json())

    # -- with a citizen's token (Helsenorge citizen login) --

    def behandler(self, verktoy_id: str) -> Behandler:
        """Who sent this tool to the logged-in citizen; the auth must carry the citizen's token."""
        return cast(Behandler, self.request("GET", "/verktoy/v1/Behandler", params={"VerktoyId": verktoy_id}).json())
