"""The operator's pages for injected faults (Feil) and the request journal (Forespørsler), ours: the same rules
and messages as the operator API (``operator.fault_routes``, ``operator.journal_routes``).

Each form that changes something carries the session's CSRF token and answers with a redirect back (a reload
does not add a fault twice), a refusal with the page and the service's message. The journal's filters are a
plain GET form; each refused call links to its page with the token inspector's verdict.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from helsebro import _time, services
from helsebro.auth import inspection
from helsebro.errors import HelsenorgeError
from helsebro.operator import fault_routes, journal_routes
from helsebro.operator.errors import invalid_request
from helsebro.pages import operator_session as sessions
from helsebro.pages.operator import (
    CHECK_STATUS_TEXT,
    FAULTS_PATH,
    FORM_INVALID,
    OperatorPageRoute,
    SignedIn,
    _page,
    _page_number,
    _redirect,
)
from helsebro.steering import catalogue, faults, journal

PAGE_SIZE = 50
ANSWERS = {
    "feil": "Familiens egen feil",
    "forsinkelse": "Forsinkelse",
    "brudd": "Brutt forbindelse",
    "levering": "Leveringskanal feiler (SvarUt)",
}
METHODS = ("", *catalogue.METHODS)

router = APIRouter(prefix="/operator", include_in_schema=False, route_class=OperatorPageRoute)

Text = Annotated[str, Form(max_length=300)]


def _families() -> list[str]:
    return [family.name for family in catalogue.families()]


async def _faults_page(
    request: Request, session: sessions.OperatorSession, error: str = "", form: dict[str, str] | None = None, status: int = 200
) -> Response:
    stored = await run_in_threadpool(faults.list_all, services.of(request).engine)
    context = {
        "faults": [fault_routes.view(item) for item in stored],
        "families": _families(),
        "answers": ANSWERS,
        "methods": METHODS,
        "form": form or {},
        "error": error,
        "done": request.query_params.get("endret") == "1",
        "example": _time.utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "current": "feil",
    }
    return _page(request, "operator_feil_injisert.html", context, session, status)


@router.get("/feil")
async def faults_page(request: Request, session: SignedIn) -> Response:
    return await _faults_page(request, session)


@router.post("/feil")
async def add_fault(
    request: Request,
    session: SignedIn,
    csrf: Text = "",
    familie: Text = "",
    svar: Text = "feil",
    metode: Text = "",
    rute: Text = "",
    klientId: Text = "",  # noqa: N803
    status: Text = "",
    melding: Text = "",
    forsinkelseMs: Text = "",  # noqa: N803
    kanal: Text = "",
    antall: Text = "",
    varighet: Text = "",
    fra: Text = "",
    til: Text = "",
) -> Response:
    form = {
        "familie": familie,
        "svar": svar,
        "metode": metode,
        "rute": rute,
        "klientId": klientId,
        "status": status,
        "melding": melding,
        "forsinkelseMs": forsinkelseMs,
        "kanal": kanal,
        "antall": antall,
        "varighet": varighet,
        "fra": fra,
        "til": til,
    }
    if not sessions.csrf_ok(request, session, csrf):
        return await _faults_page(request, session, FORM_INVALID, form, 400)
    try:
        body = fault_routes.InjisertFeilInn.model_validate({name: value.strip() for name, value in form.items() if value.strip()})
    except ValidationError as exc:
        return await _faults_page(request, session, invalid_request(exc.errors()).message, form, 400)
    try:
        await run_in_threadpool(fault_routes.create, services.of(request).engine, body)
    except faults.FaultRefused as exc:
        return await _faults_page(request, session, exc.message, form, exc.status)
    return _redirect(FAULTS_PATH + "?endret=1")


@router.post("/feil/fjern-alle")
async def clear_faults(request: Request, session: SignedIn, csrf: Text = "") -> Response:
    if not sessions.csrf_ok(request, session, csrf):
        return await _faults_page(request, session, FORM_INVALID, status=400)
    await run_in_threadpool(faults.clear, services.of(request).engine)
    return _redirect(FAULTS_PATH + "?endret=1")


@router.post("/feil/{fault_id}/fjern")
async def remove_fault(request: Request, session: SignedIn, fault_id: str, csrf: Text = "") -> Response:
    if not sessions.csrf_ok(request, session, csrf):
        return await _faults_page(request, session, FORM_INVALID, status=400)
    try:
        await run_in_threadpool(faults.remove, services.of(request).engine, fault_id[:36])
    except faults.FaultRefused as exc:
        return await _faults_page(request, session, exc.message, status=404)
    return _redirect(FAULTS_PATH + "?endret=1")


# -- the journal ---------------------------------------------------------------------------------------------

JOURNAL_FILTERS = ("klientId", "familie", "metode", "sti", "status", "feilkode", "fra", "til")


def _instant(text: str | None, name: str) -> dt.datetime | None:
    """A filter's instant, parsed; whether it has a time zone is the operator API's rule (``parse_filter``)."""
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise journal_routes.invalid(f"{name} {text!r}: skriv et tidspunkt med tidssone, f.eks. 2027-01-15T09:00:00Z") from None


@router.get("/journal")
async def journal_page(request: Request, session: SignedIn) -> Response:
    asked = {name: request.query_params.get(name, "").strip()[:300] for name in JOURNAL_FILTERS}
    page = _page_number(request.query_params.get("side", "1"))
    error, more = "", False
    entries: list[journal.Entry] = []
    try:
        given = {name: value or None for name, value in asked.items()}
        found = journal_routes.parse_filter(
            given["klientId"],
            given["familie"],
            given["status"],
            _instant(given["fra"], "fra"),
            _instant(given["til"], "til"),
            given["feilkode"],
            given["metode"],
            given["sti"],
        )
        entries, more = await run_in_threadpool(journal.query, services.of(request).engine, found, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    except HelsenorgeError as exc:
        error = exc.message
    query = urlencode({name: value for name, value in asked.items() if value})
    context = {
        "entries": entries,
        "asked": asked,
        "families": _families(),
        "methods": METHODS,
        "error": error,
        "page": page,
        "more": more,
        "query": query,
        "example": _time.utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "current": "journal",
    }
    return _page(request, "operator_journal.html", context, session, 400 if error else 200)


@router.get("/journal/{entry_id}")
async def journal_entry_page(request: Request, session: SignedIn, entry_id: str) -> Response:
    entry = None
    if entry_id.isdigit() and 0 < int(entry_id) < 2**62:
        entry = await run_in_threadpool(journal.get, services.of(request).engine, int(entry_id))
    if entry is None:
        return _page(
            request, "operator_feil.html", {"title": "Fant ikke siden", "message": "Kallet finnes ikke i journalen."}, session, 404
        )
    context: dict[str, Any] = {
        "entry": entry,
        "status_text": CHECK_STATUS_TEXT,
        "check_title": lambda name: inspection.title(name, "nb") if name else "",
        "current": "journal",
        # The stored verdict in the inspector's own shape, for the Tokenkontroll page's table.
        "lines": [inspection.Line(v["kontroll"], v["status"], v["en"], v["nb"], v["avgjorende"]) for v in entry.verdict or ()],
    }
    return _page(request, "operator_journal_kall.html", context, session)
