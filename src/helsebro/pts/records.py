"""What the PTS tables hold, as the services hand it out: plain data, no database or HTTP."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from helsebro.pts.privacy_rules import PrivacyTerms
from helsebro.pts.safety_rules import Restriction
from helsebro.pts.values import ObjectId


@dataclass(frozen=True)
class Actor:
    """Who changes something: the API client, and the health professional acting through it (if the token
    names one)."""

    client_id: str | None
    hpr_number: str | None = None


@dataclass(frozen=True)
class SafetyVersion:
    id: str
    version: int
    is_current: bool
    restriction: Restriction
    created_time: dt.datetime
    created_by: str | None


@dataclass(frozen=True)
class ParentRef:
    id: str
    object_id: ObjectId


@dataclass(frozen=True)
class SafetyAttribute:
    """A confidential object of one person with every version of its restriction, newest first."""

    id: str
    off_id: str
    object_id: ObjectId
    parent: ParentRef | None
    created_time: dt.datetime
    modified_time: dt.datetime
    created_by: str | None
    versions: tuple[SafetyVersion, ...]

    @property
    def current(self) -> SafetyVersion:
        return next(v for v in self.versions if v.is_current)


@dataclass(frozen=True)
class PrivacyRecord:
    id: str
    terms: PrivacyTerms
    version: int
    created_time: dt.datetime
    modified_time: dt.datetime
    created_by: str | None
    revoked_time: dt.datetime | None
    revoked_by: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_time is not None


@dataclass(frozen=True)
class PrivacyHistoryEntry:
    version: int
    action: str
    time: dt.datetime
    changed_by: str | None
    state: dict[str, Any]
