"""Builds the ASGI app: every family mounted at its base URL, one error handling, shared services."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI

from helsebro import __version__, errors, services
from helsebro.auth import helseid_routes
from helsebro.casing import CaseInsensitivePaths
from helsebro.db import create_engine
from helsebro.responses import JSONResponse
from helsebro.settings import Settings
from helsebro.verktoy import routes as verktoy_routes

# Path prefixes of the Helsenorge families, whose routes bind case-insensitively (ASP.NET).
HELSENORGE_PREFIXES = ("/verktoy", "/digitaltaktiv", "/personvern")

DESCRIPTION = """\
helsebro implements Norwegian health APIs statefully for development and testing: the Helsenorge
Verktøy API (catalog, send, Behandler), DigitaltAktiv, PVK, NHN PTS and KS Fiks SvarUt v3, with the
HelseID, Maskinporten and Helsenorge login token services in front. All data is synthetic.
"""


def create_app(settings: Settings | None = None, engine: sa.Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = engine or create_engine(settings.resolved_database_url())
    app = FastAPI(
        title="helsebro",
        version=__version__,
        description=DESCRIPTION,
        default_response_class=JSONResponse,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = services.build(settings, engine)
    errors.install(app)
    routers = (helseid_routes.router, verktoy_routes.router)
    for router in routers:
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    templates = [route.path for router in routers for route in router.routes]
    app.add_middleware(CaseInsensitivePaths, prefixes=HELSENORGE_PREFIXES, templates=templates)
    return app
