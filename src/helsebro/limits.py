"""Request limits for a shared server: body size per family, header size, query length and parameter count,
and a pause limit for clients that stop sending their body half-way.

A pure ASGI middleware, so a body over the limit is refused without being read: an announced Content-Length
over the limit gets its 413 before the first byte is received, and a body without one (chunked) is counted
as it arrives and cut off at the limit. Refusals are rendered by the family's own error format (the app's
``state.error_formats``, as every other error), and the body limit is chosen by that format too. SvarUt's multipart sends keep KS's own limits (350 MB in all, 18 MB for NHN): the
receiving code checks those per file; this middleware only stops reading a little above them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helsebro import formats
from helsebro.errors import ErrorFormat

MB = 1024 * 1024
# Room for the metadata part (at most 1 MB, svarut.receiving) and the multipart framing around the files.
_MULTIPART_OVERHEAD = 2 * MB


class LimitSettings(BaseSettings):
    """The limits, each settable from the environment (``HELSEBRO_MAX_...``); README "Request limits"."""

    model_config = SettingsConfigDict(env_prefix="HELSEBRO_", extra="ignore")

    # JSON and form bodies per family. The largest legitimate bodies are far below: an aktivsjekk of 1,000
    # fødselsnummer is 17 KB, a token request with a client assertion and a DPoP proof a few KB.
    max_body_bytes_helsenorge: int = 1 * MB  # Verktøy, DigitaltAktiv, PVK, the operator API and pages
    max_body_bytes_pts: int = 1 * MB
    max_body_bytes_svarut: int = 5 * MB  # the status search takes up to 5 MB of ids (svarut.routes)
    max_body_bytes_oauth: int = 64 * 1024  # HelseID, Maskinporten, Helsenorge login
    # SvarUt multipart sends: KS's 350 MB for a letter's files, 18 MB for one to Norsk Helsenett.
    max_multipart_bytes_svarut: int = 350 * MB + _MULTIPART_OVERHEAD
    max_multipart_bytes_svarut_nhn: int = 18 * MB + _MULTIPART_OVERHEAD
    max_header_bytes: int = 16 * 1024  # all request headers together, names and values
    max_headers: int = 100
    max_query_bytes: int = 8 * 1024
    max_query_params: int = 200  # name=value pairs in the query string, repeated names counted each time
    # Slow clients (408): the request line and headers must arrive within header_seconds (helsebro serve's
    # protocol, helsebro.http_protocol); a body must not pause longer than body_idle_seconds, and a JSON or
    # form body must be complete within body_seconds (multipart sends of up to 350 MB only have the pause limit).
    header_seconds: float = 10.0
    body_idle_seconds: float = 30.0
    body_seconds: float = 60.0


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str  # SvarUt's errorCode; Helsenorge bodies get HB-000<status>, problem details and OAuth need none
    message: str

    def code_for(self, errors: ErrorFormat) -> str:
        return self.code if errors is formats.FIKS else f"HB-000{self.status}"


class BodyTooLarge(Exception):
    """Raised into the app from ``receive`` when a body passes its limit; the middleware answers 413."""


class BodyTimeout(Exception):
    """Raised into the app from ``receive`` when a client pauses too long mid-body; the middleware answers 408."""


def _is_multipart(headers: dict[bytes, bytes]) -> bool:
    return headers.get(b"content-type", b"").lower().startswith(b"multipart/")


def body_limit(settings: LimitSettings, errors: ErrorFormat, path: str, headers: dict[bytes, bytes]) -> int:
    """The limit for a request to ``path``, whose family answers in ``errors``."""
    if errors is formats.FIKS and _is_multipart(headers):
        # /forsendelser/nhn (v3) and the NHN send of v2 take one file of at most 18 MB.
        return settings.max_multipart_bytes_svarut_nhn if path.lower().rstrip("/").endswith("/nhn") else settings.max_multipart_bytes_svarut
    if errors is formats.FIKS:
        return settings.max_body_bytes_svarut
    if errors is formats.PROBLEM:
        return settings.max_body_bytes_pts
    if errors is formats.OAUTH:
        return settings.max_body_bytes_oauth
    return settings.max_body_bytes_helsenorge


def too_large(limit: int) -> Refusal:
    return Refusal(413, "FOR_STOR", f"Forespørselen er for stor: høyst {limit} byte er tillatt")


def check_head(settings: LimitSettings, scope: Scope, limit: int) -> Refusal | None:
    """What can be refused before reading the body: headers, query string, an announced Content-Length."""
    raw_headers = scope.get("headers") or []
    if len(raw_headers) > settings.max_headers or sum(len(k) + len(v) for k, v in raw_headers) > settings.max_header_bytes:
        return Refusal(
            431,
            "FOR_STORE_HODER",
            f"Forespørselens hoder er for store: høyst {settings.max_headers} hoder og {settings.max_header_bytes} byte er tillatt",
        )
    query: bytes = scope.get("query_string") or b""
    if len(query) > settings.max_query_bytes:
        return Refusal(414, "FOR_LANG_URI", f"Spørrestrengen er for lang: høyst {settings.max_query_bytes} byte er tillatt")
    if query and query.count(b"&") + query.count(b";") + 1 > settings.max_query_params:
        return Refusal(400, "FOR_MANGE_PARAMETRE", f"For mange parametre i spørrestrengen: høyst {settings.max_query_params} er tillatt")
    for name, value in raw_headers:
        if name == b"content-length":
            try:
                announced = int(value)
            except ValueError:
                return Refusal(400, "UGYLDIG_CONTENT_LENGTH", "Content-Length er ikke et tall")
            if announced > limit:
                return too_large(limit)
    return None


def format_of(scope: Scope) -> ErrorFormat:
    """The error format of the family the path belongs to, as the app's exception handlers pick it."""
    return scope["app"].state.error_formats(scope.get("path", "/"))


async def respond(scope: Scope, send: Send, refusal: Refusal) -> None:
    """The refusal in the family's format, and the connection closed (the rest of the body is never read)."""
    errors = format_of(scope)
    response = errors.render(scope.get("path", "/"), refusal.status, refusal.code_for(errors), refusal.message, {"Connection": "close"})
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


class RequestLimits:
    """The ASGI middleware; ``app.add_middleware(RequestLimits)`` (settings from the environment)."""

    def __init__(self, app: ASGIApp, settings: LimitSettings | None = None):
        self.app = app
        self.settings = settings or LimitSettings()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "/")
        headers = dict(scope.get("headers") or [])
        limit = body_limit(self.settings, format_of(scope), path, headers)
        refusal = check_head(self.settings, scope, limit)
        if refusal is not None:
            await respond(scope, send, refusal)
            return
        deadline = None if _is_multipart(headers) else self.settings.body_seconds
        await _Guarded(self.app, self.settings.body_idle_seconds, deadline, limit).run(scope, receive, send)


class _Guarded:
    """One request: counts the body's bytes as the app receives them, and answers for it when it is cut off."""

    def __init__(self, app: ASGIApp, idle_seconds: float, body_seconds: float | None, limit: int):
        self.app, self.idle_seconds, self.limit = app, idle_seconds, limit
        self.body_seconds = body_seconds
        self.deadline = None if body_seconds is None else asyncio.get_running_loop().time() + body_seconds
        self.received = 0
        self.body_done = False
        self.refusal: Refusal | None = None
        self.response_started = False

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def guarded_receive() -> Message:
            if self.refusal is not None:
                return {"type": "http.disconnect"}
            if self.body_done:  # after the body only a disconnect can come: no pause limit on waiting for it
                return await receive()
            wait = self.idle_seconds
            if self.deadline is not None:
                wait = min(wait, max(0.0, self.deadline - asyncio.get_running_loop().time()))
            try:
                message = await asyncio.wait_for(receive(), wait)
            except TimeoutError:
                whole = "" if self.body_seconds is None else f", og hele innen {self.body_seconds:g} sekunder"
                self.refusal = Refusal(
                    408, "TIDSAVBRUDD", f"Klienten sendte forespørselen for sakte (høyst {self.idle_seconds:g} sekunders pause{whole})"
                )
                raise BodyTimeout from None
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.refusal = too_large(self.limit)
                    raise BodyTooLarge
                self.body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            if self.refusal is not None and not self.response_started:
                return  # the app's own answer to a cut-off body (e.g. a 400 for truncated JSON) gives way to ours
            if message["type"] == "http.response.start":
                self.response_started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except (BodyTooLarge, BodyTimeout):
            pass
        except Exception:
            if self.refusal is None or self.response_started:
                raise
        if self.refusal is not None and not self.response_started:
            await respond(scope, send, self.refusal)
