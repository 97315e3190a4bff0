"""Patient-safety restrictions in the database: search, create (a new version each time), associate-parent,
and one attribute with its history. The rules come from ``safety_rules``; no HTTP in here.

Every function takes a connection inside the caller's transaction. Versioning an existing attribute locks its
row on PostgreSQL (SQLite writers are serial already), so two writers cannot both make version N+1; two that
create the same new object at once meet the unique constraint instead, and the caller answers 409.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from helsebro._time import as_utc
from helsebro.pts import errors, safety_rules
from helsebro.pts.records import Actor, ParentRef, SafetyAttribute, SafetyVersion
from helsebro.pts.safety_rules import AssociateParent, CreateSafety, Restriction, SafetySearch
from helsebro.pts.tables import pts_safety_attribute as attributes
from helsebro.pts.tables import pts_safety_restriction as restrictions
from helsebro.pts.values import ObjectId


def search(conn: sa.Connection, query: SafetySearch, now: dt.datetime) -> list[SafetyAttribute]:
    statement = sa.select(attributes).where(attributes.c.off_id == query.off_id)
    if query.object_id is not None:
        statement = statement.where(_names(attributes, query.object_id))
    if query.parent_object_id is not None:
        parent = attributes.alias("parent")
        parent_ids = sa.select(parent.c.id).where(_names(parent, query.parent_object_id), parent.c.off_id == query.off_id)
        statement = statement.where(attributes.c.parent_id.in_(parent_ids))
    rows = conn.execute(statement.order_by(attributes.c.created_at, attributes.c.id)).all()
    found = _assemble(conn, rows)
    if query.applicable_only:
        found = [a for a in found if a.current.restriction.applicable(now)]
    return found


def create(conn: sa.Connection, command: CreateSafety, actor: Actor, now: dt.datetime) -> tuple[SafetyAttribute, bool]:
    """Register the object's restriction: a new attribute, or a new current version of an existing one.
    Returns the attribute and whether it is new."""
    subject = command.subject
    row = _row_for(conn, subject.object_id, lock=True)
    if row is None:
        attribute_id = _insert_attribute(conn, subject.off_id, subject.object_id, None, actor, now)
    else:
        _same_person(row, subject.off_id, "ConfidentialObjectId", subject.object_id)
        attribute_id = row.id
    _add_version(conn, attribute_id, command.restriction, actor, now, first=row is None)
    return _one(conn, attribute_id), row is None


def associate_parent(conn: sa.Connection, command: AssociateParent, actor: Actor, now: dt.datetime) -> SafetyAttribute:
    """Link the child object to its parent and give it the restriction derived from the parent's current one."""
    subject = command.subject
    parent_row = _row_for(conn, command.parent)
    if parent_row is None or parent_row.off_id != subject.off_id:
        raise errors.not_found(
            f"No patient-safety restriction exists for ParentConfidentialObjectId {_label(command.parent)} of this person"
        )
    child_row = _row_for(conn, subject.object_id, lock=True)
    if child_row is not None:
        _same_person(child_row, subject.off_id, "ConfidentialObjectId", subject.object_id)
        if child_row.parent_id not in (None, parent_row.id):
            raise errors.conflict(f"ConfidentialObjectId {_label(subject.object_id)} is already associated with another parent")
        if parent_row.parent_id == child_row.id:
            raise errors.conflict("ParentConfidentialObjectId is itself a child of ConfidentialObjectId")
    derived = safety_rules.derive_child(_current_restriction(conn, parent_row.id), command.delay_from_time)
    if child_row is None:
        child_id = _insert_attribute(conn, subject.off_id, subject.object_id, parent_row.id, actor, now)
    else:
        child_id = child_row.id
        conn.execute(sa.update(attributes).where(attributes.c.id == child_id).values(parent_id=parent_row.id, changed_at=now))
    _add_version(conn, child_id, derived, actor, now, first=child_row is None)
    return _one(conn, child_id)


def get(conn: sa.Connection, attribute_id: str) -> SafetyAttribute | None:
    rows = conn.execute(_BY_ID, {"attribute": attribute_id}).all()
    found = _assemble(conn, rows)
    return found[0] if found else None


def find(conn: sa.Connection, off_id: str, object_id: ObjectId) -> SafetyAttribute | None:
    """The person's attribute for this object (None when the object is unknown, or another person's)."""
    row = _row_for(conn, object_id)
    if row is None or row.off_id != off_id:
        return None
    return _assemble(conn, [row])[0]


# -- helpers ------------------------------------------------------------------------------------------------

# The statements of the write path, built once (an expression built per call costs more Python than its query).
_ATTRIBUTE = sa.bindparam("attribute", type_=attributes.c.id.type)
_NOW = sa.bindparam("now", type_=attributes.c.changed_at.type)
_BY_ID = sa.select(attributes).where(attributes.c.id == _ATTRIBUTE)
_BY_OBJECT = sa.select(attributes).where(
    attributes.c.object_type == sa.bindparam("object_type", type_=attributes.c.object_type.type),
    attributes.c.object_value == sa.bindparam("object_value", type_=attributes.c.object_value.type),
)
_BY_OBJECT_LOCKED = _BY_OBJECT.with_for_update()
_INSERT_ATTRIBUTE = sa.insert(attributes)
_LAST_VERSION = sa.select(sa.func.max(restrictions.c.version)).where(restrictions.c.attribute_id == _ATTRIBUTE)
_RETIRE_CURRENT = (
    sa.update(restrictions)
    .where(restrictions.c.attribute_id == _ATTRIBUTE, restrictions.c.is_current.is_(True))
    .values(is_current=False, changed_at=_NOW)
)
_INSERT_VERSION = sa.insert(restrictions)
_TOUCH = sa.update(attributes).where(attributes.c.id == _ATTRIBUTE).values(changed_at=_NOW)
_IDS = sa.bindparam("ids", expanding=True)
_VERSIONS_OF = sa.select(restrictions).where(restrictions.c.attribute_id.in_(_IDS)).order_by(restrictions.c.version.desc())
_ATTRIBUTES_IN = sa.select(attributes).where(attributes.c.id.in_(_IDS))


def _names(table: sa.Table | sa.Alias, object_id: ObjectId) -> sa.ColumnElement[bool]:
    return (table.c.object_type == object_id.type) & (table.c.object_value == object_id.value)


def _label(object_id: ObjectId) -> str:
    return f"{object_id.type}/{object_id.value}"


def _row_for(conn: sa.Connection, object_id: ObjectId, *, lock: bool = False) -> sa.Row | None:
    statement = _BY_OBJECT_LOCKED if lock else _BY_OBJECT
    return conn.execute(statement, {"object_type": object_id.type, "object_value": object_id.value}).first()


def _same_person(row: sa.Row, off_id: str, field: str, object_id: ObjectId) -> None:
    if row.off_id != off_id:
        raise errors.conflict(f"{field} {_label(object_id)} is registered for another person")


def _insert_attribute(conn: sa.Connection, off_id: str, object_id: ObjectId, parent_id: str | None, actor: Actor, now: dt.datetime) -> str:
    attribute_id = str(uuid.uuid4())
    conn.execute(
        _INSERT_ATTRIBUTE,
        dict(
            id=attribute_id,
            off_id=off_id,
            object_type=object_id.type,
            object_value=object_id.value,
            parent_id=parent_id,
            created_by=actor.client_id,
            created_by_hpr=actor.hpr_number,
            created_at=now,
            changed_at=now,
        ),
    )
    return attribute_id


def _add_version(conn: sa.Connection, attribute_id: str, restriction: Restriction, actor: Actor, now: dt.datetime, *, first: bool) -> None:
    """The new restriction becomes current; the one before stays, no longer current. ``first``: the attribute
    was inserted just now (changed_at = now), so there is no version before to look up or retire."""
    last = None if first else conn.execute(_LAST_VERSION, {"attribute": attribute_id}).scalar()
    if not first:
        conn.execute(_RETIRE_CURRENT, {"attribute": attribute_id, "now": now})
    conn.execute(
        _INSERT_VERSION,
        dict(
            id=str(uuid.uuid4()),
            attribute_id=attribute_id,
            version=(last or 0) + 1,
            is_current=True,
            confidentiality_code=restriction.code,
            delay_delivery_until=restriction.delay_delivery_until,
            withheld_forever=restriction.withheld_forever,
            delay_days=restriction.delay_days,
            delay_from_time=restriction.delay_from_time,
            cause=restriction.cause,
            created_by=actor.client_id,
            created_by_hpr=actor.hpr_number,
            created_at=now,
            changed_at=now,
        ),
    )
    if not first:
        conn.execute(_TOUCH, {"attribute": attribute_id, "now": now})


def _current_restriction(conn: sa.Connection, attribute_id: str) -> Restriction:
    row = conn.execute(
        sa.select(restrictions).where(restrictions.c.attribute_id == attribute_id, restrictions.c.is_current.is_(True))
    ).one()
    return _restriction(row)


def _restriction(row: sa.Row) -> Restriction:
    return Restriction(
        code=row.confidentiality_code,
        delay_delivery_until=_utc(row.delay_delivery_until),
        withheld_forever=row.withheld_forever,
        delay_days=row.delay_days,
        delay_from_time=_utc(row.delay_from_time),
        cause=row.cause,
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return as_utc(value) if value is not None else None


def _one(conn: sa.Connection, attribute_id: str) -> SafetyAttribute:
    found = get(conn, attribute_id)
    assert found is not None
    return found


def _assemble(conn: sa.Connection, rows: Sequence[sa.Row]) -> list[SafetyAttribute]:
    """Attributes with their versions and parents, in two queries."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    versions: dict[str, list[SafetyVersion]] = {i: [] for i in ids}
    for v in conn.execute(_VERSIONS_OF, {"ids": ids}):
        versions[v.attribute_id].append(SafetyVersion(v.id, v.version, v.is_current, _restriction(v), as_utc(v.created_at), v.created_by))
    parent_ids = {r.parent_id for r in rows if r.parent_id}
    parents = (
        {p.id: ParentRef(p.id, ObjectId(p.object_type, p.object_value)) for p in conn.execute(_ATTRIBUTES_IN, {"ids": list(parent_ids)})}
        if parent_ids
        else {}
    )
    return [
        SafetyAttribute(
            id=r.id,
            off_id=r.off_id,
            object_id=ObjectId(r.object_type, r.object_value),
            parent=parents.get(r.parent_id) if r.parent_id else None,
            created_time=as_utc(r.created_at),
            modified_time=as_utc(r.changed_at),
            created_by=r.created_by,
            versions=tuple(versions[r.id]),
        )
        for r in rows
    ]
