"""ASP.NET-style case-insensitive binding for the Helsenorge families.

The real Helsenorge services are ASP.NET: route segments, query parameter names and JSON property names
bind regardless of case. Clients written against them (``/DigitaltAktiv/...`` vs ``/digitaltaktiv/...``,
``sidereferanse`` vs ``Sidereferanse``) must work here unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

RAW_PATH_KEY = "helsebro.raw_path"


class CaseInsensitivePaths:
    """Rewrites a request path to the spelling of the route template it matches case-insensitively.

    Only paths under ``prefixes`` are touched. The path as the client sent it stays in the scope under
    ``RAW_PATH_KEY``: a DPoP proof's ``htu`` names that one.
    """

    def __init__(self, app: ASGIApp, prefixes: Iterable[str], templates: Iterable[str]):
        self.app = app
        self.prefixes = tuple(p.lower() for p in prefixes)
        matching = [t.split("/") for t in templates if t.lower().startswith(self.prefixes)]
        # Literal routes win over parameterised ones (SokSelvstendigVerktoy before {id}).
        self.templates = sorted(matching, key=lambda parts: sum(p.startswith("{") for p in parts))
        self._seen: dict[str, str] = {}  # path as sent -> canonical path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.lower().startswith(self.prefixes):
                rewritten = self.canonical(path)
                if rewritten != path:
                    scope = dict(scope, path=rewritten, raw_path=rewritten.encode())
            scope.setdefault(RAW_PATH_KEY, path)  # a family's own port has set it to the path as sent
        await self.app(scope, receive, send)

    def canonical(self, path: str) -> str:
        known = self._seen.get(path)
        if known is None:
            known = self._match(path)
            if len(self._seen) >= 10_000:
                self._seen.clear()
            self._seen[path] = known
        return known

    def _match(self, path: str) -> str:
        parts = path.split("/")
        for template in self.templates:
            if len(template) == len(parts) and all(t.startswith("{") or t.lower() == p.lower() for t, p in zip(template, parts)):
                return "/".join(p if t.startswith("{") else t for t, p in zip(template, parts))
        return path


def query_lists(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Query parameters keyed by lower-cased name; repeated keys form a list, as ASP.NET binds list<...>."""
    result: dict[str, list[str]] = {}
    for key, value in items:
        result.setdefault(key.lower(), []).append(value)
    return result


def lower_keys(value: Any) -> Any:
    """A JSON object with its property names lower-cased, all the way down, for case-insensitive binding.

    Without recursion: a body may nest as deep as the JSON parser allows (orjson: 1,024 levels), deeper than
    Python's stack on the event loop. Of two names that differ only in case the last one wins, as in a dict."""
    if not isinstance(value, (Mapping, list)):
        return value
    root: list[Any] = [None]
    pending: list[tuple[Any, Any, Any, object]] = [(value, root, 0, None)]
    while pending:
        source, parent, key, placeholder = pending.pop()
        if placeholder is not None and parent[key] is not placeholder:
            continue  # a later property of the same name (in another case) replaced this one
        copy: Any = {} if isinstance(source, Mapping) else [None] * len(source)
        parent[key] = copy
        items = ((str(k).lower(), v) for k, v in source.items()) if isinstance(source, Mapping) else enumerate(source)
        for name, item in items:
            if isinstance(item, (Mapping, list)):
                marker = object()
                copy[name] = marker
                pending.append((item, copy, name, marker))
            else:
                copy[name] = item
    return root[0]
