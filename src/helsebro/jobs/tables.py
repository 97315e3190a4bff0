"""The outbox: work for the workers, written in the same transaction as the change that causes it."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro._time import utcnow
from helsebro.db import metadata

# A job is due when available_at has passed, it is neither done nor parked, and nobody holds a live lease on
# it (claimed_until in the future). attempts counts claims, so a job that kills its worker also runs out of
# attempts; after the last one it is parked (parked_at) with last_error, until an operator retries it.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False, default=utcnow),
    sa.Column("available_at", sa.DateTime(timezone=True), nullable=False, default=utcnow),
    sa.Column("attempts", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Column("claimed_by", sa.String(200), nullable=True),
    sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_outbox_pending", "done_at", "available_at"),
)
