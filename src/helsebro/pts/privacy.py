"""Patient-privacy restrictions in the database: search, create, revoke (the row stays), and one restriction
with its history. The rules come from ``privacy_rules``; no HTTP in here.

Every change appends the restriction as it then stood to its history, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from helsebro._time import as_utc
from helsebro.pts import errors, privacy_rules, rendering
from helsebro.pts.errors import Problems
from helsebro.pts.privacy_rules import ObjectScope, PrivacySearch, PrivacyTerms, SubjectScope
from helsebro.pts.records import Actor, PrivacyHistoryEntry, PrivacyRecord
from helsebro.pts.tables import pts_privacy_history as history_table
from helsebro.pts.tables import pts_privacy_restriction as restrictions
from helsebro.registries.service import get_health_person

CREATED, REVOKED = "Created", "Revoked"


def search(conn: sa.Connection, query: PrivacySearch) -> list[PrivacyRecord]:
    statement = sa.select(restrictions).where(restrictions.c.off_id == query.off_id)
    if not query.include_revoked:
        statement = statement.where(restrictions.c.revoked_at.is_(None))
    rows = conn.execute(statement.order_by(restrictions.c.created_at, restrictions.c.id))
    return [_record(r) for r in rows]


def not_revoked(conn: sa.Connection, off_id: str) -> list[PrivacyRecord]:
    return search(conn, PrivacySearch(off_id, include_revoked=False))


def create(conn: sa.Connection, terms: PrivacyTerms, actor: Actor, now: dt.datetime) -> PrivacyRecord:
    """A new restriction; every HPR number it names must be in the HPR registry."""
    _check_hpr_numbers(conn, terms.subject_scope)
    return insert(conn, terms, actor, now)


def insert(conn: sa.Connection, terms: PrivacyTerms, actor: Actor, now: dt.datetime) -> PrivacyRecord:
    """A new restriction from trusted data (the default set), without the registry check: the default data
    may be loaded before the registries are."""
    restriction_id = str(uuid.uuid4())
    conn.execute(
        sa.insert(restrictions).values(
            id=restriction_id,
            off_id=terms.off_id,
            privacy_type=terms.privacy_type,
            privacy_level=terms.privacy_level,
            restriction_domain=terms.restriction_domain,
            object_scope_type=terms.object_scope.type,
            object_scope_from=terms.object_scope.start,
            object_scope_to=terms.object_scope.end,
            subject_scope_type=terms.subject_scope.type,
            subject_identifiers=[{"type": privacy_rules.HPR, "value": n} for n in terms.subject_scope.hpr_numbers],
            valid_from=terms.valid_from,
            valid_to=terms.valid_to,
            version=1,
            created_by=actor.client_id,
            created_by_hpr=actor.hpr_number,
            created_at=now,
            changed_at=now,
        )
    )
    record = _get(conn, restriction_id)
    _remember(conn, record, CREATED, actor, now)
    return record


def revoke(conn: sa.Connection, restriction_id: str, actor: Actor, now: dt.datetime) -> PrivacyRecord:
    row = conn.execute(sa.select(restrictions).where(restrictions.c.id == restriction_id).with_for_update()).first()
    if row is None:
        raise errors.not_found(f"No patient-privacy restriction with id {restriction_id}")
    if row.revoked_at is not None:
        raise errors.conflict(f"The patient-privacy restriction {restriction_id} is already revoked")
    conn.execute(
        sa.update(restrictions)
        .where(restrictions.c.id == restriction_id)
        .values(version=row.version + 1, revoked_at=now, revoked_by=actor.client_id, revoked_by_hpr=actor.hpr_number, changed_at=now)
    )
    record = _get(conn, restriction_id)
    _remember(conn, record, REVOKED, actor, now)
    return record


def get(conn: sa.Connection, restriction_id: str) -> PrivacyRecord | None:
    row = conn.execute(sa.select(restrictions).where(restrictions.c.id == restriction_id)).first()
    return _record(row) if row else None


def history(conn: sa.Connection, restriction_id: str) -> list[PrivacyHistoryEntry]:
    rows = conn.execute(sa.select(history_table).where(history_table.c.restriction_id == restriction_id).order_by(history_table.c.version))
    return [PrivacyHistoryEntry(r.version, r.action, as_utc(r.created_at), r.changed_by, r.state) for r in rows]


# -- helpers ------------------------------------------------------------------------------------------------


def _check_hpr_numbers(conn: sa.Connection, scope: SubjectScope) -> None:
    problems = Problems()
    for number in scope.hpr_numbers:
        if get_health_person(conn, number) is None:
            problems.add(privacy_rules.UNKNOWN_HPR_FIELD, privacy_rules.unknown_hpr_number(number))
    problems.raise_if_any()


def _remember(conn: sa.Connection, record: PrivacyRecord, action: str, actor: Actor, now: dt.datetime) -> None:
    conn.execute(
        sa.insert(history_table).values(
            restriction_id=record.id,
            version=record.version,
            action=action,
            state=rendering.privacy_restriction(record, now),
            changed_by=actor.client_id,
            changed_by_hpr=actor.hpr_number,
            created_at=now,
            changed_at=now,
        )
    )


def _get(conn: sa.Connection, restriction_id: str) -> PrivacyRecord:
    found = get(conn, restriction_id)
    assert found is not None
    return found


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return as_utc(value) if value is not None else None


def _record(row: sa.Row) -> PrivacyRecord:
    terms = PrivacyTerms(
        off_id=row.off_id,
        privacy_type=row.privacy_type,
        privacy_level=row.privacy_level,
        restriction_domain=row.restriction_domain,
        object_scope=ObjectScope(row.object_scope_type, _utc(row.object_scope_from), _utc(row.object_scope_to)),
        subject_scope=SubjectScope(row.subject_scope_type, tuple(i["value"] for i in row.subject_identifiers or [])),
        valid_from=as_utc(row.valid_from),
        valid_to=_utc(row.valid_to),
    )
    return PrivacyRecord(
        id=row.id,
        terms=terms,
        version=row.version,
        created_time=as_utc(row.created_at),
        modified_time=as_utc(row.changed_at),
        created_by=row.created_by,
        revoked_time=_utc(row.revoked_at),
        revoked_by=row.revoked_by,
    )
