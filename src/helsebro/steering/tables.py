"""The steering tables: the shared server clock (one row, kept across a data reset), the injected faults and
the request journal (both emptied by a data reset)."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro.db import metadata

# The server clock every process on the database follows (helsebro.steering.clock). ``version`` grows with
# every move, so a process that reads the row on its interval knows at once whether anything changed.
server_clock = sa.Table(
    "server_clock",
    metadata,
    sa.Column("name", sa.String(20), primary_key=True),
    sa.Column("offset_ms", sa.BigInteger, nullable=False),
    sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

# Faults the operator injects (helsebro.steering.faults): what a family (optionally one route, one client)
# answers instead of its handler. ``remaining`` counts the calls left (None: until ``ends_at`` or removed);
# it is taken down with one conditional UPDATE, so several processes together answer exactly that many.
fault = sa.Table(
    "steering_fault",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("family", sa.String(40), nullable=False),
    sa.Column("method", sa.String(10), nullable=True),
    sa.Column("route", sa.String(300), nullable=True),
    sa.Column("client_id", sa.String(200), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("message", sa.String(500), nullable=True),
    sa.Column("delay_ms", sa.Integer, nullable=True),
    sa.Column("channel", sa.String(30), nullable=True),
    sa.Column("count", sa.Integer, nullable=True),
    sa.Column("remaining", sa.Integer, nullable=True),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# The request journal (helsebro.steering.journal): one row per call to a family's API, written in batches.
# ``at`` is the server clock (what the operator filters on), ``real_at`` real time (what retention counts, and
# the order shown: the ids follow the flushes of several processes, not the calls).
journal = sa.Table(
    "steering_journal",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("real_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("family", sa.String(40), nullable=False),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("path", sa.String(2048), nullable=False),
    sa.Column("query", sa.String(2048), nullable=True),
    sa.Column("client_id", sa.String(200), nullable=True, index=True),
    sa.Column("organisation", sa.String(20), nullable=True),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("error_code", sa.String(100), nullable=True),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("refusal_check", sa.String(40), nullable=True),
    sa.Column("refusal_reason", sa.String(500), nullable=True),
    sa.Column("verdict", sa.JSON, nullable=True),
    sa.Column("fault_id", sa.String(36), nullable=True),
    sa.Column("request_body", sa.Text, nullable=True),
    sa.Column("response_body", sa.Text, nullable=True),
)
