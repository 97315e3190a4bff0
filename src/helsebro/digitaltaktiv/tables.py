"""DigitaltAktiv: when each citizen's status may last have changed (the change feed's source)."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro.db import metadata

# One row per citizen whose status may have changed, with the time of the latest such change. Written in
# the same transaction as the change itself. The feed returns rows at or after a safe offset, so a citizen
# changed twice is returned once, and rows older than three months are purged.
digitaltaktiv_endring = sa.Table(
    "digitaltaktiv_endring",
    metadata,
    sa.Column("fnr", sa.String(11), primary_key=True),
    sa.Column("endret", sa.DateTime(timezone=True), nullable=False, index=True),
)
