"""Patient-privacy rules (reference/pts.md, "Patient privacy"): reading the bodies, validation, and what a
restriction covers. No database, no HTTP.

The public example stops after ``subjectScope.type``; the rest is ours:

- ``privacyType`` ``Shield`` (skjerming, set by health personnel) or ``Block`` (sperring, set by the patient);
  ``privacyLevel`` ``Soft`` (may be overridden in an emergency) or ``Hard``; ``restrictionDomain`` only ``PPS``.
- ``subjectScope`` names whom the restriction keeps out: ``All`` health personnel, or ``Specified`` ones by
  ``identifiers`` of type ``HPR`` (each must be in the HPR, checked by the service).
- ``objectScope`` names what it covers: ``All`` of the person's results, or a ``TimeRange`` (``from`` and/or
  ``to``; an open end is allowed) of the results' times.
- ``validFrom`` defaults to the time of the call; ``validTo`` null (or .NET's DateTime.MaxValue) means no end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helsebro.pts import values
from helsebro.pts.errors import Problems
from helsebro.pts.values import member

SHIELD, BLOCK = "Shield", "Block"
SOFT, HARD = "Soft", "Hard"
PPS = "PPS"
ALL, TIME_RANGE, SPECIFIED = "All", "TimeRange", "Specified"
HPR = "HPR"
MAX_IDENTIFIERS = 100
ACTIVE, PENDING, EXPIRED, REVOKED = "Active", "Pending", "Expired", "Revoked"


@dataclass(frozen=True)
class ObjectScope:
    type: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def covers(self, document_time: dt.datetime | None) -> bool | None:
        """Whether a result from ``document_time`` is covered; None when that time is not known."""
        if self.type == ALL:
            return True
        if document_time is None:
            return None
        return (self.start is None or self.start <= document_time) and (self.end is None or document_time < self.end)


@dataclass(frozen=True)
class SubjectScope:
    type: str
    hpr_numbers: tuple[str, ...] = ()

    def covers(self, hpr_number: str) -> bool:
        return self.type == ALL or hpr_number in self.hpr_numbers


@dataclass(frozen=True)
class PrivacyTerms:
    off_id: str
    privacy_type: str
    privacy_level: str
    restriction_domain: str
    object_scope: ObjectScope
    subject_scope: SubjectScope
    valid_from: dt.datetime
    valid_to: dt.datetime | None

    def in_force(self, now: dt.datetime) -> bool:
        return self.valid_from <= now and (self.valid_to is None or now < self.valid_to)


@dataclass(frozen=True)
class PrivacySearch:
    off_id: str
    include_revoked: bool


def status(terms: PrivacyTerms, revoked: bool, now: dt.datetime) -> str:
    if revoked:
        return REVOKED
    if terms.valid_from > now:
        return PENDING
    if terms.valid_to is not None and terms.valid_to <= now:
        return EXPIRED
    return ACTIVE


def parse_search(body: Mapping[str, Any]) -> PrivacySearch:
    problems = Problems()
    off_id = values.off_id(member(body, "offId"), "OffId", problems)
    include_revoked = values.boolean(member(body, "includeRevoked"), "IncludeRevoked", problems)
    problems.raise_if_any()
    assert off_id is not None
    return PrivacySearch(off_id, include_revoked)


def parse_create(body: Mapping[str, Any], now: dt.datetime) -> PrivacyTerms:
    problems = Problems()
    off_id = values.off_id(member(body, "offId"), "OffId", problems)
    privacy_type = values.enum(member(body, "privacyType"), "PrivacyType", (SHIELD, BLOCK), problems)
    privacy_level = values.enum(member(body, "privacyLevel"), "PrivacyLevel", (SOFT, HARD), problems)
    domain = values.enum(member(body, "restrictionDomain"), "RestrictionDomain", (PPS,), problems)
    object_scope = _object_scope(body, problems)
    subject_scope = _subject_scope(body, problems)
    valid_from, valid_to = _validity(body, now, problems)
    problems.raise_if_any()
    assert off_id and privacy_type and privacy_level and domain and object_scope and subject_scope and valid_from
    return PrivacyTerms(off_id, privacy_type, privacy_level, domain, object_scope, subject_scope, valid_from, valid_to)


def _object_scope(body: Mapping[str, Any], problems: Problems) -> ObjectScope | None:
    holder = values.required_object(body, "objectScope", "ObjectScope", problems)
    if holder is None:
        return None
    kind = values.enum(member(holder, "type"), "ObjectScope.Type", (ALL, TIME_RANGE), problems)
    start = values.time(member(holder, "from"), "ObjectScope.From", problems)
    end = values.time(member(holder, "to"), "ObjectScope.To", problems)
    if kind is None:
        return None
    if kind == ALL:
        if member(holder, "from") is not None or member(holder, "to") is not None:
            problems.add("ObjectScope", "ObjectScope.From and ObjectScope.To must be null for ObjectScope.Type All")
        return ObjectScope(ALL)
    if member(holder, "from") is None and member(holder, "to") is None:
        problems.add("ObjectScope", "ObjectScope.From or ObjectScope.To must have a value for ObjectScope.Type TimeRange")
    if start is not None and start.forever:
        problems.add("ObjectScope.From", "ObjectScope.From must be a time before 9999-12-31")
    start_at, end_at = (start.at if start else None), (end.at if end else None)
    if start_at is not None and end_at is not None and start_at >= end_at:
        problems.add("ObjectScope.From", "ObjectScope.From must be before ObjectScope.To")
    return ObjectScope(TIME_RANGE, start_at, end_at)


def _subject_scope(body: Mapping[str, Any], problems: Problems) -> SubjectScope | None:
    holder = values.required_object(body, "subjectScope", "SubjectScope", problems)
    if holder is None:
        return None
    kind = values.enum(member(holder, "type"), "SubjectScope.Type", (ALL, SPECIFIED), problems)
    identifiers = member(holder, "identifiers")
    if identifiers is None:
        identifiers = []
    if not isinstance(identifiers, list):
        problems.add("SubjectScope.Identifiers", "SubjectScope.Identifiers must be a list")
        return None
    if len(identifiers) > MAX_IDENTIFIERS:
        problems.add("SubjectScope.Identifiers", f"SubjectScope.Identifiers can hold at most {MAX_IDENTIFIERS} identifiers")
        return None
    numbers = [_hpr_identifier(item, index, problems) for index, item in enumerate(identifiers)]
    if kind == SPECIFIED and not identifiers:
        problems.add(
            "SubjectScope.Identifiers", "SubjectScope.Identifiers must have at least one identifier for SubjectScope.Type Specified"
        )
    if kind == ALL and identifiers:
        problems.add("SubjectScope.Identifiers", "SubjectScope.Identifiers must be empty for SubjectScope.Type All")
    if kind is None:
        return None
    # Each person once, in the order given.
    return SubjectScope(kind, tuple(dict.fromkeys(n for n in numbers if n)))


def _hpr_identifier(item: Any, index: int, problems: Problems) -> str | None:
    field = f"SubjectScope.Identifiers[{index}]"
    if not isinstance(item, Mapping):
        problems.add(field, f"{field} must be a JSON object with type and value")
        return None
    values.enum(member(item, "type"), f"{field}.Type", (HPR,), problems)
    value = member(item, "value")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip().isdigit() or not 1 <= len(value.strip()) <= 9:
        problems.add(f"{field}.Value", f"{field}.Value must be an HPR number (1 to 9 digits)")
        return None
    return value.strip()


UNKNOWN_HPR_FIELD = "SubjectScope.Identifiers"


def unknown_hpr_number(number: str) -> str:
    """For an HPR number the registry does not know (the service checks, with the database)."""
    return f"HPR number {number} is not in the HPR registry"


def _validity(body: Mapping[str, Any], now: dt.datetime, problems: Problems) -> tuple[dt.datetime | None, dt.datetime | None]:
    valid_from = values.time(member(body, "validFrom"), "ValidFrom", problems)
    valid_to = values.time(member(body, "validTo"), "ValidTo", problems)
    if valid_from is not None and valid_from.forever:
        problems.add("ValidFrom", "ValidFrom must be a time before 9999-12-31")
    start = valid_from.at if valid_from and valid_from.at else now
    end = valid_to.at if valid_to else None  # forever: no end
    if end is not None:
        if end <= now:
            problems.add("ValidTo", "ValidTo must be set to a value in the future")
        elif end <= start:
            problems.add("ValidTo", "ValidTo must be after ValidFrom")
    return start, end
