"""pvk: sekvensnummer per citizen and definition, and the first time a setting was given

PVKBroker's model (NORPREG/PVKBroker_cs, PvkApiModel.cs): "sekvensnummer ... starter på 1, og økes for hver
gang den endres", and opprettetTidspunkt is when the setting was first given. The row id stays what
pagingReference pages by.

Revision ID: 0008_pvk_sekvensnummer
Revises: 0007_svarut_v2
"""

from alembic import op
import sqlalchemy as sa


revision = "0008_pvk_sekvensnummer"
down_revision = "0007_svarut_v2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pvk_innstilling", schema=None) as batch_op:
        batch_op.add_column(sa.Column("versjon", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("opprettet_tidspunkt", sa.DateTime(timezone=True), nullable=True))
    # Existing settings: one version per change in the history, first given at the earliest time known.
    op.execute(
        "UPDATE pvk_innstilling SET versjon = (SELECT CASE WHEN COUNT(*) > 0 THEN COUNT(*) ELSE 1 END FROM pvk_historikk h"
        " WHERE h.innbygger_fnr = pvk_innstilling.innbygger_fnr AND h.definisjon_guid = pvk_innstilling.definisjon_guid),"
        " opprettet_tidspunkt = CASE WHEN tidspunkt < created_at THEN tidspunkt ELSE created_at END"
    )


def downgrade() -> None:
    with op.batch_alter_table("pvk_innstilling", schema=None) as batch_op:
        batch_op.drop_column("opprettet_tidspunkt")
        batch_op.drop_column("versjon")
