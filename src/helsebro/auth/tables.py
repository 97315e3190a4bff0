"""Tables of the token services: signing keys, API clients, used one-time ids."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro._columns import timestamps
from helsebro.db import metadata

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    sa.Column("alg", sa.String(10), nullable=False),
    sa.Column("private_jwk", sa.JSON, nullable=False),
    # A retired key signs nothing new but stays in the JWKS until tokens it signed have expired.
    sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
    *timestamps(),
)

api_clients = sa.Table(
    "api_clients",
    metadata,
    sa.Column("client_id", sa.String(200), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("orgnr", sa.String(9), nullable=False),
    sa.Column("orgnr_child", sa.String(9), nullable=True),
    # Public keys for private_key_jwt, as a JWK set {"keys": [...]}.
    sa.Column("jwks", sa.JSON, nullable=False, default=lambda: {"keys": []}),
    # scrypt hash of the client secret, if the client may use one (dev convenience).
    sa.Column("secret_hash", sa.String(300), nullable=True),
    sa.Column("scopes", sa.JSON, nullable=False, default=list),
    sa.Column("pvk_parts", sa.JSON, nullable=False, default=list),
    # Where the Helsenorge citizen login may send this client's users back (authorization code flow).
    sa.Column("redirect_uris", sa.JSON, nullable=False, default=list, server_default="[]"),
    # HelseID organisations (helsebro.auth.organisations): a vendor's client acting for many customers, and the
    # child organisations (orgnr) a single-tenant client may name.
    sa.Column("multi_tenant", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    sa.Column("child_organisations", sa.JSON, nullable=False, default=list, server_default="[]"),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    # Professional login: where HelseID's logout may send the user back; whether PAR is required.
    sa.Column("post_logout_redirect_uris", sa.JSON, nullable=False, default=list, server_default="[]"),
    sa.Column("require_par", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    *timestamps(),
)

# One-time identifiers already seen: client assertion jti and DPoP proof jti. The primary key makes a
# replay fail on insert in every process sharing the database.
used_jtis = sa.Table(
    "used_jtis",
    metadata,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("issuer", sa.String(300), primary_key=True),
    sa.Column("jti", sa.String(300), primary_key=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

server_secrets = sa.Table(
    "server_secrets",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
    *timestamps(),
)

# Authorization codes of the citizen login: single use, short-lived, bound to client, redirect and PKCE.
# Only a hash of the code is stored.
authorization_codes = sa.Table(
    "authorization_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("redirect_uri", sa.String(2000), nullable=False),
    sa.Column("code_challenge", sa.String(128), nullable=False),
    sa.Column("fnr", sa.String(11), nullable=False),
    sa.Column("scope", sa.String(500), nullable=False),
    sa.Column("nonce", sa.String(500), nullable=True),
    sa.Column("acr", sa.String(20), nullable=True),  # the login's security level (citizen_login.LEVEL3/LEVEL4)
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    *timestamps(),
)

# Failed operator sign-ins (the login page and the operator client's secret at a token endpoint), one row per
# failure and key ("client" or "address"); the key is hashed: a client id field may hold a mistyped secret.
# In the database, so every API process counts the same guesses (auth.sign_in_limits).
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Index("ix_sign_in_failures_key_hash_failed_at", "key_hash", "failed_at"),
)

# The operator pages' sessions, on the server so logging out ends a copied cookie too. Only a hash of the
# session id (the cookie's) is stored.
operator_sessions = sa.Table(
    "operator_sessions",
    metadata,
    sa.Column("sid_hash", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(200), nullable=False, index=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
