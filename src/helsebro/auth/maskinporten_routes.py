"""HTTP face of the Maskinporten token service: discovery, JWKS and the token endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from helsebro import services
from helsebro.auth import maskinporten, token_http
from helsebro.auth.issuers import MASKINPORTEN
from helsebro.auth.scopes import MASKINPORTEN_SCOPES
from helsebro.errors import OAUTH_ERRORS
from helsebro.responses import JSONResponse

router = APIRouter(prefix=MASKINPORTEN.base_path, tags=["Maskinporten"], responses=OAUTH_ERRORS)


def _metadata(base: str) -> dict:
    return {
        "issuer": MASKINPORTEN.url(base),
        "token_endpoint": MASKINPORTEN.token_endpoint(base),
        "jwks_uri": MASKINPORTEN.jwks_uri(base),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "grant_types_supported": [maskinporten.JWT_BEARER],
        "token_endpoint_auth_signing_alg_values_supported": list(maskinporten.ASSERTION_ALGS),
        "scopes_supported": list(MASKINPORTEN_SCOPES),
    }


@router.get("/.well-known/oauth-authorization-server", summary="Maskinporten discovery document (RFC 8414)")
async def authorization_server_metadata(request: Request) -> JSONResponse:
    return JSONResponse(_metadata(services.public_base(request)))


@router.get("/.well-known/openid-configuration", summary="Maskinporten discovery document (OpenID Connect name)")
async def openid_configuration(request: Request) -> JSONResponse:
    return JSONResponse(_metadata(services.public_base(request)))


@router.get(MASKINPORTEN.jwks_path, summary="Maskinporten signing keys (JWKS)")
async def jwks(request: Request) -> JSONResponse:
    keys = services.of(request).keys
    return JSONResponse(await run_in_threadpool(keys.public_jwks), headers={"Cache-Control": "max-age=60"})


@router.post(MASKINPORTEN.token_path, summary="Maskinporten token endpoint (JWT grant, RFC 7523)")
async def token(request: Request) -> JSONResponse:
    return await token_http.serve(request, MASKINPORTEN, maskinporten.GRANTS)
