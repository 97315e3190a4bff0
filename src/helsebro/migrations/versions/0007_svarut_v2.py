"""svarut v2: api version and external reference of a letter, deleted files, events, forsendelsestyper,
receiving systems

Revision ID: 0007_svarut_v2
Revises: 0006_svarut_delivery
"""

from alembic import op
import sqlalchemy as sa


revision = "0007_svarut_v2"
down_revision = "0006_svarut_delivery"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("svarut_forsendelse", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_versjon", sa.String(length=2), server_default="v3", nullable=False))
        batch_op.add_column(sa.Column("ekstern_referanse", sa.String(length=100), nullable=True))
        batch_op.create_index("ix_svarut_forsendelse_konto_ekstern_ref", ["konto_id", "ekstern_referanse"], unique=False)
    with op.batch_alter_table("svarut_dokument", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slettet", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "svarut_hendelse",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("forsendelse_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("tidspunkt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hendelse", sa.String(length=500), nullable=False),
        sa.Column("signeringsstatus", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["forsendelse_id"],
            ["svarut_forsendelse.id"],
            name=op.f("fk_svarut_hendelse_forsendelse_id_svarut_forsendelse"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svarut_hendelse")),
    )
    with op.batch_alter_table("svarut_hendelse", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_svarut_hendelse_forsendelse_id"), ["forsendelse_id"], unique=False)
    op.create_table(
        "svarut_forsendelsestype",
        sa.Column("navn", sa.String(length=100), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("navn", name=op.f("pk_svarut_forsendelsestype")),
    )
    op.create_table(
        "svarut_mottakersystem",
        sa.Column("id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("navn", sa.String(length=200), nullable=False),
        sa.Column("orgnr", sa.String(length=9), nullable=False),
        sa.Column("forsendelse_type", sa.String(length=100), nullable=False),
        sa.Column("niva", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svarut_mottakersystem")),
    )
    with op.batch_alter_table("svarut_mottakersystem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_svarut_mottakersystem_orgnr"), ["orgnr"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("svarut_mottakersystem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_svarut_mottakersystem_orgnr"))
    op.drop_table("svarut_mottakersystem")
    op.drop_table("svarut_forsendelsestype")
    with op.batch_alter_table("svarut_hendelse", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_svarut_hendelse_forsendelse_id"))
    op.drop_table("svarut_hendelse")
    with op.batch_alter_table("svarut_dokument", schema=None) as batch_op:
        batch_op.drop_column("slettet")
    with op.batch_alter_table("svarut_forsendelse", schema=None) as batch_op:
        batch_op.drop_index("ix_svarut_forsendelse_konto_ekstern_ref")
        batch_op.drop_column("ekstern_referanse")
        batch_op.drop_column("api_versjon")
