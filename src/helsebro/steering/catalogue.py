"""What steering knows of the families, read from the one list (``helsebro.families``): which family a path
belongs to and which of its route templates it matches. Faults and the journal use it, so neither names a
family; a fault definition is checked against it, so one that could never match is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import sqlalchemy as sa
from fastapi.routing import APIRoute
from starlette.routing import Route

from helsebro import db
from helsebro.auth.clients import get_client
from helsebro.family import Family
from helsebro.steering.faults import DELAY, DELIVERY, DROP, ERROR, ERROR_STATUSES, KINDS, MAX_COUNT, MAX_DELAY_MS, Fault, FaultRefused

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class RouteTemplate:
    family: str
    path: str
    methods: frozenset[str]
    pattern: re.Pattern[str]


def _pattern(template: str, case_insensitive: bool) -> re.Pattern[str]:
    parts = []
    for part in template.split("/"):
        if part.startswith("{") and part.endswith(":path}"):
            parts.append(".+")
        elif part.startswith("{"):
            parts.append("[^/]+")
        else:
            parts.append(re.escape(part))
    return re.compile("/".join(parts) + "/?", re.IGNORECASE if case_insensitive else 0)


@cache
def families() -> tuple[Family, ...]:
    from helsebro.families import FAMILIES  # the assembly's list (steering is below it)

    return FAMILIES


@cache
def routes(family_name: str) -> tuple[RouteTemplate, ...]:
    family = by_name(family_name)
    found: dict[str, RouteTemplate] = {}
    for route in (*family.fast_routes, *(r for router in family.routers for r in router.routes)):
        if isinstance(route, (APIRoute, Route)):
            methods = frozenset(m for m in (route.methods or ()) if m != "HEAD")
            known = found.get(route.path)
            if known is not None:
                methods |= known.methods
            found[route.path] = RouteTemplate(family.name, route.path, methods, _pattern(route.path, family.case_insensitive))
    return tuple(found.values())


def by_name(name: str) -> Family:
    for family in families():
        if family.name == name:
            return family
    raise FaultRefused(f"Ukjent familie {name!r}; en av {', '.join(f.name for f in families())}")


@lru_cache(maxsize=4096)  # asked on every call
def family_of(path: str) -> Family | None:
    """The family whose base paths the path is under (the first in the assembly's order)."""
    for family in families():
        if family.owns(path):
            return family
    return None


def route_of(family: Family, method: str, path: str) -> str | None:
    """The template of the family's route that ``path`` (and ``method``) matches; None when none does."""
    candidates = [path]
    if family.own_port_strip and not path.lower().startswith(family.own_port_strip):
        candidates.append(family.own_port_strip + path)  # SvarUt at the root (/api/v3/...): the same routes
    for template in routes(family.name):
        if method in template.methods and any(template.pattern.fullmatch(p) for p in candidates):
            return template.path
    return None


# -- checking a definition -----------------------------------------------------------------------------------


def check(engine: sa.Engine, definition: Fault) -> Fault:
    """The definition as it will be stored (the route as its template), or FaultRefused naming what is wrong."""
    family = by_name(definition.family)
    if definition.kind not in KINDS:
        raise FaultRefused(f"Ukjent svar {definition.kind!r}; et av {', '.join(KINDS)}")
    if definition.count is not None and not 1 <= definition.count <= MAX_COUNT:
        raise FaultRefused(f"antall må være mellom 1 og {MAX_COUNT}")
    _check_answer(family, definition)
    if definition.kind == DELIVERY:
        if definition.method or definition.route or definition.client_id:
            raise FaultRefused("En leveringsfeil gjelder en kanal, ikke en rute eller en klient")
        return definition
    checked = replace(definition, route=_checked_route(family, definition.method, definition.route))
    if checked.client_id is not None:
        with db.read(engine) as conn:
            if get_client(conn, checked.client_id) is None:
                raise FaultRefused(f"Klienten {checked.client_id!r} finnes ikke, så feilen ville aldri treffe")
    return checked


def _check_answer(family: Family, definition: Fault) -> None:
    kind = definition.kind
    if kind == ERROR and definition.status is not None and definition.status not in ERROR_STATUSES:
        raise FaultRefused("status for en feil må være 429 eller 500-511")
    if (definition.status is not None or definition.message is not None) and kind != ERROR:
        raise FaultRefused("status og melding gjelder bare svar 'feil'")
    if kind == DELAY and not (definition.delay_ms is not None and 1 <= definition.delay_ms <= MAX_DELAY_MS):
        raise FaultRefused(f"forsinkelseMs må være mellom 1 og {MAX_DELAY_MS} for svar 'forsinkelse'")
    if kind != DELAY and definition.delay_ms is not None:
        raise FaultRefused("forsinkelseMs gjelder bare svar 'forsinkelse'")
    channels = tuple(family.extra.get("delivery_channels", ()))
    if kind == DELIVERY and definition.channel not in channels:
        if not channels:
            raise FaultRefused(f"Familien {family.name} har ingen leveringskanaler")
        raise FaultRefused(f"kanal må være en av {', '.join(channels)} for svar 'levering'")
    if kind != DELIVERY and definition.channel is not None:
        raise FaultRefused("kanal gjelder bare svar 'levering'")
    if kind == DROP and definition.status is not None:  # pragma: no cover  (refused above)
        raise FaultRefused("brudd har ingen status")


def _checked_route(family: Family, method: str | None, route: str | None) -> str | None:
    if method is not None and method not in METHODS:
        raise FaultRefused(f"Ukjent metode {method!r}; en av {', '.join(METHODS)}")
    templates = routes(family.name)
    if route is None:
        if method is not None and not any(method in t.methods for t in templates):
            raise FaultRefused(f"Ingen rute i {family.name} tar {method}")
        return None
    exact = [t for t in templates if t.path == route]
    found = exact or [t for t in templates if t.pattern.fullmatch(route)]
    if method is not None:
        found = [t for t in found if method in t.methods]
    if not found:
        listed = ", ".join(f"{'|'.join(sorted(t.methods))} {t.path}" for t in templates[:12])
        more = " ..." if len(templates) > 12 else ""
        raise FaultRefused(f"Ingen rute {method or ''} {route!r} i {family.name}; rutene er {listed}{more}".replace("  ", " "))
    return found[0].path
