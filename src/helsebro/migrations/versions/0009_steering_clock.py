"""steering: the shared server clock (one row every process follows)

Revision ID: 0009_steering_clock
Revises: 0008_pvk_sekvensnummer
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_steering_clock"
down_revision = "0008_pvk_sekvensnummer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_clock",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("offset_ms", sa.BigInteger(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_clock")),
    )


def downgrade() -> None:
    op.drop_table("server_clock")
