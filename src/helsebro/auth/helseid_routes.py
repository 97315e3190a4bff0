"""HTTP face of the HelseID token service: discovery, JWKS and the token endpoint."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from helsebro import services
from helsebro.auth import grants
from helsebro.auth.issuers import HELSEID
from helsebro.auth.jwts import ASYMMETRIC_ALGS
from helsebro.auth.scopes import HELSENORGE_PREFIX, HELSENORGE_SCOPES, PTS_SCOPE
from helsebro.errors import OAUTH_ERRORS, OAuthError
from helsebro.responses import JSONResponse

router = APIRouter(prefix=HELSEID.base_path, tags=["HelseID"], responses=OAUTH_ERRORS)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.get("/.well-known/openid-configuration", summary="HelseID discovery document")
async def discovery(request: Request) -> JSONResponse:
    base = services.of(request).base_url
    issuer = HELSEID.url(base)
    return JSONResponse(
        {
            "issuer": issuer,
            "jwks_uri": HELSEID.jwks_uri(base),
            "token_endpoint": HELSEID.token_endpoint(base),
            "grant_types_supported": sorted(grants.GRANTS),
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post"],
            "token_endpoint_auth_signing_alg_values_supported": list(ASYMMETRIC_ALGS),
            "dpop_signing_alg_values_supported": list(ASYMMETRIC_ALGS),
            "scopes_supported": _scopes(),
            "claims_supported": [
                "client_id",
                grants.ORGNR_PARENT,
                grants.ORGNR_CHILD,
                "helseid://claims/identity/pid",
                "helseid://claims/hpr/hpr_number",
                "name",
                "act",
            ],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        }
    )


@router.get("/.well-known/openid-configuration/jwks", summary="HelseID signing keys (JWKS)")
async def jwks(request: Request) -> JSONResponse:
    keys = services.of(request).keys
    return JSONResponse(await run_in_threadpool(keys.public_jwks), headers={"Cache-Control": "max-age=60"})


@router.post("/connect/token", summary="HelseID token endpoint (client_credentials with private_key_jwt, DPoP)")
async def token(request: Request) -> JSONResponse:
    svc = services.of(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "send the token request as application/x-www-form-urlencoded")
    try:
        form = _single_values(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise OAuthError("invalid_request", "the form is not UTF-8") from exc
    endpoint = HELSEID.token_endpoint(svc.base_url)
    token_request = grants.TokenRequest(
        form=form,
        authorization=request.headers.get("authorization"),
        dpop_proof=request.headers.get("dpop"),
        urls=[endpoint, f"{request.url.scheme}://{request.url.netloc}{request.url.path}"],
        now=int(time.time()),
    )
    context = grants.TokenContext(
        settings=svc.settings,
        engine=svc.engine,
        keys=svc.keys,
        replay=svc.replay,
        nonces=svc.nonces,
        issuer=HELSEID.url(svc.base_url),
        token_endpoint=endpoint,
    )
    body = await run_in_threadpool(grants.handle, context, token_request)
    return JSONResponse(body, headers=_NO_STORE)


def _single_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise OAuthError("invalid_request", f"parameter {key} is repeated")
        form[key] = value
    return form


def _scopes() -> list[str]:
    return [*HELSENORGE_SCOPES, *(HELSENORGE_PREFIX + s for s in HELSENORGE_SCOPES), PTS_SCOPE]

