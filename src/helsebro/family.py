"""What a family of APIs declares about itself, so the assembly can loop over one list.

Each family package (``verktoy``, ``pts``, ``svarut``, the token services in ``auth`` ...) exports one
``Family``. The app, the migrations' metadata, the test-data loader, the job runner, error rendering, the
token inspector and the per-family ports read it; none of them names a family. The list itself is
``helsebro.families.FAMILIES``.

This module is core plumbing: it knows no family and no token service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from fastapi import APIRouter
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from helsebro.errors import ErrorFormat
    from helsebro.settings import Settings

# A job handler takes the job's payload; a factory builds a family's handlers once per worker.
JobHandler = Callable[[dict[str, Any]], None]
JobHandlers = Callable[["Settings", sa.Engine], Mapping[str, JobHandler]]
# A periodic job of every API process (idempotent, as several processes run it): returns what it did.
Periodic = Callable[[sa.Engine], int]
# A long-running task of every API process (started at start-up, cancelled at shutdown); None: not wanted.
BackgroundTask = Callable[[sa.Engine], Coroutine[Any, Any, None] | None]
# An error sent back to the client rather than answered here: an authorization endpoint redirects to the
# client's redirect_uri (RFC 6749 4.1.2.1). (request, route template, error, description) -> the redirect, or
# None when the request names no redirect URI registered for its client. Injected faults use it.
ErrorRedirect = Callable[["Request", str, str, str], Awaitable["Response | None"]]
# Fills the family's part of the default data inside the loader's transaction; returns counts per kind.
TestDataLoader = Callable[[sa.Connection], Mapping[str, int]]


@dataclass(frozen=True)
class Family:
    """One family of APIs as the assembly sees it."""

    name: str
    # The name of its own port (``serve --family-port NAME=PORT``); None when it has none.
    port_name: str | None
    # Base paths on the main port. Framework errors (404, 405, 500) under them get this family's body.
    prefixes: tuple[str, ...]
    # The family's error body (Helsenorge {Code, Message}, problem details, Fiks ErrorMessage, OAuth).
    errors: ErrorFormat
    error_redirect: ErrorRedirect | None = None
    # Client-facing API routers, in the order they are matched.
    routers: tuple[APIRouter, ...] = ()
    # Plain Starlette routes put in front of every router (hot read paths; see helsebro.routing).
    fast_routes: tuple[BaseRoute, ...] = ()
    # helsebro's own operator API routers for this family's test data (matched after every client API).
    operator_routers: tuple[APIRouter, ...] = ()
    # Paths bind regardless of case (ASP.NET), as the Helsenorge services do.
    case_insensitive: bool = False
    # On its own port the family answers at the real host's paths: the main-port path without this prefix.
    own_port_strip: str = ""
    # The token service's issuer name (``auth.issuers``) when the family is one: on its own port the issuer is
    # that port's base URL.
    issuer: str = ""
    # The tables the family owns, children first (the order to empty them in on reset).
    tables: tuple[sa.Table, ...] = ()
    # Tables that keep their rows across a reset (signing keys, schedules), still part of the metadata.
    kept_tables: tuple[sa.Table, ...] = ()
    load_testdata: TestDataLoader | None = None
    job_handlers: JobHandlers | None = None
    periodic: tuple[tuple[str, Periodic], ...] = ()
    background: tuple[BackgroundTask, ...] = ()
    # The family's app-scoped state, built once per app (``services.of(request).state[name]``).
    state: Callable[[Settings, sa.Engine], Any] | None = None
    # Extra values the family contributes to the docs: a title for its own OpenAPI document.
    title: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def owns(self, path: str) -> bool:
        lowered = path.lower()
        return any(lowered == p or lowered.startswith(p.rstrip("/") + "/") for p in self.prefixes)
