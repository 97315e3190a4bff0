"""A letter's status: the statuses of forsendelse-status-api-v3.json, recording a change with its time, and the
status search. No HTTP in here.

The search answers only for letters of the account asked about. An id that names no letter of that account
is left out of ``statuser``, without an error: the spec defines no error for it, and answering "not found"
for another account's letter would tell that it exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa

from helsebro import db
from helsebro._time import as_utc
from helsebro.svarut.tables import svarut_forsendelse, svarut_status_historikk

MOTTATT = "MOTTATT"
STATUSES = (
    "MOTTATT",
    "AKSEPTERT",
    "AVVIST",
    "FEILET_UNDER_MOTTAK",
    "VARSLET",
    "LEST",
    "SENDT_PRINT",
    "PRINTET",
    "MANUELT_HANDTERT",
    "SENDT_DIGITALT",
    "SENDT_SDP",
    "LEVERT_SDP",
    "KLAR_FOR_MOTTAK",
    "IKKE_LEVERT",
    "SLETTET",
    "SENDT_NHN_MOTTAKER",
    "LEVERT_NHN_MOTTAKER",
)
# Statuses of a letter that has reached its recipient (any channel) and is not read yet: v2's ``lest`` and a
# citizen in ``eksponertFor`` (svarut.exposure) may read it from any of them.
DELIVERED = (
    "SENDT_DIGITALT", "VARSLET", "SENDT_SDP", "LEVERT_SDP", "SENDT_PRINT", "PRINTET", "KLAR_FOR_MOTTAK",
    "MANUELT_HANDTERT", "SENDT_NHN_MOTTAKER", "LEVERT_NHN_MOTTAKER",
)  # fmt: skip
_BATCH = 500  # ids per query, well below SQLite's limit on bound parameters


def record(conn: sa.Connection, forsendelse_id: str, status: str, at: dt.datetime) -> None:
    """Set a letter's status and add it to the history, in the caller's transaction."""
    if status not in STATUSES:
        raise ValueError(f"unknown SvarUt status {status!r}")
    conn.execute(sa.update(svarut_forsendelse).where(svarut_forsendelse.c.id == forsendelse_id).values(status=status, status_endret=at))
    conn.execute(sa.insert(svarut_status_historikk).values(forsendelse_id=forsendelse_id, status=status, tidspunkt=at))


def transition(conn: sa.Connection, forsendelse_id: str, expected: str | Collection[str], new: str, at: dt.datetime) -> bool:
    """Move a letter to ``new`` only if its status is ``expected`` (one or several), recording it with its
    time; in the caller's transaction. False, and nothing written, if the letter has moved on: a job run a
    second time after a crash then changes nothing (on PostgreSQL a concurrent writer's UPDATE waits for
    ours and re-checks the condition, so of two racing transitions exactly one wins)."""
    if new not in STATUSES:
        raise ValueError(f"unknown SvarUt status {new!r}")
    allowed = [expected] if isinstance(expected, str) else list(expected)
    result = conn.execute(
        sa.update(svarut_forsendelse)
        .where((svarut_forsendelse.c.id == forsendelse_id) & svarut_forsendelse.c.status.in_(allowed))
        .values(status=new, status_endret=at)
    )
    if result.rowcount != 1:
        return False
    conn.execute(sa.insert(svarut_status_historikk).values(forsendelse_id=forsendelse_id, status=new, tidspunkt=at))
    return True


def history(conn: sa.Connection, forsendelse_id: str) -> list[tuple[str, dt.datetime]]:
    """Every status the letter has had, with its time, in order."""
    rows = conn.execute(
        sa.select(svarut_status_historikk.c.status, svarut_status_historikk.c.tidspunkt)
        .where(svarut_status_historikk.c.forsendelse_id == forsendelse_id)
        .order_by(svarut_status_historikk.c.id)
    )
    return [(row.status, as_utc(row.tidspunkt)) for row in rows]


def search(engine: sa.Engine, konto_id: str, ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """POST .../forsendelser/status/sok: ``{"statuser": [...]}`` in the order asked, each letter once."""
    with db.read(engine) as conn:
        return search_on(conn, konto_id, ids)


_LETTERS = sa.select(svarut_forsendelse.c.id, svarut_forsendelse.c.status, svarut_forsendelse.c.status_endret).where(
    svarut_forsendelse.c.konto_id == sa.bindparam("konto_id", type_=svarut_forsendelse.c.konto_id.type),
    svarut_forsendelse.c.id.in_(sa.bindparam("ids", expanding=True, type_=svarut_forsendelse.c.id.type)),
)


def search_on(conn: sa.Connection, konto_id: str, ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """``search`` on the caller's connection: one query per batch of ids (one for any real client's search)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(wanted), _BATCH):
        for row in conn.execute(_LETTERS, {"konto_id": konto_id, "ids": wanted[start : start + _BATCH]}):
            found[str(row.id)] = {"id": str(row.id), "sisteStatusEndring": format_time(row.status_endret), "status": row.status}
    return {"statuser": [found[i] for i in wanted if i in found]}


def format_time(value: dt.datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as Jackson writes a Java time: 2023-01-01T10:33:55.008Z."""
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
