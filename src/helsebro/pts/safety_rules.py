"""Patient-safety rules (reference/pts.md, "Patient safety"): reading the three bodies, the documented
validation with its exact messages, and deriving a child's restriction from its parent's. No database, no
HTTP.

Decisions where the public pages stop (ours):

- The confidentiality codes are ``N``, ``NORU`` and the nine ``NORN_*`` codes the documentation names;
  another code is refused. "Any other code" in the documentation's rules means ``NORU`` here.
- The messages the documentation quotes are used word for word. Other messages follow their style.
- ``delayDays`` lies in 1..36500 and is only for a ``Rekvisisjon``: the answer report that it delays does not
  exist yet when the requisition is registered, which is the documentation's reason for giving days.
- A time at or past 9999-12-31 (.NET's DateTime.MaxValue) given as ``delayDeliveryUntil`` means "for good".
- ``ApplicableOnly`` keeps a restriction unless its ``delayDeliveryUntil`` is in the past, as the
  documentation says it; a restriction without one (code ``N``, a requisition's days) is kept.
- Associate-parent: the child's restriction gets the parent's code and ``cause`` ``Derived``; with the
  parent's ``delayDays`` its ``delayDeliveryUntil`` is ``delayFromTime`` + those days (``delayFromTime`` is
  then required), with the parent's ``delayDeliveryUntil`` it is that time, with a ``NORN_*`` parent it is
  withheld for good, and with an ``N`` parent nothing is computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helsebro.pts import errors, values, versions
from helsebro.pts.errors import Problems
from helsebro.pts.values import REKVISISJON, ObjectId, member

CODE_N = "N"
NORN_CODES = ("NORN_FFL", "NORN_KUT", "NORN_EPO", "NORN_ALL", "NORN_FOR", "NORN_FFH", "NORN_FPB", "NORN_DUP", "NORN_ANG")
DELAYING_CODES = ("NORU",)
CODES = (CODE_N, *DELAYING_CODES, *NORN_CODES)

MANUAL, AUTOMATED, DERIVED = "Manual", "Automated", "Derived"
CREATE_CAUSES = (MANUAL, AUTOMATED)
MAX_DELAY_DAYS = 36500

# The documentation's messages, verbatim.
N_WITH_UNTIL = "DelayDeliveryUntil cannot be specified with ConfidentialityCode N"
NORN_WITH_DELAY = (
    "DelayDeliveryUntil and DelayDays must be null for confidentialityCode NORN. DelayDeliveryUntil will be set by the service"
)
UNTIL_IN_PAST = "DelayDeliveryUntil must be set to a value in the future"


def delay_missing(code: str) -> str:
    return f"DelayDeliveryUntil or DelayDays must have values for confidentialityCode {code}"


# Ours, in the same style.
ONLY_ONE_DELAY = "Only one of DelayDeliveryUntil, DelayDays and DelayFromTime can be specified"
DAYS_ONLY_ON_REKVISISJON = "DelayDays can only be specified for a ConfidentialObjectId of type Rekvisisjon"
DAYS_OUT_OF_RANGE = f"DelayDays must be between 1 and {MAX_DELAY_DAYS}"
FROM_TIME_FOREVER = "DelayFromTime must be a time before 9999-12-31"
PARENT_IS_CHILD = "ParentConfidentialObjectId must be another object than ConfidentialObjectId"
DERIVED_ONLY = "DelayDeliveryUntil and DelayDays cannot be given on associate-parent: the service derives them from the parent"
FROM_TIME_NEEDED = "DelayFromTime must have a value when the parent's restriction has DelayDays"

_DELAY_FIELDS = (("delayDeliveryUntil", "DelayDeliveryUntil"), ("delayDays", "DelayDays"), ("delayFromTime", "DelayFromTime"))


@dataclass(frozen=True)
class Restriction:
    """One version of a confidential object's access restriction."""

    code: str
    delay_delivery_until: dt.datetime | None = None
    withheld_forever: bool = False
    delay_days: int | None = None
    delay_from_time: dt.datetime | None = None
    cause: str | None = None

    def withholds(self, now: dt.datetime) -> bool:
        """Whether the object is withheld at ``now``."""
        return self.withheld_forever or (self.delay_delivery_until is not None and self.delay_delivery_until > now)

    def applicable(self, now: dt.datetime) -> bool:
        """Kept by ``ApplicableOnly``: its delayDeliveryUntil is not in the past."""
        return self.withheld_forever or self.delay_delivery_until is None or self.delay_delivery_until > now


@dataclass(frozen=True)
class SafetyObject:
    off_id: str
    object_id: ObjectId


@dataclass(frozen=True)
class CreateSafety:
    subject: SafetyObject
    restriction: Restriction


@dataclass(frozen=True)
class AssociateParent:
    subject: SafetyObject
    parent: ObjectId
    delay_from_time: dt.datetime | None


@dataclass(frozen=True)
class SafetySearch:
    off_id: str
    object_id: ObjectId | None
    parent_object_id: ObjectId | None
    applicable_only: bool


def parse_search(body: Mapping[str, Any]) -> SafetySearch:
    problems = Problems()
    off_id = values.off_id(member(body, "offId"), "OffId", problems)
    object_id = values.object_id(body, "confidentialObjectId", "ConfidentialObjectId", problems, required=False)
    parent = values.object_id(body, "parentConfidentialObjectId", "ParentConfidentialObjectId", problems, required=False)
    # The documentation writes "ApplicableOnly"; any casing binds (bodies arrive lower-cased).
    applicable_only = values.boolean(member(body, "applicableOnly"), "ApplicableOnly", problems)
    problems.raise_if_any()
    assert off_id is not None
    return SafetySearch(off_id, object_id, parent, applicable_only)


def parse_create(body: Mapping[str, Any], version: str, now: dt.datetime) -> CreateSafety:
    problems = Problems()
    subject = _safety_object(body, problems)
    code = values.enum(member(body, "confidentialityCode"), "ConfidentialityCode", CODES, problems)
    until = values.time(member(body, "delayDeliveryUntil"), "DelayDeliveryUntil", problems)
    days = values.whole_number(member(body, "delayDays"), "DelayDays", problems)
    from_time = values.time(member(body, "delayFromTime"), "DelayFromTime", problems)

    given = [field for name, field in _DELAY_FIELDS if member(body, name) is not None]
    if len(given) > 1:
        problems.add(given[1], ONLY_ONE_DELAY)
    if code is not None:
        _check_code(code, body, until, now, problems)
    if days is not None:
        if not 1 <= days <= MAX_DELAY_DAYS:
            problems.add("DelayDays", DAYS_OUT_OF_RANGE)
        if subject is not None and subject.object_id.type != REKVISISJON:
            problems.add("DelayDays", DAYS_ONLY_ON_REKVISISJON)
    if from_time is not None and from_time.forever:
        problems.add("DelayFromTime", FROM_TIME_FOREVER)
    cause = values.enum(member(body, "cause"), "Cause", CREATE_CAUSES, problems) if versions.has_cause(version) else None
    problems.raise_if_any()
    assert subject is not None and code is not None

    delay_from = from_time.at if from_time else None
    if code in NORN_CODES:
        restriction = Restriction(code, withheld_forever=True, delay_from_time=delay_from, cause=cause)
    elif code == CODE_N:
        restriction = Restriction(code, delay_days=days, delay_from_time=delay_from, cause=cause)
    else:
        restriction = Restriction(
            code,
            delay_delivery_until=until.at if until else None,
            withheld_forever=bool(until and until.forever),
            delay_days=days,
            delay_from_time=delay_from,
            cause=cause,
        )
    return CreateSafety(subject, restriction)


def _check_code(code: str, body: Mapping[str, Any], until: values.Time | None, now: dt.datetime, problems: Problems) -> None:
    has_until = member(body, "delayDeliveryUntil") is not None
    has_days = member(body, "delayDays") is not None
    if code == CODE_N:
        if has_until:
            problems.add("DelayDeliveryUntil", N_WITH_UNTIL)
    elif code in NORN_CODES:
        if has_until or has_days:
            problems.add("DelayDeliveryUntil", NORN_WITH_DELAY)
    elif not has_until and not has_days:
        problems.add("DelayDeliveryUntil", delay_missing(code))
    elif until is not None and until.at is not None and until.at <= now:
        problems.add("DelayDeliveryUntil", UNTIL_IN_PAST)


def parse_associate(body: Mapping[str, Any], version: str) -> AssociateParent:
    problems = Problems()
    subject = _safety_object(body, problems)
    parent = values.object_id(body, "parentConfidentialObjectId", "ParentConfidentialObjectId", problems)
    from_time = values.time(member(body, "delayFromTime"), "DelayFromTime", problems)
    if from_time is not None and from_time.forever:
        problems.add("DelayFromTime", FROM_TIME_FOREVER)
    if member(body, "delayDeliveryUntil") is not None or member(body, "delayDays") is not None:
        problems.add("DelayDeliveryUntil", DERIVED_ONLY)
    if versions.has_cause(version):
        # Optional here: whatever is sent, the service sets Derived. A value that is no cause at all is refused.
        values.enum(member(body, "cause"), "Cause", (MANUAL, AUTOMATED, DERIVED), problems, required=False)
    if subject is not None and parent is not None and subject.object_id == parent:
        problems.add("ParentConfidentialObjectId", PARENT_IS_CHILD)
    problems.raise_if_any()
    assert subject is not None and parent is not None
    return AssociateParent(subject, parent, from_time.at if from_time else None)


def _safety_object(body: Mapping[str, Any], problems: Problems) -> SafetyObject | None:
    holder = values.required_object(body, "patientSafetyObject", "PatientSafetyObject", problems)
    if holder is None:
        return None
    person = values.required_object(holder, "person", "PatientSafetyObject.Person", problems)
    off_id = values.off_id(member(person, "offId"), "PatientSafetyObject.Person.OffId", problems) if person is not None else None
    object_id = values.object_id(holder, "confidentialObjectId", "PatientSafetyObject.ConfidentialObjectId", problems)
    if off_id is None or object_id is None:
        return None
    return SafetyObject(off_id, object_id)


def derive_child(parent: Restriction, delay_from_time: dt.datetime | None) -> Restriction:
    """The restriction a child object gets from its parent's current one (see the module's notes)."""
    if parent.code == CODE_N:
        return Restriction(CODE_N, delay_from_time=delay_from_time, cause=DERIVED)
    if parent.withheld_forever:
        return Restriction(parent.code, withheld_forever=True, delay_from_time=delay_from_time, cause=DERIVED)
    if parent.delay_days is not None:
        if delay_from_time is None:
            raise errors.invalid("DelayFromTime", FROM_TIME_NEEDED)
        try:
            until = delay_from_time + dt.timedelta(days=parent.delay_days)
        except OverflowError:
            until = values.FOREVER_FROM
        if until >= values.FOREVER_FROM:
            return Restriction(parent.code, withheld_forever=True, delay_from_time=delay_from_time, cause=DERIVED)
        return Restriction(parent.code, delay_delivery_until=until, delay_from_time=delay_from_time, cause=DERIVED)
    return Restriction(parent.code, delay_delivery_until=parent.delay_delivery_until, delay_from_time=delay_from_time, cause=DERIVED)
