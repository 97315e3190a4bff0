"""HTTP face of SvarUt REST v2 (KS's nine v2 specs, reference/fiks-svarut/v2/), on the same letters and delivery
as v3. Paths start with ``/api/v2`` as KS's client sets them (``SendKlientV2`` and the others replace the base
URL's path); the app includes this router under ``/svarut`` and at the root. Rules live in ``accounts``,
``receiving``, ``validation_v2``, ``letters_v2``, ``events``, ``signing`` and ``receiving_systems``.

Authorisation is v3's: a Maskinporten token, ``IntegrasjonId`` + ``IntegrasjonPassord``, and for a call on an
account or on a letter, access to that account (a letter of another account is the same 404 as none).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from helsebro import db, services
from helsebro._time import utcnow
from helsebro.auth.access import principal_of
from helsebro.auth.maskinporten import consumer_orgnr
from helsebro.responses import JSONResponse, content_disposition
from helsebro.svarut import accounts, blobs, errors, events, letters_v2, receiving_systems, signing, validation_v2
from helsebro.svarut.routes import _ERROR_MESSAGE, _HEADERS_DOC, _SEND_DOC, MAX_STATUS_QUERY_BYTES, FiksRoute, _authorize, _send

V2 = "/api/v2"
KONTO = V2 + "/kontoer/{kontoId}/forsendelser"
LETTER = V2 + "/forsendelser/{forsendelseId}"
MAX_LEST_BYTES = 64 * 1024
CITIZEN_LETTERS = "/innbygger/brev"  # where the recipient reads and signs (helsebro.pages.citizen)

router = APIRouter(
    tags=["SvarUt v2"],
    route_class=FiksRoute,
    responses={"default": {"description": "Feil", "content": {"application/json": {"schema": _ERROR_MESSAGE}}}},
)


def _integration(request: Request) -> tuple[str | None, str | None]:
    return request.headers.get("IntegrasjonId"), request.headers.get("IntegrasjonPassord")


async def _consumer(request: Request) -> str | None:
    return consumer_orgnr(principal_of(request).claims)


async def _authorize_letter(request: Request, forsendelse_id: str) -> str:
    consumer = await _consumer(request)
    _, letter_id = await run_in_threadpool(
        accounts.authorize_letter, services.of(request).engine, forsendelse_id, *_integration(request), consumer
    )
    return letter_id


async def _authenticate(request: Request) -> None:
    consumer = await _consumer(request)
    await run_in_threadpool(accounts.authenticate, services.of(request).engine, *_integration(request), consumer)


async def _bounded_body(request: Request, limit: int, what: str) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise errors.too_large(f"{what} er for stor")
    return bytes(body)


def _base(request: Request) -> str:
    """The server's URL up to /api/v2 as this request came (``/svarut`` or the root), for the links we hand out."""
    path = request.url.path
    return str(request.base_url).rstrip("/") + path[: path.index(V2)] if V2 in path else str(request.base_url).rstrip("/")


# -- send and status -------------------------------------------------------------------------------------


@router.post(KONTO, summary="Sender forsendelse fra konto", operation_id="send", openapi_extra=_SEND_DOC)
async def send(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803  (the spec's name)
    return await _send(request, kontoId, None, "v2")  # v3's send: only the metadata's rules differ


# SendKlientV2 posts to ".../forsendelser/" (with the slash): the same operation, without a redirect.
router.add_api_route(KONTO + "/", send, methods=["POST"], include_in_schema=False)


@router.post(KONTO + "/status-sok", summary="Henter status for forsendelse", operation_id="hentStatuser", openapi_extra=_HEADERS_DOC)
async def hent_statuser(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    access = await _authorize(request, kontoId)
    ids = validation_v2.status_query(await _bounded_body(request, MAX_STATUS_QUERY_BYTES, "Søket"))
    return JSONResponse(await run_in_threadpool(letters_v2.search, services.of(request).engine, access.account.konto_id, ids))


# -- look-ups by eksternReferanse ------------------------------------------------------------------------


# eksternRef is read by hand (not a FastAPI parameter) so that a missing one gets a Fiks ErrorMessage naming it.
_EKSTERN_REF_DOC = {
    "parameters": [*_HEADERS_DOC["parameters"], {"name": "eksternRef", "in": "query", "required": True, "schema": {"type": "string"}}]
}


def _ekstern_ref(request: Request) -> str:
    value = request.query_params.get("eksternRef")
    if value is None:
        raise errors.validation([("eksternRef", "er påkrevd")])
    return value


@router.get(
    KONTO,
    summary="Henter id for forsendelser tilknyttet ekstern ref",
    operation_id="finnForsendelserKnyttetTilEksternRef",
    openapi_extra=_EKSTERN_REF_DOC,
)
async def finn_forsendelser(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    access = await _authorize(request, kontoId)
    answer = await run_in_threadpool(
        letters_v2.ids_by_external_reference, services.of(request).engine, access.account.konto_id, _ekstern_ref(request)
    )
    return JSONResponse(answer)


@router.get(
    KONTO + "/metadata",
    summary="Henter metadata for forsendelser tilknyttet ekstern ref",
    operation_id="finnForsendelserKnyttetTilEksternRefMedMetadata",
    openapi_extra=_EKSTERN_REF_DOC,
)
async def finn_forsendelser_med_metadata(request: Request, kontoId: str) -> JSONResponse:  # noqa: N803
    access = await _authorize(request, kontoId)
    engine = services.of(request).engine
    return JSONResponse(
        await run_in_threadpool(letters_v2.metadata_by_external_reference, engine, access.account.konto_id, _ekstern_ref(request))
    )


# -- one letter ------------------------------------------------------------------------------------------


def _read(request: Request, query, *args):  # noqa: ANN001, ANN002, ANN202
    with db.read(services.of(request).engine) as conn:
        return query(conn, *args)


@router.get(LETTER + "/hendelser", summary="Hent hendelser for forsendelsen", operation_id="hentHendelser", openapi_extra=_HEADERS_DOC)
async def hent_hendelser(request: Request, forsendelseId: str) -> JSONResponse:  # noqa: N803
    letter_id = await _authorize_letter(request, forsendelseId)
    return JSONResponse(await run_in_threadpool(_read, request, events.hendelser, letter_id))


@router.get(
    LETTER + "/signeringshendelser",
    summary="Hent signeringshendelser for forsendelsen",
    operation_id="hentSigneringshendelser",
    openapi_extra=_HEADERS_DOC,
)
async def hent_signeringshendelser(request: Request, forsendelseId: str) -> JSONResponse:  # noqa: N803
    letter_id = await _authorize_letter(request, forsendelseId)
    return JSONResponse(await run_in_threadpool(_read, request, signing.signeringshendelser, letter_id, utcnow()))


@router.post(
    LETTER + "/lest",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Forsendelse markert som lest"}},
    summary="Markerer forsendelse som lest",
    operation_id="settForsendelseLestAvEksterntSystem",
    openapi_extra=_HEADERS_DOC,
)
async def sett_lest(request: Request, forsendelseId: str) -> Response:  # noqa: N803
    letter_id = await _authorize_letter(request, forsendelseId)
    body = await _bounded_body(request, MAX_LEST_BYTES, "Forespørselen")
    await run_in_threadpool(letters_v2.mark_read, services.of(request).engine, letter_id, body, utcnow())
    return Response(status_code=204)


@router.get(LETTER + "/metadata", summary="Hente metadata for forsendelsen", operation_id="hentMetadata", openapi_extra=_HEADERS_DOC)
async def hent_metadata(request: Request, forsendelseId: str) -> JSONResponse:  # noqa: N803
    letter_id = await _authorize_letter(request, forsendelseId)
    base = _base(request)
    answer = await run_in_threadpool(
        letters_v2.metadata,
        services.of(request).engine,
        letter_id,
        base + V2 + "/forsendelser",
        str(request.base_url).rstrip("/") + CITIZEN_LETTERS,
        utcnow(),
    )
    return JSONResponse(answer)


@router.delete(
    LETTER + "/dokumenter",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Dokumenter slettet"}},
    summary="Sletter dokumenter knyttet til forsendelse",
    operation_id="slettFiler",
    openapi_extra=_HEADERS_DOC,
)
async def slett_filer(request: Request, forsendelseId: str, slettetype: str = "ORIGINALDOKUMENTER") -> Response:  # noqa: N803
    letter_id = await _authorize_letter(request, forsendelseId)
    svc = services.of(request)
    store = blobs.store_for(svc.settings, svc.engine)
    await run_in_threadpool(letters_v2.delete_documents, svc.engine, store, letter_id, slettetype, utcnow())
    return Response(status_code=204)


@router.get(
    LETTER + "/dokumenter/{nummer}",
    response_class=StreamingResponse,
    responses={200: {"description": "Dokumentet (helsebro: nedlasningUrl i metadata)", "content": {"application/octet-stream": {}}}},
    summary="Laster ned et dokument (nedlasningUrl; 410 når avsender har slettet det)",
    openapi_extra=_HEADERS_DOC,
)
async def last_ned(request: Request, forsendelseId: str, nummer: str) -> StreamingResponse:  # noqa: N803
    letter_id = await _authorize_letter(request, forsendelseId)
    svc = services.of(request)
    document = await run_in_threadpool(letters_v2.document_to_download, svc.engine, letter_id, nummer)
    store = blobs.store_for(svc.settings, svc.engine)
    headers = {
        "Content-Disposition": content_disposition("attachment", document.filnavn),
        "Content-Length": str(document.storrelse),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(store.read(document.blob_key), media_type=document.mime_type, headers=headers)


# -- forsendelsestyper and mottakersystem ----------------------------------------------------------------------


@router.get(
    V2 + "/forsendelsestyper", summary="Henter alle forsendelsetyper", operation_id="hentForsendelsestyper", openapi_extra=_HEADERS_DOC
)
async def hent_forsendelsestyper(request: Request) -> JSONResponse:
    await _authenticate(request)
    return JSONResponse(await run_in_threadpool(_read, request, receiving_systems.forsendelsestyper))


@router.get(
    V2 + "/mottakersystem",
    summary="Henter mottakersystem tilknyttet et orgnummer",
    operation_id="hentMottakersystem",
    openapi_extra=_HEADERS_DOC,
)
async def hent_mottakersystem(
    request: Request,
    organisasjonsnummer: str | None = None,
    forsendelseType: str | None = None,  # noqa: N803
    niva: str | None = None,
) -> JSONResponse:
    await _authenticate(request)
    return JSONResponse(await run_in_threadpool(_read, request, receiving_systems.find, organisasjonsnummer, forsendelseType, niva))
