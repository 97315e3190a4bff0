"""HTTP face of the Helsenorge citizen login: discovery, JWKS, the login page and the token endpoint."""

from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from helsebro import db, services
from helsebro.auth import citizen_login, token_http
from helsebro.auth.clients import get_client
from helsebro.auth.issuers import AUTHORIZE_PATH, HELSENORGE_LOGIN
from helsebro.errors import OAUTH_ERRORS
from helsebro.identifiers import has_fnr_shape
from helsebro.pages.templating import templates
from helsebro.registries.tables import innbygger
from helsebro.responses import JSONResponse

router = APIRouter(prefix=HELSENORGE_LOGIN.base_path, tags=["Helsenorge innlogging"], responses=OAUTH_ERRORS)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


# The authorize endpoint talks to a browser: pages, a redirect back to the client, and an error page where
# the client cannot be trusted with a redirect (RFC 6749 4.1.2.1).
_PAGE_RESPONSES: dict[int | str, dict] = {
    302: {"description": "Back to the client's redirect_uri with a code, or with an error"},
    400: {"description": "Error page (unknown client or redirect_uri)", "content": {"text/html": {}}},
}


@router.get("/.well-known/openid-configuration", summary="Discovery for the citizen login")
async def discovery(request: Request) -> JSONResponse:
    base = services.public_base(request)
    return JSONResponse(
        {
            "issuer": HELSENORGE_LOGIN.url(base),
            "authorization_endpoint": HELSENORGE_LOGIN.url(base) + AUTHORIZE_PATH,
            "token_endpoint": HELSENORGE_LOGIN.token_endpoint(base),
            "jwks_uri": HELSENORGE_LOGIN.jwks_uri(base),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(citizen_login.SUPPORTED_SCOPES),
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "pid", "name", "given_name", "family_name", "acr", "nonce"],
            "acr_values_supported": [citizen_login.LEVEL3, citizen_login.LEVEL4],
        }
    )


@router.get("/.well-known/openid-configuration/jwks", summary="Signing keys of the citizen login")
async def jwks(request: Request) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(services.of(request).keys.public_jwks))


@router.get(
    AUTHORIZE_PATH, summary="Authorization endpoint: shows the test login page", response_class=HTMLResponse, responses=_PAGE_RESPONSES
)
async def authorize(request: Request) -> Response:
    params = dict(request.query_params)
    return await _login_page(request, params)


@router.post(
    AUTHORIZE_PATH,
    summary="The login page's form: issues a code and sends the user back",
    response_class=HTMLResponse,
    responses=_PAGE_RESPONSES,
)
async def login(request: Request) -> Response:
    form = await token_http.page_form(request)
    svc = services.of(request)
    try:
        authorize_request = await run_in_threadpool(citizen_login.validate_authorize, svc.engine, _local(svc.base_url, form))
    except citizen_login.AuthorizeError as exc:
        return _failure(request, form, exc)
    if form.get("login_token") != citizen_login.form_token(svc.secret, authorize_request):
        return _failure(request, form, citizen_login.AuthorizeError("invalid_request", "skjemaet er endret underveis", False))
    fnr = (form.get("fnr") or "").strip() or form.get("valgt_fnr", "")
    if not has_fnr_shape(fnr):
        return await _login_page(request, form, error="Velg en testinnbygger eller skriv et fødselsnummer med 11 sifre.")
    acr = form.get("niva") or citizen_login.LEVEL4
    if acr not in authorize_request.levels:
        return await _login_page(request, form, error="Tjenesten krever innlogging på nivå 4 (BankID).")
    try:
        code = await run_in_threadpool(citizen_login.issue_code, svc.engine, authorize_request, fnr, acr)
    except citizen_login.AuthorizeError as exc:
        return await _login_page(request, form, error=f"Fant {exc.description}.")
    return _back_to_client(authorize_request.redirect_uri, {"code": code, "state": authorize_request.state})


@router.post("/connect/token", summary="Token endpoint of the citizen login (authorization_code with PKCE)")
async def token(request: Request) -> JSONResponse:
    return await token_http.serve(request, HELSENORGE_LOGIN, citizen_login.GRANTS)


async def fault_redirect(request: Request, route: str, error: str, description: str) -> Response | None:
    """An injected fault at the authorize endpoint goes back to the client with ``error`` (RFC 6749 4.1.2.1),
    when the request names a client and a redirect URI registered for it (checked as a real refusal is)."""
    if route != router.prefix + AUTHORIZE_PATH:
        return None
    params = await token_http.authorization_parameters(request)
    svc = services.of(request)
    try:
        await run_in_threadpool(citizen_login.validate_authorize, svc.engine, _local(svc.base_url, params))
    except citizen_login.AuthorizeError as exc:
        if not exc.redirectable:
            return None
    return _back_to_client(
        _full(svc.base_url, params.get("redirect_uri", "")),
        {"error": error, "error_description": description, "state": params.get("state")},
    )


# -- helpers --------------------------------------------------------------------------------------------------


def _local(base_url: str, params: dict[str, str]) -> dict[str, str]:
    return {**params, "redirect_uri": citizen_login.local_redirect_uri(base_url, params.get("redirect_uri", ""))}


async def _login_page(request: Request, params: dict[str, str], error: str | None = None) -> Response:
    svc = services.of(request)
    try:
        authorize_request = await run_in_threadpool(citizen_login.validate_authorize, svc.engine, _local(svc.base_url, params))
    except citizen_login.AuthorizeError as exc:
        return _failure(request, params, exc)
    client, citizens = await run_in_threadpool(_page_data, svc, authorize_request.client_id)
    context = {
        "client_name": client.name if client else authorize_request.client_id,
        "params": {**authorize_request.as_params(), "redirect_uri": params.get("redirect_uri", "")},
        "login_token": citizen_login.form_token(svc.secret, authorize_request),
        "citizens": citizens,
        "levels": authorize_request.levels,
        "action": HELSENORGE_LOGIN.base_path + AUTHORIZE_PATH,
        "error": error,
    }
    return templates.TemplateResponse(request, "login.html", context, status_code=400 if error else 200, headers=_NO_STORE)


def _page_data(svc: services.Services, client_id: str):  # noqa: ANN202
    with db.read(svc.engine) as conn:
        client = get_client(conn, client_id)
        rows = conn.execute(
            sa.select(innbygger.c.fnr, innbygger.c.fornavn, innbygger.c.etternavn)
            .where(innbygger.c.dodsdato.is_(None))
            .order_by(innbygger.c.etternavn, innbygger.c.fornavn)
            .limit(60)
        ).all()
    return client, [{"fnr": r.fnr, "navn": f"{r.fornavn} {r.etternavn}"} for r in rows]


def _failure(request: Request, params: dict[str, str], exc: citizen_login.AuthorizeError) -> Response:
    if exc.redirectable:
        return _back_to_client(
            _full(services.of(request).base_url, params.get("redirect_uri", "")),
            {"error": exc.error, "error_description": exc.description, "state": params.get("state")},
        )
    context = {"message": exc.description, "error": exc.error}
    return templates.TemplateResponse(request, "error.html", context, status_code=400, headers=_NO_STORE)


def _full(base_url: str, uri: str) -> str:
    return base_url + uri if uri.startswith("/") else uri


def _back_to_client(redirect_uri: str, values: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in values.items() if v is not None})
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + separator + query, status_code=302, headers=_NO_STORE)
