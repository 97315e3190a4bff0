"""PTS's wire format as pydantic models, for the OpenAPI document only.

Requests are not validated through these: PTS answers broken rules with the documentation's own messages
(``safety_rules``, ``privacy_rules``) and binds property names and enum values case-insensitively, which
pydantic validation would not do.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

ConfidentialityCode = Literal[
    "N", "NORU", "NORN_FFL", "NORN_KUT", "NORN_EPO", "NORN_ALL", "NORN_FOR", "NORN_FFH", "NORN_FPB", "NORN_DUP", "NORN_ANG"
]


class ConfidentialObjectId(BaseModel):
    type: str = Field(description="Rekvisisjon or Svarrapport", examples=["Rekvisisjon"])
    value: str = Field(examples=["5ede44e1-2b0c-4d7c-9b57-3f1c2f1e8a10"])


class Person(BaseModel):
    offId: str = Field(description="Fødselsnummer or D-number, 11 digits", examples=["12048645510"])


class PatientSafetyObject(BaseModel):
    person: Person
    confidentialObjectId: ConfidentialObjectId


class PatientSafetySearch(BaseModel):
    offId: str = Field(examples=["12048645510"])
    confidentialObjectId: ConfidentialObjectId | None = None
    parentConfidentialObjectId: ConfidentialObjectId | None = None
    ApplicableOnly: bool = Field(False, description="Leave out restrictions whose delayDeliveryUntil is in the past (any casing)")


class PatientSafetyCreate(BaseModel):
    patientSafetyObject: PatientSafetyObject
    confidentialityCode: ConfidentialityCode
    delayDeliveryUntil: str | None = Field(None, description="ISO 8601, in the future; not with N or NORN_*")
    delayDays: int | None = Field(None, description="Only on a Rekvisisjon; 1-36500", examples=[14])
    delayFromTime: str | None = None
    cause: Literal["Manual", "Automated"] | None = Field(None, description="v0.5: required")


class AssociateParent(BaseModel):
    patientSafetyObject: PatientSafetyObject
    parentConfidentialObjectId: ConfidentialObjectId
    delayFromTime: str | None = Field(
        None, description="Required when the parent's restriction has delayDays", examples=["2026-11-23T08:00:00Z"]
    )
    cause: Literal["Manual", "Automated", "Derived"] | None = Field(None, description="v0.5, optional: the service sets Derived")


class AccessRestriction(BaseModel):
    id: str
    version: int
    isCurrent: bool = Field(description="Exactly one restriction of an attribute is current")
    confidentialityCode: ConfidentialityCode
    delayDeliveryUntil: str | None = Field(description="9999-12-31T23:59:59.9999999Z: withheld for good (NORN_*)")
    delayDays: int | None
    delayFromTime: str | None
    cause: Literal["Manual", "Automated", "Derived"] | None = Field(None, description="v0.5 only")
    createdTime: str
    createdBy: str | None


class ParentRef(BaseModel):
    id: str
    confidentialObjectId: ConfidentialObjectId


class ConfidentialAttribute(BaseModel):
    id: str
    createdTime: str
    modifiedTime: str
    createdBy: str | None = Field(description="client_id")
    parent: ParentRef | None
    offId: str
    confidentialObjectId: ConfidentialObjectId
    accessRestrictions: list[AccessRestriction] = Field(description="Newest first; earlier versions are kept")


class HprIdentifier(BaseModel):
    type: Literal["HPR"] = "HPR"
    value: str = Field(examples=["565513636"])


class ObjectScope(BaseModel):
    type: Literal["All", "TimeRange"]
    from_: str | None = Field(None, alias="from")
    to: str | None = None


class SubjectScope(BaseModel):
    type: Literal["All", "Specified"]
    identifiers: list[HprIdentifier] = []


class PatientPrivacySearch(BaseModel):
    offId: str = Field(examples=["12048645510"])
    includeRevoked: bool = Field(False, description="helsebro: revoked restrictions too")


class PatientPrivacyCreate(BaseModel):
    offId: str = Field(examples=["12048645510"])
    privacyType: Literal["Shield", "Block"]
    privacyLevel: Literal["Soft", "Hard"]
    restrictionDomain: Literal["PPS"]
    objectScope: ObjectScope
    subjectScope: SubjectScope
    validFrom: str | None = Field(None, description="Default: now", examples=["2026-11-23T00:00:00Z"])
    validTo: str | None = None


class PrivacyRestriction(BaseModel):
    id: str
    offId: str
    privacyType: Literal["Shield", "Block"]
    privacyLevel: Literal["Soft", "Hard"]
    restrictionDomain: Literal["PPS"]
    objectScope: ObjectScope
    subjectScope: SubjectScope
    validFrom: str
    validTo: str | None
    status: Literal["Active", "Pending", "Expired", "Revoked"]
    version: int
    createdTime: str
    modifiedTime: str
    createdBy: str | None
    revokedTime: str | None
    revokedBy: str | None


class PrivacyHistoryEntry(BaseModel):
    version: int
    action: Literal["Created", "Revoked"]
    time: str
    changedBy: str | None
    restriction: dict[str, Any] = Field(description="The restriction as it stood after this change")


class PrivacyRestrictionWithHistory(PrivacyRestriction):
    history: list[PrivacyHistoryEntry]


class AccessCheck(BaseModel):
    offId: str = Field(examples=["12048645510"])
    hprNumber: str | None = Field(None, description="Default: the acting professional of a token-exchange token", examples=["565513636"])
    confidentialObjectId: ConfidentialObjectId
    documentTime: str | None = Field(None, description="When the result was produced (for TimeRange restrictions)")
    emergency: bool = Field(False, description="Soft privacy restrictions are overridden in an emergency")


class AccessReason(BaseModel):
    area: Literal["patient-safety", "patient-privacy"]
    restrictionId: str
    rule: str = Field(examples=["NORU", "Shield/Hard"])
    message: str
    overridable: bool
    overridden: bool
    until: str | None


class AccessDecision(BaseModel):
    allowed: bool
    reasons: list[AccessReason]


class ProblemDetails(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: dict[str, list[str]] | None = Field(None, description="Per property, for a validation problem")


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """An ``openapi_extra`` request body for a handler that reads the body itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": _inline_schema(model)}}}}


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


API_VERSION_HEADER: dict[str, Any] = {
    "name": "api-version",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "enum": ["0.3", "0.4"], "default": "0.4"},
    "description": "0.3 or 0.4 on the unprefixed routes (missing: 0.4); v0.5 lives under /pts/v0.5",
}

_PROBLEM = {"application/problem+json": {"schema": _inline_schema(ProblemDetails)}}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Validation problem (RFC 9457, with errors per property)", "content": _PROBLEM},
    401: {"description": "No, a bad or a non-DPoP token, or a missing or stale DPoP proof", "content": _PROBLEM},
    403: {"description": "Token lacks scope nhn:pts/api or the audit claims", "content": _PROBLEM},
}


# -- the operator API's PTS endpoints (its style: camelCase, Norwegian names) ----------------------------------


class PtsLoggpost(BaseModel):
    id: int
    tidspunkt: str
    clientId: str | None
    orgnrParent: str | None
    orgnrChild: str | None
    orgnrSupplier: str | None
    hprNummer: str | None = Field(description="The acting health professional (token exchange), if any")
    metode: str
    rute: str = Field(description="The route template", examples=["/pts/v0.5/access-restrictions/patient-safety"])
    sti: str = Field(description="The path as called")
    apiVersjon: str | None
    offId: str | None = Field(description="The person the call was about, when known")
    status: int


class PtsLogg(BaseModel):
    totalt: int = Field(description="Antall treff i alt")
    limit: int
    offset: int
    logg: list[PtsLoggpost] = Field(description="Newest first")


class PtsTilbakestilt(BaseModel):
    pts_safety_objects: int
    pts_privacy_restrictions: int
