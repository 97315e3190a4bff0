"""A family on a port of its own, at exactly the real host's paths (``serve --family-port NAME=PORT``).

One process and one database serve every port. A request that arrives on a family's port is rewritten to
the path the main port serves it under (``/v0.5/access-restrictions/...`` on the PTS port is
``/pts/v0.5/access-restrictions/...``), so every route, rule and error is the same; only that family's paths
answer there. Issuers, token endpoints and DPoP ``htu`` checks follow the port the request came in on: on
the HelseID port the issuer is ``http://127.0.0.1:PORT`` itself, as at the real host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from helsebro.auth import issuers
from helsebro.casing import RAW_PATH_KEY
from helsebro.errors import NOT_FOUND
from helsebro.family import Family
from helsebro.services import PUBLIC_BASE_KEY
from helsebro.settings import Settings

# Paths every port answers (load balancers and Docker poll the health check on any of them).
_EVERYWHERE = ("/healthz",)


@dataclass(frozen=True)
class PortView:
    """What one family port serves: its families, the prefix its paths drop, its own base URL."""

    name: str
    port: int
    base_url: str
    families: tuple[Family, ...]
    strip: str

    def main_path(self, path: str) -> str | None:
        """The main port's path for ``path`` as sent to this port; None when no family of the port has it."""
        if path in _EVERYWHERE:
            return path
        candidate = self.strip + path if self.strip else path
        return candidate if any(family.owns(candidate) for family in self.families) else None


def port_views(settings: Settings, families: Sequence[Family]) -> dict[int, PortView]:
    """The configured family ports by port number. Raises ValueError for an unknown name (naming the known)."""
    views: dict[int, PortView] = {}
    names = tuple(dict.fromkeys(f.port_name for f in families if f.port_name))
    for name, port in settings.family_port_map().items():
        members = tuple(f for f in families if f.port_name == name)
        if not members:
            raise ValueError(f"family port {name}={port}: unknown family {name!r}; one of {', '.join(names)}")
        strips = {f.own_port_strip for f in members}
        if len(strips) != 1:
            raise ValueError(f"families sharing port {name} must drop the same prefix, not {sorted(strips)}")
        views[port] = PortView(name, port, settings.port_url(port), members, strips.pop())
    return views


def register_issuers(views: dict[int, PortView]) -> list[str]:
    """Tell the token services which base URLs are their own ports (their issuer is the base URL there);
    returns those issuer URLs, for the guard to trust."""
    found = []
    for view in views.values():
        for family in view.families:
            if family.issuer:
                issuers.serve_at_root(family.issuer, view.base_url)
                found.append(view.base_url)
    return found


class FamilyPorts:
    """ASGI middleware in front of the app: requests on a family's port go to that family only."""

    def __init__(self, app: ASGIApp, views: dict[int, PortView]):
        self.app = app
        self.views = views

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.views:
            await self.app(scope, receive, send)
            return
        server = scope.get("server")
        view = self.views.get(server[1]) if server else None
        if view is None:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        main_path = view.main_path(path)
        if main_path is None:  # another family's path, or none: 404 in this port's family's format
            code, message = NOT_FOUND
            await view.families[0].errors.render(path, 404, code, message)(scope, receive, send)
            return
        scope = dict(scope, path=main_path, raw_path=main_path.encode(), **{RAW_PATH_KEY: path, PUBLIC_BASE_KEY: view.base_url})
        await self.app(scope, receive, send)
