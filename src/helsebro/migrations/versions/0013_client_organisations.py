"""auth: HelseID organisations on a client (multi-tenant, child organisations)

Revision ID: 0013_client_organisations
Revises: 0012_helseid_login
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_client_organisations"
down_revision = "0012_helseid_login"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("multi_tenant", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("child_organisations", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_column("child_organisations")
        batch_op.drop_column("multi_tenant")
