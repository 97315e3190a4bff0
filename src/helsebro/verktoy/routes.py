"""HTTP face of the Verktøykatalog read API. Rules live in ``service``; this module only translates."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from helsebro import _time, services
from helsebro.auth.access import Access, GuardedRoute, principal_of, requires
from helsebro.auth.issuers import HELSENORGE_LOGIN
from helsebro.auth.scopes import HELSENORGE_AUDIENCE
from helsebro.casing import lower_keys, query_lists
from helsebro.errors import HELSENORGE_ERRORS
from helsebro.responses import JSONResponse
from helsebro.routing import FastRoutes
from helsebro.verktoy import behandler as behandler_service
from helsebro.verktoy import errors, guidance, sending, service
from helsebro.verktoy.catalog import Catalog, Snapshot

router = APIRouter(tags=["Verktøy"], responses=HELSENORGE_ERRORS, route_class=GuardedRoute)
fast = FastRoutes(router)

CATALOG_SCOPE = "verktoykatalog_read"
SEND_SCOPE = "verktoysendtilinnbygger"
GUIDANCE_SCOPE = "verktoyadminveiledning"
CATALOG = Access(HELSENORGE_AUDIENCE, CATALOG_SCOPE)
SEND = Access(HELSENORGE_AUDIENCE, SEND_SCOPE)
GUIDANCE = Access(HELSENORGE_AUDIENCE, GUIDANCE_SCOPE)
CITIZEN = Access(HELSENORGE_AUDIENCE, None)  # a citizen's token from the Helsenorge login, any scope
_JSON = "application/json; charset=utf-8"


def catalog_of(request: Request) -> Catalog:
    """The app's cached catalog (Verktøy's app-scoped state, see ``verktoy.family``)."""
    return services.of(request).state["verktoy"]


def _query_doc(*parameters: tuple[str, str, str]) -> dict:
    return {
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": {"type": kind}, "description": text}
            for name, kind, text in parameters
        ]
    }


def _list_doc() -> dict:
    doc = _query_doc(
        ("Klassifiseringer", "string", "SNOMED CT-kode; gjentas for flere"),
        ("KanLeggesTilAvInnbygger", "boolean", "Kan legges til av innbygger"),
        ("KunAnonymTilgang", "boolean", "Krever ikke innlogging"),
        ("Sidereferanse", "integer", "Side, fra 1 (også stavet Siderefereanse)"),
        ("AntallVerktoy", "integer", "Verktøy per side, 1-50 (standard 10)"),
    )
    for name in ("Fagomrader", "Malgrupper", "Sprak"):
        doc["parameters"].insert(
            0,
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "integer"}},
                "style": "form",
                "explode": True,
            },
        )
    return doc


@fast.get(
    "/verktoy/v1/SelvstendigVerktoy",
    summary="Verktøymetadataliste: filtrert, sidedelt liste over verktøy",
    openapi_extra=_list_doc(),
)
@requires(CATALOG)
async def list_tools(request: Request) -> Response:
    snapshot = await catalog_of(request).current()
    body = snapshot.memo(("list", request.scope["query_string"]), lambda: _list_body(request, snapshot))
    return Response(body, media_type=_JSON)


def _list_body(request: Request, snapshot: Snapshot) -> bytes:
    query = service.parse_list_query(query_lists(request.query_params.multi_items()), snapshot)
    return b"[" + b",".join(t.json for t in service.list_tools(snapshot, query)) + b"]"


@fast.get(
    "/verktoy/v1/SelvstendigVerktoy/SokSelvstendigVerktoy",
    summary="Verktøysøk: verktøy med navn eller søkeord som begynner med søkeordet",
    openapi_extra=_query_doc(("SokeOrd", "string", "3-256 tegn"), ("RowCount", "integer", "1-50 (standard 50)")),
)
@requires(CATALOG)
async def search_tools(request: Request) -> Response:
    snapshot = await catalog_of(request).current()
    term, row_count = service.parse_search(query_lists(request.query_params.multi_items()))
    found = service.search(snapshot, term, row_count)
    return Response(b"[" + b",".join(t.summary_json for t in found) + b"]", media_type=_JSON)


@fast.get("/verktoy/v1/SelvstendigVerktoy/{verktoy_id}", summary="Verktøymetadata for ett verktøy")
@requires(CATALOG)
async def get_tool(request: Request) -> Response:
    snapshot = await catalog_of(request).current()
    tool = snapshot.by_id.get(service.parse_tool_id(request.path_params["verktoy_id"]))
    if tool is None:
        raise errors.tool_not_found()
    return Response(tool.json, media_type=_JSON)


@fast.get(
    "/verktoy/v1/GrafiskElement/{element_id}",
    summary="Grafisk element: bildefilen",
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}, "image/jpeg": {}}}},
)
@requires(CATALOG)
async def get_image(request: Request) -> Response:
    image_id = service.parse_image_id(request.path_params["element_id"])
    image = (await catalog_of(request).current()).images.get(image_id)
    if image is None:
        raise errors.image_not_found()
    etag = f'"{image.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=3600"}
    if _etag_matches(request.headers.get("if-none-match"), image.sha256):
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.content_type, headers=headers)


def _etag_matches(if_none_match: str | None, opaque: str) -> bool:
    """RFC 9110 13.1.2: "*" or any listed entity tag, compared weakly (a W/ prefix does not matter)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == f'"{opaque}"' for t in tags)


# -- writes: sending a tool, updating a guidance service ----------------------------------------------------


async def _json_body(request: Request) -> object:
    """The body with property names lower-cased (ASP.NET binds them case-insensitively)."""
    raw = await request.body()
    if not raw.strip():
        raise errors.request_missing()
    try:
        return lower_keys(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        raise errors.request_not_json(str(exc)) from exc


def _send_doc(example: dict) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"example": example}}}}


@router.post(
    "/verktoy/system/verktoy/v2",
    summary="Sende verktøy til innbygger (ny tjeneste): en oppgave på Helsenorge; svarer med PseudoId",
    openapi_extra=_send_doc(
        {
            "VerktoyId": "08ead360-0d65-448c-ba9e-8a08f0921c90",
            "InnbyggerFnr": "12048645510",
            "AvsenderOrgNummer": "913748263",
            "AvsenderNavn": "Poliklinikk for angstlidelser",
            "FristDato": "2026-12-24",
            "Melding": "Hei! Her er kurset vi snakket om.",
        }
    ),
)
@requires(SEND)
async def send_tool_v2(request: Request) -> JSONResponse:
    return await _send(request, sending.send_v2)


@router.post(
    "/verktoy/v1/Verktoy",
    summary="Sende verktøy til innbygger (gammel tjeneste) med behandlers HPR-nummer eller fødselsnummer",
    openapi_extra=_send_doc(
        {
            "VerktoyId": "95d2290a-ecbc-4525-9593-f35d4ee4e42d",
            "InnbyggerFnr": "12048645510",
            "BehandlerHpr": "565513636",
            "FristDato": "2026-12-24",
            "Melding": "Hei! Her er oppfølgingsverktøyet.",
        }
    ),
)
@requires(SEND)
async def send_tool_v1(request: Request) -> JSONResponse:
    return await _send(request, sending.send_v1)


async def _send(request: Request, send) -> JSONResponse:  # noqa: ANN001
    principal = principal_of(request)
    body = await _json_body(request)
    svc = services.of(request)
    result = await run_in_threadpool(send, svc.engine, body, principal.client_id, svc.secret, _time.today())
    return JSONResponse(result)


@router.put(
    "/verktoy/v1/Veiledningstjeneste/{veiledningstjeneste_id}",
    summary="Oppdatere telefon, URL og åpningstider for en veiledningstjeneste (Id i body ignoreres)",
    openapi_extra=_send_doc(
        {"Id": "ignoreres", "Telefon": "+47 22 00 00 01", "Url": "https://support.example.no/", "Apningstider": [1, 2]}
    ),
)
@requires(GUIDANCE)
async def update_guidance_service(request: Request, veiledningstjeneste_id: str) -> JSONResponse:
    principal = principal_of(request)
    service_id = service.parse_tool_id(veiledningstjeneste_id)
    body = await _json_body(request)
    result = await run_in_threadpool(guidance.update, services.of(request).engine, service_id, body, principal.orgnr_parent)
    return JSONResponse(result)


@router.get(
    "/verktoy/v1/Behandler",
    summary="Behandlerinformasjon: hvilken behandler sendte verktøyet til den innloggede innbyggeren",
    openapi_extra={"parameters": [{"name": "VerktoyId", "in": "query", "required": True, "schema": {"type": "string", "format": "uuid"}}]},
    responses={200: {"content": {"application/json": {"example": {"Id": "565513636", "IdType": "HPR", "Navn": "Venstre Morfar"}}}}},
)
@requires(CITIZEN)
async def behandler(request: Request) -> JSONResponse:
    svc = services.of(request)
    principal = principal_of(request)
    fnr = principal.claims.get("pid")
    if principal.claims.get("iss") not in HELSENORGE_LOGIN.urls(svc.base_url) or not isinstance(fnr, str):
        raise errors.citizen_token_required()
    raw = (query_lists(request.query_params.multi_items()).get("verktoyid") or [""])[0]
    tool_id = service.parse_tool_id(raw)
    result = await run_in_threadpool(behandler_service.professional_for, svc.engine, tool_id, fnr, principal.client_id)
    return JSONResponse(result)
