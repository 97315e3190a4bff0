"""steering: injected faults and the request journal

Revision ID: 0015_steering_faults_journal
Revises: 0014_citizen_login_acr
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_steering_faults_journal"
down_revision = "0014_citizen_login_acr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "steering_fault",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("family", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("route", sa.String(length=300), nullable=True),
        sa.Column("client_id", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("delay_ms", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steering_fault")),
    )
    op.create_table(
        "steering_journal",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("real_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("family", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("query", sa.String(length=2048), nullable=True),
        sa.Column("client_id", sa.String(length=200), nullable=True),
        sa.Column("organisation", sa.String(length=20), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=100), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("refusal_check", sa.String(length=40), nullable=True),
        sa.Column("refusal_reason", sa.String(length=500), nullable=True),
        sa.Column("verdict", sa.JSON(), nullable=True),
        sa.Column("fault_id", sa.String(length=36), nullable=True),
        sa.Column("request_body", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steering_journal")),
    )
    op.create_index(op.f("ix_steering_journal_at"), "steering_journal", ["at"])
    op.create_index(op.f("ix_steering_journal_client_id"), "steering_journal", ["client_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_steering_journal_client_id"), table_name="steering_journal")
    op.drop_index(op.f("ix_steering_journal_at"), table_name="steering_journal")
    op.drop_table("steering_journal")
    op.drop_table("steering_fault")
