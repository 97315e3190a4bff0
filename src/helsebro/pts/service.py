"""What spans both PTS areas: one restriction by area and id (ours), and the access check (ours). The
areas themselves live in ``safety`` and ``privacy``; no HTTP in here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from helsebro.pts import access_rules, errors, privacy, rendering, safety
from helsebro.pts.access_rules import AccessQuestion, Decision, PrivacyFact, SafetyFact
from helsebro.registries.service import get_health_person

AREAS = (access_rules.SAFETY_AREA, access_rules.PRIVACY_AREA)


def restriction_by_area(conn: sa.Connection, area: str, restriction_id: str, version: str, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """One restriction with its history, and the person it is about. 404 for an unknown area or id."""
    if area == access_rules.SAFETY_AREA:
        attribute = safety.get(conn, restriction_id)
        if attribute is not None:
            return attribute.off_id, rendering.safety_attribute(attribute, version)
    elif area == access_rules.PRIVACY_AREA:
        record = privacy.get(conn, restriction_id)
        if record is not None:
            return record.terms.off_id, rendering.privacy_with_history(record, privacy.history(conn, restriction_id), now)
    else:
        raise errors.not_found(f"Unknown area {area!r}: use {' or '.join(AREAS)}")
    raise errors.not_found(f"No {area} restriction with id {restriction_id}")


def check_access(conn: sa.Connection, question: AccessQuestion, now: dt.datetime) -> Decision:
    if get_health_person(conn, question.hpr_number) is None:
        raise errors.invalid("HprNumber", f"HPR number {question.hpr_number} is not in the HPR registry")
    attribute = safety.find(conn, question.off_id, question.object_id)
    safety_fact = SafetyFact(attribute.current.id, attribute.current.restriction) if attribute else None
    privacy_facts = [PrivacyFact(r.id, r.terms, r.revoked) for r in privacy.not_revoked(conn, question.off_id)]
    return access_rules.decide(question, safety_fact, privacy_facts, now)
