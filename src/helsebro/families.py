"""The one list of helsebro's families. The assembly (app, CLI, loader, job runner, token inspector, the
per-family ports) loops over it; adding a family means its package's ``family.py`` and one line here."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro.auth.families import HELSEID_FAMILY, HELSENORGE_LOGIN_FAMILY, MASKINPORTEN_FAMILY
from helsebro.digitaltaktiv.family import FAMILY as DIGITALTAKTIV
from helsebro.family import Family, JobHandler
from helsebro.jobs.factory import register_handlers
from helsebro.personvern.family import FAMILY as PVK
from helsebro.pts.family import FAMILY as PTS
from helsebro.settings import Settings
from helsebro.svarut.family import FAMILY as SVARUT
from helsebro.verktoy.family import FAMILY as VERKTOY

# In the order their routes are matched: the token services, then the APIs client code calls.
FAMILIES: tuple[Family, ...] = (
    HELSEID_FAMILY,
    MASKINPORTEN_FAMILY,
    VERKTOY,
    DIGITALTAKTIV,
    PVK,
    PTS,
    SVARUT,
    HELSENORGE_LOGIN_FAMILY,
)


def by_name(name: str) -> Family:
    for family in FAMILIES:
        if family.name == name:
            return family
    raise KeyError(name)


def port_names() -> tuple[str, ...]:
    """The names ``serve --family-port NAME=PORT`` takes, each once (Helsenorge's three APIs share one host)."""
    return tuple(dict.fromkeys(f.port_name for f in FAMILIES if f.port_name))


def job_handlers(settings: Settings, engine: sa.Engine) -> dict[str, JobHandler]:
    """Every family's job handlers, by job kind."""
    handlers: dict[str, JobHandler] = {}
    for family in FAMILIES:
        for kind, handler in (family.job_handlers(settings, engine) if family.job_handlers else {}).items():
            if kind in handlers:
                raise ValueError(f"two families handle job kind {kind!r}")
            handlers[kind] = handler
    return handlers


def register_access() -> None:
    """Tell the token inspector what each route asks (read from the routes' own declarations)."""
    from helsebro.auth import access, inspection
    from helsebro.operator import routes as operator_routes

    for family in FAMILIES:
        routes = [*family.fast_routes, *(route for router in family.routers for route in router.routes)]
        inspection.register(family.name, family.prefixes, access.declared(family.name, routes))
    operator_routers = [operator_routes.router, *(r for family in FAMILIES for r in family.operator_routers)]
    operator_declared = access.declared("operator", [route for router in operator_routers for route in router.routes])
    inspection.register("operator", (operator_routes.BASE,), operator_declared)


register_access()
register_handlers(job_handlers)
