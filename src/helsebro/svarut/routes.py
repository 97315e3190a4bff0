"""HTTP face of SvarUt REST v3 (KS's forsendelse-send-api-v3 and forsendelse-status-api-v3), base /svarut/api.
Rules live in ``accounts``, ``validation``, ``recipients``, ``receiving``, ``letters`` and ``status``; this
module only translates."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from helsebro import services
from helsebro._time import utcnow
from helsebro.auth.maskinporten import consumer_orgnr
from helsebro.auth.scopes import FIKS_AUDIENCE, FIKS_SCOPE
from helsebro.responses import JSONResponse
from helsebro.svarut import accounts, blobs, errors, receiving, status, validation
from helsebro.svarut.multipart import MultipartReader, boundary_of

BASE = "/svarut/api/v3/kontoer/{kontoId}/forsendelser"
# As in KS's specs, every error is ``default``: the Fiks ErrorMessage. errorJson is null when empty, as Fiks
# sends it (the generator of KS's specs did not mark it nullable).
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
        "errorJson": {"type": ["string", "null"]},
    },
}
router = APIRouter(tags=["SvarUt"], responses={"default": {"description": "Feil", "content": {"application/json": {"schema": _ERROR_MESSAGE}}}})

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
    principal = await svc.guard.authenticate(request, audience=FIKS_AUDIENCE, scope=FIKS_SCOPE)
    return await run_in_threadpool(
        accounts.authorize,
        svc.engine,
        konto_id,
        request.headers.get("IntegrasjonId"),
        request.headers.get("IntegrasjonPassord"),
        consumer_orgnr(principal.claims),
    )


async def _send(request: Request, konto_id: str, kind: str) -> JSONResponse:
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
    letter_id = await receiving.receive(svc.engine, store, kind, access, key, reader, utcnow())
    return JSONResponse({"id": letter_id})


@router.post(BASE + "/person", summary="Sender forsendelse til person fra oppgitt konto", openapi_extra=_SEND_DOC)
async def send_til_person(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803  (the spec's name)
    return await _send(request, kontoId, "person")


@router.post(BASE + "/organisasjon", summary="Sender forsendelse til organisasjon fra oppgitt konto", openapi_extra=_SEND_DOC)
async def send_til_organisasjon(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    return await _send(request, kontoId, "organisasjon")


@router.post(BASE + "/nhn", summary="Sender forsendelse til mottaker i Norsk Helsenett fra oppgitt konto", openapi_extra=_SEND_DOC)
async def send_til_nhn(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    return await _send(request, kontoId, "nhn")


@router.post(BASE + "/print", summary="Sender forsendelse som skal printes", openapi_extra=_SEND_DOC)
async def send_til_print(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    return await _send(request, kontoId, "print")


@router.post(BASE + "/status/sok", summary="Henter status for en liste med forsendelser", openapi_extra=_HEADERS_DOC)
async def hent_statuser(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    svc = services.of(request)
    access = await _authorize(request, kontoId)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_STATUS_QUERY_BYTES:
            raise errors.too_large("Søket er for stort")
    ids = validation.status_query(bytes(body))
    return JSONResponse(await run_in_threadpool(status.search, svc.engine, access.account.konto_id, ids))
