"""Registries behind the APIs (SPEC section 7): citizens, representation, health personnel, organisations.

All data here is synthetic. Fødselsnummer are keys, never logged (see helsebro.logs).
"""

from __future__ import annotations

import sqlalchemy as sa

from helsebro._columns import timestamps
from helsebro.db import metadata

innbygger = sa.Table(
    "innbygger",
    metadata,
    sa.Column("fnr", sa.String(11), primary_key=True),
    sa.Column("fornavn", sa.String(100), nullable=False),
    sa.Column("mellomnavn", sa.String(100), nullable=True),
    sa.Column("etternavn", sa.String(100), nullable=False),
    sa.Column("adresse", sa.String(200), nullable=True),
    sa.Column("postnummer", sa.String(4), nullable=True),
    sa.Column("poststed", sa.String(100), nullable=True),
    sa.Column("dodsdato", sa.Date, nullable=True),  # null: alive
    *timestamps(),
)

# Parental responsibility for a minor; the child's age comes from the fødselsnummer.
foreldreansvar = sa.Table(
    "foreldreansvar",
    metadata,
    sa.Column("forelder_fnr", sa.String(11), sa.ForeignKey("innbygger.fnr", ondelete="CASCADE"), primary_key=True),
    sa.Column("barn_fnr", sa.String(11), sa.ForeignKey("innbygger.fnr", ondelete="CASCADE"), primary_key=True, index=True),
    *timestamps(),
)

# A power of attorney on Helsenorge: the giver lets the holder act for them, in a period.
fullmakt = sa.Table(
    "fullmakt",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fullmaktsgiver_fnr", sa.String(11), sa.ForeignKey("innbygger.fnr", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("fullmektig_fnr", sa.String(11), sa.ForeignKey("innbygger.fnr", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("gyldig_fra", sa.Date, nullable=False),
    sa.Column("gyldig_til", sa.Date, nullable=True),
    *timestamps(),
)

helsepersonell = sa.Table(
    "helsepersonell",
    metadata,
    sa.Column("hpr_nummer", sa.String(9), primary_key=True),
    sa.Column("fnr", sa.String(11), nullable=True, index=True),
    sa.Column("fornavn", sa.String(100), nullable=False),
    sa.Column("etternavn", sa.String(100), nullable=False),
    # Authorisations, e.g. [{"kode": "LE", "navn": "Lege"}].
    sa.Column("autorisasjoner", sa.JSON, nullable=False, default=list),
    *timestamps(),
)

organisasjon = sa.Table(
    "organisasjon",
    metadata,
    sa.Column("orgnr", sa.String(9), primary_key=True),
    sa.Column("navn", sa.String(200), nullable=False),
    sa.Column("her_id", sa.String(20), nullable=True, unique=True),
    *timestamps(),
)
