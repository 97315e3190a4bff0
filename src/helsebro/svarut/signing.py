"""Signing assignments (signeringsoppdrag): a letter with a document to be signed (v2: a document
``skalSigneres`` with ``signeringUtloper`` and ``signaturType``; v3: the same with ``signering``). No HTTP.

The assignment is registered when the letter is accepted, and only a letter in the citizen's inbox can be
signed there (the citizen pages): accepted into the inbox → VENTER_SIGNERING; any other channel, or a letter
AVVIST → AVVIST_AV_SVARUT. The recipient then signs (SIGNERT_AV_MOTTAKER) or declines (AVVIST_AV_MOTTAKER)
on the citizen pages, before ``signeringUtloper``; after it the assignment is UTLOPT, at that time. Each step
is one event (``events``) with its time, written in the transaction of the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from helsebro._time import as_utc
from helsebro.svarut import events
from helsebro.svarut.status import format_time
from helsebro.svarut.tables import svarut_forsendelse, svarut_hendelse

VENTER_SIGNERING, SIGNERT_AV_MOTTAKER, AVVIST_AV_MOTTAKER = "VENTER_SIGNERING", "SIGNERT_AV_MOTTAKER", "AVVIST_AV_MOTTAKER"
AVVIST_AV_SVARUT, UTLOPT = "AVVIST_AV_SVARUT", "UTLOPT"
SIGNABLE_CHANNEL = "INNBYGGER_INNBOKS"  # delivery.INNBYGGER_INNBOKS (delivery imports this module)
_OSLO = ZoneInfo("Europe/Oslo")


@dataclass(frozen=True)
class Assignment:
    posisjon: int  # the document to sign
    signatur_type: str
    utloper: dt.datetime


def assignment(metadata: dict[str, Any]) -> Assignment | None:
    """The signing assignment a stored letter's metadata (v2 or v3) carries, if any."""
    documents = metadata.get("dokumenter") or []
    posisjon = next((i for i, d in enumerate(documents) if isinstance(d, dict) and d.get("skalSigneres") is True), None)
    if posisjon is None:
        return None
    signering = metadata.get("signering") if isinstance(metadata.get("signering"), dict) else metadata
    utloper, signatur_type = signering.get("signeringUtloper"), signering.get("signaturType")
    if not isinstance(utloper, str) or not isinstance(signatur_type, str):
        return None
    parsed = dt.datetime.fromisoformat(utloper.upper().replace("Z", "+00:00"))
    return Assignment(posisjon, signatur_type, parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))


def register(
    conn: sa.Connection, forsendelse_id: str, metadata: dict[str, Any], accepted: bool, kanal: str | None, at: dt.datetime
) -> None:
    """At acceptance (in its transaction): the assignment is waiting for the citizen, or refused."""
    found = assignment(metadata)
    if found is None:
        return
    if accepted and kanal == SIGNABLE_CHANNEL:
        expires = as_utc(found.utloper).astimezone(_OSLO).strftime("%d.%m.%Y")
        text = f"Signeringsoppdrag av type {found.signatur_type} registrert og utløper {expires}"
        events.record(conn, forsendelse_id, text, at, VENTER_SIGNERING)
    elif accepted:
        events.record(
            conn,
            forsendelse_id,
            "Signeringsoppdrag avvist av SvarUt: mottakeren kan ikke signere i kanalen forsendelsen går gjennom",
            at,
            AVVIST_AV_SVARUT,
        )
    else:
        events.record(conn, forsendelse_id, "Signeringsoppdrag avvist av SvarUt: forsendelsen ble ikke akseptert", at, AVVIST_AV_SVARUT)


def current(conn: sa.Connection, forsendelse_id: str, now: dt.datetime) -> tuple[str | None, Assignment | None]:
    """The assignment's status now (UTLOPT once its time has passed while waiting), and the assignment."""
    h = svarut_hendelse.c
    latest = conn.execute(
        sa.select(h.signeringsstatus)
        .where((h.forsendelse_id == forsendelse_id) & h.signeringsstatus.is_not(None))
        .order_by(h.id.desc())
        .limit(1)
    ).scalar()
    metadata = conn.execute(sa.select(svarut_forsendelse.c.metadata).where(svarut_forsendelse.c.id == forsendelse_id)).scalar()
    found = assignment(metadata) if isinstance(metadata, dict) else None
    if latest == VENTER_SIGNERING and found is not None and now >= as_utc(found.utloper):
        return UTLOPT, found
    return latest, found


def signeringshendelser(conn: sa.Connection, forsendelse_id: str, now: dt.datetime) -> dict[str, list[dict[str, str]]]:
    state, found = current(conn, forsendelse_id, now)
    stored_expiry = state == UTLOPT and _latest_is_waiting(conn, forsendelse_id)
    extra = (
        [{"tidspunkt": format_time(found.utloper), "status": UTLOPT, "hendelse": "Signeringsoppdraget er utløpt"}]
        if stored_expiry and found
        else []
    )
    return events.signeringshendelser(conn, forsendelse_id, extra)


def respond(conn: sa.Connection, forsendelse_id: str, signs: bool, now: dt.datetime) -> str | None:
    """The recipient signs (``signs``) or declines, in the caller's transaction. Returns the new status, or None
    when the assignment is not waiting (none, expired, answered already). The caller has checked that it is the
    recipient's letter."""
    state, found = current(conn, forsendelse_id, now)
    if state == UTLOPT and found is not None and _latest_is_waiting(conn, forsendelse_id):
        events.record(conn, forsendelse_id, "Signeringsoppdraget er utløpt", found.utloper, UTLOPT)
        return None
    if state != VENTER_SIGNERING:
        return None
    if signs:
        events.record(
            conn,
            forsendelse_id,
            f"Dokumentet er signert av mottaker ({found.signatur_type if found else ''})".replace(" ()", ""),
            now,
            SIGNERT_AV_MOTTAKER,
        )
        return SIGNERT_AV_MOTTAKER
    events.record(conn, forsendelse_id, "Signeringsoppdraget er avvist av mottaker", now, AVVIST_AV_MOTTAKER)
    return AVVIST_AV_MOTTAKER


def _latest_is_waiting(conn: sa.Connection, forsendelse_id: str) -> bool:
    h = svarut_hendelse.c
    latest = conn.execute(
        sa.select(h.signeringsstatus)
        .where((h.forsendelse_id == forsendelse_id) & h.signeringsstatus.is_not(None))
        .order_by(h.id.desc())
        .limit(1)
    ).scalar()
    return latest == VENTER_SIGNERING
