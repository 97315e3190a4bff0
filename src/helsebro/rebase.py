"""A router's routes again at other paths: SvarUt's /svarut/api/v3/... also at the root /api/v3/..., and a
family's routes at the real host's paths on a port of its own."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.routing import APIRoute


def prefixed(router: APIRouter, prefix: str) -> APIRouter:
    """A copy of ``router`` with ``prefix`` before every path, documented as the original is."""
    copy = APIRouter(route_class=router.route_class, default_response_class=router.default_response_class)
    for route in router.routes:
        if isinstance(route, APIRoute):
            copy.add_api_route(
                prefix + route.path,
                route.endpoint,
                **_settings_of(route),
                include_in_schema=route.include_in_schema,
                summary=route.summary,
                operation_id=route.operation_id,
                openapi_extra=route.openapi_extra,
                tags=route.tags,
                responses=route.responses,
                description=route.description,
            )
    return copy


def _settings_of(route: APIRoute) -> dict:
    return {
        "methods": sorted(route.methods or ()),
        "name": route.name,
        "response_class": route.response_class,
        "status_code": route.status_code,
        "dependencies": route.dependencies,
        "response_model": route.response_model,
    }


def rebased(router: APIRouter, strip: str, keep: Sequence[str] | None = None) -> APIRouter:
    """A copy of ``router`` whose routes have ``strip`` taken off the front of their path, with the same
    handlers and route class, hidden from the docs (the originals document them). ``keep``: only the routes
    whose new path starts with one of these."""
    copy = APIRouter(route_class=router.route_class, default_response_class=router.default_response_class)
    for route in router.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith(strip):
            continue
        path = route.path[len(strip) :] or "/"
        if keep is not None and not path.startswith(tuple(keep)):
            continue
        copy.add_api_route(path, route.endpoint, **_settings_of(route), include_in_schema=False)
    return copy
