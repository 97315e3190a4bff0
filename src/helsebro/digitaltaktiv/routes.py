"""HTTP face of DigitaltAktiv: the change feed and the two checks."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from helsebro import _time, services
from helsebro._time import utcnow
from helsebro.auth.access import Access, GuardedRoute, requires
from helsebro.auth.scopes import HELSENORGE_AUDIENCE
from helsebro.casing import lower_keys, query_lists
from helsebro.digitaltaktiv import errors, feed, service
from helsebro.digitaltaktiv.repository import SqlStatuses
from helsebro.errors import HELSENORGE_ERRORS
from helsebro.responses import JSONResponse
from helsebro.unit_of_work import SqlUnitOfWork

router = APIRouter(tags=["DigitaltAktiv"], responses=HELSENORGE_ERRORS, route_class=GuardedRoute)

FEED_SCOPE = "digitaltaktiv"
AKTIVSJEKK_ANSWER = {
    "type": "object",
    "required": ["erAktivListe"],
    "properties": {
        "erAktivListe": {
            "type": "object",
            "description": "fødselsnummer → status",
            "additionalProperties": {
                "type": "object",
                "required": ["erDigitaltAktivSelv", "erDigitaltAktivViaAndre", "tildeltFullmakt"],
                "properties": {
                    "erDigitaltAktivSelv": {"type": "boolean"},
                    "erDigitaltAktivViaAndre": {"type": "boolean"},
                    "tildeltFullmakt": {"type": "boolean"},
                },
            },
        }
    },
}
CHECK_SCOPE = "helsenorgeaktivsjekken"
FEED = Access(HELSENORGE_AUDIENCE, FEED_SCOPE)
CHECK = Access(HELSENORGE_AUDIENCE, CHECK_SCOPE)


async def _json_body(request: Request) -> object:
    raw = await request.body()
    if not raw.strip():
        raise errors.invalid_request("Forespørselen mangler innhold (JSON)")
    try:
        return lower_keys(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        raise errors.invalid_request(f"Forespørselen er ikke gyldig JSON: {exc}") from exc


@router.get(
    "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer",
    summary="Innbyggere som kan ha fått endret digitalt aktiv-status etter offset",
    openapi_extra={
        "parameters": [
            {
                "name": "offset",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "ISO 8601 (yyyy-mm-ddThh:mm:ss.00000Z) fra forrige svar; tom gir alle endringer",
            }
        ]
    },
    responses={200: {"content": {"application/json": {"example": {"offset": "2026-11-23T10:15:30.12345Z", "fnr": ["12048645510"]}}}}},
)
@requires(FEED)
async def status_changes(request: Request) -> Response:
    offset = feed.parse_offset(next(iter(query_lists(request.query_params.multi_items()).get("offset") or []), None))
    engine = services.of(request).engine
    now = utcnow()
    # The new offset is fixed before reading: see helsebro.digitaltaktiv.feed.
    new_offset = await run_in_threadpool(feed.safe_offset, engine)
    batches = feed.changed_since(engine, offset, now)
    # The first batch before the status line: a database failure still gets a proper error answer.
    first: list[str] = await run_in_threadpool(next, batches, [])
    body = _render(feed.format_offset(new_offset), itertools.chain([first], batches))
    return StreamingResponse(body, media_type="application/json; charset=utf-8")


def _render(offset: str, batches: Iterator[list[str]]) -> Iterator[bytes]:
    yield b'{"offset":' + orjson.dumps(offset) + b',"fnr":['
    first = True
    for batch in batches:
        if not batch:
            continue
        chunk = orjson.dumps(batch)[1:-1]
        yield chunk if first else b"," + chunk
        first = False
    yield b"]}"


@router.post(
    "/digitaltaktiv/helsenorgeaktivsjekken/v1",
    summary="Er innbyggerne aktive på Helsenorge selv, via andre, og har de gitt fullmakt (maks 1000)",
    responses={200: {"content": {JSONResponse.media_type: {"schema": AKTIVSJEKK_ANSWER}}}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["fnrListe", "omraade"],
                        "properties": {
                            "fnrListe": {"type": "array", "maxItems": 1000, "items": {"type": "string", "pattern": "^[0-9]{11}$"}},
                            "omraade": {
                                "type": "string",
                                "enum": ["Helsehjelp", "Ungdom"],
                                "description": "Volven 7618: Helsehjelp = 3, Ungdom = 6 (helsebro also takes the numbers)",
                            },
                        },
                    },
                    "example": {"fnrListe": ["12048645510"], "omraade": "Helsehjelp"},
                }
            },
        }
    },
)
@requires(CHECK)
async def helsenorge_aktivsjekk(request: Request) -> JSONResponse:
    body = await _json_body(request)
    result = await run_in_threadpool(service.aktivsjekk, _statuses(request), body, _time.today())
    return JSONResponse(result)


@router.post(
    "/digitaltaktiv/v1/DigitaltAktivOmraade",
    summary="Er innbyggeren digitalt aktiv (eldre enkeltsjekk)",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"example": {"fnr": "12048645510", "omraade": 1}}}}},
)
@requires(FEED)
async def digitalt_aktiv_omraade(request: Request) -> JSONResponse:
    body = await _json_body(request)
    result = await run_in_threadpool(service.digitalt_aktiv_omraade, _statuses(request), body, _time.today())
    return JSONResponse(result)


def _statuses(request: Request) -> SqlUnitOfWork[SqlStatuses]:
    return SqlUnitOfWork(services.of(request).engine, SqlStatuses)
