"""HTTP face of the operator API (ours, SPEC section 7): set up test data over HTTP, with an operator token.

Rules live in ``registries.admin`` and ``operator.service``; this module only translates. Every endpoint
checks the token before anything else (a request without one never learns whether its body was valid),
and FastAPI's validation errors come out as the API's own ``OP-000400`` body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.responses import Response

from helsebro import services
from helsebro.auth import access
from helsebro.auth.access import Access
from helsebro.auth.guard import AuthFailure, Guard, Principal
from helsebro.auth.operator_access import CLIENT_API_AUDIENCES, operator_token_required
from helsebro.auth.scopes import OPERATOR_AUDIENCE, OPERATOR_SCOPE
from helsebro.operator import errors, service
from helsebro.operator import schemas as wire

BASE = "/operator/api/v1"


OPERATOR = Access(OPERATOR_AUDIENCE, OPERATOR_SCOPE)


async def authorize(request: Request) -> Principal:
    """An operator token (audience and scope ``helsebro:operator``): none or a bad one is 401, a good token
    for another API 403."""
    guard = services.of(request).guard
    try:
        return await access.authorize(request, OPERATOR)
    except AuthFailure as failure:
        if failure.status == 401 and await _is_client_api_token(guard, request):
            raise operator_token_required() from None
        raise


async def _is_client_api_token(guard: Guard, request: Request) -> bool:
    for audience in CLIENT_API_AUDIENCES:
        try:
            await guard.authenticate(request, audience=audience, scope=None)
            return True
        except AuthFailure:
            continue
    return False


class OperatorRoute(access.GuardedRoute):
    """Authorises before FastAPI reads the request, and renders its validation errors as OP-000400."""

    default_access = OPERATOR

    def wrap(self, handle: access.RouteHandler, requirement: Access) -> access.RouteHandler:
        async def authorised_handler(request: Request) -> Response:
            request.state.principal = await authorize(request)
            try:
                return await handle(request)
            except RequestValidationError as exc:
                raise errors.invalid_request(exc.errors()) from None

        return authorised_handler


# Every error has the same body; "4XX" also keeps FastAPI from documenting a 422 we never send.
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": wire.OperatorFeil, "description": "Ugyldig forespørsel (OP-000400, OP-000410..414)"},
    401: {"model": wire.OperatorFeil, "description": "Mangler eller ugyldig token (SEC-110000)"},
    403: {"model": wire.OperatorFeil, "description": "Ikke et operatør-token (SEC-110001)"},
    "4XX": {"model": wire.OperatorFeil, "description": "Alle feil har formen {Code, Message}"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": wire.OperatorFeil, "description": "Finnes ikke (OP-000404)"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": wire.OperatorFeil, "description": "Finnes allerede (OP-000409)"}}

# FastAPI's own JSONResponse (not helsebro's orjson one) so the OpenAPI shows the response models; these
# endpoints are not on a hot path.
router = APIRouter(prefix=BASE, route_class=OperatorRoute, responses=_ERRORS, default_response_class=JSONResponse)

CITIZENS, PERSONNEL, ORGANISATIONS = "Operatør: innbyggere", "Operatør: helsepersonell", "Operatør: organisasjoner"

Fnr = Annotated[str, Path(description="Fødselsnummer (11 sifre)")]
Navn = Annotated[str | None, Query(description="Ord som alle må finnes i navnet (store/små bokstaver likegyldig)")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Høyst så mange (1-1000)")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Hopp over så mange (0-2147483647)")]


def _engine(request: Request):  # noqa: ANN202
    return services.of(request).engine


def _actor(request: Request) -> str:
    """Who made a change, for PVK history: the operator client's id."""
    return request.state.principal.client_id or "helsebro-operator"


def _created(response: Response, location: str) -> None:
    response.headers["Location"] = BASE + location


# --- citizens --------------------------------------------------------------------------------------------


@router.post(
    "/innbyggere",
    tags=[CITIZENS],
    status_code=201,
    response_model=wire.Innbygger,
    responses=_CONFLICT,
    summary="Opprett innbygger (med syntetisk fødselsnummer om fnr utelates)",
    description="Uten `fnr` lages et gyldig syntetisk Tenor-nummer (måned + 80) fra `fodselsdato`. "
    "`helsenorgeSamtykke: true` gir innbyggeren Helsenorge-samtykket, så hen blir digitalt aktiv selv "
    "(og havner i DigitaltAktiv-endringsfeeden).",
)
def create_citizen(request: Request, response: Response, body: wire.NyInnbygger) -> wire.Innbygger:
    created = service.create_citizen(_engine(request), body, _actor(request))
    _created(response, f"/innbyggere/{created.fnr}")
    return created


@router.get(
    "/innbyggere",
    tags=[CITIZENS],
    response_model=wire.InnbyggerListe,
    summary="List innbyggere, sortert på navn",
)
def list_citizens(request: Request, navn: Navn = None, limit: Limit = 50, offset: Offset = 0) -> wire.InnbyggerListe:
    return service.list_citizens(_engine(request), navn, limit, offset)


@router.get(
    "/innbyggere/{fnr}",
    tags=[CITIZENS],
    response_model=wire.Innbygger,
    responses=_NOT_FOUND,
    summary="Hent innbygger med foreldre, barn, fullmakter og Helsenorge-samtykke",
)
def get_citizen(request: Request, fnr: Fnr) -> wire.Innbygger:
    return service.get_citizen(_engine(request), fnr)


@router.patch(
    "/innbyggere/{fnr}",
    tags=[CITIZENS],
    response_model=wire.Innbygger,
    responses=_NOT_FOUND,
    summary="Endre innbygger: navn, adresse, dødsdato, Helsenorge-samtykke",
    description="Bare feltene som er med, endres. `dodsdato: null` gjør innbyggeren levende igjen; "
    "`helsenorgeSamtykke: false` trekker samtykket tilbake (aktiv=false, med historikk).",
)
def update_citizen(request: Request, fnr: Fnr, body: wire.InnbyggerEndring) -> wire.Innbygger:
    return service.update_citizen(_engine(request), fnr, body, _actor(request))


@router.delete(
    "/innbyggere/{fnr}",
    tags=[CITIZENS],
    status_code=204,
    response_class=Response,
    responses=_NOT_FOUND,
    summary="Slett innbygger med foreldreansvar, fullmakter og PVK-innstillinger (historikken beholdes)",
)
def delete_citizen(request: Request, fnr: Fnr) -> Response:
    service.delete_citizen(_engine(request), fnr, _actor(request))
    return Response(status_code=204)


@router.post(
    "/innbyggere/{fnr}/foreldreansvar",
    tags=[CITIZENS],
    status_code=201,
    response_model=wire.Foreldreansvar,
    responses={**_NOT_FOUND, **_CONFLICT},
    summary="Gi innbyggeren foreldreansvar for et mindreårig barn",
)
def add_parental_responsibility(request: Request, fnr: Fnr, body: wire.NyttForeldreansvar) -> wire.Foreldreansvar:
    return service.add_parental_responsibility(_engine(request), fnr, body)


@router.delete(
    "/innbyggere/{fnr}/foreldreansvar/{barnFnr}",
    tags=[CITIZENS],
    status_code=204,
    response_class=Response,
    responses=_NOT_FOUND,
    summary="Fjern foreldreansvar",
)
def remove_parental_responsibility(
    request: Request, fnr: Fnr, barn_fnr: Annotated[str, Path(alias="barnFnr", description="Barnets fødselsnummer")]
) -> Response:
    service.remove_parental_responsibility(_engine(request), fnr, barn_fnr)
    return Response(status_code=204)


FullmaktId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Fullmaktens id")]  # the column is a 32-bit integer


@router.post(
    "/fullmakter",
    tags=[CITIZENS],
    status_code=201,
    response_model=wire.Fullmakt,
    responses={**_NOT_FOUND, **_CONFLICT},
    summary="Registrer fullmakt: fullmaktsgiver lar fullmektig handle for seg i en periode",
)
def add_power_of_attorney(request: Request, response: Response, body: wire.NyFullmakt) -> wire.Fullmakt:
    created = service.add_power_of_attorney(_engine(request), body)
    _created(response, f"/fullmakter/{created.id}")
    return created


@router.get("/fullmakter/{id}", tags=[CITIZENS], response_model=wire.Fullmakt, responses=_NOT_FOUND, summary="Hent fullmakt")
def get_power_of_attorney(request: Request, id: FullmaktId) -> wire.Fullmakt:
    return service.get_power_of_attorney(_engine(request), id)


@router.patch(
    "/fullmakter/{id}",
    tags=[CITIZENS],
    response_model=wire.Fullmakt,
    responses={**_NOT_FOUND, **_CONFLICT},
    summary="Endre fullmaktens periode (f.eks. avslutt den med gyldigTil)",
)
def change_power_of_attorney(request: Request, id: FullmaktId, body: wire.FullmaktEndring) -> wire.Fullmakt:
    return service.change_power_of_attorney(_engine(request), id, body)


@router.delete(
    "/fullmakter/{id}", tags=[CITIZENS], status_code=204, response_class=Response, responses=_NOT_FOUND, summary="Slett fullmakt"
)
def remove_power_of_attorney(request: Request, id: FullmaktId) -> Response:
    service.remove_power_of_attorney(_engine(request), id)
    return Response(status_code=204)


# --- health personnel ------------------------------------------------------------------------------------

Hpr = Annotated[str, Path(description="HPR-nummer (1-9 sifre)")]


@router.post(
    "/helsepersonell",
    tags=[PERSONNEL],
    status_code=201,
    response_model=wire.Helsepersonell,
    responses=_CONFLICT,
    summary="Opprett helsepersonell med autorisasjoner",
)
def create_health_person(request: Request, response: Response, body: wire.NyttHelsepersonell) -> wire.Helsepersonell:
    created = service.create_health_person(_engine(request), body)
    _created(response, f"/helsepersonell/{created.hpr_nummer}")
    return created


@router.get("/helsepersonell", tags=[PERSONNEL], response_model=wire.HelsepersonellListe, summary="List helsepersonell, sortert på navn")
def list_health_personnel(request: Request, navn: Navn = None, limit: Limit = 50, offset: Offset = 0) -> wire.HelsepersonellListe:
    return service.list_health_personnel(_engine(request), navn, limit, offset)


@router.get(
    "/helsepersonell/{hpr}", tags=[PERSONNEL], response_model=wire.Helsepersonell, responses=_NOT_FOUND, summary="Hent helsepersonell"
)
def get_health_person(request: Request, hpr: Hpr) -> wire.Helsepersonell:
    return service.get_health_person(_engine(request), hpr)


@router.put(
    "/helsepersonell/{hpr}",
    tags=[PERSONNEL],
    response_model=wire.Helsepersonell,
    responses={**_NOT_FOUND, **_CONFLICT},
    summary="Erstatt helsepersonellets navn, fødselsnummer og autorisasjoner",
)
def update_health_person(request: Request, hpr: Hpr, body: wire.HelsepersonellEndring) -> wire.Helsepersonell:
    return service.update_health_person(_engine(request), hpr, body)


# --- organisations ---------------------------------------------------------------------------------------

Orgnr = Annotated[str, Path(description="Organisasjonsnummer (9 sifre)")]


@router.post(
    "/organisasjoner",
    tags=[ORGANISATIONS],
    status_code=201,
    response_model=wire.Organisasjon,
    responses=_CONFLICT,
    summary="Opprett organisasjon",
)
def create_organisation(request: Request, response: Response, body: wire.NyOrganisasjon) -> wire.Organisasjon:
    created = service.create_organisation(_engine(request), body)
    _created(response, f"/organisasjoner/{created.orgnr}")
    return created


@router.get("/organisasjoner", tags=[ORGANISATIONS], response_model=wire.OrganisasjonListe, summary="List organisasjoner, sortert på navn")
def list_organisations(request: Request, navn: Navn = None, limit: Limit = 50, offset: Offset = 0) -> wire.OrganisasjonListe:
    return service.list_organisations(_engine(request), navn, limit, offset)


@router.get(
    "/organisasjoner/{orgnr}", tags=[ORGANISATIONS], response_model=wire.Organisasjon, responses=_NOT_FOUND, summary="Hent organisasjon"
)
def get_organisation(request: Request, orgnr: Orgnr) -> wire.Organisasjon:
    return service.get_organisation(_engine(request), orgnr)


@router.put(
    "/organisasjoner/{orgnr}",
    tags=[ORGANISATIONS],
    response_model=wire.Organisasjon,
    responses={**_NOT_FOUND, **_CONFLICT},
    summary="Erstatt organisasjonens navn og HER-id",
)
def update_organisation(request: Request, orgnr: Orgnr, body: wire.OrganisasjonEndring) -> wire.Organisasjon:
    return service.update_organisation(_engine(request), orgnr, body)


# Maskinporten clients' business certificates: on this router, from a module of their own.
# The environment file's routes (operator/environment_routes.py) are added to this router when imported.
# Steering the test environment (clock, reset, faults, journal): modules of their own, under this router's token check and prefix.
from helsebro.operator import (  # noqa: E402  (these modules add routes to the router above)
    certificate_routes,  # noqa: F401
    environment_routes,  # noqa: F401
    fault_routes,
    journal_routes,
    kinds_routes,  # noqa: F401  (clients, tools, guidance services, PVK definitions, SvarUt accounts, integrations)
    steering_routes,
)

for _steering in (steering_routes, fault_routes, journal_routes):  # paths already carry BASE
    router.routes.extend(_steering.router.routes)
