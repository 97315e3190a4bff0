"""PVK: privacy setting definitions, each citizen's settings, and the full history of changes."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro._columns import timestamps
from helsebro.db import metadata

TYPE_SAMTYKKE, TYPE_RESERVASJON, TYPE_TILGANGSBEGRENSNING = "samtykke", "reservasjon", "tilgangsbegrensning"

pvk_definisjon = sa.Table(
    "pvk_definisjon",
    metadata,
    sa.Column("guid", sa.String(36), primary_key=True),  # lower-case; matched case-insensitively
    sa.Column("navn", sa.String(300), nullable=False),
    sa.Column("part_kode", sa.String(40), nullable=False, index=True),
    sa.Column("type_pi", sa.String(30), nullable=False),
    # Fixed metadata: [{"omfangKode", "logiskOmfang", "presisering"}].
    sa.Column("omfang_elementer", sa.JSON, nullable=False, default=list),
    sa.Column("aktiv_fra", sa.Date, nullable=True),
    sa.Column("aktiv_til", sa.Date, nullable=True),
    *timestamps(),
)

# One row per (citizen, definition): the current value. The column ``sekvensnummer`` is the row id that
# pagingReference pages by; the wire's ``sekvensnummer`` is ``versjon``: 1 when first given, one more for every
# change (PVKBroker's model). ``opprettet_tidspunkt``: the earliest time the setting was given (null in rows
# written before it existed: then created_at).
pvk_innstilling = sa.Table(
    "pvk_innstilling",
    metadata,
    sa.Column("sekvensnummer", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("versjon", sa.Integer, nullable=False, default=1, server_default="1"),
    sa.Column("opprettet_tidspunkt", sa.DateTime(timezone=True), nullable=True),
    sa.Column("innbygger_fnr", sa.String(11), nullable=False),
    sa.Column("definisjon_guid", sa.String(36), sa.ForeignKey("pvk_definisjon.guid"), nullable=False),
    sa.Column("aktiv", sa.Boolean, nullable=False),
    sa.Column("metadata", sa.JSON, nullable=True),  # TbInnbyggerMetadata as last given
    sa.Column("tidspunkt", sa.DateTime(timezone=True), nullable=False),  # when the value was set (by the citizen)
    *timestamps(),
    sa.UniqueConstraint("innbygger_fnr", "definisjon_guid"),
    sa.Index("ix_pvk_innstilling_definisjon_aktiv", "definisjon_guid", "aktiv", "sekvensnummer"),
)

# Every change, kept forever: who, when, old and new value, and the signed proof if one was sent.
pvk_historikk = sa.Table(
    "pvk_historikk",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("innbygger_fnr", sa.String(11), nullable=False, index=True),
    sa.Column("definisjon_guid", sa.String(36), nullable=False),
    sa.Column("client_id", sa.String(200), nullable=True),
    sa.Column("tidspunkt", sa.DateTime(timezone=True), nullable=False),
    sa.Column("gammel_aktiv", sa.Boolean, nullable=True),
    sa.Column("ny_aktiv", sa.Boolean, nullable=False),
    sa.Column("gammel_metadata", sa.JSON, nullable=True),
    sa.Column("ny_metadata", sa.JSON, nullable=True),
    sa.Column("signert_bevis_mime_type", sa.String(100), nullable=True),
    sa.Column("signert_bevis_innhold", sa.Text, nullable=True),  # base64 as received
    *timestamps(),
)
