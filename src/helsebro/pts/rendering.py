"""The PTS wire format (camelCase, reference/pts.md "Model") of what the services hand out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from helsebro.pts import privacy_rules, versions
from helsebro.pts.records import PrivacyHistoryEntry, PrivacyRecord, SafetyAttribute, SafetyVersion
from helsebro.pts.values import time_text, until_text


def safety_attribute(attribute: SafetyAttribute, version: str) -> dict[str, Any]:
    parent = attribute.parent
    return {
        "id": attribute.id,
        "createdTime": time_text(attribute.created_time),
        "modifiedTime": time_text(attribute.modified_time),
        "createdBy": attribute.created_by,
        "parent": {"id": parent.id, "confidentialObjectId": parent.object_id.as_wire()} if parent else None,
        "offId": attribute.off_id,
        "confidentialObjectId": attribute.object_id.as_wire(),
        # Exactly one is current; the earlier ones are kept, newest first.
        "accessRestrictions": [_safety_version(v, version) for v in attribute.versions],
    }


def _safety_version(item: SafetyVersion, version: str) -> dict[str, Any]:
    restriction = item.restriction
    body: dict[str, Any] = {
        "id": item.id,
        "version": item.version,
        "isCurrent": item.is_current,
        "confidentialityCode": restriction.code,
        "delayDeliveryUntil": until_text(restriction.delay_delivery_until, restriction.withheld_forever),
        "delayDays": restriction.delay_days,
        "delayFromTime": time_text(restriction.delay_from_time),
    }
    if versions.has_cause(version):
        body["cause"] = restriction.cause
    body["createdTime"] = time_text(item.created_time)
    body["createdBy"] = item.created_by
    return body


def privacy_restriction(record: PrivacyRecord, now: dt.datetime) -> dict[str, Any]:
    terms = record.terms
    object_scope: dict[str, Any] = {"type": terms.object_scope.type}
    if terms.object_scope.type == privacy_rules.TIME_RANGE:
        object_scope.update({"from": time_text(terms.object_scope.start), "to": time_text(terms.object_scope.end)})
    return {
        "id": record.id,
        "offId": terms.off_id,
        "privacyType": terms.privacy_type,
        "privacyLevel": terms.privacy_level,
        "restrictionDomain": terms.restriction_domain,
        "objectScope": object_scope,
        "subjectScope": {
            "type": terms.subject_scope.type,
            "identifiers": [{"type": privacy_rules.HPR, "value": n} for n in terms.subject_scope.hpr_numbers],
        },
        "validFrom": time_text(terms.valid_from),
        "validTo": time_text(terms.valid_to),
        "status": privacy_rules.status(terms, record.revoked, now),
        "version": record.version,
        "createdTime": time_text(record.created_time),
        "modifiedTime": time_text(record.modified_time),
        "createdBy": record.created_by,
        "revokedTime": time_text(record.revoked_time),
        "revokedBy": record.revoked_by,
    }


def privacy_with_history(record: PrivacyRecord, history: list[PrivacyHistoryEntry], now: dt.datetime) -> dict[str, Any]:
    return {**privacy_restriction(record, now), "history": [_history_entry(e) for e in history]}


def _history_entry(entry: PrivacyHistoryEntry) -> dict[str, Any]:
    return {
        "version": entry.version,
        "action": entry.action,
        "time": time_text(entry.time),
        "changedBy": entry.changed_by,
        "restriction": entry.state,
    }
