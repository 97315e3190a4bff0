"""helsebro's operator API (``/operator/api/v1``): set up test citizens, consent, health personnel and
organisations over HTTP, for a test suite's own cases. helsebro only: the national services have no such API.

The operator client logs in with its client secret (``helsebro-operator`` / ``helsebro-operator`` by default,
``HELSEBRO_OPERATOR_SECRET`` on the server changes it).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Generator
from typing import Any, TypedDict, cast

import httpx

from helsebro.client._base import ServiceClient
from helsebro.client.auth import AccessToken
from helsebro.client.errors import OperatorError, TokenError

BASE = "/operator/api/v1"
OPERATOR_SCOPE = "helsebro:operator"


class Person(TypedDict):
    fnr: str
    navn: str


class Innbygger(TypedDict, total=False):
    fnr: str
    fornavn: str
    mellomnavn: str | None
    etternavn: str
    navn: str
    fodselsdato: str | None
    adresse: str | None
    postnummer: str | None
    poststed: str | None
    dodsdato: str | None
    helsenorgeSamtykke: bool
    foreldre: list[Person]
    barn: list[Person]
    fullmakterGitt: list[dict[str, Any]]
    fullmakterMottatt: list[dict[str, Any]]


class InnbyggerListe(TypedDict):
    totalt: int
    limit: int
    offset: int
    innbyggere: list[dict[str, Any]]


class Helsepersonell(TypedDict, total=False):
    hprNummer: str
    fnr: str | None
    fornavn: str
    etternavn: str
    navn: str
    autorisasjoner: list[dict[str, str]]


class Organisasjon(TypedDict, total=False):
    orgnr: str
    navn: str
    herId: str | None


class _SecretAuth(httpx.Auth):
    """client_credentials with client_secret_post at helsebro's HelseID; the token cached until near expiry."""

    def __init__(self, token_endpoint: str, client_id: str, secret: str, http: httpx.Client):
        self._form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": OPERATOR_SCOPE}
        self._endpoint = token_endpoint
        self._http = http
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def _current(self) -> AccessToken:
        with self._lock:
            if self._token is None or not self._token.fresh():
                response = self._http.post(self._endpoint, data=self._form)
                if response.status_code != 200:
                    raise TokenError.from_response(response)
                self._token = AccessToken.of(response.json())
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._current().access_token}"
        yield request


def _date(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


class OperatorClient(ServiceClient):
    error_type = OperatorError

    def __init__(
        self, base_url: str, *, client_id: str = "helsebro-operator", secret: str = "helsebro-operator", http: httpx.Client | None = None
    ):
        """``base_url``: helsebro's root (``http://127.0.0.1:8080``); the token comes from its ``/helseid``."""
        http = http or httpx.Client(timeout=30)
        super().__init__(
            base_url.rstrip("/") + BASE, _SecretAuth(base_url.rstrip("/") + "/helseid/connect/token", client_id, secret, http), http=http
        )
        self._owns_http = True

    # -- citizens --

    def create_citizen(
        self,
        fornavn: str,
        etternavn: str,
        *,
        fodselsdato: dt.date | str | None = None,
        fnr: str | None = None,
        helsenorge_samtykke: bool = False,
        **more: Any,
    ) -> Innbygger:
        """A new test citizen; without ``fnr`` helsebro makes a synthetic Tenor number from ``fodselsdato``.
        ``more``: further wire fields (``adresse``, ``postnummer``, ``poststed``, ``dodsdato``, ``mellomnavn``)."""
        body: dict[str, Any] = {"fornavn": fornavn, "etternavn": etternavn, "helsenorgeSamtykke": helsenorge_samtykke, **more}
        body |= {k: v for k, v in (("fodselsdato", _date(fodselsdato)), ("fnr", fnr)) if v is not None}
        return cast(Innbygger, self.request("POST", "/innbyggere", json=body).json())

    def get_citizen(self, fnr: str) -> Innbygger:
        return cast(Innbygger, self.request("GET", f"/innbyggere/{fnr}").json())

    def list_citizens(self, *, navn: str | None = None, limit: int = 50, offset: int = 0) -> InnbyggerListe:
        params: dict[str, Any] = {"limit": limit, "offset": offset} | ({"navn": navn} if navn else {})
        return cast(InnbyggerListe, self.request("GET", "/innbyggere", params=params).json())

    def update_citizen(self, fnr: str, **changes: Any) -> Innbygger:
        """PATCH with wire names, e.g. ``helsenorgeSamtykke=False`` (withdraws the consent, with history)."""
        return cast(Innbygger, self.request("PATCH", f"/innbyggere/{fnr}", json=changes).json())

    def delete_citizen(self, fnr: str) -> None:
        self.request("DELETE", f"/innbyggere/{fnr}")

    # -- health personnel and organisations --

    def create_health_person(
        self, hpr_nummer: str, fornavn: str, etternavn: str, *, fnr: str | None = None, autorisasjoner: list[dict[str, str]] | None = None
    ) -> Helsepersonell:
        body: dict[str, Any] = {"hprNummer": hpr_nummer, "fornavn": fornavn, "etternavn": etternavn, "autorisasjoner": autorisasjoner or []}
        body |= {"fnr": fnr} if fnr else {}
        return cast(Helsepersonell, self.request("POST", "/helsepersonell", json=body).json())

    def get_health_person(self, hpr_nummer: str) -> Helsepersonell:
        return cast(Helsepersonell, self.request("GET", f"/helsepersonell/{hpr_nummer}").json())

    def create_organisation(self, orgnr: str, navn: str, *, her_id: str | None = None) -> Organisasjon:
        body: dict[str, Any] = {"orgnr": orgnr, "navn": navn} | ({"herId": her_id} if her_id else {})
        return cast(Organisasjon, self.request("POST", "/organisasjoner", json=body).json())

    def get_organisation(self, orgnr: str) -> Organisasjon:
        return cast(Organisasjon, self.request("GET", f"/organisasjoner/{orgnr}").json())
