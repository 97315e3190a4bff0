"""Column helpers shared by every table: created/changed timestamps."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro._time import utcnow


def timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, default=utcnow),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow),
    ]
