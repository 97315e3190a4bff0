"""request journal: an index on real time, the order the journal shows calls in (several processes write
their calls in batches, so the row id is the order of the flushes, not of the calls)

Revision ID: 0016_journal_real_time_order
Revises: 0015_steering_faults_journal
"""

from alembic import op

revision = "0016_journal_real_time_order"
down_revision = "0015_steering_faults_journal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_steering_journal_real_at"), "steering_journal", ["real_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_steering_journal_real_at"), table_name="steering_journal")
