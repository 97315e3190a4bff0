"""KS Fiks SvarUt REST v3: send letters (person, organisasjon, nhn, print) and search their status.

A send is ``multipart/form-data``: the part ``forsendelse`` (JSON) first, then one part per document in the
order of ``dokumenter[].filnavn``, each part's ``filename`` that name. Documents stream from their files (or
bytes) in pieces of ``CHUNK_SIZE``; the body is never whole in memory, and its length is known up front, so
it goes with a ``Content-Length`` rather than chunked.

    svarut = SvarUtClient("https://test.svarut.ks.no/api", maskinporten, integrasjon_id, integrasjon_passord)
    letter_id = svarut.send_person(konto_id, forsendelse, [Document("vedtak.pdf", Path("vedtak.pdf"))])
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypedDict, cast

import httpx

from helsebro.client._base import ServiceClient
from helsebro.client.errors import SvarUtError
from helsebro.client.maskinporten import Maskinporten

CHUNK_SIZE = 256 * 1024
Kind = Literal["person", "organisasjon", "nhn", "print"]
Source = bytes | Path | BinaryIO


@dataclass(frozen=True)
class Document:
    """One file of a letter: its name (``dokumenter[].filnavn``), where its bytes come from, its MIME type."""

    filnavn: str
    source: Source
    mime_type: str = "application/pdf"

    def size(self) -> int:
        if isinstance(self.source, bytes):
            return len(self.source)
        if isinstance(self.source, Path):
            return self.source.stat().st_size
        # An open file or any seekable stream: what is left from where it stands.
        here = self.source.tell()
        end = self.source.seek(0, io.SEEK_END)
        self.source.seek(here)
        return end - here

    def chunks(self) -> Iterator[bytes]:
        if isinstance(self.source, bytes):
            for start in range(0, len(self.source), CHUNK_SIZE):
                yield self.source[start : start + CHUNK_SIZE]
            return
        if isinstance(self.source, Path):
            with self.source.open("rb") as file:
                yield from iter(lambda: file.read(CHUNK_SIZE), b"")
            return
        yield from iter(lambda: self.source.read(CHUNK_SIZE), b"")  # type: ignore[union-attr]


class Status(TypedDict):
    id: str
    sisteStatusEndring: str
    status: str


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class MultipartBody:
    """The send's body as a stream of pieces, with its length known before the first byte goes."""

    def __init__(self, forsendelse: dict[str, Any], documents: Sequence[Document]):
        self.boundary = "helsebro-" + secrets.token_hex(16)
        self._metadata = json.dumps(forsendelse, ensure_ascii=False).encode("utf-8")
        self._documents = list(documents)
        self._sizes = [document.size() for document in self._documents]  # before any stream is read

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _head(self, name: str, content_type: str, filename: str | None = None) -> bytes:
        disposition = f'form-data; name="{name}"' + (f'; filename="{_quoted(filename)}"' if filename is not None else "")
        return f"--{self.boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()

    def _heads(self) -> list[bytes]:
        return [self._head(f"filer_{i}", d.mime_type, d.filnavn) for i, d in enumerate(self._documents)]

    def _tail(self) -> bytes:
        return f"--{self.boundary}--\r\n".encode()

    def length(self) -> int:
        first = len(self._head("forsendelse", "application/json")) + len(self._metadata) + 2
        files = sum(len(head) + size + 2 for head, size in zip(self._heads(), self._sizes))
        return first + files + len(self._tail())

    def __iter__(self) -> Iterator[bytes]:
        yield self._head("forsendelse", "application/json") + self._metadata + b"\r\n"
        for head, document in zip(self._heads(), self._documents):
            yield head
            yield from document.chunks()
            yield b"\r\n"
        yield self._tail()


class SvarUtClient(ServiceClient):
    error_type = SvarUtError

    def __init__(
        self,
        base_url: str,
        maskinporten: Maskinporten,
        integrasjon_id: str,
        integrasjon_passord: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 120.0,
    ):
        """``base_url``: ``https://test.svarut.ks.no/api``, or ``<helsebro>/svarut/api``."""
        super().__init__(base_url, maskinporten.auth(), http=http, timeout=timeout)
        self._integration = {"IntegrasjonId": integrasjon_id, "IntegrasjonPassord": integrasjon_passord}

    def send(
        self, kind: Kind, konto_id: str, forsendelse: dict[str, Any], documents: Sequence[Document], *, idempotency_key: str | None = None
    ) -> str:
        """Send a letter; answers its id once SvarUt has stored it (status MOTTATT). ``idempotency_key``
        (helsebro only): the same key and body give the same id, nothing sent twice."""
        body = MultipartBody(forsendelse, documents)
        headers = {**self._integration, "Content-Type": body.content_type, "Content-Length": str(body.length())}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        response = self.request("POST", f"/v3/kontoer/{konto_id}/forsendelser/{kind}", content=iter(body), headers=headers)
        return str(response.json()["id"])

    def send_person(self, konto_id: str, forsendelse: dict[str, Any], documents: Sequence[Document], **kwargs: Any) -> str:
        return self.send("person", konto_id, forsendelse, documents, **kwargs)

    def send_organisation(self, konto_id: str, forsendelse: dict[str, Any], documents: Sequence[Document], **kwargs: Any) -> str:
        return self.send("organisasjon", konto_id, forsendelse, documents, **kwargs)

    def send_nhn(self, konto_id: str, forsendelse: dict[str, Any], document: Document, **kwargs: Any) -> str:
        return self.send("nhn", konto_id, forsendelse, [document], **kwargs)

    def send_print(self, konto_id: str, forsendelse: dict[str, Any], documents: Sequence[Document], **kwargs: Any) -> str:
        return self.send("print", konto_id, forsendelse, documents, **kwargs)

    def status(self, konto_id: str, ids: Sequence[str]) -> list[Status]:
        """``status/sok``: the current status of each of these letters of the account."""
        response = self.request(
            "POST", f"/v3/kontoer/{konto_id}/forsendelser/status/sok", json={"id": list(ids)}, headers=self._integration
        )
        return cast(list[Status], response.json()["statuser"])
