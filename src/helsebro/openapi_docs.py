"""Each family's own OpenAPI document, for client generators, and its Swagger UI where the real service has one.

The whole server's document stays at ``/openapi.json`` (UI ``/docs``). Here every family gets a document of its
routes alone, at a path under its own base. The paths follow the real services where they are known:

| family         | document                                   | Swagger UI                           | why                         |
|----------------|--------------------------------------------|--------------------------------------|-----------------------------|
| DigitaltAktiv  | /digitaltaktiv/swagger/v1/swagger.json     | /digitaltaktiv/swagger/index.html    | seed 001 links that page    |
| Verktøy        | /verktoy/swagger/v1/swagger.json           | /verktoy/swagger/index.html          | seed 000 links "Swagger - Verktøy External API" (address not given: ours, as DigitaltAktiv's) |
| PTS            | /pts/swagger/v1/swagger.json               | /pts/swagger/index.html              | seed 002: "a user interface representation of the specification" (address ours) |
| PVK            | /personvern/swagger/v1/swagger.json        | none                                 | seed 003 names no Swagger   |
| SvarUt         | /svarut/openapi.json                       | none                                 | KS publishes the specs as files (seed 004), no UI on the host |

``/v1/swagger.json`` is where ASP.NET's Swashbuckle (the Helsenorge and NHN services) puts the document its UI
loads. Takes a family's routers (``Family.routers``), so a new family is one more entry in ``DOCS``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import HTMLResponse

from helsebro.casing import RAW_PATH_KEY
from helsebro.responses import JSONResponse


@dataclass(frozen=True)
class DocPaths:
    document: str
    swagger_ui: str | None = None


# By family name (``Family.name``).
DOCS: dict[str, DocPaths] = {
    "verktoy": DocPaths("/verktoy/swagger/v1/swagger.json", "/verktoy/swagger/index.html"),
    "digitaltaktiv": DocPaths("/digitaltaktiv/swagger/v1/swagger.json", "/digitaltaktiv/swagger/index.html"),
    "pvk": DocPaths("/personvern/swagger/v1/swagger.json"),
    "pts": DocPaths("/pts/swagger/v1/swagger.json", "/pts/swagger/index.html"),
    "svarut": DocPaths("/svarut/openapi.json"),
}


def family_document(whole: dict[str, Any], title: str, routers: Iterable[APIRouter]) -> dict[str, Any]:
    """The family's operations (those of these routers that are in the schema) cut out of the whole server's
    document, with the schemas they refer to: the same operations, byte for byte, as in ``/openapi.json``."""
    wanted = {
        (route.path, method.lower())
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
    paths: dict[str, dict[str, Any]] = {}
    for path, operations in whole.get("paths", {}).items():
        kept = {method: op for method, op in operations.items() if (path, method) in wanted}
        if kept:
            paths[path] = kept
    schemas = whole.get("components", {}).get("schemas", {})
    document: dict[str, Any] = {
        "openapi": whole["openapi"],
        "info": {
            **whole["info"],
            "title": f"{title} (helsebro)",
            "description": f"{title} as helsebro implements it. All data is synthetic.",
        },
        "servers": [{"url": "/"}],  # the paths are absolute on the server that serves the document
        "paths": paths,
    }
    needed = _referenced_schemas(paths, schemas)
    if needed:
        document["components"] = {"schemas": {name: schemas[name] for name in sorted(needed)}}
    return document


def _referenced_schemas(value: Any, schemas: dict[str, Any]) -> set[str]:
    """Every component schema reachable from value through $ref."""
    found: set[str] = set()
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
                name = ref[len(_SCHEMA_REF) :]
                if name not in found and name in schemas:
                    found.add(name)
                    pending.append(schemas[name])
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


_SCHEMA_REF = "#/components/schemas/"


def docs_router(families: Iterable[Any]) -> APIRouter:
    """One router serving, for each family with an entry in ``DOCS``, its document and (where the real service
    has one) its Swagger UI. ``families``: objects with ``name``, ``title`` and ``routers`` (``Family``)."""
    router = APIRouter(include_in_schema=False)
    for family in families:
        paths = DOCS.get(family.name)
        if paths is None:
            continue
        _add_document(router, paths.document, family.title or family.name, tuple(family.routers))
        if paths.swagger_ui:
            _add_swagger_ui(router, paths.swagger_ui, paths.document, family.title or family.name)
    return router


def _add_document(router: APIRouter, path: str, title: str, routers: tuple[APIRouter, ...]) -> None:
    cache: list[dict[str, Any]] = []  # built on first request from the app's document (cached by FastAPI too)

    async def document(request: Request) -> JSONResponse:
        if not cache:
            cache.append(family_document(request.app.openapi(), title, routers))
        dropped = _dropped_prefix(request)
        return JSONResponse(at_own_port(cache[0], dropped) if dropped else cache[0])

    router.add_api_route(path, document, methods=["GET"], name=f"openapi:{path}")


def _dropped_prefix(request: Request) -> str:
    """On a family's own port (helsebro.family_ports) the request came in without the main port's prefix
    (``/swagger/index.html`` for ``/pts/swagger/index.html``): that prefix, else ''."""
    sent = request.scope.get(RAW_PATH_KEY)
    path = request.url.path
    if isinstance(sent, str) and sent != path and path.endswith(sent):
        return path[: len(path) - len(sent)]
    return ""


def at_own_port(document: dict[str, Any], dropped: str) -> dict[str, Any]:
    """The document with the paths as the family's own port (the real host's layout) has them."""
    paths = {(p[len(dropped) :] if p.startswith(dropped + "/") else p): ops for p, ops in document["paths"].items()}
    return {**document, "paths": paths}


def _add_swagger_ui(router: APIRouter, path: str, document_path: str, title: str) -> None:
    async def swagger_ui(request: Request) -> HTMLResponse:
        # Relative to the page, so the same page works on the main port and on the family's own port.
        relative = posixpath.relpath(document_path, posixpath.dirname(path))
        return get_swagger_ui_html(openapi_url=relative, title=f"{title} - Swagger UI")

    router.add_api_route(path, swagger_ui, methods=["GET"], name=f"swagger:{path}")
