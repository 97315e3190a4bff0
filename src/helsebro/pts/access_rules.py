"""May health professional X see document Y of person Z now? (ours: ``POST /pts/v0.5/access-check``)

One answer from both areas of PTS, with a reason for every restriction that speaks:

- patient safety: the object's current restriction withholds it while its ``delayDeliveryUntil`` lies ahead,
  and for good under a ``NORN_*`` code (a child answer report carries the restriction derived from its
  requisition). An emergency does not lift these.
- patient privacy: every restriction of the person that is not revoked, is in force now (``validFrom`` ..
  ``validTo``), keeps this professional out (``subjectScope``) and covers the document (``objectScope``).
  ``Hard`` always refuses; ``Soft`` refuses unless the caller says it is an emergency, and is then reported
  as overridden. A ``TimeRange`` needs the document's time: ``documentTime`` if given, else the time the
  answer was produced (the ``delayFromTime`` of its restriction); when neither is known the restriction is
  taken to cover the document, the safe side.

Note for users: the documentation's ``NORN_*`` grounds read like the grounds for denying a patient access to
their own record; helsebro applies them to health personnel here because this check is ours and asks
about both areas at once. The reasons say which area spoke, so a client can weigh them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from helsebro.pts import values
from helsebro.pts.errors import Problems
from helsebro.pts.privacy_rules import BLOCK, HARD, SOFT, PrivacyTerms
from helsebro.pts.safety_rules import Restriction
from helsebro.pts.values import ObjectId, member

SAFETY_AREA, PRIVACY_AREA = "patient-safety", "patient-privacy"
HPR_NEEDED = "HprNumber is required when the access token names no health professional"


@dataclass(frozen=True)
class AccessQuestion:
    off_id: str
    hpr_number: str
    object_id: ObjectId
    document_time: dt.datetime | None
    emergency: bool


@dataclass(frozen=True)
class SafetyFact:
    restriction_id: str
    restriction: Restriction


@dataclass(frozen=True)
class PrivacyFact:
    restriction_id: str
    terms: PrivacyTerms
    revoked: bool


@dataclass(frozen=True)
class Reason:
    area: str
    restriction_id: str
    rule: str
    message: str
    overridable: bool
    overridden: bool = False
    until: str | None = None

    def as_wire(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "restrictionId": self.restriction_id,
            "rule": self.rule,
            "message": self.message,
            "overridable": self.overridable,
            "overridden": self.overridden,
            "until": self.until,
        }


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Reason, ...]

    def as_wire(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reasons": [r.as_wire() for r in self.reasons]}


def parse_question(body: Mapping[str, Any], token_hpr_number: str | None) -> AccessQuestion:
    problems = Problems()
    off_id = values.off_id(member(body, "offId"), "OffId", problems)
    hpr_number = member(body, "hprNumber")
    if isinstance(hpr_number, int) and not isinstance(hpr_number, bool):
        hpr_number = str(hpr_number)
    if hpr_number is None:
        hpr_number = token_hpr_number  # the acting professional of a token-exchange token
    if hpr_number is None:
        problems.add("HprNumber", HPR_NEEDED)
    elif not isinstance(hpr_number, str) or not hpr_number.isdigit() or not 1 <= len(hpr_number) <= 9:
        problems.add("HprNumber", "HprNumber must be an HPR number (1 to 9 digits)")
    object_id = values.object_id(body, "confidentialObjectId", "ConfidentialObjectId", problems)
    document_time = values.time(member(body, "documentTime"), "DocumentTime", problems)
    emergency = values.boolean(member(body, "emergency"), "Emergency", problems)
    problems.raise_if_any()
    assert off_id and isinstance(hpr_number, str) and object_id
    return AccessQuestion(off_id, hpr_number, object_id, document_time.at if document_time else None, emergency)


def decide(question: AccessQuestion, safety: SafetyFact | None, privacy: Iterable[PrivacyFact], now: dt.datetime) -> Decision:
    reasons: list[Reason] = []
    if safety is not None:
        reason = _safety_reason(safety, now)
        if reason is not None:
            reasons.append(reason)
    document_time = question.document_time or (safety.restriction.delay_from_time if safety else None)
    for fact in privacy:
        reason = _privacy_reason(fact, question, document_time, now)
        if reason is not None:
            reasons.append(reason)
    return Decision(all(r.overridden for r in reasons), tuple(reasons))


def _safety_reason(fact: SafetyFact, now: dt.datetime) -> Reason | None:
    restriction = fact.restriction
    if not restriction.withholds(now):
        return None
    if restriction.withheld_forever:
        message = f"Withheld for good (confidentialityCode {restriction.code})"
    else:
        message = f"Delivery is delayed until {values.time_text(restriction.delay_delivery_until)} (confidentialityCode {restriction.code})"
    until = values.until_text(restriction.delay_delivery_until, restriction.withheld_forever)
    return Reason(SAFETY_AREA, fact.restriction_id, restriction.code, message, overridable=False, until=until)


def _privacy_reason(fact: PrivacyFact, question: AccessQuestion, document_time: dt.datetime | None, now: dt.datetime) -> Reason | None:
    terms = fact.terms
    if fact.revoked or not terms.in_force(now) or not terms.subject_scope.covers(question.hpr_number):
        return None
    covered = terms.object_scope.covers(document_time)
    if covered is False:
        return None
    what = "Blocked by the patient" if terms.privacy_type == BLOCK else "Shielded by health personnel"
    if terms.privacy_level == HARD:
        how = "Hard: may not be overridden"
    else:
        how = "Soft: overridden in an emergency" if question.emergency else "Soft: may be overridden in an emergency"
    message = f"{what} ({how})"
    if covered is None:
        message += "; the document's time is not known, so the time range is taken to cover it"
    soft = terms.privacy_level == SOFT
    return Reason(
        PRIVACY_AREA,
        fact.restriction_id,
        f"{terms.privacy_type}/{terms.privacy_level}",
        message,
        overridable=soft,
        overridden=soft and question.emergency,
        until=values.time_text(terms.valid_to),
    )
