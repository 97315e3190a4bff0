"""Delivering a letter (SPEC section 6): acceptance, routing by the registries, and the status lifecycle of
each channel. Run by the workers through the outbox, never in a request. No HTTP in here.

The lifecycle of every letter is MOTTATT -> AKSEPTERT -> the steps of its channel, or MOTTATT -> AVVIST /
FEILET_UNDER_MOTTAK. The channel is decided once, at AKSEPTERT, and stored on the letter (``kanal``):

| recipient | channel | steps after AKSEPTERT |
|---|---|---|
| person with a digital mailbox in KRR (Digipost, e-Boks) | ``SDP`` | SENDT_SDP, LEVERT_SDP |
| person who can be notified, without a mailbox | ``INNBYGGER_INNBOKS`` (Helsenorge/Altinn) | SENDT_DIGITALT, VARSLET (LEST when read) |
| person reserved, not in KRR, or not notifiable | ``PRINT`` | SENDT_PRINT, PRINTET |
| ... the same, with ``kunDigitalLevering`` | ``IKKE_LEVERT`` | IKKE_LEVERT |
| organisation receiving through SvarInn | ``SVARINN`` | KLAR_FOR_MOTTAK |
| any other organisation | ``VIRKSOMHET_ALTINN`` | SENDT_DIGITALT |
| NHN: the patient's GP or the HER-id given | ``NHN`` | SENDT_NHN_MOTTAKER, LEVERT_NHN_MOTTAKER |
| print | ``PRINT`` | SENDT_PRINT, PRINTET |

At acceptance the files are checked against their stored SHA-256 and size (missing or changed:
FEILET_UNDER_MOTTAK) and the recipient against the registries as they are now (gone: AVVIST; the send
checked them as they were then).

Each step is one outbox job whose payload names the status it moves the letter *from*. The move is
conditional on that status (``status.transition``) and the next step's job is written in the same
transaction, ``step`` later. So a job that runs twice (its worker died after the move, before marking the
job done) finds the letter moved on and changes nothing: every status is recorded once, none is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helsebro import db, logs
from helsebro._time import as_utc, utcnow
from helsebro.jobs import outbox
from helsebro.registries import service as registries
from helsebro.registries.tables import organisasjon
from helsebro.steering import faults
from helsebro.svarut import exposure, recipients, signing, status
from helsebro.svarut.blobs import BlobStore
from helsebro.svarut.letters import OUTBOX_KIND
from helsebro.svarut.tables import (
    krr,
    svarinn_mottaker,
    svarut_dokument,
    svarut_forsendelse,
    svarut_konto,
    svarut_mottakersystem,
    svarut_status_historikk,
)

log = logs.get_logger(__name__)

FAMILY_NAME = "svarut"  # the name faults name this family by (svarut.family)

MOTTATT, AKSEPTERT, AVVIST, FEILET_UNDER_MOTTAK = "MOTTATT", "AKSEPTERT", "AVVIST", "FEILET_UNDER_MOTTAK"
SENDT_DIGITALT, VARSLET, LEST = "SENDT_DIGITALT", "VARSLET", "LEST"

# Channels (ours): stored on the letter as ``kanal``.
SDP = "SDP"
INNBYGGER_INNBOKS = "INNBYGGER_INNBOKS"
PRINT = "PRINT"
IKKE_LEVERT = "IKKE_LEVERT"
SVARINN = "SVARINN"
VIRKSOMHET_ALTINN = "VIRKSOMHET_ALTINN"
NHN = "NHN"
MANUELL = "MANUELL"  # print failed too: KS's staff handle the letter by hand

STEPS: dict[str, tuple[str, ...]] = {
    SDP: ("SENDT_SDP", "LEVERT_SDP"),
    INNBYGGER_INNBOKS: (SENDT_DIGITALT, VARSLET),
    PRINT: ("SENDT_PRINT", "PRINTET"),
    IKKE_LEVERT: ("IKKE_LEVERT",),
    SVARINN: ("KLAR_FOR_MOTTAK",),
    VIRKSOMHET_ALTINN: (SENDT_DIGITALT,),
    NHN: ("SENDT_NHN_MOTTAKER", "LEVERT_NHN_MOTTAKER"),
    MANUELL: ("MANUELT_HANDTERT",),
}
# The channels an injected delivery fault can make fail (helsebro.steering.faults, kind "levering").
FAILABLE = (SDP, INNBYGGER_INNBOKS, PRINT, SVARINN, VIRKSOMHET_ALTINN, NHN)
assert all(name in status.STATUSES for steps in STEPS.values() for name in steps), "a status outside KS's spec"

# A letter in the citizen's inbox can be read from when it is there; reading it ends the lifecycle.
READABLE = (SENDT_DIGITALT, VARSLET)

# KRR (ours: the values of KRR's own API)
DIGITAL_MAILBOXES = ("digipost", "eboks")
KAN_VARSLES, KAN_IKKE_VARSLES = "KAN_VARSLES", "KAN_IKKE_VARSLES"


def lifecycle(kanal: str) -> tuple[str, ...]:
    """Every status a letter of this channel goes through, in order (without LEST, which a reader causes)."""
    return (MOTTATT, AKSEPTERT, *STEPS[kanal])


def next_status(kanal: str, current: str) -> str | None:
    statuses = lifecycle(kanal)
    if current not in statuses[1:-1]:
        return None
    return statuses[statuses.index(current) + 1]


# -- routing rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KrrEntry:
    reservert: bool
    digital_postkasse: str | None
    varslingsstatus: str


@dataclass(frozen=True)
class Decision:
    """What acceptance decides: the status, and for AKSEPTERT the channel and who receives it there."""

    status: str
    kanal: str | None = None
    mottaker_id: str | None = None
    reason: str | None = None  # why not AKSEPTERT, for the log (never an identifier)


def person_channel(entry: KrrEntry | None, kun_digital_levering: bool) -> str:
    """KRR decides: a mailbox wins (Digital Post til innbygger), then the inbox if the citizen can be told of
    the letter; otherwise paper, unless the sender allows digital delivery only."""
    if entry is not None and not entry.reservert:
        if entry.digital_postkasse in DIGITAL_MAILBOXES:
            return SDP
        if entry.varslingsstatus == KAN_VARSLES:
            return INNBYGGER_INNBOKS
    return IKKE_LEVERT if kun_digital_levering else PRINT


def failed_over(decision: Decision, metadata: dict[str, Any]) -> Decision:
    """The channel a letter takes when its own failed (an injected delivery fault): a digital channel falls
    back to print, as for a recipient without digital contact (or IKKE_LEVERT with ``kunDigitalLevering``);
    failed print leaves the letter to manual handling (MANUELT_HANDTERT)."""
    if decision.kanal == PRINT:
        return Decision(AKSEPTERT, MANUELL, decision.mottaker_id, "utskrift feilet")
    fallback = IKKE_LEVERT if metadata.get("kunDigitalLevering") is True else PRINT
    return Decision(AKSEPTERT, fallback, decision.mottaker_id, f"kanalen {decision.kanal} feilet")


def decide(conn: sa.Connection, kind: str, metadata: dict[str, Any], payload: dict[str, Any]) -> Decision:
    """Acceptance against the registries as they are now (the files are checked by ``files_intact``)."""
    if kind == "person":
        fnr = metadata["mottaker"]["digitalId"]
        if registries.get_citizen(conn, fnr) is None:
            return Decision(AVVIST, reason="mottakeren finnes ikke i Folkeregisteret")
        return Decision(AKSEPTERT, person_channel(krr_entry(conn, fnr), metadata.get("kunDigitalLevering") is True), fnr)
    if kind == "organisasjon":
        orgnr = metadata["mottaker"]["digitalId"]
        if conn.execute(sa.select(organisasjon.c.orgnr).where(organisasjon.c.orgnr == orgnr)).first() is None:
            return Decision(AVVIST, reason="mottakeren finnes ikke i Enhetsregisteret")
        through_svarinn = receives_through_svarinn(conn, orgnr, metadata.get("forsendelsestype"))
        return Decision(AKSEPTERT, SVARINN if through_svarinn else VIRKSOMHET_ALTINN, orgnr)
    if kind == "nhn":
        her_id = _nhn_recipient(conn, metadata, payload)
        if her_id is None or not recipients.her_id_exists(conn, her_id):
            return Decision(AVVIST, reason="mottakeren finnes ikke i adresseregisteret")
        return Decision(AKSEPTERT, NHN, her_id)
    return Decision(AKSEPTERT, PRINT)


def _nhn_recipient(conn: sa.Connection, metadata: dict[str, Any], payload: dict[str, Any]) -> str | None:
    """The HER-id the send resolved (in the job's payload); else the one given, or the patient's GP now."""
    if payload.get("nhnMottakerHerId"):
        return str(payload["nhnMottakerHerId"])
    if metadata.get("mottakertype") == "HER_ID":
        return str(metadata["mottakerHerId"])
    return recipients.gp_her_id(conn, metadata["pasient"]["fodselsnummer"])


def krr_entry(conn: sa.Connection, fnr: str) -> KrrEntry | None:
    row = conn.execute(sa.select(krr).where(krr.c.fnr == fnr)).first()
    return KrrEntry(row.reservert, row.digital_postkasse, row.varslingsstatus) if row else None


def receives_through_svarinn(conn: sa.Connection, orgnr: str, forsendelsestype: str | None = None) -> bool:
    """A SvarInn receiver takes every letter; a receiving system registered for a forsendelsestype (v2's
    mottakersystem) takes the letters of that type."""
    if conn.execute(sa.select(svarinn_mottaker.c.orgnr).where(svarinn_mottaker.c.orgnr == orgnr)).first() is not None:
        return True
    if not isinstance(forsendelsestype, str):
        return False
    system = svarut_mottakersystem.c
    found = conn.execute(
        sa.select(system.id).where((system.orgnr == orgnr) & (system.forsendelse_type == forsendelsestype)).limit(1)
    ).first()
    return found is not None


def files_intact(conn: sa.Connection, store: BlobStore, forsendelse_id: str) -> bool:
    """Every file of the letter is in the blob store with the size and SHA-256 recorded when it came in."""
    documents = conn.execute(
        sa.select(svarut_dokument.c.blob_key, svarut_dokument.c.storrelse, svarut_dokument.c.sha256).where(
            svarut_dokument.c.forsendelse_id == forsendelse_id
        )
    ).all()
    return all(_blob_matches(store, d.blob_key, d.storrelse, d.sha256) for d in documents)


def _blob_matches(store: BlobStore, key: str, size: int, sha256: str) -> bool:
    digest, seen = hashlib.sha256(), 0
    try:
        for chunk in store.read(key):
            digest.update(chunk)
            seen += len(chunk)
    except (OSError, ValueError):  # missing file, unreadable, or a key that is not one
        return False
    return seen == size and digest.hexdigest() == sha256


# -- the jobs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """Runs the outbox jobs of kind ``letters.OUTBOX_KIND``: one call moves one letter one step."""

    engine: sa.Engine
    store: BlobStore
    step: dt.timedelta

    def handle(self, payload: dict[str, Any]) -> None:
        letter_id = payload["forsendelseId"]
        current = payload.get("status", MOTTATT)  # the job written on receipt names no status: it is MOTTATT's
        if current == MOTTATT:
            self._accept(letter_id, payload)
        else:
            self._advance(letter_id, current)

    def _accept(self, letter_id: str, payload: dict[str, Any]) -> None:
        # Reading files and registries happens outside the write transaction: no lock is held while hashing.
        with db.read(self.engine) as conn:
            letter = conn.execute(
                sa.select(svarut_forsendelse.c.kind, svarut_forsendelse.c.metadata, svarut_forsendelse.c.status).where(
                    svarut_forsendelse.c.id == letter_id
                )
            ).first()
            if letter is None or letter.status != MOTTATT:
                return  # deleted by a reset, or accepted before a crash
            if files_intact(conn, self.store, letter_id):
                decision = decide(conn, letter.kind, letter.metadata, payload)
            else:
                decision = Decision(FEILET_UNDER_MOTTAK, reason="filene mangler eller er endret")
        with db.write(self.engine) as conn:
            now = utcnow()
            if decision.kanal is not None and faults.delivery_fault(conn, FAMILY_NAME, decision.kanal, now) is not None:
                decision = failed_over(decision, letter.metadata)  # counted in this transaction: rolled back with it
            if not status.transition(conn, letter_id, MOTTATT, decision.status, now):
                return
            signing.register(conn, letter_id, letter.metadata, decision.status == AKSEPTERT, decision.kanal, now)
            if decision.status == AKSEPTERT:
                conn.execute(
                    sa.update(svarut_forsendelse)
                    .where(svarut_forsendelse.c.id == letter_id)
                    .values(kanal=decision.kanal, mottaker_id=decision.mottaker_id)
                )
                self._schedule(conn, letter_id, AKSEPTERT, now)
        if decision.reason:
            log.info("letter not delivered as addressed", forsendelse_id=letter_id, status=decision.status, reason=decision.reason)

    def _advance(self, letter_id: str, current: str) -> None:
        with db.write(self.engine) as conn:
            kanal = conn.execute(sa.select(svarut_forsendelse.c.kanal).where(svarut_forsendelse.c.id == letter_id)).scalar()
            following = next_status(kanal, current) if kanal else None
            if following is None:
                return
            now = utcnow()
            if status.transition(conn, letter_id, current, following, now) and next_status(kanal, following):
                self._schedule(conn, letter_id, following, now)

    def _schedule(self, conn: sa.Connection, letter_id: str, current: str, now: dt.datetime) -> None:
        outbox.enqueue(conn, OUTBOX_KIND, {"forsendelseId": letter_id, "status": current}, now + self.step)


# -- reading -------------------------------------------------------------------------------------------


def mark_read(conn: sa.Connection, forsendelse_id: str, fnr: str) -> bool:
    """The citizen ``fnr`` opened the letter in their inbox: LEST, once. False if the letter is not in that
    citizen's inbox (as its recipient or in its eksponertFor), not there yet, or read already. In the caller's
    transaction."""
    row = conn.execute(
        sa.select(svarut_forsendelse.c.kanal, svarut_forsendelse.c.mottaker_id).where(svarut_forsendelse.c.id == forsendelse_id)
    ).first()
    if row is None:
        return False
    if row.kanal == INNBYGGER_INNBOKS and row.mottaker_id == fnr:
        return status.transition(conn, forsendelse_id, READABLE, LEST, utcnow())
    if exposure.is_exposed(conn, forsendelse_id, fnr):
        return status.transition(conn, forsendelse_id, status.DELIVERED, LEST, utcnow())
    return False


# -- the citizen's inbox (Helsenorge/Altinn) -------------------------------------------------------------


@dataclass(frozen=True)
class InboxDocument:
    posisjon: int
    filnavn: str
    mime_type: str
    storrelse: int
    blob_key: str


@dataclass(frozen=True)
class InboxLetter:
    id: str
    tittel: str
    avsender: str
    mottatt: dt.datetime  # when it reached the inbox (SENDT_DIGITALT; a shared letter: its first step after AKSEPTERT)
    lest: bool
    dokumenter: tuple[InboxDocument, ...] = ()
    dokumenter_slettet: int = 0  # documents the sender has deleted since (v2 DELETE .../dokumenter)
    mottaker: bool = True  # False: the reader is in the letter's eksponertFor, not its recipient
    krever_niva4: bool = False  # v2 krevNiva4Innlogging: opened, downloaded and signed after a level 4 login only


def _received_by(fnr: str) -> sa.ColumnElement[bool]:
    return (
        (svarut_forsendelse.c.kanal == INNBYGGER_INNBOKS)
        & (svarut_forsendelse.c.mottaker_id == fnr)
        & svarut_forsendelse.c.status.in_((*READABLE, LEST))
    )


def _in_inbox_of(fnr: str) -> sa.ColumnElement[bool]:
    return _received_by(fnr) | exposure.exposed_to(fnr)


def _inbox_query() -> sa.Select:
    arrived = (
        sa.select(sa.func.min(svarut_status_historikk.c.tidspunkt))
        .where(
            (svarut_status_historikk.c.forsendelse_id == svarut_forsendelse.c.id)
            & svarut_status_historikk.c.status.not_in((MOTTATT, AKSEPTERT))  # in the inbox: SENDT_DIGITALT
        )
        .scalar_subquery()
    )
    f = svarut_forsendelse.c
    return sa.select(f.id, f.metadata, f.status, f.kanal, f.mottaker_id, svarut_konto.c.navn, arrived.label("mottatt")).join(
        svarut_konto, svarut_konto.c.konto_id == f.konto_id
    )


def _inbox_letter(row: Any, fnr: str, documents: tuple[InboxDocument, ...] = (), deleted: int = 0) -> InboxLetter:
    recipient = row.kanal == INNBYGGER_INNBOKS and row.mottaker_id == fnr
    level4 = row.metadata.get("krevNiva4Innlogging") is True
    return InboxLetter(
        str(row.id),
        row.metadata.get("tittel", ""),
        row.navn,
        as_utc(row.mottatt),
        row.status == LEST,
        documents,
        deleted,
        recipient,
        level4,
    )


def inbox(conn: sa.Connection, fnr: str) -> list[InboxLetter]:
    """The letters in the citizen's inbox, newest first (without their documents)."""
    rows = conn.execute(_inbox_query().where(_in_inbox_of(fnr)).order_by(sa.desc("mottatt"), svarut_forsendelse.c.id)).all()
    return [_inbox_letter(row, fnr) for row in rows]


def inbox_letter(conn: sa.Connection, forsendelse_id: str, fnr: str) -> InboxLetter | None:
    """One letter of the citizen's inbox with its documents; None if it is not in that inbox."""
    row = conn.execute(_inbox_query().where((svarut_forsendelse.c.id == forsendelse_id) & _in_inbox_of(fnr))).first()
    if row is None:
        return None
    documents = conn.execute(
        sa.select(svarut_dokument).where(svarut_dokument.c.forsendelse_id == forsendelse_id).order_by(svarut_dokument.c.posisjon)
    ).all()
    kept = tuple(InboxDocument(d.posisjon, d.filnavn, d.mime_type, d.storrelse, d.blob_key) for d in documents if d.slettet is None)
    return _inbox_letter(row, fnr, kept, len(documents) - len(kept))
