"""Signed, expiring, HttpOnly cookies for the server-rendered pages (itsdangerous, keyed by the server secret).

Each set of pages has its own realm, and each cookie its own purpose; both go into the signature's salt, so
a value signed for one (a citizen's login state, say) can never pass as another (an operator's session).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from helsebro import _time, services


@dataclass(frozen=True)
class SignedCookies:
    realm: str
    path: str
    samesite: Literal["lax", "strict"]
    # Which clock the expiry runs on: the server clock (a citizen's session ends when it passes), or real time.
    clock: Callable[[], float] = _time.epoch

    def read(self, request: Request, cookie: str, purpose: str) -> dict[str, Any] | None:
        """The cookie's value, or None when it is missing, tampered with, signed for something else or expired."""
        raw = request.cookies.get(cookie)
        if not raw:
            return None
        try:
            value = self._serializer(request, purpose).loads(raw)
        except BadSignature:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("exp"), int) or value["exp"] <= self.clock():
            return None
        return value

    def write(self, request: Request, response: Response, cookie: str, purpose: str, value: dict[str, Any], seconds: int) -> None:
        response.set_cookie(
            cookie,
            self._serializer(request, purpose).dumps({**value, "exp": int(self.clock()) + seconds}),
            max_age=seconds,
            path=self.path,
            httponly=True,
            samesite=self.samesite,
            secure=services.of(request).base_url.startswith("https://"),
        )

    def delete(self, response: Response, cookie: str) -> None:
        response.delete_cookie(cookie, path=self.path, httponly=True, samesite=self.samesite)

    def _serializer(self, request: Request, purpose: str) -> URLSafeSerializer:
        return URLSafeSerializer(services.of(request).secret, salt=f"{self.realm}.{purpose}")
