"""citizen login: the security level (acr) a code was issued at, Level3 or Level4 (SvarUt's krevNiva4Innlogging)

Revision ID: 0014_citizen_login_acr
Revises: 0013_client_organisations
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_citizen_login_acr"
down_revision = "0013_client_organisations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acr", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.drop_column("acr")
