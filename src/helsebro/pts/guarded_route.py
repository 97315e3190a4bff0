"""The route class of every PTS endpoint: the token first, then the audit of whatever happens.

The token must be HelseID's (or a trusted issuer's) for audience ``nhn:pts`` with scope ``nhn:pts/api``,
DPoP-bound, with a fresh proof on every request (reference/pts.md). A request without such a token is
refused by the guard and not audited (it names nobody reliably; the guard logs it). From there on every
outcome is audited: a token without the audit claims is refused with 403, and a call that fails is recorded
on its own, after its work was rolled back. A call that succeeds is recorded by ``routes`` in the
transaction of its work.
"""

from __future__ import annotations

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from helsebro import db, services
from helsebro._time import utcnow
from helsebro.auth import access
from helsebro.auth.access import Access
from helsebro.auth.scopes import PTS_AUDIENCE, PTS_SCOPE
from helsebro.errors import ProblemError
from helsebro.logs import get_logger
from helsebro.pts import audit, errors, values, versions

log = get_logger(__name__)


ACCESS = Access(PTS_AUDIENCE, PTS_SCOPE, dpop=True)


class GuardedRoute(access.GuardedRoute):
    default_access = ACCESS

    def wrap(self, handle: access.RouteHandler, requirement: Access) -> access.RouteHandler:
        route = self.path

        async def guarded(request: Request) -> Response:
            svc = services.of(request)
            principal = await access.authorize(request, requirement)
            call = audit.Call(utcnow(), principal.claims, request.method, route, request.url.path)
            request.state.pts_call = call
            try:
                missing = call.missing_claims()
                if missing:
                    raise errors.audit_claims_missing(missing)
                response = await handle(request)
            except Exception as exc:
                if call.off_id is None:
                    call.off_id = await _off_id_sent(request)
                await _record_alone(svc.engine, call, _status_of(exc))
                raise
            if not call.recorded:
                await _record_alone(svc.engine, call, response.status_code)
            response.headers[versions.SUPPORTED_HEADER] = versions.SUPPORTED
            return response

        return guarded


def current_call(request: Request) -> audit.Call:
    return request.state.pts_call


async def _record_alone(engine: sa.Engine, call: audit.Call, status: int) -> None:
    def record() -> None:
        with db.write(engine) as conn:
            audit.record(conn, call, status)

    try:
        await run_in_threadpool(record)
        call.recorded = True
    except Exception as exc:  # noqa: BLE001  (the call's own answer, most likely a 500 already, goes out)
        log.error("pts audit record failed", route=call.route, status=status, error_type=type(exc).__name__)


async def _off_id_sent(request: Request) -> str | None:
    """Whom a refused call was about, if its body says so (read leniently: it may be what was refused)."""
    try:
        return values.off_id_in(values.read_body(await request.body()))
    except Exception:  # noqa: BLE001  (no body, not JSON: nobody named)
        return None


def _status_of(exc: Exception) -> int:
    if isinstance(exc, ProblemError):
        return exc.status
    if isinstance(exc, HTTPException):
        return exc.status_code
    status = getattr(exc, "status", None)  # AuthFailure and the other families' errors
    return status if isinstance(status, int) else 500
