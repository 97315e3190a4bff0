"""Letter files: one small blob-store interface (DESIGN, data rules), two stores behind it.

- ``LocalDirectoryStore``: files under ``<data_dir>/blobs``, the embedded default with SQLite. A blob is
  written to ``tmp/`` and renamed into place once it is on disk (fsync), so a finished blob is never partial.
- ``DatabaseStore``: chunks in the database, used with PostgreSQL so that any API process or worker on any
  host reads the same files. Each chunk is committed as it arrives; a blob row marks the blob complete.

Content goes in and out in chunks of at most ``CHUNK_SIZE`` and is never held whole in memory. Every
writer counts and hashes (SHA-256) what it stores; the letter's rows record both. A blob is written and
finished before the transaction that refers to it commits; a blob nothing refers to after a while is an
orphan of a failed request or a crash, and ``sweep_orphans`` removes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import sqlalchemy as sa

from helsebro import db
from helsebro._time import utcnow
from helsebro.settings import Settings
from helsebro.svarut.tables import svarut_blob, svarut_blob_chunk, svarut_dokument

CHUNK_SIZE = 1024 * 1024
_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str


class BlobWriter(Protocol):
    key: str

    def write(self, data: bytes) -> None: ...

    def finish(self) -> StoredBlob:
        """Make the blob durable and complete; the writer is closed afterwards."""

    def abort(self) -> None:
        """Throw away what was written (safe to call after finish fails, or twice)."""


class BlobStore(Protocol):
    def create(self) -> BlobWriter: ...

    def read(self, key: str) -> Iterator[bytes]: ...

    def delete(self, keys: Iterable[str]) -> None: ...

    def keys_before(self, cutoff: dt.datetime) -> Iterator[str]:
        """Keys of blobs (finished or not) started before ``cutoff``."""


def store_for(settings: Settings, engine: sa.Engine) -> BlobStore:
    """The database itself on PostgreSQL (shared by every host); the data directory next to SQLite."""
    if db.is_sqlite(engine):
        return LocalDirectoryStore(Path(settings.data_dir) / "blobs")
    return DatabaseStore(engine)


def new_key() -> str:
    return uuid.uuid4().hex


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class _Hashing:
    """Size and SHA-256 of everything written, for every kind of writer."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes) -> None:
        self._sha256.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()


# -- local directory ------------------------------------------------------------------------------------


class LocalDirectoryStore:
    def __init__(self, root: Path):
        self.root = root

    def path_of(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key

    def create(self) -> _LocalWriter:
        return _LocalWriter(self, new_key())

    def read(self, key: str) -> Iterator[bytes]:
        with self.path_of(key).open("rb") as file:
            while chunk := file.read(CHUNK_SIZE):
                yield chunk

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.path_of(key).unlink(missing_ok=True)
            (self.root / "tmp" / f"{check_key(key)}.part").unlink(missing_ok=True)

    def keys_before(self, cutoff: dt.datetime) -> Iterator[str]:
        limit = cutoff.timestamp()
        if not self.root.exists():
            return
        for path in self.root.glob("*/*"):
            name = path.name.removesuffix(".part")
            if _KEY.match(name) and path.stat().st_mtime < limit:
                yield name


class _LocalWriter:
    def __init__(self, store: LocalDirectoryStore, key: str):
        self.key = key
        self._store = store
        self._hash = _Hashing()
        self._temp = store.root / "tmp" / f"{key}.part"
        self._temp.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO | None = self._temp.open("xb")

    def write(self, data: bytes) -> None:
        assert self._file is not None, "writer is closed"
        self._file.write(data)
        self._hash.update(data)

    def finish(self) -> StoredBlob:
        assert self._file is not None, "writer is closed"
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        final = self._store.path_of(self.key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._temp, final)
        _fsync_directory(final.parent)  # the rename itself must survive a crash too
        return StoredBlob(self.key, self._hash.size, self._hash.hexdigest())

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._store.delete([self.key])


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- database ------------------------------------------------------------------------------------------


class DatabaseStore:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def create(self) -> _DatabaseWriter:
        return _DatabaseWriter(self.engine, new_key())

    def read(self, key: str) -> Iterator[bytes]:
        # One chunk per query: never more than one chunk in memory, and no transaction held while the reader waits.
        with db.read(self.engine) as conn:
            seqs = (
                conn.execute(
                    sa.select(svarut_blob_chunk.c.seq)
                    .where(svarut_blob_chunk.c.blob_key == check_key(key))
                    .order_by(svarut_blob_chunk.c.seq)
                )
                .scalars()
                .all()
            )
        for seq in seqs:
            with db.read(self.engine) as conn:
                chunk = conn.execute(
                    sa.select(svarut_blob_chunk.c.data).where((svarut_blob_chunk.c.blob_key == key) & (svarut_blob_chunk.c.seq == seq))
                ).scalar_one()
            yield chunk

    def delete(self, keys: Iterable[str]) -> None:
        keys = [check_key(k) for k in keys]
        if not keys:
            return
        with db.write(self.engine) as conn:
            conn.execute(sa.delete(svarut_blob_chunk).where(svarut_blob_chunk.c.blob_key.in_(keys)))
            conn.execute(sa.delete(svarut_blob).where(svarut_blob.c.blob_key.in_(keys)))

    def keys_before(self, cutoff: dt.datetime) -> Iterator[str]:
        with db.read(self.engine) as conn:
            chunked = sa.select(svarut_blob_chunk.c.blob_key).where(svarut_blob_chunk.c.created_at < cutoff)
            finished = sa.select(svarut_blob.c.blob_key).where(svarut_blob.c.created_at < cutoff)
            keys = conn.execute(sa.union(chunked, finished)).scalars().all()
        yield from keys


class _DatabaseWriter:
    def __init__(self, engine: sa.Engine, key: str):
        self.key = key
        self._engine = engine
        self._hash = _Hashing()
        self._buffer = bytearray()
        self._seq = 0
        self._closed = False

    def write(self, data: bytes) -> None:
        assert not self._closed, "writer is closed"
        self._hash.update(data)
        self._buffer.extend(data)
        while len(self._buffer) >= CHUNK_SIZE:
            self._store_chunk(bytes(self._buffer[:CHUNK_SIZE]))
            del self._buffer[:CHUNK_SIZE]

    def finish(self) -> StoredBlob:
        assert not self._closed, "writer is closed"
        if self._buffer:
            self._store_chunk(bytes(self._buffer))
            self._buffer.clear()
        blob = StoredBlob(self.key, self._hash.size, self._hash.hexdigest())
        with db.write(self._engine) as conn:
            conn.execute(sa.insert(svarut_blob).values(blob_key=self.key, storrelse=blob.size, sha256=blob.sha256, created_at=utcnow()))
        self._closed = True
        return blob

    def abort(self) -> None:
        self._closed = True
        self._buffer.clear()
        DatabaseStore(self._engine).delete([self.key])

    def _store_chunk(self, data: bytes) -> None:
        with db.write(self._engine) as conn:
            conn.execute(sa.insert(svarut_blob_chunk).values(blob_key=self.key, seq=self._seq, data=data, created_at=utcnow()))
        self._seq += 1


# -- housekeeping --------------------------------------------------------------------------------------


def sweep_orphans(engine: sa.Engine, store: BlobStore, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Remove blobs no letter refers to that were started more than ``older_than`` ago. Returns how many.

    The age limit leaves alone a blob whose request is still streaming or about to commit.
    """
    candidates = set(store.keys_before(utcnow() - older_than))
    if not candidates:
        return 0
    with db.read(engine) as conn:
        referenced = set(conn.execute(sa.select(svarut_dokument.c.blob_key)).scalars())
    orphans = candidates - referenced
    store.delete(orphans)
    return len(orphans)
