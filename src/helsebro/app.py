"""Builds the ASGI app: every family mounted at its base URL, one error handling, shared services."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import inspect
from collections.abc import AsyncIterator

import sqlalchemy as sa
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from helsebro import __version__, errors, logs, services
from helsebro.auth import citizen_routes, helseid_routes, maskinporten_routes
from helsebro.casing import CaseInsensitivePaths
from helsebro.db import create_engine
from helsebro.responses import JSONResponse
from helsebro.settings import Settings
from helsebro.digitaltaktiv import feed
from helsebro.jobs import embedded
from helsebro.digitaltaktiv import routes as digitaltaktiv_routes
from helsebro.operator import routes as operator_routes
from helsebro.pages import citizen as citizen_pages
from helsebro.pages import operator as operator_pages
from helsebro.personvern import routes as personvern_routes
from helsebro.pts import operator_routes as pts_operator_routes
from helsebro.pts import routes as pts_routes
from helsebro.pts import schedule as pts_schedule
from helsebro.svarut import operator_routes as svarut_operator_routes
from helsebro.svarut import routes as svarut_routes
from helsebro.verktoy import routes as verktoy_routes
from helsebro.verktoy import sending

log = logs.get_logger(__name__)

# helsebro exports no OpenTelemetry. FastAPI releases with a telemetry hook would otherwise ask on every request
# whether to record it: a quarter of the catalog's time in the app (bench/catalog_floor: ratio 0.55 -> 0.70).
_NO_TELEMETRY = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)

# Path prefixes of the Helsenorge families, whose routes bind case-insensitively (ASP.NET).
HELSENORGE_PREFIXES = ("/verktoy", "/digitaltaktiv", "/personvern")

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
    pts_reset_period = pts_schedule.reset_seconds()
    if pts_reset_period > 0:  # PTS test data restored on a schedule, as NHN's test environment does (seed 002)
        tasks.append(asyncio.create_task(pts_schedule.run(app.state.services.engine, pts_reset_period)))
    yield
    for task in tasks:
        task.cancel()
    if worker is not None:  # let the job at hand finish: a half-done step is safe, but a clean stop is nicer
        stop_worker.set()
        await asyncio.wait({worker}, timeout=30)


async def _housekeeping(svc: services.Services) -> None:
    """Periodic jobs of every API process: purge DigitaltAktiv changes past the three-month horizon, and
    expire tool tasks three months after their deadline. Both are idempotent, so several processes may run them."""
    while True:
        await asyncio.sleep(svc.settings.housekeeping_seconds)
        try:
            purged = await run_in_threadpool(feed.purge, svc.engine)
            expired = await run_in_threadpool(sending.expire_tasks, svc.engine, datetime.date.today())
            if purged or expired:
                log.info("housekeeping", purged_changes=purged, expired_tasks=expired)
        except Exception as exc:  # noqa: BLE001  (try again next round)
            log.warning("housekeeping failed", error_type=type(exc).__name__)


async def _healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


def create_app(settings: Settings | None = None, engine: sa.Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure_once(settings.log_level, settings.log_json)
    engine = engine or create_engine(settings.resolved_database_url())
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
    app.state.services = services.build(settings, engine)
    errors.install(app)
    # FastAPI matches included routers one after the other, route by route (about 1.5 µs a route): the APIs
    # client code calls come first, helsebro's own operator API and pages last.
    routers = (
        helseid_routes.router,
        maskinporten_routes.router,
        verktoy_routes.router,
        digitaltaktiv_routes.router,
        personvern_routes.router,
        pts_routes.router,
        svarut_routes.router,
        citizen_routes.router,
        operator_routes.router,
        pts_operator_routes.router,
        svarut_operator_routes.router,
        citizen_pages.router,
        operator_pages.router,
    )
    for router in routers:
        app.include_router(router)
    # Hot read paths first, as plain Starlette routes (see helsebro.routing).
    # Hot paths first, as plain Starlette routes: the catalog reads (see helsebro.routing), and the health check
    # that load balancers and Docker poll.
    app.router.routes[0:0] = [*verktoy_routes.fast.routes, Route("/healthz", _healthz, methods=["GET"])]

    templates = [route.path for router in routers for route in router.routes]
    app.add_middleware(CaseInsensitivePaths, prefixes=HELSENORGE_PREFIXES, templates=templates)
    return app
