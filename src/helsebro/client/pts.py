"""NHN PTS (personvern og tilgangsstyring): patient-safety and patient-privacy access restrictions.

PTS takes only DPoP-bound HelseID tokens (audience ``nhn:pts``, scope ``nhn:pts/api``), with a fresh proof on
every request: build the auth from a ``HelseId`` with DPoP, from client credentials or, preferred, a token
exchange of the professional's user token (``PtsClient.with_token_exchange``).

Patient safety goes to the v0.5 routes (``/v0.5/access-restrictions/patient-safety``), patient privacy to the
unprefixed ones, as NHN documents them. ``get_restriction``, ``revoke_privacy`` and ``access_check`` are
helsebro's own additions.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any, Literal, TypedDict, cast

import httpx

from helsebro.client._base import ServiceClient
from helsebro.client.auth import AccessToken, HelseId, HelseIdAuth
from helsebro.client.errors import PtsProblem

PTS_AUDIENCE = "nhn:pts"
PTS_SCOPE = "nhn:pts/api"
SAFETY = "/v0.5/access-restrictions/patient-safety"
PRIVACY = "/access-restrictions/patient-privacy"


class ConfidentialObjectId(TypedDict):
    type: str  # "Rekvisisjon", "Svarrapport"
    value: str


class AccessRestriction(TypedDict, total=False):
    id: str
    version: int
    isCurrent: bool
    confidentialityCode: str
    delayDeliveryUntil: str | None
    delayDays: int | None
    delayFromTime: str | None
    cause: str | None
    createdTime: str
    createdBy: str | None


class ConfidentialAttribute(TypedDict, total=False):
    id: str
    createdTime: str
    modifiedTime: str
    createdBy: str | None
    parent: dict[str, Any] | None
    offId: str
    confidentialObjectId: ConfidentialObjectId
    accessRestrictions: list[AccessRestriction]


class PrivacyRestriction(TypedDict, total=False):
    id: str
    offId: str
    privacyType: Literal["Shield", "Block"]
    privacyLevel: Literal["Soft", "Hard"]
    restrictionDomain: Literal["PPS"]
    objectScope: dict[str, Any]
    subjectScope: dict[str, Any]
    validFrom: str
    validTo: str | None
    status: Literal["Active", "Pending", "Expired", "Revoked"]
    version: int
    createdTime: str
    modifiedTime: str
    createdBy: str | None
    revokedTime: str | None
    revokedBy: str | None
    history: list[dict[str, Any]]


class AccessReason(TypedDict):
    area: Literal["patient-safety", "patient-privacy"]
    restrictionId: str
    rule: str
    message: str


class AccessDecision(TypedDict):
    allowed: bool
    reasons: list[AccessReason]


def _time(value: dt.datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _object(object_type: str, object_id: str) -> ConfidentialObjectId:
    return {"type": object_type, "value": object_id}


class _ExchangedToken:
    """A token-exchange token for PTS, exchanged again when it runs out (the subject token is asked for anew)."""

    def __init__(self, helseid: HelseId, subject_token: Any):
        self._helseid = helseid
        self._subject_token = subject_token
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def __call__(self, fresh: bool) -> AccessToken:
        with self._lock:
            if self._token is None or fresh or not self._token.fresh():
                subject = self._subject_token() if callable(self._subject_token) else self._subject_token
                self._token = self._helseid.exchange(subject, PTS_AUDIENCE, PTS_SCOPE)
            return self._token


class PtsClient(ServiceClient):
    error_type = PtsProblem

    def __init__(
        self, base_url: str, helseid: HelseId, *, auth: httpx.Auth | None = None, http: httpx.Client | None = None, timeout: float = 30.0
    ):
        """``base_url``: PTS's own (``https://api.test.pts.nhn.no``, or ``<helsebro>/pts``). Client-credentials
        tokens unless ``auth`` is given (see ``with_token_exchange``)."""
        if helseid.dpop is None:
            raise ValueError("PTS requires DPoP: give the HelseId a DPoP key")
        super().__init__(base_url, auth or helseid.auth([PTS_SCOPE]), http=http, timeout=timeout)

    @classmethod
    def with_token_exchange(cls, base_url: str, helseid: HelseId, subject_token: Any, **kwargs: Any) -> PtsClient:
        """Act for a health professional: their user token (a string, or a function that returns a current
        one) is exchanged for a PTS token, as NHN prefers."""
        if helseid.dpop is None:
            raise ValueError("PTS requires DPoP: give the HelseId a DPoP key")
        return cls(base_url, helseid, auth=HelseIdAuth(_ExchangedToken(helseid, subject_token), helseid.dpop), **kwargs)

    # -- patient safety --

    def create_safety_restriction(
        self,
        off_id: str,
        object_type: str,
        object_id: str,
        confidentiality_code: str,
        *,
        delay_days: int | None = None,
        delay_delivery_until: dt.datetime | str | None = None,
        cause: Literal["Manual", "Automated"] = "Manual",
    ) -> ConfidentialAttribute:
        body: dict[str, Any] = {
            "patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": _object(object_type, object_id)},
            "confidentialityCode": confidentiality_code,
            "cause": cause,
        }
        if delay_days is not None:
            body["delayDays"] = delay_days
        if delay_delivery_until is not None:
            body["delayDeliveryUntil"] = _time(delay_delivery_until)
        return cast(ConfidentialAttribute, self.request("POST", SAFETY, json=body).json())

    def associate_parent(
        self, off_id: str, child: ConfidentialObjectId, parent: ConfidentialObjectId, delay_from_time: dt.datetime | str | None = None
    ) -> ConfidentialAttribute:
        body: dict[str, Any] = {
            "patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": child},
            "parentConfidentialObjectId": parent,
        }
        if delay_from_time is not None:
            body["delayFromTime"] = _time(delay_from_time)
        return cast(ConfidentialAttribute, self.request("POST", SAFETY + "/associate-parent", json=body).json())

    def search_safety(
        self, off_id: str, *, confidential_object_id: ConfidentialObjectId | None = None, applicable_only: bool = False
    ) -> list[ConfidentialAttribute]:
        body: dict[str, Any] = {"offId": off_id}
        if confidential_object_id is not None:
            body["confidentialObjectId"] = confidential_object_id
        if applicable_only:
            body["ApplicableOnly"] = True  # the documentation's casing
        return cast(list[ConfidentialAttribute], self.request("POST", SAFETY + "/_search", json=body).json())

    # -- patient privacy --

    def create_privacy_restriction(
        self,
        off_id: str,
        privacy_type: Literal["Shield", "Block"],
        privacy_level: Literal["Soft", "Hard"],
        *,
        hpr_numbers: Iterable[str] | None = None,
        object_scope: dict[str, Any] | None = None,
        valid_from: dt.datetime | str | None = None,
        valid_to: dt.datetime | str | None = None,
    ) -> PrivacyRestriction:
        """``hpr_numbers``: the professionals it applies to (None: all); ``object_scope`` default ``{"type": "All"}``."""
        subject: dict[str, Any] = (
            {"type": "All"}
            if hpr_numbers is None
            else {"type": "Specified", "identifiers": [{"type": "HPR", "value": n} for n in hpr_numbers]}
        )
        body: dict[str, Any] = {
            "offId": off_id,
            "privacyType": privacy_type,
            "privacyLevel": privacy_level,
            "restrictionDomain": "PPS",
            "objectScope": object_scope or {"type": "All"},
            "subjectScope": subject,
        }
        body |= {k: _time(v) for k, v in (("validFrom", valid_from), ("validTo", valid_to)) if v is not None}
        return cast(PrivacyRestriction, self.request("POST", PRIVACY, json=body).json())

    def search_privacy(self, off_id: str, *, include_revoked: bool = False) -> list[PrivacyRestriction]:
        body: dict[str, Any] = {"offId": off_id} | ({"includeRevoked": True} if include_revoked else {})
        return cast(list[PrivacyRestriction], self.request("POST", PRIVACY + "/_search", json=body).json())

    def revoke_privacy_restriction(self, restriction_id: str) -> PrivacyRestriction:
        return cast(PrivacyRestriction, self.request("POST", f"{PRIVACY}/{restriction_id}/revoke").json())

    # -- helsebro's own --

    def get_restriction(self, area: Literal["patient-safety", "patient-privacy"], restriction_id: str) -> dict[str, Any]:
        """One restriction with its history (a ConfidentialAttribute, or a PrivacyRestriction with ``history``)."""
        prefix = "/v0.5" if area == "patient-safety" else ""
        return cast(dict[str, Any], self.request("GET", f"{prefix}/access-restrictions/{area}/{restriction_id}").json())

    def access_check(
        self, off_id: str, object_type: str, object_id: str, *, hpr_number: str | None = None, emergency: bool = False
    ) -> AccessDecision:
        body: dict[str, Any] = {"offId": off_id, "confidentialObjectId": _object(object_type, object_id), "emergency": emergency}
        if hpr_number is not None:
            body["hprNumber"] = hpr_number
        return cast(AccessDecision, self.request("POST", "/v0.5/access-check", json=body).json())
