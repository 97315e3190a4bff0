"""The HTTP side of every token endpoint: read the form once, build the grant's request and context, answer
with ``no-store``. Each token service's routes call ``serve`` with its own grant table."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from helsebro import _time, services
from helsebro.auth.issuers import Issuer
from helsebro.auth.token_endpoint import GrantHandler, TokenContext, TokenRequest, dispatch, parse_form
from helsebro.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def read_request(request: Request, endpoint: str) -> TokenRequest:
    """The parsed form and headers of a POST to ``endpoint`` (its public URL; the URL as reached is also a
    valid DPoP ``htu``)."""
    form = parse_form(request.headers.get("content-type"), await request.body())
    return TokenRequest(
        form=form,
        authorization=request.headers.get("authorization"),
        dpop_proof=request.headers.get("dpop"),
        urls=[endpoint, f"{request.url.scheme}://{request.url.netloc}{request.url.path}"],
        now=int(_time.epoch()),
        client_now=int(_time.real_epoch()),
        address=request.client.host if request.client else None,
    )


async def page_form(request: Request) -> dict[str, str]:
    """A login page's own form, as a browser posts it: bad bytes replaced, the last of a repeated field kept.
    (A client's token request is held to RFC 6749 section 3.2 by ``parse_form`` instead.)"""
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


async def authorization_parameters(request: Request) -> dict[str, str]:
    """An authorization or end-session request's parameters: the query, and the form too when it is a POST
    (OpenID Connect Core section 3.1.2.1 allows both)."""
    params = dict(request.query_params)
    if request.method == "POST":
        params.update(await page_form(request))
    return params


def context(request: Request, issuer: Issuer) -> TokenContext:
    svc = services.of(request)
    return TokenContext(
        settings=svc.settings,
        engine=svc.engine,
        keys=svc.keys,
        replay=svc.replay,
        nonces=svc.nonces,
        issuer=issuer.url(services.public_base(request)),
        token_endpoint=issuer.token_endpoint(services.public_base(request)),
        secret=svc.secret,
    )


async def serve(request: Request, issuer: Issuer, grants: Mapping[str, GrantHandler]) -> JSONResponse:
    ctx = context(request, issuer)
    token_request = await read_request(request, ctx.token_endpoint)
    body = await run_in_threadpool(dispatch, grants, ctx, token_request)
    return JSONResponse(body, headers=NO_STORE)
