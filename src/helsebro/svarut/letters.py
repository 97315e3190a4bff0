"""Storing a received letter: its row, its files' rows, its first status and the outbox job, in one transaction.
No HTTP in here.

The files are already in the blob store when this runs. ``Idempotency-Key`` (ours, SPEC section 6) is
scoped to the account: the same key with the same body (``body_sha256``) gives the letter already stored;
the same key with another body is a conflict. Two requests racing with one key meet at the unique index
on (konto_id, idempotency_key): the loser reads the winner's letter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from helsebro import db
from helsebro.svarut import errors, exposure, status
from helsebro.svarut.blobs import StoredBlob
from helsebro.svarut.tables import outbox, svarut_dokument, svarut_forsendelse

OUTBOX_KIND = "svarut.forsendelse"  # one job per received letter: deliver it (the workers' part)


@dataclass(frozen=True)
class StoredFile:
    filnavn: str
    mime_type: str
    blob: StoredBlob


@dataclass(frozen=True)
class NewLetter:
    konto_id: str
    integrasjon_id: str
    kind: str
    metadata: Any  # the forsendelse JSON as received
    files: list[StoredFile]
    idempotency_key: str | None
    received_at: dt.datetime
    nhn_recipient: str | None = None
    api_versjon: str = "v3"  # the API it came through: v2 and v3 letters are one model


@dataclass(frozen=True)
class Previous:
    """A letter already stored under the same Idempotency-Key."""

    id: str
    body_sha256: str


def body_sha256(kind: str, metadata: Any, files: list[tuple[str, str, str]], api_versjon: str = "v3") -> str:
    """What makes two sends "the same body": the endpoint, the metadata (key order ignored) and each file's
    name, type and content hash, in order. Not the raw bytes: a client's retry uses a new multipart boundary."""
    body = {"kind": kind, "forsendelse": metadata, "filer": files}
    if api_versjon != "v3":  # (v3's digests stay as they were stored)
        body["api"] = api_versjon
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def previous(engine: sa.Engine, konto_id: str, idempotency_key: str) -> Previous | None:
    with db.read(engine) as conn:
        return _previous(conn, konto_id, idempotency_key)


def store(engine: sa.Engine, letter: NewLetter) -> tuple[str, bool]:
    """The letter's id, and whether this call stored it (False: an identical send with the same key did)."""
    digest = body_sha256(letter.kind, letter.metadata, [(f.filnavn, f.mime_type, f.blob.sha256) for f in letter.files], letter.api_versjon)
    try:
        with db.write(engine) as conn:
            if letter.idempotency_key is not None:
                earlier = _previous(conn, letter.konto_id, letter.idempotency_key)
                if earlier is not None:
                    return _same_or_conflict(earlier, digest), False
            letter_id = str(uuid.uuid4())
            _insert(conn, letter_id, letter, digest)
            return letter_id, True
    except sa.exc.IntegrityError:
        if letter.idempotency_key is None:
            raise
        earlier = previous(engine, letter.konto_id, letter.idempotency_key)
        if earlier is None:
            raise
        return _same_or_conflict(earlier, digest), False


def same_or_conflict(earlier: Previous, kind: str, metadata: Any, files: list[tuple[str, str, str]], api_versjon: str = "v3") -> str:
    return _same_or_conflict(earlier, body_sha256(kind, metadata, files, api_versjon))


def _same_or_conflict(earlier: Previous, digest: str) -> str:
    if earlier.body_sha256 != digest:
        raise errors.idempotency_conflict()
    return earlier.id


def _previous(conn: sa.Connection, konto_id: str, idempotency_key: str) -> Previous | None:
    row = conn.execute(
        sa.select(svarut_forsendelse.c.id, svarut_forsendelse.c.body_sha256).where(
            (svarut_forsendelse.c.konto_id == konto_id) & (svarut_forsendelse.c.idempotency_key == idempotency_key)
        )
    ).first()
    return Previous(str(row.id), row.body_sha256) if row else None


def _insert(conn: sa.Connection, letter_id: str, letter: NewLetter, digest: str) -> None:
    conn.execute(
        sa.insert(svarut_forsendelse).values(
            id=letter_id,
            konto_id=letter.konto_id,
            integrasjon_id=letter.integrasjon_id,
            kind=letter.kind,
            metadata=letter.metadata,
            status=status.MOTTATT,
            status_endret=letter.received_at,
            idempotency_key=letter.idempotency_key,
            body_sha256=digest,
            api_versjon=letter.api_versjon,
            ekstern_referanse=_ekstern_referanse(letter.metadata),
        )
    )
    if letter.files:
        conn.execute(
            sa.insert(svarut_dokument),
            [
                {
                    "forsendelse_id": letter_id,
                    "posisjon": position,
                    "filnavn": f.filnavn,
                    "mime_type": f.mime_type,
                    "storrelse": f.blob.size,
                    "sha256": f.blob.sha256,
                    "blob_key": f.blob.key,
                }
                for position, f in enumerate(letter.files)
            ],
        )
    exposure.register(conn, letter_id, letter.metadata)
    status.record(conn, letter_id, status.MOTTATT, letter.received_at)
    payload = {"forsendelseId": letter_id, "kontoId": letter.konto_id, "kind": letter.kind}
    if letter.nhn_recipient:
        payload["nhnMottakerHerId"] = letter.nhn_recipient
    conn.execute(sa.insert(outbox).values(kind=OUTBOX_KIND, payload=payload, created=letter.received_at, available_at=letter.received_at))


def _ekstern_referanse(metadata: Any) -> str | None:
    value = metadata.get("eksternReferanse") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else None
