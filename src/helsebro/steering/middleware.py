"""The two ASGI middlewares of steering: ``Faults`` answers a call an injected fault matches before any
route runs (so nothing is written), and ``Journal`` records every call to a family's API. Both find the
family from the path (``steering.catalogue``) and render in its own error format: neither names a family.

``Journal`` sits outside the request limits (an oversized body refused with 413 is a call too), ``Faults``
inside them, after the case-insensitive path rewrite. A call is recorded before its last byte is sent, so
a client that got its answer finds the call in the journal.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helsebro import _time, formats
from helsebro.auth.guard import AuthFailure, Principal, parse_authorization
from helsebro.casing import RAW_PATH_KEY
from helsebro.errors import shown_path
from helsebro.family import Family
from helsebro.identifiers import mask_numbers
from helsebro.logs import get_logger
from helsebro.steering import catalogue, faults, masking
from helsebro.steering import journal as journal_store
from helsebro.steering.faults import DELAY, DROP, Fault

log = get_logger(__name__)

FAULT_KEY = "helsebro.fault"  # scope["state"]: the id of the fault that answered
CLIENT_KEY = "helsebro.claimed_client"  # scope["state"]: the client a token request named
DROP_EXTENSION = "helsebro.drop"  # scope["extensions"]: closes the connection (helsebro.http_protocol)
_ERROR_BODY_BYTES = 16 * 1024  # of an error answer, read for its code
_FORM_BYTES = 64 * 1024  # of a token request, read for the client it names (the OAuth body limit)
_FORM = "application/x-www-form-urlencoded"
_ORGNR_CLAIMS = ("helseid://claims/client/claims/orgnr_parent", "orgnr")


class ConnectionDropped(Exception):
    """A drop fault where the server cannot close the connection itself (an in-process test client)."""


def _services(scope: Scope) -> Any:
    return scope["app"].state.services


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


# -- who is calling ---------------------------------------------------------------------------------------------


def organisation_of(claims: dict[str, Any]) -> str | None:
    """The organisation a token acts for: HelseID's orgnr_parent, or Maskinporten's consumer (0192:orgnr)."""
    for name in _ORGNR_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value[:20]
    consumer = claims.get("consumer")
    if isinstance(consumer, dict):
        _, _, orgnr = str(consumer.get("ID", "")).partition(":")
        return orgnr[:20] or None
    return None


def _unverified_claims(jwt: str) -> dict[str, Any]:
    try:
        part = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def client_named_by(form: bytes, authorization: str | None) -> str | None:
    """The client a token request names (client_secret_basic, the form's client_id, or its assertion's iss);
    who it claims to be, not yet who it proved to be."""
    if authorization and authorization[:6].lower() == "basic ":
        try:
            user = base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")[0]
        except (ValueError, binascii.Error):
            user = ""
        if user:
            return user[:200]
    try:
        fields = dict(parse_qsl(form.decode("utf-8"), max_num_fields=64))
    except (UnicodeDecodeError, ValueError):
        return None
    named = fields.get("client_id") or _unverified_claims(fields.get("client_assertion", "")).get("iss")
    return named[:200] if isinstance(named, str) and named else None


async def _token_principal(scope: Scope) -> Principal | None:
    try:
        _, token = parse_authorization(_header(scope, b"authorization"))
    except AuthFailure:
        return None
    return await _services(scope).guard.principal_for(token)


# -- faults ---------------------------------------------------------------------------------------------------


class Faults:
    def __init__(self, app: ASGIApp, refresh_seconds: float = faults.REFRESH_SECONDS):
        self.app = app
        self.refresh_seconds = refresh_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        engine = _services(scope).engine
        cache = faults.CACHE.of(engine, self.refresh_seconds)
        current = await run_in_threadpool(cache.load, engine) if cache.claim_refresh() else cache.current()
        family = catalogue.family_of(scope["path"]) if current else None
        mine = tuple(f for f in current if family is not None and f.family == family.name)
        if family is None or not mine:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        route = catalogue.route_of(family, method, scope["path"])
        client_id = None
        if any(f.client_id for f in mine):
            client_id, receive = await self._client(scope, receive)
        found = faults.matching(mine, family.name, method, route, client_id)
        if found is None or not await run_in_threadpool(faults.take, engine, found):
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})[FAULT_KEY] = found.id
        log.info("fault injected", family=family.name, kind=found.kind, fault=found.id)
        if found.kind == DELAY:
            await asyncio.sleep((found.delay_ms or 0) / 1000)
            await self.app(scope, receive, send)
        elif found.kind == DROP:
            drop: Callable[[], None] | None = (scope.get("extensions") or {}).get(DROP_EXTENSION)
            if drop is None:
                raise ConnectionDropped(found.id)
            drop()
        else:
            await _error(found, family, route, scope, receive, send)

    async def _client(self, scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
        """The calling client: the one its access token names (signature and times checked), else the one a
        token request names (its form read here, and handed on to the route unchanged)."""
        principal = await _token_principal(scope)
        if principal is not None:
            return principal.client_id, receive
        authorization = _header(scope, b"authorization")
        if (_header(scope, b"content-type") or "").split(";")[0].strip().lower() != _FORM:
            return client_named_by(b"", authorization), receive
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body") or size > _FORM_BYTES:
                break
        form = b"".join(m.get("body", b"") for m in messages)

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        scope.setdefault("state", {})[CLIENT_KEY] = client_named_by(form, authorization)
        return scope["state"][CLIENT_KEY], replay


async def _error(found: Fault, family: Family, route: str | None, scope: Scope, receive: Receive, send: Send) -> None:
    outage = family.errors.outage
    message = found.message or outage.message
    response: Response | None = None
    if family.error_redirect is not None and route is not None:
        # An authorization endpoint's fault goes back to the client, as its real errors do.
        response = await family.error_redirect(Request(scope, receive), route, outage.code, message)
    if response is None:
        status = found.status or outage.status
        headers = {"Retry-After": "1"} if status in (429, 503) else None
        path = scope.get(RAW_PATH_KEY) or scope["path"]
        response = family.errors.render(path, status, outage.code, message, headers)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


# -- the journal ----------------------------------------------------------------------------------------------


class _Call:
    """What the journal learns of one call while it runs."""

    def __init__(self, scope: Scope, settings: journal_store.JournalSettings, oauth: bool):
        self.started = time.perf_counter()
        self.real_at = _time.real_utcnow()
        self.at = _time.state().now(self.real_at)  # the server clock, from the same reading
        self.status = 0
        self.content_type = ""
        self.body_cap = settings.body_bytes if settings.bodies else 0
        self.request_cap = max(self.body_cap, _FORM_BYTES if oauth else 0)
        self.request: list[bytes] = []
        self.request_size = 0
        self.response: list[bytes] = []
        self.response_size = 0
        self.recorded = False

    def took_request(self, chunk: bytes) -> None:
        if self.request_size < self.request_cap:
            self.request.append(chunk[: self.request_cap - self.request_size + 1])
        self.request_size += len(chunk)

    def took_response(self, chunk: bytes) -> None:
        cap = max(self.body_cap, _ERROR_BODY_BYTES if self.status >= 400 else 0)
        if self.response_size < cap:
            self.response.append(chunk[: cap - self.response_size + 1])
        self.response_size += len(chunk)


class Journal:
    def __init__(self, app: ASGIApp, settings: journal_store.JournalSettings | None = None):
        self.app = app
        self.settings = settings or journal_store.JournalSettings()
        self._recorder: tuple[Any, journal_store.Recorder] | None = None  # (engine, its recorder): looked up once

    def recorder(self, engine: Any) -> journal_store.Recorder:
        known = self._recorder
        if known is None or known[0] is not engine:
            known = self._recorder = (engine, journal_store.recorder(engine, self.settings))
        return known[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        family = catalogue.family_of(scope["path"]) if scope["type"] == "http" and self.settings.enabled else None
        if family is None:
            await self.app(scope, receive, send)
            return
        call = _Call(scope, self.settings, family.errors is formats.OAUTH)
        state = scope.setdefault("state", {})

        async def journal_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                call.took_request(message.get("body", b""))
            return message

        async def journal_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                call.status = message["status"]
                call.content_type = next((v.decode("latin-1") for k, v in message.get("headers", ()) if k.lower() == b"content-type"), "")
            elif message["type"] == "http.response.body":
                call.took_response(message.get("body", b""))
                if not message.get("more_body") and not call.recorded:
                    await self._record(scope, state, family, call)
            await send(message)

        try:
            await self.app(scope, journal_receive, journal_send)
        finally:
            if not call.recorded:  # dropped, or the app failed before answering (the server answers 500)
                call.status = call.status or (0 if state.get(FAULT_KEY) else 500)
                await self._record(scope, state, family, call)

    async def _record(self, scope: Scope, state: dict[str, Any], family: Any, call: _Call) -> None:
        call.recorded = True
        try:
            row = await self._row(scope, state, family, call)
            self.recorder(_services(scope).engine).add(row)
        except Exception as exc:  # noqa: BLE001  (the journal must never break a call)
            log.warning("request not journaled", error_type=type(exc).__name__)

    async def _row(self, scope: Scope, state: dict[str, Any], family: Any, call: _Call) -> dict[str, Any]:
        principal: Principal | None = state.get("principal")
        if principal is None and (call.status in (401, 403) or state.get(FAULT_KEY)):
            # Refused on its scope or audience, or answered by a fault before the guard ran: the client its
            # token names, when the signature and times are good (a forged token names nobody).
            principal = await _token_principal(scope)
        request_body = b"".join(call.request)
        client_id = principal.client_id if principal else state.get(CLIENT_KEY)
        if client_id is None and family.errors is formats.OAUTH:
            client_id = state.get(CLIENT_KEY) or client_named_by(request_body[:_FORM_BYTES], _header(scope, b"authorization"))
        if client_id is not None and principal is None:
            # Only named, not proved: whatever the caller typed there (a fødselsnummer, a pasted token) is masked.
            client_id = masking.text(client_id)
        response_body = b"".join(call.response)
        row: dict[str, Any] = {
            "at": call.at,
            "real_at": call.real_at,
            "family": family.name,
            "method": scope["method"][:10],
            "path": masking.text(scope.get(RAW_PATH_KEY) or scope["path"])[:2048],
            "query": masking.query(scope.get("query_string", b"").decode("latin-1"))[:2048] or None,
            "client_id": client_id,
            "organisation": organisation_of(principal.claims) if principal else None,
            "status": call.status,
            "error_code": _error_code(family.errors, call.status, response_body),
            "duration_ms": round((time.perf_counter() - call.started) * 1000, 3),
            "fault_id": state.get(FAULT_KEY),
            "refusal_check": None,
            "refusal_reason": None,
            "verdict": None,
            "request_body": None,
            "response_body": None,
        }
        failure: AuthFailure | None = state.get("auth_failure")
        if failure is not None and call.status in (401, 403):
            row.update(await _refusal(scope, failure))
        if call.body_cap:
            request_type = _header(scope, b"content-type") or ""
            row["request_body"] = masking.body(request_body, request_type, call.body_cap, call.request_size)
            row["response_body"] = masking.body(response_body, call.content_type, call.body_cap, call.response_size)
        return row


def _error_code(errors: Any, status: int, body: bytes) -> str | None:
    if status < 400 or not body:
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    code = errors.code_of(parsed) if isinstance(parsed, dict) else None
    return mask_numbers(code)[:100] if code else None


async def _refusal(scope: Scope, failure: AuthFailure) -> dict[str, Any]:
    """The guard's deciding check, and the token inspector's verdict when it agrees with the guard (it
    cannot tell after the fact when the guard used up the DPoP proof before refusing on a later check)."""
    from helsebro.auth import inspection

    reason = masking.text(failure.description)[:500]
    found: dict[str, Any] = {"refusal_check": failure.check or None, "refusal_reason": reason}
    request = Request(scope)
    try:
        report = await inspection.inspect(
            _services(scope).guard,
            _header(scope, b"authorization"),
            proof=_header(scope, b"dpop"),
            method=scope["method"],
            url=str(request.url),
            path=shown_path(request),
        )
    except (inspection.UnusableInput, AuthFailure):
        return found
    if report.failure is not None and report.failure.description == inspection.mask(failure.description):
        decisive = next((line for line in report.lines if line.decisive), None)
        found["refusal_check"] = decisive.name if decisive else found["refusal_check"]
        found["verdict"] = [
            {
                "kontroll": line.name,
                "status": line.status,
                "avgjorende": line.decisive,
                "en": masking.text(line.en),
                "nb": masking.text(line.nb),
            }
            for line in report.lines
        ]
    return found
