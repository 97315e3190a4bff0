"""Tables of HelseID's professional login: pending authorization requests (PAR), codes, sessions and
refresh token families. Codes, request URIs and refresh tokens are stored only as SHA-256 hashes."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro._columns import timestamps
from helsebro.db import metadata

# An authorization request checked and waiting for the professional to log in: pushed by the client (PAR,
# its request_uri handed out) or sent to the authorize endpoint directly (then only the login page knows it).
login_requests = sa.Table(
    "helseid_login_requests",
    metadata,
    sa.Column("handle_hash", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("pushed", sa.Boolean, nullable=False),
    # The authorization request's parameters as checked (redirect_uri, scope, state, nonce, PKCE, ...).
    sa.Column("parameters", sa.JSON, nullable=False),
    sa.Column("dpop_jkt", sa.String(64), nullable=True),  # RFC 9449 section 10: the code is bound to this key
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    *timestamps(),
)

# A professional's login: its sid is in every token of the login; logging out ends it.
login_sessions = sa.Table(
    "helseid_sessions",
    metadata,
    sa.Column("sid", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("hpr_number", sa.String(9), nullable=False),
    sa.Column("auth_time", sa.BigInteger, nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    *timestamps(),
)

login_codes = sa.Table(
    "helseid_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("sid", sa.String(64), nullable=False),
    sa.Column("parameters", sa.JSON, nullable=False),
    sa.Column("dpop_jkt", sa.String(64), nullable=True),
    # The refresh token family the code's tokens started: revoked if the code is presented again.
    sa.Column("family_id", sa.String(64), nullable=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    *timestamps(),
)

# One family per code exchange: every refresh token rotated from the first one. Reusing a used refresh token
# revokes the family (OAuth 2.0 Security BCP, section 4.14.2).
refresh_families = sa.Table(
    "helseid_refresh_families",
    metadata,
    sa.Column("family_id", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("sid", sa.String(64), nullable=False, index=True),
    sa.Column("scope", sa.String(2000), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_reason", sa.String(200), nullable=True),
    *timestamps(),
)

refresh_tokens = sa.Table(
    "helseid_refresh_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "family_id", sa.String(64), sa.ForeignKey("helseid_refresh_families.family_id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    *timestamps(),
)
