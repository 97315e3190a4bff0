"""Helsenorge DigitaltAktiv: the change feed with its safe server offsets, and the status checks.
Scopes: ``digitaltaktiv`` (feed, old check), ``helsenorgeaktivsjekken`` (the current check).

Read the feed by always passing back the last ``offset`` you got: then no change is missed (a citizen may
come twice across pages, never not at all).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypedDict, cast

from helsebro.client._base import ServiceClient
from helsebro.client.errors import HelsenorgeError

# omraade as the service's Swagger has it (a string enum); helsebro also takes the Volven 7618 codes 3 and 6.
HELSEHJELP = "Helsehjelp"
UNGDOM = "Ungdom"


class StatusEndringer(TypedDict):
    offset: str
    fnr: list[str]


class AktivStatus(TypedDict):
    erDigitaltAktivSelv: bool
    erDigitaltAktivViaAndre: bool
    tildeltFullmakt: bool


class Aktivsjekk(TypedDict):
    erAktivListe: dict[str, AktivStatus]


class DigitaltAktivOmraadeSvar(TypedDict):
    fnr: str
    digitaltAktiv: bool


class DigitaltAktivClient(ServiceClient):
    error_type = HelsenorgeError

    def status_changes(self, offset: str | None = None) -> StatusEndringer:
        """Citizens whose status may have changed after ``offset`` (None: all within three months)."""
        params: dict[str, Any] = {"offset": offset} if offset else {}
        return cast(StatusEndringer, self.request("GET", "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer", params=params).json())

    def follow_changes(self, offset: str | None = None) -> Iterator[StatusEndringer]:
        """Page after page, each asked for with the previous page's offset, until a page comes back empty."""
        while True:
            page = self.status_changes(offset)
            yield page
            if not page["fnr"]:
                return
            offset = page["offset"]

    def aktivsjekk(self, fnr_liste: Iterable[str], omraade: str | int = HELSEHJELP) -> Aktivsjekk:
        """``helsenorgeaktivsjekken/v1``: for up to 1000 citizens, active themselves, through others, power given."""
        body = {"fnrListe": list(fnr_liste), "omraade": omraade}
        return cast(Aktivsjekk, self.request("POST", "/digitaltaktiv/helsenorgeaktivsjekken/v1", json=body).json())

    def digitalt_aktiv_omraade(self, fnr: str, omraade: int = 1) -> DigitaltAktivOmraadeSvar:
        """The older single check."""
        return cast(
            DigitaltAktivOmraadeSvar,
            self.request("POST", "/digitaltaktiv/v1/DigitaltAktivOmraade", json={"fnr": fnr, "omraade": omraade}).json(),
        )
