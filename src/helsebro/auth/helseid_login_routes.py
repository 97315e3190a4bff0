"""HTTP face of HelseID's professional login: the PAR endpoint, the authorize endpoint with its test login
page, userinfo and end session. The token endpoint's grants for it are in ``login_grants``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from helsebro import _time, db, services
from helsebro.auth import login_codes, login_requests, login_sessions, organisations, token_http, user_tokens
from helsebro.auth.clients import ApiClient
from helsebro.auth.grants import _dpop_binding
from helsebro.auth.guard import AuthFailure
from helsebro.auth.issuers import AUTHORIZE_PATH, HELSEID
from helsebro.auth.jwts import InvalidToken
from helsebro.auth.login_requests import AuthorizeError, AuthorizeRequest, Pending, RequestObjectCheck
from helsebro.auth.scopes import HPR_SCOPE, OPENID, canonical, scope_list
from helsebro.auth.token_endpoint import TokenContext, TokenRequest, authenticate_client_with_claims, load_client
from helsebro.errors import OAUTH_ERRORS
from helsebro.pages.templating import templates
from helsebro.registries.service import get_health_person
from helsebro.registries.tables import helsepersonell
from helsebro.responses import JSONResponse

router = APIRouter(prefix=HELSEID.base_path, tags=["HelseID"], responses=OAUTH_ERRORS)

PAR_PATH = "/connect/par"
USERINFO_PATH = "/connect/userinfo"
END_SESSION_PATH = "/connect/endsession"
_NO_STORE = token_http.NO_STORE
# Parameters of client authentication, not of the authorization request.
_CLIENT_AUTH = ("client_assertion", "client_assertion_type", "client_secret")
_PAGE_RESPONSES: dict[int | str, dict] = {
    302: {"description": "Back to the client's redirect_uri with code, state and iss (or an error)"},
    400: {
        "description": "The request cannot go back to the client (unknown client or redirect_uri): RFC 6749 JSON, or a page for a browser"
    },
}


def endpoint(request: Request, path: str) -> str:
    return HELSEID.url(services.public_base(request)) + path


# -- PAR (RFC 9126) -----------------------------------------------------------------------------------------


@router.post(PAR_PATH, status_code=201, summary="Pushed authorization request (RFC 9126): the request in, a request_uri out")
async def pushed_authorization_request(request: Request) -> JSONResponse:
    ctx = token_http.context(request, HELSEID)
    token_request = await token_http.read_request(request, endpoint(request, PAR_PATH))
    body = await run_in_threadpool(_push, ctx, token_request)
    return JSONResponse(body, status_code=201, headers=_NO_STORE)


def _push(ctx: TokenContext, token_request: TokenRequest) -> dict[str, Any]:
    client, assertion = authenticate_client_with_claims(ctx, token_request)
    form = {k: v for k, v in token_request.form.items() if k not in _CLIENT_AUTH}
    if "request_uri" in form:
        raise AuthorizeError("invalid_request", "request_uri cannot be pushed (RFC 9126 section 2.1)")
    params = login_requests.with_request_object(client, form, _object_rules(ctx, token_request.client_now))
    checked = login_requests.check(client, params)
    # HID-1008: a client with a secret names no organisations (checked here, where the client authenticates).
    organisations.in_login_request(checked.extra.get("authorization_details"), secret_client=assertion is None)
    jkt = _dpop_binding(ctx, token_request)
    asked = params.get("dpop_jkt")
    if asked and jkt and asked != jkt:
        raise AuthorizeError("invalid_request", "dpop_jkt is not the thumbprint of the DPoP proof's key")
    return login_requests.push(ctx.engine, checked, jkt or asked)


def _object_rules(ctx: TokenContext, now: int | None) -> RequestObjectCheck:
    return RequestObjectCheck(
        audiences={ctx.issuer, ctx.issuer + "/"},
        now=int(now or 0),
        skew=ctx.settings.clock_skew_seconds,
        max_lifetime=ctx.settings.client_assertion_max_seconds,
        replay=ctx.replay,
    )


# -- the authorize endpoint and the login page --------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    client: ApiClient
    handle: str
    error: str | None = None


@dataclass(frozen=True)
class Back:
    """Back to the client: a code, or a redirectable error."""

    redirect_uri: str
    values: dict[str, str | None]


@router.get(
    AUTHORIZE_PATH,
    summary="Authorization endpoint: code + PKCE S256; login_hint=hpr:N or the test login page",
    response_class=HTMLResponse,
    responses=_PAGE_RESPONSES,
)
async def authorize(request: Request) -> Response:
    ctx = token_http.context(request, HELSEID)
    items = request.query_params.multi_items()
    repeated = sorted({k for k, _ in items if sum(1 for n, _ in items if n == k) > 1})
    try:
        if repeated:
            raise AuthorizeError("invalid_request", f"parameter {repeated[0]} is repeated (RFC 6749 section 3.1)")
        outcome = await run_in_threadpool(_start, ctx, dict(items))
    except AuthorizeError as exc:
        return _refusal(request, ctx, exc)
    return await _answer(request, ctx, outcome)


@router.post(
    AUTHORIZE_PATH,
    summary="The login page's form: logs the chosen professional in and sends them back with a code",
    response_class=HTMLResponse,
    responses=_PAGE_RESPONSES,
)
async def log_in(request: Request) -> Response:
    ctx = token_http.context(request, HELSEID)
    form = await token_http.page_form(request)
    try:
        outcome = await run_in_threadpool(_from_page, ctx, form)
    except AuthorizeError as exc:
        return _refusal(request, ctx, exc)
    return await _answer(request, ctx, outcome)


def _start(ctx: TokenContext, params: dict[str, str]) -> Page | Back:
    client_id = params.get("client_id", "")
    client = load_client(ctx.engine, client_id) if client_id else None
    if client is None or not client.enabled:
        raise AuthorizeError("invalid_client", f"unknown client {client_id!r}" if client_id else "client_id is required")
    with db.write(ctx.engine) as conn:
        if params.get("request_uri"):
            pending = login_requests.take(conn, login_requests.handle_of(params["request_uri"]), client.client_id, pushed=True)
        else:
            if client.require_par:
                raise AuthorizeError(
                    "invalid_request",
                    f"client {client.client_id} must push its authorization request to the PAR endpoint first (require_par)",
                )
            # The client signed its request object on its own (real) clock.
            merged = login_requests.with_request_object(client, params, _object_rules(ctx, int(_time.real_epoch())))
            pending = Pending(login_requests.check(client, merged), merged.get("dpop_jkt"))
        hpr_number = login_codes.hinted_hpr_number(pending.request)
        if hpr_number is None or ctx.settings.strict:
            if "none" in str(pending.request.extra.get("prompt", "")).split():
                # OpenID Connect 3.1.2.1: no page with prompt=none; there is no browser session to reuse.
                return _back_error(pending.request, "login_required", "prompt=none, but the professional is not logged in here")
            return Page(client, login_requests.keep(conn, pending.request, pushed=False, dpop_jkt=pending.dpop_jkt))
        try:
            person = login_codes.find_professional(conn, hpr_number)
        except login_codes.UnknownProfessional as exc:
            return _back_error(pending.request, "access_denied", f"login_hint: {exc}")
        return _back_code(pending.request, login_codes.issue(conn, pending, person))


def _from_page(ctx: TokenContext, form: dict[str, str]) -> Page | Back:
    handle, client_id = form.get("innlogging", ""), form.get("client_id", "")
    client = load_client(ctx.engine, client_id) if client_id else None
    if client is None:
        raise AuthorizeError("invalid_client", f"unknown client {client_id!r}")
    with db.write(ctx.engine) as conn:
        pending = login_requests.take(conn, handle, client.client_id, pushed=False, consume=False)
        if form.get("handling") == "avbryt":
            login_requests.take(conn, handle, client.client_id, pushed=False)
            return _back_error(pending.request, "access_denied", "the professional cancelled the login")
        ident = (form.get("ident") or "").strip() or form.get("valgt_hpr", "")
        if not ident:
            return Page(client, handle, "Velg helsepersonell i listen, eller skriv HPR-nummer eller fødselsnummer.")
        try:
            person = login_codes.find_professional(conn, ident)
        except login_codes.UnknownProfessional as exc:
            return Page(client, handle, f"Fant {exc}." if str(exc).startswith("ingen") else f"{str(exc).capitalize()}.")
        login_requests.take(conn, handle, client.client_id, pushed=False)
        return _back_code(pending.request, login_codes.issue(conn, pending, person))


def _back_code(request: AuthorizeRequest, code: str) -> Back:
    return Back(request.redirect_uri, {"code": code, "state": request.state})


def _back_error(request: AuthorizeRequest, error: str, description: str) -> Back:
    return Back(request.redirect_uri, {"error": error, "error_description": description, "state": request.state})


async def _answer(request: Request, ctx: TokenContext, outcome: Page | Back) -> Response:
    if isinstance(outcome, Back):
        # RFC 9207: the issuer in the response, so a client talking to several servers cannot be mixed up.
        return _redirect(outcome.redirect_uri, {**outcome.values, "iss": ctx.issuer})
    professionals = await run_in_threadpool(_professionals, ctx.engine)
    context = {
        "client_name": outcome.client.name,
        "client_id": outcome.client.client_id,
        "handle": outcome.handle,
        "professionals": professionals,
        "action": endpoint(request, AUTHORIZE_PATH),
        "error": outcome.error,
    }
    status = 400 if outcome.error else 200
    return templates.TemplateResponse(request, "helseid_login.html", context, status_code=status, headers=_NO_STORE)


def _redirect(uri: str, values: Mapping[str, str | None]) -> RedirectResponse:
    """Back to the client's registered URI with ``values`` (those not None) added to its query."""
    query = urlencode({k: v for k, v in values.items() if v is not None})
    target = uri + ("&" if "?" in uri else "?") + query if query else uri
    return RedirectResponse(target, status_code=302, headers=_NO_STORE)


def _professionals(engine: sa.Engine) -> list[dict[str, str]]:
    with db.read(engine) as conn:
        rows = conn.execute(
            sa.select(helsepersonell.c.hpr_nummer, helsepersonell.c.fornavn, helsepersonell.c.etternavn, helsepersonell.c.autorisasjoner)
            .where(helsepersonell.c.fnr.is_not(None))
            .order_by(helsepersonell.c.etternavn, helsepersonell.c.fornavn)
            .limit(100)
        ).all()
    return [
        {
            "hpr": r.hpr_nummer,
            "navn": f"{r.fornavn} {r.etternavn}",
            "yrke": ", ".join(a.get("navn", "") for a in (r.autorisasjoner or [])) or "helsepersonell",
        }
        for r in rows
    ]


def _refusal(request: Request, ctx: TokenContext, exc: AuthorizeError) -> Response:
    """A refused authorization request: back to the client when its redirect URI is known good, else an
    answer here (JSON, or a page when a browser asks for HTML) and never a redirect."""
    if exc.redirect_uri:
        return _redirect(
            exc.redirect_uri, {"error": exc.error, "error_description": exc.description, "state": exc.state, "iss": ctx.issuer}
        )
    body = {"error": exc.error, "error_description": exc.description}
    if "text/html" in request.headers.get("accept", ""):
        context = {"message": exc.description, "error": exc.error}
        return templates.TemplateResponse(request, "error.html", context, status_code=400, headers=_NO_STORE)
    return JSONResponse(body, status_code=400, headers=_NO_STORE)


async def fault_redirect(request: Request, route: str, error: str, description: str) -> Response | None:
    """An injected fault at the authorize endpoint goes back to the client with ``error`` (RFC 6749 4.1.2.1:
    temporarily_unavailable), state and iss, when the request names a client and a redirect URI registered
    for it. It only reads: a pushed request_uri stays good for the client's retry."""
    if route != router.prefix + AUTHORIZE_PATH:
        return None
    ctx = token_http.context(request, HELSEID)
    params = await token_http.authorization_parameters(request)
    back = await run_in_threadpool(_fault_target, ctx, params)
    if back is None:
        return None
    return _redirect(back[0], {"error": error, "error_description": description, "state": back[1], "iss": ctx.issuer})


def _fault_target(ctx: TokenContext, params: dict[str, str]) -> tuple[str, str | None] | None:
    """Where the authorization request ``params`` would go back to, and its state; None: nowhere safe."""
    client_id = params.get("client_id", "")
    client = load_client(ctx.engine, client_id) if client_id else None
    if client is None or not client.enabled:
        return None
    kept = params.get("request_uri") or params.get("innlogging")
    if kept:
        try:
            with db.read(ctx.engine) as conn:
                pushed = "request_uri" in params
                handle = login_requests.handle_of(kept) if pushed else kept
                pending = login_requests.take(conn, handle, client.client_id, pushed=pushed, consume=False)
        except AuthorizeError:
            return None
        return pending.request.redirect_uri, pending.request.state
    uri = params.get("redirect_uri", "")
    return (uri, params.get("state")) if uri in client.redirect_uris else None


# -- userinfo -----------------------------------------------------------------------------------------------


# One decorator per method, so each gets an operation id of its own in the OpenAPI document.
@router.get(USERINFO_PATH, summary="UserInfo: the logged-in professional's claims, hpr_details included")
@router.post(USERINFO_PATH, summary="UserInfo: the logged-in professional's claims, hpr_details included")
async def userinfo(request: Request) -> JSONResponse:
    svc = services.of(request)
    issuer = HELSEID.url(services.public_base(request))
    try:
        # No API audience: any access token of this HelseID's login with scope openid (checked below).
        principal = await svc.guard.authenticate(request, audience=None, scope=OPENID)
        claims = principal.claims
        if claims.get("iss") != issuer or not isinstance(claims.get("sid"), str):
            raise AuthFailure(401, "invalid_token", f"not an access token of this HelseID's user login ({issuer})")
        body = await run_in_threadpool(_userinfo, svc.engine, claims)
    except AuthFailure as exc:
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            status_code=exc.status,
            headers={"WWW-Authenticate": exc.www_authenticate(), **exc.headers, **_NO_STORE},
        )
    return JSONResponse(body, headers=_NO_STORE)


def _userinfo(engine: sa.Engine, claims: Mapping[str, Any]) -> dict[str, Any]:
    with db.read(engine) as conn:
        session = login_sessions.active(conn, claims["sid"])
        person = get_health_person(conn, session.hpr_number) if session else None
    if session is None or person is None:
        raise AuthFailure(401, "invalid_token", "the login session of this access token has ended (logged out)")
    scopes = scope_list(claims.get("scope"))
    body: dict[str, Any] = {"sub": claims["sub"], **user_tokens.identity_claims(person, scopes)}
    if HPR_SCOPE in {canonical(s) for s in scopes}:
        body[user_tokens.HPR_DETAILS] = user_tokens.hpr_details(person)
    return body


# -- end session (RP-initiated logout) ---------------------------------------------------------------------


_END_SESSION = {
    "summary": "End session: logs the professional out (id_token_hint), back to a registered post_logout_redirect_uri",
    "response_class": HTMLResponse,
    "responses": _PAGE_RESPONSES,
}


@router.get(END_SESSION_PATH, **_END_SESSION)  # type: ignore[arg-type]
@router.post(END_SESSION_PATH, **_END_SESSION)  # type: ignore[arg-type]
async def end_session(request: Request) -> Response:
    ctx = token_http.context(request, HELSEID)
    params = await token_http.authorization_parameters(request)
    try:
        ended, back = await run_in_threadpool(_end, ctx, params)
    except AuthorizeError as exc:
        return _refusal(request, ctx, exc)
    if back:
        return _redirect(back, {"state": params.get("state") or None})
    return templates.TemplateResponse(request, "helseid_logget_ut.html", {"ended": ended}, headers=_NO_STORE)


def _end(ctx: TokenContext, params: dict[str, str]) -> tuple[bool, str | None]:
    hint = params.get("id_token_hint")
    if not hint:
        raise AuthorizeError("invalid_request", "id_token_hint is required: the ID token of the login to end")
    try:
        # An expired ID token still names the session to end (OpenID Connect RP-Initiated Logout section 2).
        claims = user_tokens.verify_id_token(hint, ctx.keys, issuer=ctx.issuer)
    except InvalidToken as exc:
        raise AuthorizeError("invalid_request", f"id_token_hint: {exc}") from exc
    client_id = claims.get("aud")
    if params.get("client_id") not in (None, client_id):
        raise AuthorizeError("invalid_request", "client_id is not the audience of id_token_hint")
    client = load_client(ctx.engine, str(client_id))
    back = params.get("post_logout_redirect_uri")
    if back and (client is None or back not in client.post_logout_redirect_uris):
        raise AuthorizeError("invalid_request", f"post_logout_redirect_uri {back!r} is not registered for client {client_id}")
    with db.write(ctx.engine) as conn:
        ended = login_sessions.end(conn, str(claims.get("sid", "")))
    return ended, back
