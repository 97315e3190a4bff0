"""Hot read endpoints as plain Starlette routes, documented through FastAPI.

FastAPI's per-request dependency solving and route matching cost about 40 µs: more than everything else on
a cached catalog read. ``FastRoutes`` registers each endpoint twice: as a Starlette ``Route`` that the app
puts in front of its router (this one serves), and as a FastAPI route with the same handler (this one only
documents it in the OpenAPI). Handlers take just the ``Request`` and read path parameters from it; a handler's declared ``Access``
(``helsebro.auth.access``) is enforced on the Starlette route too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helsebro.auth.access import guarded

Handler = Callable[[Request], Awaitable[Response]]


class FastRoutes:
    def __init__(self, router: APIRouter):
        self.router = router
        self.routes: list[Route] = []

    def get(self, path: str, **doc: Any) -> Callable[[Handler], Handler]:
        def register(endpoint: Handler) -> Handler:
            self.routes.append(Route(path, guarded(endpoint), methods=["GET"]))
            self.router.add_api_route(
                path, endpoint, methods=["GET"], openapi_extra=_with_path_params(path, doc.pop("openapi_extra", None)), **doc
            )
            return endpoint

        return register


def _with_path_params(path: str, extra: dict | None) -> dict:
    """Path parameters for the OpenAPI, since the handlers do not declare them as arguments."""
    extra = dict(extra or {})
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    extra["parameters"] = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in names] + list(
        extra.get("parameters", [])
    )
    return extra
