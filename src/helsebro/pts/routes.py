"""HTTP face of PTS (seed 002, SPEC section 5, reference/pts.md). Rules live in ``safety_rules``,
``privacy_rules`` and ``access_rules``, data in ``safety``, ``privacy`` and ``service``; this module only
translates.

Patient safety is served as v0.5 under ``/pts/v0.5/...`` and as v0.3/v0.4 on the unprefixed routes (the
``api-version`` header, missing: 0.4). Patient privacy is unprefixed, with ``/pts/v0.5/...`` as an alias.
Every call is authorised and audited by ``GuardedRoute``; one that succeeds is audited in the transaction of
its work. Database work is synchronous (SQLAlchemy Core) and runs in the thread pool.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from helsebro import db, services
from helsebro._time import utcnow
from helsebro.pts import (
    access_rules,
    audit,
    errors,
    privacy,
    privacy_rules,
    rendering,
    safety,
    safety_rules,
    schemas,
    service,
    values,
    versions,
)
from helsebro.pts.guarded_route import GuardedRoute, current_call
from helsebro.pts.records import Actor
from helsebro.responses import JSONResponse

BASE = "/pts"
V05 = "/v0.5"
SAFETY = "/access-restrictions/patient-safety"
PRIVACY = "/access-restrictions/patient-privacy"

router = APIRouter(prefix=BASE, route_class=GuardedRoute, tags=["PTS"], responses=schemas.ERROR_RESPONSES)


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    off_id: str | None = None  # the person the answer is about, for the audit
    headers: dict[str, str] = field(default_factory=dict)


Work = Callable[[sa.Connection, dt.datetime], Outcome]


async def _answer(request: Request, work: Work) -> Response:
    """Do the work and record the call in one transaction: nothing is changed or disclosed unaudited."""
    call = current_call(request)
    engine = services.of(request).engine

    def run() -> Outcome:
        now = utcnow()
        with db.write(engine) as conn:
            outcome = work(conn, now)
            call.off_id = outcome.off_id or call.off_id
            audit.record(conn, call, outcome.status)
        return outcome

    try:
        outcome = await run_in_threadpool(run)
    except sa.exc.IntegrityError as exc:
        raise errors.concurrent_change() from exc
    call.recorded = True
    return JSONResponse(outcome.body, status_code=outcome.status, headers=outcome.headers)


async def _body(request: Request) -> dict[str, Any]:
    body = values.read_body(await request.body())
    current_call(request).off_id = values.off_id_in(body)
    return body


def _is_v05(request: Request) -> bool:
    return request.scope["route"].path.startswith(BASE + V05 + "/")


def _safety_version(request: Request) -> str:
    version = versions.resolve(prefixed=_is_v05(request), header=request.headers.get(versions.HEADER), url=str(request.url))
    current_call(request).api_version = version
    return version


def _actor(request: Request) -> Actor:
    call = current_call(request)
    return Actor(str(call.claims.get("client_id")), call.hpr_number)


def _base(request: Request) -> str:
    return BASE + V05 if _is_v05(request) else BASE


_VERSIONED = {"parameters": [schemas.API_VERSION_HEADER]}


def _docs(model: type, *, versioned: bool) -> dict[str, Any]:
    extra = schemas.request_body(model)
    return {**extra, **_VERSIONED} if versioned else extra


# -- patient safety ------------------------------------------------------------------------------------------


@router.post(
    V05 + SAFETY + "/_search",
    summary="Patient-safety restrictions of a person (v0.5)",
    openapi_extra=_docs(schemas.PatientSafetySearch, versioned=False),
    responses={200: {"model": list[schemas.ConfidentialAttribute]}},
)
@router.post(
    SAFETY + "/_search",
    summary="Patient-safety restrictions of a person (v0.3/v0.4: api-version header)",
    openapi_extra=_docs(schemas.PatientSafetySearch, versioned=True),
    responses={200: {"model": list[schemas.ConfidentialAttribute]}},
)
async def search_safety(request: Request) -> Response:
    version = _safety_version(request)
    query = safety_rules.parse_search(await _body(request))

    def work(conn: sa.Connection, now: dt.datetime) -> Outcome:
        found = safety.search(conn, query, now)
        return Outcome(200, [rendering.safety_attribute(a, version) for a in found], query.off_id)

    return await _answer(request, work)


@router.post(
    V05 + SAFETY,
    summary="Create a patient-safety restriction (v0.5: cause required)",
    status_code=201,
    openapi_extra=_docs(schemas.PatientSafetyCreate, versioned=False),
    responses={201: {"model": schemas.ConfidentialAttribute}, 200: {"model": schemas.ConfidentialAttribute}},
)
@router.post(
    SAFETY,
    summary="Create a patient-safety restriction (v0.3/v0.4: api-version header)",
    status_code=201,
    openapi_extra=_docs(schemas.PatientSafetyCreate, versioned=True),
    responses={201: {"model": schemas.ConfidentialAttribute}, 200: {"model": schemas.ConfidentialAttribute}},
)
async def create_safety(request: Request) -> Response:
    """201 with a new confidential attribute; 200 when the object had one and the restriction became its new
    current version (the earlier ones are kept)."""
    version = _safety_version(request)
    command = safety_rules.parse_create(await _body(request), version, utcnow())
    actor, base = _actor(request), _base(request)

    def work(conn: sa.Connection, now: dt.datetime) -> Outcome:
        attribute, created = safety.create(conn, command, actor, now)
        headers = {"Location": f"{base}/access-restrictions/{access_rules.SAFETY_AREA}/{attribute.id}"}
        return Outcome(201 if created else 200, rendering.safety_attribute(attribute, version), attribute.off_id, headers)

    return await _answer(request, work)


@router.post(
    V05 + SAFETY + "/associate-parent",
    summary="Link a child object to its parent (v0.5); its restriction is derived",
    openapi_extra=_docs(schemas.AssociateParent, versioned=False),
    responses={200: {"model": schemas.ConfidentialAttribute}},
)
@router.post(
    SAFETY + "/associate-parent",
    summary="Link a child object to its parent (v0.3/v0.4: api-version header)",
    openapi_extra=_docs(schemas.AssociateParent, versioned=True),
    responses={200: {"model": schemas.ConfidentialAttribute}},
)
async def associate_parent(request: Request) -> Response:
    version = _safety_version(request)
    command = safety_rules.parse_associate(await _body(request), version)
    actor = _actor(request)

    def work(conn: sa.Connection, now: dt.datetime) -> Outcome:
        attribute = safety.associate_parent(conn, command, actor, now)
        return Outcome(200, rendering.safety_attribute(attribute, version), attribute.off_id)

    return await _answer(request, work)


# -- patient privacy -----------------------------------------------------------------------------------------


@router.post(
    PRIVACY + "/_search",
    summary="Patient-privacy restrictions of a person (not revoked, unless includeRevoked)",
    openapi_extra=schemas.request_body(schemas.PatientPrivacySearch),
    responses={200: {"model": list[schemas.PrivacyRestriction]}},
)
@router.post(
    V05 + PRIVACY + "/_search",
    summary="Patient-privacy restrictions of a person (alias)",
    openapi_extra=schemas.request_body(schemas.PatientPrivacySearch),
    responses={200: {"model": list[schemas.PrivacyRestriction]}},
)
async def search_privacy(request: Request) -> Response:
    query = privacy_rules.parse_search(await _body(request))

    def work(conn: sa.Connection, now: dt.datetime) -> Outcome:
        found = privacy.search(conn, query)
        return Outcome(200, [rendering.privacy_restriction(r, now) for r in found], query.off_id)

    return await _answer(request, work)


@router.post(
    PRIVACY,
    summary="Create a patient-privacy restriction (Shield/Block, Soft/Hard, PPS)",
    status_code=201,
    openapi_extra=schemas.request_body(schemas.PatientPrivacyCreate),
    responses={201: {"model": schemas.PrivacyRestriction}},
)
@router.post(
    V05 + PRIVACY,
    summary="Create a patient-privacy restriction (alias)",
    status_code=201,
    openapi_extra=schemas.request_body(schemas.PatientPrivacyCreate),
    responses={201: {"model": schemas.PrivacyRestriction}},
)
async def create_privacy(request: Request) -> Response:
    terms = privacy_rules.parse_create(await _body(request), utcnow())
    actor, base = _actor(request), _base(request)

    def work(conn: sa.Connection, now: dt.datetime) -> Outcome:
        record = privacy.create(conn, terms, actor, now)
        headers = {"Location": f"{base}/access-restrictions/{access_rules.PRIVACY_AREA}/{record.id}"}
        return Outcome(201, rendering.privacy_restriction(record, now), record.terms.off_id, headers)

    return await _answer(request, work)


@router.post(
    PRIVACY + "/{restriction_id}/revoke",
    summary="Revoke a patient-privacy restriction (helsebro; the row and its history stay)",
    responses={200: {"model": schemas.PrivacyRestriction}, 404: {"description": "Unknown id"}, 409: {"description": "Already revoked"}},
)
@router.post(
    V05 + PRIVACY + "/{restriction_id}/revoke",
    summary="Revoke a patient-privacy restriction (alias)",
    responses={200: {"model": schemas.PrivacyRestriction}, 404: {"description": "Unknown id"}, 409: {"description": "Already revoked"}},
)
async def revoke_privacy(request: Request, restriction_id: str) -> Response:
    actor = _actor(request)

    def work(conn: sa.Connection, now: dt.datetime) -> Outcome:
        record = privacy.revoke(conn, restriction_id, actor, now)
        return Outcome(200, rendering.privacy_restriction(record, now), record.terms.off_id)

    return await _answer(request, work)


# -- helsebro's own: one restriction with its history, the access check ------------------------------------------


@router.get(
    "/access-restrictions/{area}/{restriction_id}",
    summary="One restriction with its history (helsebro)",
    openapi_extra=_VERSIONED,
    responses={
        200: {"model": schemas.ConfidentialAttribute | schemas.PrivacyRestrictionWithHistory},
        404: {"description": "Unknown area or id"},
    },
)
@router.get(
    V05 + "/access-restrictions/{area}/{restriction_id}",
    summary="One restriction with its history (helsebro, v0.5)",
    responses={
        200: {"model": schemas.ConfidentialAttribute | schemas.PrivacyRestrictionWithHistory},
        404: {"description": "Unknown area or id"},
    },
)
async def get_restriction(request: Request, area: str, restriction_id: str) -> Response:
    version = _safety_version(request)

    def work(conn: sa.Connection, now: dt.datetime) -> Outcome:
        off_id, body = service.restriction_by_area(conn, area, restriction_id, version, now)
        return Outcome(200, body, off_id)

    return await _answer(request, work)


@router.post(
    V05 + "/access-check",
    summary="May this health professional see this document of this person now? (helsebro)",
    openapi_extra=schemas.request_body(schemas.AccessCheck),
    responses={200: {"model": schemas.AccessDecision}},
)
async def access_check(request: Request) -> Response:
    question = access_rules.parse_question(await _body(request), current_call(request).hpr_number)

    def work(conn: sa.Connection, now: dt.datetime) -> Outcome:
        return Outcome(200, service.check_access(conn, question, now).as_wire(), question.off_id)

    return await _answer(request, work)
