"""A letter's events as v2 reports them (``GET /v2/forsendelser/{id}/hendelser`` and ``.../signeringshendelser``).
No HTTP in here.

Every status change is an event with its time (``svarut_status_historikk``, written by ``status.record`` and
``status.transition``); what happens beside the status (read in an external system, files deleted, the signing
assignment's steps) is a row of ``svarut_hendelse``, written in the same transaction as the change it tells of.
Both kinds come out in the order they happened, so a v3 letter has v2 events too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from helsebro._time import as_utc
from helsebro.svarut.status import format_time
from helsebro.svarut.tables import svarut_forsendelse, svarut_hendelse, svarut_status_historikk

# How SvarUt words each status as an event (the spec's own example: "Akseptert for ekspedering").
STATUS_EVENTS = {
    "MOTTATT": "Mottatt av SvarUt",
    "AKSEPTERT": "Akseptert for ekspedering",
    "AVVIST": "Avvist av SvarUt",
    "FEILET_UNDER_MOTTAK": "Feilet under mottak: filene mangler eller er endret",
    "VARSLET": "Mottaker er varslet om forsendelsen",
    "LEST": "Lest av mottaker",
    "SENDT_PRINT": "Sendt til utskrift",
    "PRINTET": "Skrevet ut og sendt med posten",
    "MANUELT_HANDTERT": "Manuelt håndtert",
    "SENDT_DIGITALT": "Sendt digitalt",
    "SENDT_SDP": "Sendt til digital postkasse (Digital Post til innbyggere)",
    "LEVERT_SDP": "Levert i mottakerens digitale postkasse",
    "KLAR_FOR_MOTTAK": "Klar for mottak i SvarInn",
    "IKKE_LEVERT": "Ikke levert: mottakeren kan ikke nås digitalt, og forsendelsen er kun for digital levering",
    "SLETTET": "Slettet",
    "SENDT_NHN_MOTTAKER": "Sendt til mottaker i Norsk Helsenett",
    "LEVERT_NHN_MOTTAKER": "Levert til mottaker i Norsk Helsenett",
}
# SENDT_DIGITALT says where, as SvarUt's event log does.
_SENT_DIGITALLY = {
    "INNBYGGER_INNBOKS": "Sendt digitalt til mottakerens innboks (Helsenorge/Altinn)",
    "VIRKSOMHET_ALTINN": "Sendt digitalt til Altinn",
}


def record(conn: sa.Connection, forsendelse_id: str, text: str, at: dt.datetime, signeringsstatus: str | None = None) -> None:
    """An event beside the status, in the caller's transaction."""
    conn.execute(
        sa.insert(svarut_hendelse).values(
            forsendelse_id=forsendelse_id, tidspunkt=at, hendelse=text[:500], signeringsstatus=signeringsstatus
        )
    )


def hendelser(conn: sa.Connection, forsendelse_id: str) -> dict[str, list[dict[str, str]]]:
    kanal = conn.execute(sa.select(svarut_forsendelse.c.kanal).where(svarut_forsendelse.c.id == forsendelse_id)).scalar()
    found: list[tuple[dt.datetime, int, str]] = []
    for row in conn.execute(
        sa.select(svarut_status_historikk.c.status, svarut_status_historikk.c.tidspunkt, svarut_status_historikk.c.id).where(
            svarut_status_historikk.c.forsendelse_id == forsendelse_id
        )
    ):
        text = (
            _SENT_DIGITALLY.get(kanal or "", STATUS_EVENTS["SENDT_DIGITALT"])
            if row.status == "SENDT_DIGITALT"
            else STATUS_EVENTS[row.status]
        )
        found.append((as_utc(row.tidspunkt), 0, text))
    for row in _rows(conn, forsendelse_id, signing=False):
        found.append((as_utc(row.tidspunkt), 1, row.hendelse))
    found.sort(key=lambda item: (item[0], item[1]))
    return {"hendelser": [{"tidspunkt": format_time(at), "hendelse": text} for at, _, text in found]}


def signeringshendelser(
    conn: sa.Connection, forsendelse_id: str, extra: list[dict[str, Any]] | None = None
) -> dict[str, list[dict[str, str]]]:
    """The signing assignment's events in order; ``extra`` adds events not stored (an expiry seen on reading)."""
    events = [
        {"tidspunkt": format_time(row.tidspunkt), "status": row.signeringsstatus, "hendelse": row.hendelse}
        for row in _rows(conn, forsendelse_id, signing=True)
    ]
    return {"hendelser": events + (extra or [])}


def _rows(conn: sa.Connection, forsendelse_id: str, signing: bool) -> list[Any]:
    h = svarut_hendelse.c
    kind = h.signeringsstatus.is_not(None) if signing else h.signeringsstatus.is_(None)
    return conn.execute(
        sa.select(h.tidspunkt, h.hendelse, h.signeringsstatus).where((h.forsendelse_id == forsendelse_id) & kind).order_by(h.id)
    ).all()
