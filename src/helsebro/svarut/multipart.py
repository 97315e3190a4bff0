"""A pull-style reader of a multipart/form-data body arriving as a stream of chunks.

python-multipart's parser pushes events through callbacks as bytes are written to it; this reader feeds it one
network chunk at a time, only when the caller asks for more, so at most one chunk of the body is in memory
however large the files are. Parts come out in order: their headers first, then their data in pieces.
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value

from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header


class MalformedMultipart(Exception):
    """The body is not the multipart/form-data its Content-Type says; ``str(exc)`` says why."""


@dataclass(frozen=True)
class PartHeaders:
    name: str | None
    filename: str | None  # None when the part has no filename parameter
    content_type: str | None


def boundary_of(content_type: str | None) -> bytes | None:
    """The boundary of a multipart/form-data Content-Type, or None when it is not one."""
    if not content_type:
        return None
    media_type, options = parse_options_header(content_type)
    if media_type.lower() != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


class MultipartReader:
    def __init__(self, chunks: AsyncIterator[bytes], boundary: bytes):
        self._chunks = chunks
        self._events: collections.deque[tuple[str, object]] = collections.deque()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, str] = {}
        self._finished = False
        self._in_part = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": lambda data, start, end: self._header_field.extend(data[start:end]),
                "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
                "on_header_end": self._on_header_end,
                "on_headers_finished": lambda: self._events.append(("headers", dict(self._headers))),
                "on_part_data": self._on_part_data,
                "on_part_end": lambda: self._events.append(("end", None)),
                "on_end": lambda: self._events.append(("done", None)),
            },
        )

    async def next_part(self) -> PartHeaders | None:
        """The headers of the next part (skipping what is left of the current one), or None after the last."""
        if self._in_part:
            async for _ in self.data():
                pass
        kind, value = await self._next_event()
        if kind == "done":
            return None
        if kind != "begin":
            raise MalformedMultipart(f"unexpected {kind} between parts")
        kind, value = await self._next_event()
        if kind != "headers":
            raise MalformedMultipart("part without headers")
        self._in_part = True
        return _part_headers(value)  # type: ignore[arg-type]

    async def data(self) -> AsyncIterator[bytes]:
        """The current part's data, piece by piece, until the part ends."""
        while self._in_part:
            kind, value = await self._next_event()
            if kind == "data":
                yield value  # type: ignore[misc]
            elif kind == "end":
                self._in_part = False
            else:
                raise MalformedMultipart(f"unexpected {kind} inside a part")

    async def _next_event(self) -> tuple[str, object]:
        while not self._events:
            if self._finished:
                raise MalformedMultipart("the body ended before the closing boundary")
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self._finished = True
                continue
            if chunk:
                try:
                    self._parser.write(chunk)
                except MultipartParseError as exc:
                    raise MalformedMultipart(str(exc)) from exc
        event = self._events.popleft()
        if event[0] == "done":
            self._finished = True
        return event

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._events.append(("begin", None))

    def _on_header_end(self) -> None:
        name = bytes(self._header_field).decode("latin-1").strip().lower()
        self._headers[name] = _decode(bytes(self._header_value)).strip()
        self._header_field.clear()
        self._header_value.clear()

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self._events.append(("data", data[start:end]))


def _decode(raw: bytes) -> str:
    # Clients put file names in headers as raw UTF-8 (browsers, Jetty); fall back to Latin-1 for the rest.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _part_headers(headers: dict[str, str]) -> PartHeaders:
    message = Message()
    message["content-disposition"] = headers.get("content-disposition", "")
    params = message.get_params(header="content-disposition") or []
    return PartHeaders(name=_param(params, "name"), filename=_param(params, "filename"), content_type=headers.get("content-type"))


def _param(params: list, key: str) -> str | None:
    """A Content-Disposition parameter. When a part carries both ``filename`` and ``filename*`` (a client that
    sends an ASCII fallback for old servers), the extended one wins, whatever their order (RFC 6266 section
    4.3, which RFC 7578 section 4.2 refers to). The email parser decodes ``key*`` (RFC 2231) into a
    (charset, language, value) tuple and a plain ``key`` into a string."""
    values = [value for name, value in params if name.lower() == key]
    if not values:
        return None
    extended = [value for value in values if isinstance(value, tuple)]
    return collapse_rfc2231_value((extended or values)[0])
