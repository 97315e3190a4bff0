"""uvicorn's HTTP/1.1 protocol (httptools) with two bounds uvicorn lacks: how long a client may take to send
a request's line and headers (uvicorn times out only idle keep-alive connections, so a client that sends
half a header and waits holds its connection for ever), and how many bytes they may take (httptools collects
headers without a limit). Both answer before the request reaches the app, so in plain text, not a family's
format: the path is not known yet. Used by ``helsebro serve`` (``http=PROTOCOL``); limits in helsebro.limits.
It also lets an injected fault drop a request's connection (the ``helsebro.drop`` extension).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from helsebro.limits import LimitSettings

PROTOCOL = "helsebro.http_protocol:BoundedHttpToolsProtocol"
# The request line (path and query) comes on top of the headers.
_HEAD_SLACK = 16 * 1024


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    _limits: LimitSettings | None = None

    @classmethod
    def limits(cls) -> LimitSettings:
        if cls._limits is None:
            cls._limits = LimitSettings()
        return cls._limits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._start_head()

    def _start_head(self) -> None:
        self._in_head = True
        self._head_bytes = 0
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits().header_seconds, self._head_too_slow)

    def _end_head(self) -> None:
        self._in_head = False
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head()

    def on_headers_complete(self) -> None:
        self._end_head()
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and "method" in self.scope:
            # An injected fault that drops the connection (helsebro.steering.middleware): closed with no answer.
            extensions: dict = self.scope.setdefault("extensions", {})
            extensions["helsebro.drop"] = lambda: self._drop(cycle)

    def _drop(self, cycle) -> None:  # noqa: ANN001  (uvicorn's RequestResponseCycle)
        cycle.disconnected = True  # uvicorn then sends nothing for the request, not even its own 500
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head and self.transport is not None and not self.transport.is_closing():
            self._head_bytes += len(data)  # all of it: the headers are still not complete after it
            if self._head_bytes > self.limits().max_header_bytes + _HEAD_SLACK:
                self._refuse(b"431 Request Header Fields Too Large", "Forespørselens hoder er for store")

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_head()
        super().connection_lost(exc)

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._in_head and self.transport is not None and not self.transport.is_closing():
            self._refuse(b"408 Request Timeout", f"Forespørselens hoder kom ikke på {self.limits().header_seconds:g} sekunder")

    def _refuse(self, status: bytes, message: str) -> None:
        body = message.encode()
        self.transport.write(
            b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        self.transport.close()
