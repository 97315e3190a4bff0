"""Each route declares what it asks of the caller's token; one route class enforces it before the handler runs.

    @router.post("/verktoy/system/verktoy/v2")
    @requires(Access(HELSENORGE_AUDIENCE, "verktoysendtilinnbygger"))
    async def send(request: Request) -> Response:
        principal = principal_of(request)

The requirement is data on the handler, so the token inspector reads the same declarations the guard
enforces (``declared``): the two cannot drift apart. ``GuardedRoute`` serves FastAPI routes; FastRoutes'
plain Starlette routes wrap their handler with ``guarded`` the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from helsebro.auth.guard import Principal

ACCESS_ATTRIBUTE = "__helsebro_access__"


@dataclass(frozen=True)
class Access:
    """What a route asks of the token: its audience, a scope (None: any scope) and whether it must be DPoP-bound."""

    audience: str
    scope: str | None
    dpop: bool = False


Handler = TypeVar("Handler", bound=Callable[..., Any])


def requires(access: Access) -> Callable[[Handler], Handler]:
    def declare(endpoint: Handler) -> Handler:
        setattr(endpoint, ACCESS_ATTRIBUTE, access)
        return endpoint

    return declare


def access_of(endpoint: object) -> Access | None:
    return getattr(endpoint, ACCESS_ATTRIBUTE, None)


async def authorize(request: Request, access: Access) -> Principal:
    """The guard's verdict on the request's token for ``access``; the principal is kept on the request."""
    guard = request.app.state.services.guard
    principal = await guard.authenticate(request, audience=access.audience, scope=access.scope, require_dpop=access.dpop)
    request.state.principal = principal
    return principal


def principal_of(request: Request) -> Principal:
    """Who the guarded route's token names (set by ``authorize`` before the handler runs)."""
    return request.state.principal


def guarded(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A plain Starlette handler that authorises first, as ``GuardedRoute`` does for FastAPI routes."""
    access = access_of(endpoint)
    if access is None:
        return endpoint

    async def handle(request: Request) -> Response:
        await authorize(request, access)
        return await endpoint(request)

    return handle


RouteHandler = Callable[[Request], Awaitable[Response]]


class GuardedRoute(APIRoute):
    """Authorises with the handler's declared ``Access`` (or the route class's ``default_access``, for a
    router whose every route asks the same) before FastAPI reads the request. A family that does more around
    the check (PTS audits every call) overrides ``wrap``."""

    default_access: ClassVar[Access | None] = None

    def requirement(self) -> Access | None:
        return access_of(self.endpoint) or self.default_access

    def get_route_handler(self) -> RouteHandler:
        handle = super().get_route_handler()
        access = self.requirement()
        return handle if access is None else self.wrap(handle, access)

    def wrap(self, handle: RouteHandler, access: Access) -> RouteHandler:
        async def authorized(request: Request) -> Response:
            await authorize(request, access)
            return await handle(request)

        return authorized


@dataclass(frozen=True)
class Declared:
    """One route's declared requirement, for the token inspector."""

    family: str
    path: str
    methods: frozenset[str]
    access: Access
    route: BaseRoute


def declared(family: str, routes: Iterable[BaseRoute]) -> Iterator[Declared]:
    """The routes of ``family`` that declare an ``Access``."""
    for route in routes:
        access = route.requirement() if isinstance(route, GuardedRoute) else access_of(getattr(route, "endpoint", None))
        if access is not None and isinstance(route, (APIRoute, Route)):
            yield Declared(family, route.path, frozenset(route.methods or ()), access, route)
