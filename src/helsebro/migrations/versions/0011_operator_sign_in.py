"""operator sign-in: failed guesses counted per client and address, sessions kept on the server

Revision ID: 0011_operator_sign_in
Revises: 0010_svarut_eksponert
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_operator_sign_in"
down_revision = "0010_svarut_eksponert"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(op.f("ix_sign_in_failures_failed_at"), "sign_in_failures", ["failed_at"])
    op.create_index("ix_sign_in_failures_key_hash_failed_at", "sign_in_failures", ["key_hash", "failed_at"])
    op.create_table(
        "operator_sessions",
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sid_hash", name=op.f("pk_operator_sessions")),
    )
    op.create_index(op.f("ix_operator_sessions_client_id"), "operator_sessions", ["client_id"])
    op.create_index(op.f("ix_operator_sessions_expires_at"), "operator_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("operator_sessions")
    op.drop_table("sign_in_failures")
