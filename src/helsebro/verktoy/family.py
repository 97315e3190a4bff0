"""The Verktøy API as the assembly sees it."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro import _time, formats
from helsebro.family import Family
from helsebro.settings import Settings
from helsebro.verktoy import routes, sending, tables
from helsebro.verktoy.catalog import Catalog


def _expire_tasks(engine: sa.Engine) -> int:
    return sending.expire_tasks(engine, _time.today())


def _catalog(settings: Settings, engine: sa.Engine) -> Catalog:
    return Catalog(engine, settings.catalog_refresh_seconds)


FAMILY = Family(
    name="verktoy",
    port_name="helsenorge",
    title="Helsenorge Verktøy API",
    prefixes=("/verktoy",),
    errors=formats.HELSENORGE,
    routers=(routes.router,),
    fast_routes=tuple(routes.fast.routes),
    case_insensitive=True,
    tables=(
        tables.verktoy_oppgave,
        tables.veiledningstjeneste,
        tables.verktoy_sokeord,
        tables.verktoy_klassifisering,
        tables.verktoy_egenskap,
        tables.verktoy,
        tables.grafisk_element,
        tables.kodeverk,
    ),
    kept_tables=(tables.catalog_version,),
    periodic=(("expired_tasks", _expire_tasks),),
    state=_catalog,
)
