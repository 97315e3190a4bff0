"""The operator's clock page (ours): the server clock, and forms to move it forward, freeze and release it and
go back to real time, or move it to an instant, with the same rules and messages as the operator API (helsebro.steering.clock).

Each form carries the session's CSRF token; a change answers with a redirect back to the page (so a reload
does not move the clock twice), a refusal with the page and the service's message.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from helsebro import _time, services
from helsebro.pages import operator_session as sessions
from helsebro.pages.operator import FORM_INVALID, OperatorPageRoute, SignedIn, _page, _redirect
from helsebro.steering import clock

CLOCK_PATH = "/operator/klokke"
ACTIONS = ("fram", "til", "frys", "slipp", "sanntid")

router = APIRouter(prefix="/operator", include_in_schema=False, route_class=OperatorPageRoute)


def parse_instant(text: str) -> dt.datetime:
    """The form's ``tid`` as the operator API takes it; ClockRefused naming the form."""
    instant = _time.parse_instant(text)
    if instant is None:
        raise clock.ClockRefused(f"tid {text.strip()!r}: skriv et tidspunkt med tidssone, f.eks. 2027-03-01T08:00:00Z", invalid=True)
    return instant


async def _clock_page(
    request: Request, session: sessions.OperatorSession, error: str = "", varighet: str = "", status: int = 200, tid: str = ""
) -> Response:
    reading = await run_in_threadpool(clock.read, services.of(request).engine)
    context = {
        "reading": reading,
        "ahead_seconds": round((reading.now - reading.real).total_seconds()),
        "frozen": reading.state.frozen_at is not None,
        "error": error,
        "varighet": varighet,
        "tid": tid,
        "example": _time.isoformat_z(reading.now.replace(microsecond=0)),
        "moved": request.query_params.get("flyttet") == "1",
        "current": "klokke",
    }
    return _page(request, "operator_klokke.html", context, session, status)


@router.get("/klokke")
async def clock_page(request: Request, session: SignedIn) -> Response:
    return await _clock_page(request, session)


@router.post("/klokke/{action}")
async def move_clock(
    request: Request,
    session: SignedIn,
    action: str,
    csrf: Annotated[str, Form()] = "",
    varighet: Annotated[str, Form(max_length=40)] = "",
    tid: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if action not in ACTIONS:
        return _page(request, "operator_feil.html", {"title": "Finnes ikke", "message": "Ukjent handling."}, session, 404)
    if not sessions.csrf_ok(request, session, csrf):
        return await _clock_page(request, session, FORM_INVALID, varighet, 400, tid)
    engine = services.of(request).engine
    try:
        if action == "fram":
            await run_in_threadpool(clock.advance, engine, clock.parse_duration(varighet))
        elif action == "til":
            await run_in_threadpool(clock.move_to, engine, parse_instant(tid))
        elif action == "frys":
            await run_in_threadpool(clock.freeze, engine)
        elif action == "slipp":
            await run_in_threadpool(clock.release, engine)
        else:
            await run_in_threadpool(clock.back_to_real_time, engine)
    except clock.ClockRefused as exc:
        return await _clock_page(request, session, exc.message, varighet, 400 if exc.invalid else 409, tid)
    return _redirect(CLOCK_PATH + "?flyttet=1")
