"""HelseID professional login: pending authorization requests (PAR), codes, sessions, refresh token
families; clients' post-logout redirect URIs and require_par

Revision ID: 0012_helseid_login
Revises: 0011_operator_sign_in
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_helseid_login"
down_revision = "0011_operator_sign_in"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "helseid_login_requests",
        sa.Column("handle_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("pushed", sa.Boolean(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("dpop_jkt", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("handle_hash", name=op.f("pk_helseid_login_requests")),
    )
    op.create_index(op.f("ix_helseid_login_requests_expires_at"), "helseid_login_requests", ["expires_at"])
    op.create_table(
        "helseid_sessions",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("hpr_number", sa.String(length=9), nullable=False),
        sa.Column("auth_time", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_helseid_sessions")),
    )
    op.create_table(
        "helseid_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("dpop_jkt", sa.String(length=64), nullable=True),
        sa.Column("family_id", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_helseid_codes")),
    )
    op.create_index(op.f("ix_helseid_codes_expires_at"), "helseid_codes", ["expires_at"])
    op.create_table(
        "helseid_refresh_families",
        sa.Column("family_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=2000), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=200), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("family_id", name=op.f("pk_helseid_refresh_families")),
    )
    op.create_index(op.f("ix_helseid_refresh_families_sid"), "helseid_refresh_families", ["sid"])
    op.create_table(
        "helseid_refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["helseid_refresh_families.family_id"],
            name=op.f("fk_helseid_refresh_tokens_family_id_helseid_refresh_families"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_helseid_refresh_tokens")),
    )
    op.create_index(op.f("ix_helseid_refresh_tokens_family_id"), "helseid_refresh_tokens", ["family_id"])
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_logout_redirect_uris", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("require_par", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_column("require_par")
        batch_op.drop_column("post_logout_redirect_uris")
    op.drop_index(op.f("ix_helseid_refresh_tokens_family_id"), table_name="helseid_refresh_tokens")
    op.drop_table("helseid_refresh_tokens")
    op.drop_index(op.f("ix_helseid_refresh_families_sid"), table_name="helseid_refresh_families")
    op.drop_table("helseid_refresh_families")
    op.drop_index(op.f("ix_helseid_codes_expires_at"), table_name="helseid_codes")
    op.drop_table("helseid_codes")
    op.drop_table("helseid_sessions")
    op.drop_index(op.f("ix_helseid_login_requests_expires_at"), table_name="helseid_login_requests")
    op.drop_table("helseid_login_requests")
