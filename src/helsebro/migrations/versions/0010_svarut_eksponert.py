"""svarut: eksponertFor as rows (who besides the recipient sees a letter), filled in for the letters stored so far

Revision ID: 0010_svarut_eksponert
Revises: 0009_steering_clock
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_svarut_eksponert"
down_revision = "0009_steering_clock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "svarut_eksponert",
        sa.Column("forsendelse_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("ident", sa.String(length=11), nullable=False),
        sa.ForeignKeyConstraint(
            ["forsendelse_id"],
            ["svarut_forsendelse.id"],
            name=op.f("fk_svarut_eksponert_forsendelse_id_svarut_forsendelse"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forsendelse_id", "ident", name=op.f("pk_svarut_eksponert")),
    )
    with op.batch_alter_table("svarut_eksponert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_svarut_eksponert_ident"), ["ident"], unique=False)
    # Letters already stored keep their eksponertFor (the send validated it: unique, 9 or 11 digits).
    letters = sa.table("svarut_forsendelse", sa.column("id", sa.Uuid(as_uuid=False)), sa.column("metadata", sa.JSON))
    bind = op.get_bind()
    rows = []
    for letter in bind.execute(sa.select(letters.c.id, letters.c.metadata)):
        metadata = json.loads(letter.metadata) if isinstance(letter.metadata, str) else letter.metadata
        values = metadata.get("eksponertFor") if isinstance(metadata, dict) else None
        if isinstance(values, list):
            rows += [{"forsendelse_id": letter.id, "ident": v} for v in dict.fromkeys(values) if isinstance(v, str) and len(v) <= 11]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("svarut_eksponert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_svarut_eksponert_ident"))
    op.drop_table("svarut_eksponert")
