"""The operator API's create, read, update and delete for each kind of the environment file, one entry at a
time (HTTP only; ``operator.kinds_service`` does the work): ``/klienter``, ``/verktoy`` (with ``/bilde``),
``/veiledningstjenester``, ``/pvk-definisjoner``, ``/svarut/kontoer`` (with their integrations' access) and
``/svarut/integrasjoner``. A body is the file's entry of that kind, and a read answers the same shape.

On the operator API's own router (``operator.routes`` imports this module last), so its token check and
errors apply. No ``from __future__ import annotations`` here: the routes are made per kind, and FastAPI reads
each one's body model from the annotation, which must be the class itself.
"""

from typing import Annotated, Any

from fastapi import Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from helsebro import services
from helsebro.operator import kinds_service as service
from helsebro.operator.kinds_service import Kind
from helsebro.operator.routes import _CONFLICT, _NOT_FOUND, BASE, Limit, Offset, router
from helsebro.testdata import kinds

_SVARUT_TAG = "Operatør: SvarUt-kontoer og integrasjoner"
TAGS = {
    service.CLIENTS: "Operatør: klienter",
    service.TOOLS: "Operatør: verktøy",
    service.GUIDANCE: "Operatør: veiledningstjenester",
    service.PVK_DEFINITIONS: "Operatør: PVK-definisjoner",
    service.SVARUT_ACCOUNTS: _SVARUT_TAG,
    service.SVARUT_INTEGRATIONS: _SVARUT_TAG,
}
# The path parameter where the operator API already names it otherwise (``/klienter/{clientId}/sertifikater``).
PATH_PARAMETER = {service.CLIENTS: "clientId"}
_IN_USE: dict[int | str, dict[str, Any]] = {409: {"description": "Andre data avhenger av den (OP-000409, med grunnen)"}}


def _engine(request: Request):  # noqa: ANN202
    return services.of(request).engine


def _actor(request: Request) -> str:
    return request.state.principal.client_id or "helsebro-operator"


def _changed(request: Request, kind: Kind) -> None:
    service.catalog_changed(services.of(request).state, kind)


def _add_routes(kind: Kind) -> None:
    tag, noun = TAGS[kind], kind.noun
    collection = f"/{kind.name}"
    parameter = PATH_PARAMETER.get(kind, kind.id_field)
    item = f"{collection}/{{{parameter}}}"
    item_param = Annotated[str, Path(alias=parameter, min_length=1, max_length=200, description=f"{kind.id_field} til en {noun}")]
    body_model = kind.entry  # the class itself, for FastAPI (see the module's docstring)

    def list_items(request: Request, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        return service.list_entries(_engine(request), kind, limit, offset)

    def create_item(request: Request, response: Response, body: body_model) -> dict[str, Any]:  # type: ignore[valid-type]
        created = service.create_entry(_engine(request), kind, body, _actor(request))
        response.headers["Location"] = f"{BASE}{collection}/{created[kind.id_field]}"
        _changed(request, kind)
        return created

    def get_item(request: Request, item_id: item_param) -> dict[str, Any]:
        return service.get_entry(_engine(request), kind, item_id)

    def update_item(request: Request, item_id: item_param, body: body_model) -> dict[str, Any]:  # type: ignore[valid-type]
        updated = service.update_entry(_engine(request), kind, item_id, body, _actor(request))
        _changed(request, kind)
        return updated

    def delete_item(request: Request, item_id: item_param) -> Response:
        service.delete_entry(_engine(request), kind, item_id, _actor(request))
        _changed(request, kind)
        return Response(status_code=204)

    router.add_api_route(collection, list_items, methods=["GET"], tags=[tag], summary=f"List {kind.items} (som i miljøfilen)")
    router.add_api_route(
        collection,
        create_item,
        methods=["POST"],
        tags=[tag],
        status_code=201,
        responses=_CONFLICT,
        summary=f"Opprett {noun} (409 om den finnes)",
    )
    router.add_api_route(item, get_item, methods=["GET"], tags=[tag], responses=_NOT_FOUND, summary=f"Hent {noun}")
    router.add_api_route(
        item,
        update_item,
        methods=["PUT"],
        tags=[tag],
        responses={**_NOT_FOUND, **_CONFLICT},
        summary=f"Erstatt {noun} (samme form som GET svarer)",
    )
    router.add_api_route(
        item,
        delete_item,
        methods=["DELETE"],
        tags=[tag],
        status_code=204,
        response_class=Response,
        responses={**_NOT_FOUND, **_IN_USE},
        summary=f"Slett {noun}",
    )


for _kind in service.KINDS:
    _add_routes(_kind)


# -- a tool's image --------------------------------------------------------------------------------------

ToolId = Annotated[str, Path(alias="VerktoyId", min_length=1, max_length=200, description="Verktøyets VerktoyId")]
_IMAGE_TAG = TAGS[service.TOOLS]
_IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in kinds.IMAGE_TYPES},
    }
}


@router.put(
    "/verktoy/{VerktoyId}/bilde",
    tags=[_IMAGE_TAG],
    responses=_NOT_FOUND,
    openapi_extra=_IMAGE_BODY,
    summary=f"Last opp verktøyets bilde (PNG, JPEG eller SVG, høyst {kinds.MAX_IMAGE_BYTES // 1024} KiB; vises som GrafiskElement)",
)
async def put_tool_image(request: Request, tool_id: ToolId) -> dict[str, Any]:
    data = await request.body()  # the operator API's body limit (1 MB) has already bounded it
    content_type = request.headers.get("content-type", "")
    saved = await run_in_threadpool(service.set_tool_image, _engine(request), tool_id, content_type, data, _actor(request))
    _changed(request, service.TOOLS)
    return saved


@router.get(
    "/verktoy/{VerktoyId}/bilde",
    tags=[_IMAGE_TAG],
    response_class=Response,
    responses={**_NOT_FOUND, 200: {"content": {t: {} for t in kinds.IMAGE_TYPES}}},
    summary="Hent verktøyets bilde",
)
def get_tool_image(request: Request, tool_id: ToolId) -> Response:
    content_type, data = service.get_tool_image(_engine(request), tool_id)
    return Response(data, media_type=content_type, headers={"X-Content-Type-Options": "nosniff"})


@router.delete(
    "/verktoy/{VerktoyId}/bilde",
    tags=[_IMAGE_TAG],
    status_code=204,
    response_class=Response,
    responses=_NOT_FOUND,
    summary="Fjern verktøyets bilde",
)
def delete_tool_image(request: Request, tool_id: ToolId) -> Response:
    service.delete_tool_image(_engine(request), tool_id, _actor(request))
    _changed(request, service.TOOLS)
    return Response(status_code=204)


# -- which integrations may act for an account -----------------------------------------------------------

KontoId = Annotated[str, Path(alias="kontoId", min_length=1, max_length=200, description="Kontoens kontoId")]
IntegrasjonId = Annotated[str, Path(alias="integrasjonId", min_length=1, max_length=200, description="Integrasjonens integrasjonId")]
_GRANT_TAG = _SVARUT_TAG


@router.put(
    "/svarut/kontoer/{kontoId}/integrasjoner/{integrasjonId}",
    tags=[_GRANT_TAG],
    responses={**_NOT_FOUND, 201: {"description": "Integrasjonen hadde ikke tilgang fra før"}},
    summary="Gi integrasjonen tilgang til kontoen",
)
def grant_integration(request: Request, response: Response, konto_id: KontoId, integrasjon_id: IntegrasjonId) -> dict[str, Any]:
    saved, granted = service.grant_integration(_engine(request), konto_id, integrasjon_id, _actor(request))
    if granted:
        response.status_code = 201
    return saved


@router.delete(
    "/svarut/kontoer/{kontoId}/integrasjoner/{integrasjonId}",
    tags=[_GRANT_TAG],
    status_code=204,
    response_class=Response,
    responses=_NOT_FOUND,
    summary="Ta integrasjonens tilgang til kontoen fra den",
)
def revoke_integration(request: Request, konto_id: KontoId, integrasjon_id: IntegrasjonId) -> Response:
    service.revoke_integration(_engine(request), konto_id, integrasjon_id, _actor(request))
    return Response(status_code=204)
