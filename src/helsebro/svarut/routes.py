"""HTTP face of SvarUt REST v3 (KS's forsendelse-send-api-v3 and forsendelse-status-api-v3), base /svarut/api.
Rules live in ``accounts``, ``validation``, ``recipients``, ``receiving``, ``letters`` and ``status``; this
module only translates."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from helsebro import db, services
from helsebro._time import utcnow
from helsebro.auth.access import Access, GuardedRoute, principal_of, requires
from helsebro.auth.maskinporten import consumer_orgnr
from helsebro.auth.scopes import FIKS_AUDIENCE, FIKS_SCOPE
from helsebro.responses import JSONResponse
from helsebro.svarut import accounts, blobs, errors, receiving, status, validation
from helsebro.svarut.multipart import MultipartReader, boundary_of

BASE = "/svarut/api/v3/kontoer/{kontoId}/forsendelser"
# As in KS's specs, every error is ``default``: the Fiks ErrorMessage. errorJson as KS's client reads it since
# 4.8.0 (field -> message; the stored spec still says string), left out when empty.
_ERROR_MESSAGE = {
    "type": "object",
    "properties": {
        "timestamp": {"type": "integer", "format": "int64"},
        "status": {"type": "integer", "format": "int32"},
        "error": {"type": "string"},
        "errorId": {"type": "string", "format": "uuid"},
        "path": {"type": "string"},
        "originalPath": {"type": "string"},
        "message": {"type": "string"},
        "errorCode": {"type": "string"},
        "errorJson": {"type": "object", "additionalProperties": {"type": "string"}, "description": "felt → melding"},
    },
}
# A Maskinporten token for KS Fiks; the integration's headers and the account are checked by ``accounts``.
FIKS = Access(FIKS_AUDIENCE, FIKS_SCOPE)


class FiksRoute(GuardedRoute):
    """Every SvarUt route (v2 and v3) asks for the same token."""

    default_access = FIKS


router = APIRouter(
    tags=["SvarUt"],
    route_class=FiksRoute,
    responses={"default": {"description": "Feil", "content": {"application/json": {"schema": _ERROR_MESSAGE}}}},
)

MAX_STATUS_QUERY_BYTES = 5 * 1024 * 1024
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

_HEADERS_DOC = {
    "parameters": [
        {"name": "IntegrasjonId", "in": "header", "required": True, "schema": {"type": "string", "format": "uuid"}},
        {"name": "IntegrasjonPassord", "in": "header", "required": True, "schema": {"type": "string"}},
    ]
}
_SEND_DOC = {
    "parameters": [
        *_HEADERS_DOC["parameters"],
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 255},
            "description": "helsebro: the same key and body give the same id, nothing is sent twice",
        },
    ],
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"forsendelse": {"type": "string"}}}}},
    },
}


async def _authorize(request: Request, konto_id: str) -> accounts.Access:
    svc = services.of(request)
    principal = principal_of(request)
    return await run_in_threadpool(
        accounts.authorize,
        svc.engine,
        konto_id,
        request.headers.get("IntegrasjonId"),
        request.headers.get("IntegrasjonPassord"),
        consumer_orgnr(principal.claims),
    )


async def _send(request: Request, konto_id: str, kind: str | None, api_versjon: str = "v3") -> JSONResponse:
    """v3's four sends and v2's one (``kind`` None: the recipient decides it)."""
    svc = services.of(request)
    access = await _authorize(request, konto_id)
    boundary = boundary_of(request.headers.get("content-type"))
    if boundary is None:
        raise errors.not_multipart()
    key = request.headers.get("idempotency-key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise errors.idempotency_key_invalid()
    reader = MultipartReader(request.stream(), boundary)
    store = blobs.store_for(svc.settings, svc.engine)
    letter_id = await receiving.receive(svc.engine, store, kind, access, key, reader, utcnow(), api_versjon)
    return JSONResponse({"id": letter_id})


@router.post(BASE + "/person", summary="Sender forsendelse til person fra oppgitt konto", openapi_extra=_SEND_DOC)
@requires(FIKS)
async def send_til_person(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803  (the spec's name)
    return await _send(request, kontoId, "person")


@router.post(BASE + "/organisasjon", summary="Sender forsendelse til organisasjon fra oppgitt konto", openapi_extra=_SEND_DOC)
@requires(FIKS)
async def send_til_organisasjon(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    return await _send(request, kontoId, "organisasjon")


@router.post(BASE + "/nhn", summary="Sender forsendelse til mottaker i Norsk Helsenett fra oppgitt konto", openapi_extra=_SEND_DOC)
@requires(FIKS)
async def send_til_nhn(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    return await _send(request, kontoId, "nhn")


@router.post(BASE + "/print", summary="Sender forsendelse som skal printes", openapi_extra=_SEND_DOC)
@requires(FIKS)
async def send_til_print(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    return await _send(request, kontoId, "print")


@router.post(BASE + "/status/sok", summary="Henter status for en liste med forsendelser", openapi_extra=_HEADERS_DOC)
@requires(FIKS)
async def hent_statuser(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    svc = services.of(request)
    principal = principal_of(request)
    headers = request.headers
    body = bytearray()
    too_large = False
    async for chunk in request.stream():  # only a caller with a valid token gets this far
        body.extend(chunk)
        if len(body) > MAX_STATUS_QUERY_BYTES:
            too_large = True
            break

    def work() -> dict:
        # One hop to the thread pool and one connection: the access rule's query (its errors first), then the letters'.
        with db.read(svc.engine) as conn:
            access = accounts.authorize_on(
                conn, kontoId, headers.get("IntegrasjonId"), headers.get("IntegrasjonPassord"), consumer_orgnr(principal.claims)
            )
            if too_large:
                raise errors.too_large("Søket er for stort")
            return status.search_on(conn, access.account.konto_id, validation.status_query(bytes(body)))

    return JSONResponse(await run_in_threadpool(work))
