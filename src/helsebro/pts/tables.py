"""PTS: patient-safety attributes with every version of their restriction, privacy restrictions with their
history, the audit of every call, and the state of the periodic reset of the PTS test data.

Nothing is deleted by the API: a new patient-safety restriction supersedes the current one (kept, no
longer current), and a revoked privacy restriction keeps its row and gains a history entry.
"""

from __future__ import annotations

import sqlalchemy as sa

from helsebro._columns import timestamps
from helsebro.db import metadata

# A confidential object (a requisition, an answer report) of one person, with its restrictions below.
pts_safety_attribute = sa.Table(
    "pts_safety_attribute",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("off_id", sa.String(11), nullable=False, index=True),
    sa.Column("object_type", sa.String(50), nullable=False),
    sa.Column("object_value", sa.String(200), nullable=False),
    sa.Column("parent_id", sa.String(36), sa.ForeignKey("pts_safety_attribute.id"), nullable=True, index=True),
    sa.Column("created_by", sa.String(200), nullable=True),  # client_id
    sa.Column("created_by_hpr", sa.String(9), nullable=True),
    *timestamps(),
    # An object identifier names one object of one person.
    sa.UniqueConstraint("object_type", "object_value"),
)

# Every version of an attribute's restriction; exactly one is current.
pts_safety_restriction = sa.Table(
    "pts_safety_restriction",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("attribute_id", sa.String(36), sa.ForeignKey("pts_safety_attribute.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("is_current", sa.Boolean, nullable=False),
    sa.Column("confidentiality_code", sa.String(20), nullable=False),
    # Null with withheld_forever: 9999-12-31T23:59:59.9999999Z on the wire. Not stored as that instant, which
    # a PostgreSQL session in a zone east of UTC could not hand back to Python (year 10000).
    sa.Column("delay_delivery_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("withheld_forever", sa.Boolean, nullable=False, default=False),
    sa.Column("delay_days", sa.Integer, nullable=True),
    sa.Column("delay_from_time", sa.DateTime(timezone=True), nullable=True),
    sa.Column("cause", sa.String(20), nullable=True),
    sa.Column("created_by", sa.String(200), nullable=True),
    sa.Column("created_by_hpr", sa.String(9), nullable=True),
    *timestamps(),
    sa.UniqueConstraint("attribute_id", "version"),
    sa.Index(
        "ix_pts_safety_restriction_one_current",
        "attribute_id",
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    ),
)

pts_privacy_restriction = sa.Table(
    "pts_privacy_restriction",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("off_id", sa.String(11), nullable=False, index=True),
    sa.Column("privacy_type", sa.String(10), nullable=False),  # Shield, Block
    sa.Column("privacy_level", sa.String(10), nullable=False),  # Soft, Hard
    sa.Column("restriction_domain", sa.String(10), nullable=False),  # PPS
    sa.Column("object_scope_type", sa.String(20), nullable=False),  # All, TimeRange
    sa.Column("object_scope_from", sa.DateTime(timezone=True), nullable=True),
    sa.Column("object_scope_to", sa.DateTime(timezone=True), nullable=True),
    sa.Column("subject_scope_type", sa.String(20), nullable=False),  # All, Specified
    sa.Column("subject_identifiers", sa.JSON, nullable=False, default=list),  # [{"type": "HPR", "value": "..."}]
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=True),
    sa.Column("created_by_hpr", sa.String(9), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(200), nullable=True),
    sa.Column("revoked_by_hpr", sa.String(9), nullable=True),
    *timestamps(),
)

# The restriction as it stood after each change (the wire form, without history), oldest first.
pts_privacy_history = sa.Table(
    "pts_privacy_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("restriction_id", sa.String(36), sa.ForeignKey("pts_privacy_restriction.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # Created, Revoked
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=True),
    sa.Column("changed_by_hpr", sa.String(9), nullable=True),
    *timestamps(),
    sa.UniqueConstraint("restriction_id", "version"),
)

# Every PTS call whose token was good, refused or not (SPEC section 5). off_id is the data itself, so it
# may be here; it never goes to a log line.
pts_audit = sa.Table(
    "pts_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("time", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("client_id", sa.String(200), nullable=True),
    sa.Column("orgnr_parent", sa.String(20), nullable=True),
    sa.Column("orgnr_child", sa.String(20), nullable=True),
    sa.Column("orgnr_supplier", sa.String(20), nullable=True),
    sa.Column("hpr_number", sa.String(20), nullable=True),
    sa.Column("token_jti", sa.String(100), nullable=True),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("route", sa.String(200), nullable=False),  # the route template
    sa.Column("path", sa.String(500), nullable=False),
    sa.Column("api_version", sa.String(10), nullable=True),
    sa.Column("off_id", sa.String(11), nullable=True, index=True),
    sa.Column("status", sa.Integer, nullable=False),
    *timestamps(),
)

# When the PTS test data was last reset on schedule, shared by every process on the database.
pts_reset_schedule = sa.Table(
    "pts_reset_schedule",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("last_window", sa.BigInteger, nullable=False),
    *timestamps(),
)

# The tables the PTS test data fills, children first (the order to empty them in). The audit and the reset
# schedule are records, not test data: a reset keeps them.
DATA_TABLES = (pts_privacy_history, pts_privacy_restriction, pts_safety_restriction, pts_safety_attribute)
