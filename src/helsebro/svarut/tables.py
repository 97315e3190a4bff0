"""Tables of SvarUt (SPEC section 6): Fiks integrations and accounts, letters with their files and status
history, the registries behind routing (fastlegeregisteret, KRR, SvarInn receivers), and the database blob
store used on PostgreSQL. The outbox the delivery workers drain lives in ``helsebro.jobs.tables``."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro._columns import timestamps
from helsebro._time import utcnow
from helsebro.db import metadata
from helsebro.jobs.tables import outbox  # noqa: F401  (generic, in helsebro.jobs; imported here where letters.py looks)

# A Fiks integration: the credentials a case system sends as IntegrasjonId + IntegrasjonPassord. Only a
# scrypt hash of the password is kept. orgnr is the organisation that owns it (its Maskinporten consumer).
svarut_integrasjon = sa.Table(
    "svarut_integrasjon",
    metadata,
    sa.Column("integrasjon_id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("navn", sa.String(200), nullable=False),
    sa.Column("passord_hash", sa.String(300), nullable=False),
    sa.Column("orgnr", sa.String(9), nullable=False),
    *timestamps(),
)

# A SvarUt account (konto) letters are sent from. her_id: its own HER-id, needed to send to NHN.
svarut_konto = sa.Table(
    "svarut_konto",
    metadata,
    sa.Column("konto_id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("navn", sa.String(200), nullable=False),
    sa.Column("orgnr", sa.String(9), nullable=False),
    sa.Column("her_id", sa.String(20), nullable=True),
    *timestamps(),
)

# Which integrations an account has granted access to ("Tilganger må tildeles integrasjoner på alle kontoene").
svarut_konto_integrasjon = sa.Table(
    "svarut_konto_integrasjon",
    metadata,
    sa.Column("konto_id", sa.Uuid(as_uuid=False), sa.ForeignKey("svarut_konto.konto_id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "integrasjon_id",
        sa.Uuid(as_uuid=False),
        sa.ForeignKey("svarut_integrasjon.integrasjon_id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    *timestamps(),
)

# A letter (forsendelse). kind: person, organisasjon, nhn or print (the endpoint it came through). metadata:
# the forsendelse JSON as received. idempotency_key + body_sha256: our Idempotency-Key header (SPEC section 6).
svarut_forsendelse = sa.Table(
    "svarut_forsendelse",
    metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("konto_id", sa.Uuid(as_uuid=False), sa.ForeignKey("svarut_konto.konto_id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("integrasjon_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("status_endret", sa.DateTime(timezone=True), nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    sa.Column("body_sha256", sa.String(64), nullable=False),
    # Decided once, when the letter is AKSEPTERT (svarut.delivery): the channel it goes through and who
    # receives it there (fnr, orgnr or HER-id). Kept so a change in the registries cannot switch a letter's
    # channel half-way, and so a citizen's inbox can find its letters.
    sa.Column("kanal", sa.String(30), nullable=True),
    sa.Column("mottaker_id", sa.String(20), nullable=True, index=True),
    # The API the letter came through ("v2" or "v3"); both read and deliver the same letter. ekstern_referanse:
    # the metadata's eksternReferanse, kept as a column for v2's look-up by it.
    sa.Column("api_versjon", sa.String(2), nullable=False, server_default="v3"),
    sa.Column("ekstern_referanse", sa.String(100), nullable=True),
    *timestamps(),
    sa.UniqueConstraint("konto_id", "idempotency_key"),
    sa.Index("ix_svarut_forsendelse_konto_ekstern_ref", "konto_id", "ekstern_referanse"),
)

# The files of a letter, in the order sent. blob_key names the content in the blob store.
svarut_dokument = sa.Table(
    "svarut_dokument",
    metadata,
    sa.Column("forsendelse_id", sa.Uuid(as_uuid=False), sa.ForeignKey("svarut_forsendelse.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("posisjon", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("filnavn", sa.String(226), nullable=False),
    sa.Column("mime_type", sa.String(127), nullable=False),
    sa.Column("storrelse", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("blob_key", sa.String(64), nullable=False, unique=True),
    # When the sender deleted the file (v2 DELETE .../dokumenter): its row stays for the history, its blob is gone.
    sa.Column("slettet", sa.DateTime(timezone=True), nullable=True),
    *timestamps(),
)

# eksponertFor: who besides the recipient may see the letter and download its documents ("skal få tilgang til å
# laste ned forsendelsens dokumenter"), a row per fødselsnummer or organisasjonsnummer, written with the letter.
# Indexed by ident: a citizen's inbox looks its shared letters up by fødselsnummer.
svarut_eksponert = sa.Table(
    "svarut_eksponert",
    metadata,
    sa.Column("forsendelse_id", sa.Uuid(as_uuid=False), sa.ForeignKey("svarut_forsendelse.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("ident", sa.String(11), primary_key=True, index=True),
)

# Every status a letter has had, with its time (the status API reports the latest).
svarut_status_historikk = sa.Table(
    "svarut_status_historikk",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "forsendelse_id", sa.Uuid(as_uuid=False), sa.ForeignKey("svarut_forsendelse.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("tidspunkt", sa.DateTime(timezone=True), nullable=False),
)

# What happened to a letter besides its status changes (v2 ``hendelser``): read by an external system, files
# deleted, and the signing assignment's events (``signeringsstatus`` set: v2 ``signeringshendelser``).
svarut_hendelse = sa.Table(
    "svarut_hendelse",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "forsendelse_id", sa.Uuid(as_uuid=False), sa.ForeignKey("svarut_forsendelse.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("tidspunkt", sa.DateTime(timezone=True), nullable=False),
    sa.Column("hendelse", sa.String(500), nullable=False),
    sa.Column("signeringsstatus", sa.String(30), nullable=True),
)

# The forsendelsestyper SvarUt knows (v2 GET /forsendelsestyper); test data.
svarut_forsendelsestype = sa.Table(
    "svarut_forsendelsestype",
    metadata,
    sa.Column("navn", sa.String(100), primary_key=True),
    *timestamps(),
)

# Receiving systems (SvarInn mottakersystem) registered for an organisation of Enhetsregisteret: letters of
# ``forsendelse_type`` to ``orgnr`` are fetched through SvarInn (v2 GET /mottakersystem); test data.
svarut_mottakersystem = sa.Table(
    "svarut_mottakersystem",
    metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("navn", sa.String(200), nullable=False),
    sa.Column("orgnr", sa.String(9), nullable=False, index=True),
    sa.Column("forsendelse_type", sa.String(100), nullable=False),
    sa.Column("niva", sa.Integer, nullable=False),
    *timestamps(),
)

# Fastlegeregisteret: a citizen's GP by HER-id. No foreign key to innbygger: the register is its own source.
fastlege = sa.Table(
    "fastlege",
    metadata,
    sa.Column("fnr", sa.String(11), primary_key=True),
    sa.Column("her_id", sa.String(20), nullable=False),
    *timestamps(),
)

# Kontakt- og reservasjonsregisteret (KRR): whether a citizen has reserved against digital post, their
# digital mailbox for Digital Post til innbygger (None, "digipost" or "eboks"), and whether they can be
# notified (KRR's varslingsstatus: KAN_VARSLES / KAN_IKKE_VARSLES). No row: not in KRR.
krr = sa.Table(
    "krr",
    metadata,
    sa.Column("fnr", sa.String(11), primary_key=True),
    sa.Column("reservert", sa.Boolean, nullable=False, default=False),
    sa.Column("digital_postkasse", sa.String(20), nullable=True),
    sa.Column("varslingsstatus", sa.String(20), nullable=False),
    *timestamps(),
)

# Organisations of Enhetsregisteret that receive their letters through SvarInn (the rest get them in Altinn).
svarinn_mottaker = sa.Table(
    "svarinn_mottaker",
    metadata,
    sa.Column("orgnr", sa.String(9), primary_key=True),
    *timestamps(),
)

# The database blob store (PostgreSQL): a blob is its chunks in order, and a row once it is complete.
svarut_blob = sa.Table(
    "svarut_blob",
    metadata,
    sa.Column("blob_key", sa.String(64), primary_key=True),
    sa.Column("storrelse", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, default=utcnow),
)

svarut_blob_chunk = sa.Table(
    "svarut_blob_chunk",
    metadata,
    sa.Column("blob_key", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True),
)
