"""Tables of the Verktøykatalog: tools, their list-valued properties, code tables and images."""

from __future__ import annotations

import enum

import sqlalchemy as sa

from helsebro._columns import timestamps
from helsebro.db import metadata

# Every enum of the Verktøy API is a code table (the seed lost the display names; ours, extendable as data).
kodeverk = sa.Table(
    "kodeverk",
    metadata,
    sa.Column("kodeverk", sa.String(40), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kode", sa.String(20), nullable=True),  # e.g. "nb-NO" for a language
    sa.Column("navn", sa.String(200), nullable=False),
    *timestamps(),
)

grafisk_element = sa.Table(
    "grafisk_element",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("type_id", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(50), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    *timestamps(),
)

verktoy = sa.Table(
    "verktoy",
    metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("navn", sa.String(300), nullable=False, unique=True),
    sa.Column("ingress", sa.Text, nullable=False, default=""),
    sa.Column("beskrivelse", sa.Text, nullable=False, default=""),
    sa.Column("opprettet_dato", sa.DateTime(timezone=True), nullable=False),
    sa.Column("endret_dato", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("formal_id", sa.Integer, nullable=False),
    sa.Column("faglig_ansvarlig", sa.String(300), nullable=False, default=""),
    sa.Column("utviklet_av", sa.String(300), nullable=False, default=""),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("grafisk_element_id", sa.Integer, sa.ForeignKey("grafisk_element.id"), nullable=True),
    sa.Column("behandlerinnsyn_id", sa.Integer, nullable=True),
    sa.Column("krever_forskrivning", sa.Boolean, nullable=False, default=False),
    sa.Column("kan_legges_til_av_innbygger", sa.Boolean, nullable=False, default=True, index=True),
    sa.Column("kun_anonym_tilgang", sa.Boolean, nullable=False, default=False, index=True),
    sa.Column("organisasjonsnummer", sa.String(9), nullable=False),
    sa.Column("organisasjonsnavn", sa.String(300), nullable=False),
    sa.Column("antatt_tid", sa.Integer, nullable=True),
    # The API client that owns the tool: only the tool itself may send it to a citizen.
    sa.Column("eier_client_id", sa.String(200), nullable=True, index=True),
    *timestamps(),
)

# List-valued enum properties (fagområde, målgruppe, språk, innholdstype). position 0 is the main value,
# which the flat response fields show.
verktoy_egenskap = sa.Table(
    "verktoy_egenskap",
    metadata,
    sa.Column("verktoy_id", sa.Uuid(as_uuid=False), sa.ForeignKey("verktoy.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("kodeverk", sa.String(40), primary_key=True),
    sa.Column("verdi", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_verktoy_egenskap_kodeverk_verdi", "kodeverk", "verdi"),
)

verktoy_klassifisering = sa.Table(
    "verktoy_klassifisering",
    metadata,
    sa.Column("verktoy_id", sa.Uuid(as_uuid=False), sa.ForeignKey("verktoy.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("kode", sa.String(40), primary_key=True, index=True),
    sa.Column("navn", sa.String(300), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

verktoy_sokeord = sa.Table(
    "verktoy_sokeord",
    metadata,
    sa.Column("verktoy_id", sa.Uuid(as_uuid=False), sa.ForeignKey("verktoy.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("ord", sa.String(200), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

# One row: bumped in every transaction that changes the catalog. Processes compare it to decide whether
# their in-memory snapshot is stale; a counter (unlike max(changed_at)) cannot miss a write that commits
# after a later one.
catalog_version = sa.Table(
    "catalog_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    *timestamps(),
)

# A tool sent to a citizen: a task on Helsenorge. ``behandler_key`` is "" for a v2 send (no professional)
# and "HPR:<n>" or "FNR:<n>" for a v1 send; at most one open task per tool, citizen and sender key, enforced
# by the database so that simultaneous identical sends create one task.


class TaskStatus(enum.StrEnum):
    """A task's status (ours: the seed names the states, not their stored values)."""

    OPEN = "aapen"
    ACCEPTED = "akseptert"
    DECLINED = "avslatt"
    DONE = "utfort"
    EXPIRED = "utlopt"


verktoy_oppgave = sa.Table(
    "verktoy_oppgave",
    metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("verktoy_id", sa.Uuid(as_uuid=False), sa.ForeignKey("verktoy.id"), nullable=False),
    sa.Column("innbygger_fnr", sa.String(11), nullable=False, index=True),
    sa.Column("api_versjon", sa.Integer, nullable=False),
    sa.Column("avsender_client_id", sa.String(200), nullable=False),
    sa.Column("avsender_orgnr", sa.String(9), nullable=True),
    sa.Column("avsender_navn", sa.String(300), nullable=True),
    sa.Column("behandler_key", sa.String(30), nullable=False, default=""),
    sa.Column("behandler_id", sa.String(11), nullable=True),
    sa.Column("behandler_id_type", sa.String(3), nullable=True),  # HPR or FNR
    sa.Column("behandler_navn", sa.String(300), nullable=True),
    sa.Column("frist", sa.Date, nullable=False),
    sa.Column("melding", sa.Text, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, default=TaskStatus.OPEN.value),
    sa.Column("status_endret", sa.DateTime(timezone=True), nullable=False),
    *timestamps(),
    sa.Index(
        "uq_verktoy_oppgave_open",
        "verktoy_id",
        "innbygger_fnr",
        "behandler_key",
        unique=True,
        sqlite_where=sa.text("status = 'aapen'"),
        postgresql_where=sa.text("status = 'aapen'"),
    ),
)

veiledningstjeneste = sa.Table(
    "veiledningstjeneste",
    metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("navn", sa.String(300), nullable=False),
    sa.Column("orgnr", sa.String(9), nullable=False, index=True),  # the organisation that owns it
    sa.Column("telefon", sa.String(40), nullable=True),
    sa.Column("url", sa.String(2000), nullable=True),
    sa.Column("apningstider", sa.JSON, nullable=False, default=list),  # code ids (kodeverk "apningstid")
    *timestamps(),
)
