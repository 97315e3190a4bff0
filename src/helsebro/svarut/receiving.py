"""Receiving a letter from a multipart stream (POST .../forsendelser/{person|organisasjon|nhn|print}).

The order is chosen so that nothing large is stored for a request that will fail:
1. the first part, ``forsendelse``, is read (at most ``MAX_METADATA_BYTES``) and checked against the spec and
   the registries before any file is read;
2. each file part's ``filename`` is compared with the next ``dokumenter[].filnavn`` before its data is read
   (nhn: exactly one file, any valid name, a PDF of at most 18 MB); the data then streams straight into the
   blob store, counted and hashed on the way, in pieces of ``blobs.CHUNK_SIZE``;
3. when the body has ended with the files the metadata announced, and only then, the letter, its files'
   rows, its status MOTTATT and an outbox job are committed in one transaction.
Any failure throws away the blobs this request wrote. A repeated send with a known Idempotency-Key only hashes
the files (nothing is stored twice) and answers with the earlier letter, or 409 if the body differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import anyio
import anyio.to_thread
import sqlalchemy as sa

from helsebro import db
from helsebro._time import utcnow
from helsebro.svarut import errors, letters, recipients, validation, validation_v2
from helsebro.svarut.accounts import Access
from helsebro.svarut.blobs import CHUNK_SIZE, BlobStore, BlobWriter, StoredBlob
from helsebro.svarut.multipart import MalformedMultipart, MultipartReader, PartHeaders

MB = 1024 * 1024
MAX_METADATA_BYTES = 1 * MB
MAX_NHN_FILE_BYTES = 18 * MB  # "Maksimal størrelse er 18 MB"
MAX_LETTER_BYTES = 350 * MB  # "Total filstørrelse på inntil 350 MB"
PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # PDF readers accept the header anywhere in the first 1024 bytes


@dataclass(frozen=True)
class Expected:
    """A file the metadata announces: its name (None: any valid name, for nhn) and type."""

    filnavn: str | None
    mime_type: str
    must_be_pdf: bool
    max_bytes: int


async def receive(
    engine: sa.Engine,
    store: BlobStore,
    kind: str | None,
    access: Access,
    idempotency_key: str | None,
    reader: MultipartReader,
    now: dt.datetime,
    api_versjon: str = "v3",
) -> str:
    """The id of the stored letter (or of the identical letter stored earlier with the same key). v3 names the
    kind by its endpoint; v2 (``kind`` None) has one endpoint, and the recipient decides the kind."""
    written: list[StoredBlob | BlobWriter] = []
    try:
        metadata_raw = await _metadata_part(reader)
        if api_versjon == "v2":
            v2 = validation_v2.forsendelse(metadata_raw, now)
            kind, letter = v2.kind, v2.forsendelse
        else:
            letter = validation.forsendelse(kind, metadata_raw, now)
        nhn_recipient = await anyio.to_thread.run_sync(_check_registries, engine, kind, letter, access, api_versjon)
        metadata = validation.parse_json(metadata_raw)
        earlier = (
            await anyio.to_thread.run_sync(letters.previous, engine, access.account.konto_id, idempotency_key) if idempotency_key else None
        )
        files = await _files(reader, _expected(kind, letter), store if earlier is None else None, written)
        file_keys = [(f.filnavn, f.mime_type, f.blob.sha256) for f in files]
        if earlier is not None:
            return letters.same_or_conflict(earlier, kind, metadata, file_keys, api_versjon)
        new = letters.NewLetter(
            konto_id=access.account.konto_id,
            integrasjon_id=access.integrasjon_id,
            kind=kind,
            metadata=metadata,
            files=files,
            idempotency_key=idempotency_key,
            received_at=utcnow(),  # MOTTATT when stored, however long the upload took
            nhn_recipient=nhn_recipient,
            api_versjon=api_versjon,
        )
        letter_id, stored = await anyio.to_thread.run_sync(letters.store, engine, new)
        if stored:
            written.clear()  # the letter owns them now
        return letter_id
    except MalformedMultipart as exc:
        raise errors.malformed_multipart(str(exc)) from exc
    finally:
        if written:
            with anyio.CancelScope(shield=True):  # a client that hung up must not leave its files behind
                await anyio.to_thread.run_sync(_discard, store, written)


def _check_registries(engine: sa.Engine, kind: str, letter, access: Access, api_versjon: str) -> str | None:  # noqa: ANN001
    with db.read(engine) as conn:
        if api_versjon == "v2":
            recipients.check_v2(conn, kind, letter, access.account)
            return None
        return recipients.check(conn, kind, letter, access.account)


async def _metadata_part(reader: MultipartReader) -> bytes:
    part = await reader.next_part()
    if part is None or part.name != "forsendelse":
        raise errors.forsendelse_part_first()
    raw = bytearray()
    async for piece in reader.data():
        raw.extend(piece)
        if len(raw) > MAX_METADATA_BYTES:
            raise errors.too_large(f"Forsendelsens metadata kan være høyst {MAX_METADATA_BYTES} byte")
    return bytes(raw)


def _expected(kind: str, letter) -> list[Expected]:  # noqa: ANN001
    if kind == "nhn":
        return [Expected(None, validation.PDF, must_be_pdf=not letter.kryptert, max_bytes=MAX_NHN_FILE_BYTES)]
    # A printed letter's PDFs must be PDFs (v3's print takes only PDF; v2's may carry files kept out of print).
    return [
        Expected(
            filnavn,
            mime_type,
            must_be_pdf=kind == "print" and mime_type == validation.PDF and not letter.kryptert,
            max_bytes=MAX_LETTER_BYTES,
        )
        for filnavn, mime_type in validation.documents_of(letter)
    ]


async def _files(reader: MultipartReader, expected: list[Expected], store: BlobStore | None, written: list) -> list[letters.StoredFile]:
    files: list[letters.StoredFile] = []
    total = 0
    for index, announced in enumerate(expected):
        part = await reader.next_part()
        if part is None:
            raise errors.document_mismatch(f"Forventet {len(expected)} filer etter metadata, fikk {index}")
        filnavn = _check_filename(part, index, announced)
        writer = store.create() if store is not None else _DigestOnly()
        written.append(writer)
        blob = await _stream_into(reader, writer, announced, filnavn, MAX_LETTER_BYTES - total)
        written[-1] = blob
        total += blob.size
        files.append(letters.StoredFile(filnavn, announced.mime_type, blob))
    if await reader.next_part() is not None:
        raise errors.document_mismatch(f"Fikk flere filer enn de {len(expected)} forsendelsens metadata beskriver")
    return files


def _check_filename(part: PartHeaders, index: int, announced: Expected) -> str:
    if not part.filename:
        raise errors.document_mismatch(f"Part {index + 1} etter metadata mangler filename i Content-Disposition")
    if announced.filnavn is None:
        problem = validation.filnavn_problem(part.filename)
        if problem:
            raise errors.document_mismatch(f"Filnavnet {part.filename!r} {problem}")
        return part.filename
    if part.filename != announced.filnavn:
        raise errors.document_mismatch(
            f"Fil {index + 1} har filename {part.filename!r}, men dokumenter[{index}].filnavn er {announced.filnavn!r}: "
            "filene må komme i samme rekkefølge og med samme navn som i metadata"
        )
    return announced.filnavn


async def _stream_into(reader: MultipartReader, writer, announced: Expected, filnavn: str, room: int) -> StoredBlob:  # noqa: ANN001
    limit = min(announced.max_bytes, room)
    buffer = bytearray()
    head = b""
    size = 0
    async for piece in reader.data():
        size += len(piece)
        if size > limit:
            raise errors.too_large(
                f"Filen til Norsk Helsenett kan være høyst {MAX_NHN_FILE_BYTES // MB} MB"
                if announced.max_bytes == MAX_NHN_FILE_BYTES
                else f"Forsendelsens filer kan til sammen være høyst {MAX_LETTER_BYTES // MB} MB"
            )
        if len(head) < PDF_HEADER_WINDOW:
            head += piece[: PDF_HEADER_WINDOW - len(head)]
        buffer.extend(piece)
        if len(buffer) >= CHUNK_SIZE:
            await anyio.to_thread.run_sync(writer.write, bytes(buffer))
            buffer.clear()
    if announced.must_be_pdf and PDF_MAGIC not in head:
        raise errors.document_mismatch(f"{filnavn!r} er ikke en PDF (kun application/pdf godtas her)")
    if buffer:
        await anyio.to_thread.run_sync(writer.write, bytes(buffer))
    return await anyio.to_thread.run_sync(writer.finish)


class _DigestOnly:
    """Counts and hashes a file without storing it: for a repeated send whose key is already known."""

    key = "0" * 32

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._size = 0

    def write(self, data: bytes) -> None:
        self._sha256.update(data)
        self._size += len(data)

    def finish(self) -> StoredBlob:
        return StoredBlob(self.key, self._size, self._sha256.hexdigest())

    def abort(self) -> None:
        pass


def _discard(store: BlobStore, written: list) -> None:
    """Throw away what a failed request wrote: writers still open, and blobs finished but never committed."""
    finished = [w.key for w in written if isinstance(w, StoredBlob) and w.key != _DigestOnly.key]
    for writer in written:
        if not isinstance(writer, StoredBlob):
            writer.abort()
    if finished:
        store.delete(finished)
