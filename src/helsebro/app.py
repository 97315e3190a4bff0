"""Builds the ASGI app: every family mounted at its base URL, one error handling, shared services."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helsebro import __version__, db, errors, family_ports, formats, logs, openapi_docs, outages, services
from helsebro.auth.guard import AuthFailure
from helsebro.casing import CaseInsensitivePaths
from helsebro.db import create_engine
from helsebro.errors import ErrorFormat
from helsebro.families import FAMILIES
from helsebro.family import Family
from helsebro.jobs import embedded
from helsebro.limits import RequestLimits
from helsebro.operator import routes as operator_routes
from helsebro.pages import citizen as citizen_pages
from helsebro.pages import operator as operator_pages
from helsebro.pages import operator_citizens as operator_citizen_pages
from helsebro.pages import operator_clock as operator_clock_page
from helsebro.pages import operator_registers as operator_register_pages
from helsebro.pages import operator_steering as operator_steering_pages
from helsebro.pages import operator_testdata as operator_testdata_pages
from helsebro.rebase import rebased
from helsebro.responses import JSONResponse
from helsebro.settings import Settings
from helsebro.steering import clock, journal
from helsebro.steering import middleware as steering

log = logs.get_logger(__name__)

# helsebro exports no OpenTelemetry. FastAPI releases with a telemetry hook would otherwise ask on every request
# whether to record it: a quarter of the catalog's time in the app (bench/catalog_floor: ratio 0.55 -> 0.70).
_NO_TELEMETRY = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)

# Path prefixes of the families whose routes bind case-insensitively (ASP.NET: the Helsenorge families).
CASE_INSENSITIVE_PREFIXES = tuple(p for f in FAMILIES if f.case_insensitive for p in f.prefixes)

DESCRIPTION = """\
helsebro implements Norwegian health APIs statefully for development and testing: the Helsenorge
Verktøy API (catalog, send, Behandler), DigitaltAktiv, PVK, NHN PTS and KS Fiks SvarUt v3, with the
HelseID, Maskinporten and Helsenorge login token services in front. All data is synthetic.
"""


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Key the log hashing with the server secret (shared by every process on the database)."""
    try:
        logs.set_log_key(await run_in_threadpool(lambda: app.state.services.secret))
    except Exception as exc:  # noqa: BLE001  (a database that is down must not stop the server starting)
        log.warning("server secret not readable at startup", error_type=type(exc).__name__)
    svc = app.state.services
    tasks = [asyncio.create_task(_housekeeping(svc))]
    stop_worker = asyncio.Event()
    worker = asyncio.create_task(embedded.run_in_app(svc, stop_worker)) if svc.settings.embedded_worker else None
    for family in FAMILIES:
        for start in family.background:
            coroutine = start(svc.engine)
            if coroutine is not None:
                tasks.append(asyncio.create_task(coroutine))
    yield
    for task in tasks:
        task.cancel()
    with contextlib.suppress(Exception):  # the request journal's last calls (the database may be gone)
        await run_in_threadpool(journal.flush, svc.engine)
    if worker is not None:  # let the job at hand finish: a half-done step is safe, but a clean stop is nicer
        stop_worker.set()
        await asyncio.wait({worker}, timeout=30)
    if app.state.owns_engine:
        db.close(svc.engine)


async def _housekeeping(svc: services.Services) -> None:
    """The families' periodic jobs in every API process (e.g. purge DigitaltAktiv changes past the three-month
    horizon, expire tool tasks three months after their deadline). Each is idempotent, so several processes
    may run them."""
    jobs = [(name, job) for family in FAMILIES for name, job in family.periodic]
    while True:
        await asyncio.sleep(svc.settings.housekeeping_seconds)
        done: dict[str, int] = {}
        for name, job in jobs:
            try:
                done[name] = await run_in_threadpool(job, svc.engine)
            except Exception as exc:  # noqa: BLE001  (try again next round)
                log.warning("housekeeping failed", job=name, error_type=type(exc).__name__)
        if any(done.values()):
            log.info("housekeeping", **done)


def format_for_path(path: str) -> ErrorFormat:
    """The error body of the family a path belongs to; helsebro's own operator API and pages use Helsenorge's."""
    for family in FAMILIES:
        if family.owns(path):
            return family.errors
    return formats.HELSENORGE


async def _handle_auth_failure(request: Request, exc: AuthFailure) -> Response:
    """401/403 from the guard: the reason in WWW-Authenticate, the body in the family's format."""
    log.info("access refused", path=request.url.path, status=exc.status, reason=exc.description)
    request.state.auth_failure = exc  # the request journal records the deciding check
    headers = {"WWW-Authenticate": exc.www_authenticate(), **exc.headers}
    return format_for_path(request.url.path).refuse(errors.shown_path(request), exc.status, exc.description, headers)


def _api_routers(family: Family) -> list[APIRouter]:
    routers = list(family.routers)
    # SvarUt at the root too (/api/v3/...), where KS's own client sends: the same routes, out of the docs.
    root_prefixes = [p for p in family.prefixes if family.own_port_strip and not p.startswith(family.own_port_strip)]
    if root_prefixes:
        routers += [rebased(router, family.own_port_strip, keep=root_prefixes) for router in family.routers]
    return routers


async def _healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


def create_app(settings: Settings | None = None, engine: sa.Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure_once(settings.log_level, settings.log_json)
    owns_engine = engine is None
    engine = engine or create_engine(settings.resolved_database_url(), write_queue=settings.write_queue)
    app = FastAPI(
        title="helsebro",
        version=__version__,
        description=DESCRIPTION,
        default_response_class=JSONResponse,
        docs_url="/docs",
        redoc_url=None,
        lifespan=_lifespan,
        **_NO_TELEMETRY,
    )
    views = family_ports.port_views(settings, FAMILIES)
    port_issuers = family_ports.register_issuers(views)
    clock.follow(engine, settings.clock_refresh_seconds)  # the shared server clock, read on an interval
    app.state.owns_engine = owns_engine  # closed when the app stops; an engine passed in is its giver's
    app.state.services = services.build(settings, engine, {f.name: f.state for f in FAMILIES if f.state}, port_issuers)
    errors.install(app, format_for_path)
    outages.install(app)  # the database away: 503 in the family's format (helsebro.outages)
    app.add_exception_handler(AuthFailure, _handle_auth_failure)
    # FastAPI matches included routers one after the other, route by route (about 1.5 µs a route): the APIs
    # client code calls come first, helsebro's own operator API and pages last.
    routers = [
        *(router for family in FAMILIES for router in _api_routers(family)),
        openapi_docs.docs_router(FAMILIES),  # each family's own document and Swagger UI
        operator_routes.router,
        *(router for family in FAMILIES for router in family.operator_routers),
        citizen_pages.router,
        operator_pages.router,
        operator_clock_page.router,
        operator_steering_pages.router,
        operator_citizen_pages.router,  # before the Testdata pages: innbyggere, helsepersonell and organisasjoner are not kinds of theirs
        operator_register_pages.router,
        operator_testdata_pages.router,
    ]
    for router in routers:
        app.include_router(router)
    # Hot paths first, as plain Starlette routes: the catalog reads (see helsebro.routing), and the health check
    # that load balancers and Docker poll.
    fast = [route for family in FAMILIES for route in family.fast_routes]
    app.router.routes[0:0] = [*fast, Route("/healthz", _healthz, methods=["GET"])]

    templates = [route.path for router in routers for route in router.routes]
    # Injected faults answer after the path is put in its routes' case, before any route runs (helsebro.steering).
    app.add_middleware(steering.Faults, refresh_seconds=settings.fault_refresh_seconds)
    app.add_middleware(CaseInsensitivePaths, prefixes=CASE_INSENSITIVE_PREFIXES, templates=templates)
    app.add_middleware(RequestLimits)  # an oversized request is refused before routing (helsebro.limits)
    app.add_middleware(steering.Journal)  # every call to a family's API, refused ones included
    if views:  # outermost: a family port's request is rewritten to the main port's path before anything else
        app.add_middleware(family_ports.FamilyPorts, views=views)
    return app
