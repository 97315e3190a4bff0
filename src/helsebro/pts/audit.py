"""The audit of PTS calls (SPEC section 5): who called (the token's client and organisation claims, and the
acting health professional), which route, about whom, and how it ended. No HTTP in here.

A call that succeeds is recorded in the same transaction as its work, so nothing is changed or disclosed
without its record; a refused call is recorded on its own. The person's number is kept in the table (it is
the data itself) but a log line only ever carries its keyed hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from helsebro._time import as_utc
from helsebro.auth.organisations import ORGNR_CHILD, ORGNR_PARENT, ORGNR_SUPPLIER
from helsebro.auth.user_tokens import HPR_NUMBER
from helsebro.logs import fnr_hash, get_logger
from helsebro.pts.tables import pts_audit

# Without these a call cannot be audited, so PTS refuses it (reference/pts.md, "Audit claims").
REQUIRED_CLAIMS = ("client_id", ORGNR_PARENT)

log = get_logger(__name__)


@dataclass
class Call:
    """One PTS call on its way through. ``off_id`` is filled in as soon as the body names the person."""

    time: dt.datetime
    claims: Mapping[str, Any]
    method: str
    route: str
    path: str
    api_version: str | None = None
    off_id: str | None = None
    recorded: bool = field(default=False)

    def missing_claims(self) -> list[str]:
        return [name for name in REQUIRED_CLAIMS if not _text(self.claims.get(name), 200)]

    @property
    def hpr_number(self) -> str | None:
        return _text(self.claims.get(HPR_NUMBER), 20)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    time: dt.datetime
    client_id: str | None
    orgnr_parent: str | None
    orgnr_child: str | None
    orgnr_supplier: str | None
    hpr_number: str | None
    method: str
    route: str
    path: str
    api_version: str | None
    off_id: str | None
    status: int


_INSERT = sa.insert(pts_audit)  # built once: one of every PTS call's statements


def record(conn: sa.Connection, call: Call, status: int) -> None:
    claims = call.claims
    conn.execute(
        _INSERT,
        dict(
            time=call.time,
            client_id=_text(claims.get("client_id"), 200),
            orgnr_parent=_text(claims.get(ORGNR_PARENT), 20),
            orgnr_child=_text(claims.get(ORGNR_CHILD), 20),
            orgnr_supplier=_text(claims.get(ORGNR_SUPPLIER), 20),
            hpr_number=call.hpr_number,
            token_jti=_text(claims.get("jti"), 100),
            method=call.method,
            route=call.route[:200],
            path=call.path[:500],
            api_version=call.api_version,
            off_id=call.off_id,
            status=status,
        ),
    )
    log.info(
        "pts call",
        method=call.method,
        route=call.route,
        status=status,
        client_id=_text(claims.get("client_id"), 200),
        person=fnr_hash(call.off_id) if call.off_id else None,
    )


def list_entries(
    conn: sa.Connection, *, limit: int, offset: int, off_id: str | None = None, client_id: str | None = None
) -> tuple[int, list[AuditEntry]]:
    """Newest first, with the number of entries in all."""
    where = []
    if off_id:
        where.append(pts_audit.c.off_id == off_id)
    if client_id:
        where.append(pts_audit.c.client_id == client_id)
    total = conn.execute(sa.select(sa.func.count()).select_from(pts_audit).where(*where)).scalar_one()
    rows = conn.execute(
        sa.select(pts_audit).where(*where).order_by(pts_audit.c.time.desc(), pts_audit.c.id.desc()).limit(limit).offset(offset)
    )
    return total, [
        AuditEntry(
            r.id,
            as_utc(r.time),
            r.client_id,
            r.orgnr_parent,
            r.orgnr_child,
            r.orgnr_supplier,
            r.hpr_number,
            r.method,
            r.route,
            r.path,
            r.api_version,
            r.off_id,
            r.status,
        )
        for r in rows
    ]


def _text(value: Any, size: int) -> str | None:
    """A claim as text for a column; anything but a string or number (a forged token's object) is dropped."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)[:size] or None
