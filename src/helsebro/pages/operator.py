"""The operator's pages (ours): clients, catalog, SvarUt letters with their status timeline, the DigitaltAktiv
change feed, the PTS audit and the token check (Tokenkontroll), behind a login with the operator client's credentials.

Server-rendered, Norwegian, plain HTML, no JavaScript. Reads live in ``pages.operator_views`` (which masks
every fødselsnummer), the login and session in ``pages.operator_session``; this module only translates HTTP.
The JSON operator API is at /operator/api/v1 and is not touched here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Form, Request
from fastapi.routing import APIRoute
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from helsebro import _time, db, services
from helsebro._time import as_utc
from helsebro.auth import inspection
from helsebro.auth.sign_in_limits import TooManyFailures
from helsebro.digitaltaktiv.status import Status
from helsebro.pages import operator_session as sessions
from helsebro.pages import operator_views as views
from helsebro.pages.citizen import STATUS_TEXT
from helsebro.pages.templating import templates


class _NotSignedIn(Exception):
    """From ``signed_in``: the page answers with the way to the login instead (``OperatorPageRoute``)."""


async def signed_in(request: Request) -> sessions.OperatorSession:
    """The operator's session, for a page that needs one (``session: SignedIn``); without one, the login."""
    session = await _session(request)
    if session is None:
        raise _NotSignedIn
    return session


SignedIn = Annotated[sessions.OperatorSession, Depends(signed_in)]


class OperatorPageRoute(APIRoute):
    """An operator page: one that asks for ``SignedIn`` sends a visitor without a session to the login first,
    before its form is read (so nobody learns whether a form was valid without signing in)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handle(request)
            except _NotSignedIn:
                return _to_login(request)

        return page


router = APIRouter(prefix="/operator", include_in_schema=False, route_class=OperatorPageRoute)

LOGIN_PATH = "/operator/logg-inn"
CLIENTS_PATH = "/operator/klienter"
CATALOG_PATH = "/operator/katalog"
LETTERS_PATH = "/operator/brev"
FEED_PATH = "/operator/endringer"
AUDIT_PATH = "/operator/pts-logg"
TOKEN_PATH = "/operator/token"
CLOCK_PATH = "/operator/klokke"  # helsebro.pages.operator_clock
TESTDATA_PATH = "/operator/testdata"  # helsebro.pages.operator_testdata
FAULTS_PATH, JOURNAL_PATH = "/operator/feil", "/operator/journal"  # helsebro.pages.operator_steering
PAGES = (CLIENTS_PATH, CATALOG_PATH, LETTERS_PATH, FEED_PATH, AUDIT_PATH, TOKEN_PATH, CLOCK_PATH, TESTDATA_PATH, FAULTS_PATH, JOURNAL_PATH)
# Where a login may go on to: one of these pages, plain path segments (no dots, no slashes doubled), a plain query.
_OWN_PAGE = re.compile("(?:" + "|".join(map(re.escape, PAGES)) + r")(?:/[A-Za-z0-9-]+)*(?:\?[A-Za-z0-9_=&-]*)?")

# Never cached, never framed, no scripts; forms only post back to this server; images only from here.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

WRONG_CREDENTIALS = "Innloggingen mislyktes: klient-ID eller hemmelighet er feil."
FORM_INVALID = "Skjemaet er utløpt eller ugyldig. Last siden på nytt og prøv igjen."

try:
    _OSLO: dt.tzinfo = ZoneInfo("Europe/Oslo")
except ZoneInfoNotFoundError:  # no tz database on this host: times in UTC
    _OSLO = dt.UTC


# -- Norwegian texts -----------------------------------------------------------------------------------------

KIND_TEXT = {
    "person": "Person",
    "organisasjon": "Organisasjon",
    "nhn": "Helsenettet (NHN)",
    "print": "Utskrift",
}
KEY_KIND_TEXT = {"jwk": "Nøkkel (JWK)", "secret": "Hemmelighet"}
CHANNEL_TEXT = {
    "SDP": "Digital postkasse (Digipost/e-Boks)",
    "INNBYGGER_INNBOKS": "Innboks på Helsenorge/Altinn",
    "PRINT": "Utskrift og post",
    "IKKE_LEVERT": "Ikke levert (kun digital levering)",
    "MANUELL": "Manuell håndtering (utskrift feilet)",
    "SVARINN": "SvarInn",
    "VIRKSOMHET_ALTINN": "Altinn (virksomhet)",
    "NHN": "Helsenettet (NHN)",
}
PROPERTY_TEXT = {
    "fagomrade": "Fagområder",
    "malgruppe": "Målgrupper",
    "sprak": "Språk",
    "innholdstype": "Innholdstyper",
}


def norwegian_time(value: dt.datetime | None) -> str:
    """dd.mm.åååå hh:mm:ss, Norwegian time."""
    if value is None:
        return ""
    return as_utc(value).astimezone(_OSLO).strftime("%d.%m.%Y %H:%M:%S")


def iso_time(value: dt.datetime | None) -> str:
    return as_utc(value).isoformat() if value is not None else ""


def digitaltaktiv_text(status: Status) -> str:
    if status.er_aktiv_selv:
        text = "Digitalt aktiv selv"
    elif status.er_aktiv_via_andre:
        text = "Digitalt aktiv via andre"
    else:
        text = "Ikke digitalt aktiv"
    return text + (", har gitt fullmakt" if status.tildelt_fullmakt else "")


_BREAK_AFTER = re.compile(r"([/_])")


def breakable(value: object) -> Markup:
    """Text that may wrap after a / or _ (paths, statuses, scopes), so a phone need not scroll sideways."""
    return Markup(_BREAK_AFTER.sub(r"\1<wbr>", str(escape(value))))


templates.env.filters["operator_tid"] = norwegian_time
templates.env.filters["operator_brytbar"] = breakable
templates.env.filters["operator_iso"] = iso_time


# -- pages and redirects -------------------------------------------------------------------------------------


def _page(
    request: Request,
    name: str,
    context: dict[str, Any],
    session: sessions.OperatorSession | None,
    status_code: int = 200,
) -> Response:
    common = {
        "session": session,
        "csrf": sessions.csrf_token(request, session) if session else "",
        "current": "",
    }
    return templates.TemplateResponse(
        request,
        name,
        {**common, **context},
        status_code=status_code,
        headers=_PAGE_HEADERS,
    )


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=_PAGE_HEADERS)


def _to_login(request: Request) -> RedirectResponse:
    """Back here after the login: only to one of our own pages (never an address from elsewhere)."""
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return _redirect(LOGIN_PATH + "?" + urlencode({"neste": path}) if _own_page(path) else LOGIN_PATH)


def _own_page(path: str) -> bool:
    return bool(_OWN_PAGE.fullmatch(path))


def _not_found(request: Request, session: sessions.OperatorSession, message: str) -> Response:
    return _page(
        request,
        "operator_feil.html",
        {"title": "Fant ikke siden", "message": message},
        session,
        404,
    )


def _page_number(side: str) -> int:
    return int(side) if side.isdigit() and 0 < int(side) < 1_000_000 else 1


async def _read(request: Request, reader: Any, *args: Any) -> Any:
    engine = services.of(request).engine

    def run() -> Any:
        with db.read(engine) as conn:
            return reader(conn, *args)

    return await run_in_threadpool(run)


async def _session(request: Request) -> sessions.OperatorSession | None:
    return await run_in_threadpool(sessions.current_session, request)


# -- logging in and out --------------------------------------------------------------------------------------


def _login_page(
    request: Request,
    neste: str,
    error: str | None = None,
    client_id: str = "",
    status_code: int = 200,
) -> Response:
    nonce = sessions.login_nonce(request)
    context = {
        "login_csrf": sessions.login_csrf(request, nonce),
        "neste": neste if _own_page(neste) else "",
        "error": error,
        "client_id": client_id,
    }
    response = _page(request, "operator_logg_inn.html", context, None, status_code)
    sessions.remember_login_nonce(request, response, nonce)
    return response


@router.get("/")
async def start(request: Request) -> Response:
    if await _session(request) is None:
        return _redirect(LOGIN_PATH)
    return _redirect(CLIENTS_PATH)


@router.get("/logg-inn")
async def login_form(request: Request, neste: str = "") -> Response:
    if await _session(request) is not None:
        return _redirect(neste if _own_page(neste) else CLIENTS_PATH)
    return _login_page(request, neste)


@router.post("/logg-inn")
async def log_in(
    request: Request,
    klient_id: Annotated[str, Form()] = "",
    hemmelighet: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    neste: Annotated[str, Form()] = "",
) -> Response:
    if not sessions.login_csrf_ok(request, csrf):
        return _login_page(request, neste, FORM_INVALID, klient_id.strip(), 400)
    client = await run_in_threadpool(sessions.sign_in, request, klient_id.strip(), hemmelighet)
    if client is None:
        return _login_page(request, neste, WRONG_CREDENTIALS, klient_id.strip(), 401)
    if isinstance(client, TooManyFailures):
        response = _login_page(request, neste, client.message, klient_id.strip(), 429)
        response.headers["Retry-After"] = str(client.retry_after)
        return response
    response = _redirect(neste if _own_page(neste) else CLIENTS_PATH)
    await run_in_threadpool(sessions.start_session, request, response, client)
    return response


@router.post("/logg-ut")
async def log_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    session = await _session(request)
    if session is not None and not sessions.csrf_ok(request, session, csrf):
        return _page(
            request,
            "operator_feil.html",
            {"title": "Skjemaet er ugyldig", "message": FORM_INVALID},
            session,
            400,
        )
    response = _redirect(LOGIN_PATH + "?utlogget=1")
    await run_in_threadpool(sessions.end_session, request, response)
    return response


# -- the pages -----------------------------------------------------------------------------------------------


@router.get("/klienter")
async def clients_page(request: Request, session: SignedIn) -> Response:
    found = await _read(request, views.clients)
    return _page(
        request,
        "operator_klienter.html",
        {"clients": found, "key_kind_text": KEY_KIND_TEXT, "current": "klienter"},
        session,
    )


@router.get("/katalog")
async def catalog_page(request: Request, session: SignedIn) -> Response:
    found = await _read(request, views.tools)
    return _page(
        request,
        "operator_katalog.html",
        {"tools": found, "current": "katalog"},
        session,
    )


@router.get("/katalog/{tool_id}")
async def tool_page(request: Request, session: SignedIn, tool_id: str) -> Response:
    found = await _read(request, views.tool, str(uuid.UUID(tool_id))) if _is_uuid(tool_id) else None
    if found is None:
        return _not_found(request, session, "Verktøyet finnes ikke i katalogen.")
    context = {
        "detail": found,
        "property_text": PROPERTY_TEXT,
        "task_status_text": STATUS_TEXT,  # the citizen pages' words
        "current": "katalog",
    }
    return _page(request, "operator_verktoy.html", context, session)


@router.get("/katalog/bilde/{image_id}")
async def tool_image(request: Request, session: SignedIn, image_id: str) -> Response:
    found = await _read(request, views.tool_image, int(image_id)) if image_id.isdigit() and len(image_id) < 10 else None
    if found is None:
        return _not_found(request, session, "Bildet finnes ikke.")
    content_type, data, sha256 = found
    headers = {
        "Cache-Control": "private, max-age=3600",
        "ETag": f'"{sha256}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",  # an SVG image runs no script
    }
    return Response(data, media_type=content_type, headers=headers)


@router.get("/brev")
async def letters_page(request: Request, session: SignedIn, status: str = "", side: str = "1") -> Response:
    wanted = status if status in views.STATUSES else ""
    page = await _read(request, views.letters, wanted or None, _page_number(side))
    counts = await _read(request, views.letter_status_counts)
    context = {
        "page": page,
        "status": wanted,
        "statuses": views.STATUSES,
        "counts": counts,
        "kind_text": KIND_TEXT,
        "page_query": (lambda n: urlencode({**({"status": wanted} if wanted else {}), "side": n})),
        "current": "brev",
    }
    return _page(request, "operator_brev.html", context, session)


@router.get("/brev/{letter_id}")
async def letter_page(request: Request, session: SignedIn, letter_id: str) -> Response:
    found = await _read(request, views.letter, str(uuid.UUID(letter_id))) if _is_uuid(letter_id) else None
    if found is None:
        return _not_found(request, session, "Brevet finnes ikke.")
    context = {
        "detail": found,
        "kind_text": KIND_TEXT,
        "channel_text": CHANNEL_TEXT,
        "current": "brev",
    }
    return _page(request, "operator_brevet.html", context, session)


@router.get("/endringer")
async def feed_page(request: Request, session: SignedIn, side: str = "1") -> Response:
    page = await _read(request, views.changes, _page_number(side), _time.today())
    context = {
        "page": page,
        "status_text": digitaltaktiv_text,
        "page_query": (lambda n: urlencode({"side": n})),
        "current": "endringer",
    }
    return _page(request, "operator_endringer.html", context, session)


@router.get("/pts-logg")
async def audit_page(request: Request, session: SignedIn, side: str = "1") -> Response:
    page = await _read(request, views.audit_entries, _page_number(side))
    context = {
        "page": page,
        "page_query": (lambda n: urlencode({"side": n})),
        "current": "pts",
    }
    return _page(request, "operator_pts_logg.html", context, session)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# -- Tokenkontroll: why would helsebro refuse this token? -----------------------------------------------------

CHECK_STATUS_TEXT = {inspection.PASSED: "Bestått", inspection.FAILED: "Feilet", inspection.NOT_APPLICABLE: "Ikke aktuelt"}
TOKEN_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
_MAX_PASTE = 16_384  # far more than any access token or proof


def _token_page(
    request: Request,
    session: sessions.OperatorSession,
    form: dict[str, str],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = {
        "form": form,
        "families": list(inspection.FAMILIES),
        "methods": TOKEN_METHODS,
        "status_text": CHECK_STATUS_TEXT,
        "check_title": lambda name: inspection.title(name, "nb"),
        "current": "token",
        **extra,
    }
    return _page(request, "operator_token.html", context, session, status_code)


@router.get("/token")
async def token_form(request: Request, session: SignedIn) -> Response:
    return _token_page(request, session, {})


@router.post("/token")
async def token_check(
    request: Request,
    session: SignedIn,
    csrf: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    dpop: Annotated[str, Form()] = "",
    metode: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    familie: Annotated[str, Form()] = "",
) -> Response:
    # Everything but the token and the proof goes back into the form; those two are never echoed.
    form = {"metode": metode if metode in TOKEN_METHODS else "", "url": url.strip()[:2000], "familie": familie}
    if not sessions.csrf_ok(request, session, csrf):
        return _token_page(request, session, form, error=FORM_INVALID, status_code=400)
    if not token.strip():
        return _token_page(request, session, form, error="Lim inn et token.", status_code=400)
    if len(token) > _MAX_PASTE or len(dpop) > _MAX_PASTE:
        return _token_page(request, session, form, error="Tokenet eller beviset er for langt.", status_code=400)
    try:
        report = await inspection.inspect(
            services.of(request).guard,
            token,
            proof=dpop or None,
            method=form["metode"] or None,
            url=form["url"] or None,
            family=familie or None,
        )
    except inspection.UnusableInput as exc:
        return _token_page(request, session, form, error=f"Kan ikke sjekke: {exc}", status_code=400)
    pasted = " ".join(token.split()).split(" ")[-1]
    shown = {
        "length": len(pasted),
        "fingerprint": hashlib.sha256(pasted.encode()).hexdigest()[:12],
        "parts": [
            (heading, json.dumps(value, indent=2, ensure_ascii=False, default=str))
            for heading, value in (
                ("Header", report.header),
                ("Krav (claims)", report.claims),
                ("DPoP-bevis: header", report.proof_header),
                ("DPoP-bevis: krav", report.proof_claims),
            )
            if value is not None
        ],
    }
    return _token_page(request, session, form, report=report, shown=shown)
