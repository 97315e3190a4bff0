"""HTTP face of PVK (seed 003, SPEC section 4). Rules live in ``service``; this module only translates.

Database work is synchronous (SQLAlchemy Core) and runs in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from helsebro import db, services
from helsebro._time import utcnow
from helsebro.auth.access import Access, GuardedRoute, principal_of, requires
from helsebro.auth.scopes import HELSENORGE_AUDIENCE
from helsebro.casing import query_lists
from helsebro.errors import HelsenorgeError
from helsebro.personvern import bodies, inputs, schemas, service
from helsebro.responses import JSONResponse

router = APIRouter(tags=["PVK"], route_class=GuardedRoute)

BASE = "/personvern/Personverninnstillinger"
WRITE_SCOPE = "Personverninnstillinger_skriv"
READ_SCOPE = "Personverninnstillinger_les"
WRITE = Access(HELSENORGE_AUDIENCE, WRITE_SCOPE)
READ = Access(HELSENORGE_AUDIENCE, READ_SCOPE)
# Tells the client that its body was not JSON and what helsebro repaired to read it (ours).
WARNING_HEADER = "X-Helsebro-Warning"


def _warning_headers(repairs: tuple[str, ...]) -> dict[str, str]:
    if not repairs:
        return {}
    return {WARNING_HEADER: "request body was not JSON and was repaired: " + "; ".join(repairs)}


async def _answer(work: Callable[[], Any], repairs: tuple[str, ...] = ()) -> Response:
    """Run the work in the thread pool; the repair warning goes on its answer, error or not."""
    headers = _warning_headers(repairs)
    try:
        result = await run_in_threadpool(work)
    except HelsenorgeError as exc:
        exc.headers.update(headers)
        raise
    return JSONResponse(result, headers=headers)


@router.post(
    f"{BASE}/SettInnbyggersPersonvernInnstilling/v2",
    summary="Sett eller endre en innbyggers personverninnstilling",
    openapi_extra=schemas.request_body(schemas.SettInnbyggersPersonvernInnstilling),
    responses={200: {"model": schemas.SettInnbyggersPersonvernInnstillingSvar}, **schemas.ERROR_RESPONSES},
)
@requires(WRITE)
async def set_setting(request: Request) -> Response:
    principal = principal_of(request)
    body = bodies.parse_body(await request.body())
    engine = services.of(request).engine

    def work() -> dict[str, str]:
        now = utcnow()
        change = inputs.parse_setting_change(body.value, now)
        with db.write(engine) as conn:
            instans = service.set_setting(conn, principal.client_id, change, now)
        return {"returKode": "ok", "instansEndret": instans}

    return await _answer(work, body.repairs)


@router.post(
    f"{BASE}/SjekkInnbyggersPiStatus/v2",
    summary="Status for én personverninnstilling for en innbygger",
    openapi_extra=schemas.request_body(schemas.SjekkInnbyggersPiStatus),
    responses={200: {"model": schemas.SjekkInnbyggersPiStatusSvar}, **schemas.ERROR_RESPONSES},
)
@requires(READ)
async def check_status(request: Request) -> Response:
    principal = principal_of(request)
    body = bodies.parse_body(await request.body())
    engine = services.of(request).engine

    def work() -> dict[str, Any]:
        query = inputs.parse_status_query(body.value)
        with db.read(engine) as conn:
            return service.check_status(conn, principal.client_id, query)

    return await _answer(work, body.repairs)


@router.post(
    f"{BASE}/HentInnbyggersPiForPart/v2",
    summary="En innbyggers aktive personverninnstillinger for en part",
    openapi_extra=schemas.request_body(schemas.HentInnbyggersPiForPart),
    responses={200: {"model": list[schemas.InnbyggersPi]}, **schemas.ERROR_RESPONSES},
)
@requires(READ)
async def settings_for_part(request: Request) -> Response:
    principal = principal_of(request)
    body = bodies.parse_body(await request.body())
    engine = services.of(request).engine

    def work() -> list[dict[str, Any]]:
        query = inputs.parse_part_query(body.value)
        with db.read(engine) as conn:
            return service.settings_for_part(conn, principal.client_id, query)

    return await _answer(work, body.repairs)


@router.get(
    f"{BASE}/HentInnbyggereAktivePiForDefinisjon/v2",
    summary="Innbyggere med aktiv innstilling for en definisjon, sidevis etter sekvensnummer",
    openapi_extra={
        "parameters": [
            {"name": "definisjonGuid", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "partKode", "in": "query", "required": True, "schema": {"type": "string"}},
            {
                "name": "pagingReference",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "default": 0},
                "description": "0 for første side, ellers pagingReference fra forrige svar",
            },
        ]
    },
    responses={200: {"model": schemas.HentInnbyggereAktivePiForDefinisjonSvar}, **schemas.ERROR_RESPONSES},
)
@requires(READ)
async def active_for_definition(request: Request) -> Response:
    principal = principal_of(request)
    params = query_lists(request.query_params.multi_items())
    engine = services.of(request).engine

    def work() -> dict[str, Any]:
        query = inputs.parse_definition_query(params)
        with db.read(engine) as conn:
            return service.active_for_definition(conn, principal.client_id, query)

    return await _answer(work)
