"""HTTP face of the HelseID token service: discovery, JWKS and the token endpoint (the professional login's
own endpoints are in ``helseid_login_routes``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from helsebro import services
from helsebro.auth import grants, login_grants, organisations, token_http, user_tokens
from helsebro.auth.helseid_login_routes import END_SESSION_PATH, PAR_PATH, USERINFO_PATH
from helsebro.auth.issuers import AUTHORIZE_PATH, HELSEID
from helsebro.auth.jwts import ASYMMETRIC_ALGS
from helsebro.auth.scopes import HELSENORGE_PREFIX, HELSENORGE_SCOPES, IDENTITY_SCOPES, PTS_SCOPE
from helsebro.errors import OAUTH_ERRORS
from helsebro.responses import JSONResponse

# The token endpoint's grants: the client's own (client_credentials, token exchange) and the login's.
HELSEID_GRANTS = {**grants.GRANTS, **login_grants.LOGIN_GRANTS}

router = APIRouter(prefix=HELSEID.base_path, tags=["HelseID"], responses=OAUTH_ERRORS)


@router.get("/.well-known/openid-configuration", summary="HelseID discovery document")
async def discovery(request: Request) -> JSONResponse:
    base = services.public_base(request)
    issuer = HELSEID.url(base)
    return JSONResponse(
        {
            "issuer": issuer,
            "jwks_uri": HELSEID.jwks_uri(base),
            "token_endpoint": HELSEID.token_endpoint(base),
            "authorization_endpoint": issuer + AUTHORIZE_PATH,
            "pushed_authorization_request_endpoint": issuer + PAR_PATH,
            "require_pushed_authorization_requests": False,  # per client (require_par)
            "userinfo_endpoint": issuer + USERINFO_PATH,
            "end_session_endpoint": issuer + END_SESSION_PATH,
            "grant_types_supported": sorted(HELSEID_GRANTS),
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "request_parameter_supported": True,
            "request_uri_parameter_supported": False,  # only the request_uri of a pushed request
            "request_object_signing_alg_values_supported": list(ASYMMETRIC_ALGS),
            "frontchannel_logout_supported": False,
            "backchannel_logout_supported": False,
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post"],
            "token_endpoint_auth_signing_alg_values_supported": list(ASYMMETRIC_ALGS),
            "dpop_signing_alg_values_supported": list(ASYMMETRIC_ALGS),
            "scopes_supported": _scopes(),
            "claims_supported": [
                "sub",
                "sid",
                "nonce",
                "auth_time",
                "amr",
                "client_id",
                organisations.ORGNR_PARENT,
                organisations.ORGNR_CHILD,
                organisations.ORGNR_SUPPLIER,
                organisations.CLIENT_TENANCY,
                user_tokens.PID,
                user_tokens.HPR_NUMBER,
                user_tokens.SECURITY_LEVEL,
                user_tokens.ASSURANCE_LEVEL,
                user_tokens.HPR_DETAILS,
                "name",
                "given_name",
                "family_name",
                "act",
            ],
            "authorization_details_types_supported": [organisations.TYPE, *organisations.OTHER_KNOWN_TYPES],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
        }
    )


@router.get("/.well-known/openid-configuration/jwks", summary="HelseID signing keys (JWKS)")
async def jwks(request: Request) -> JSONResponse:
    keys = services.of(request).keys
    return JSONResponse(await run_in_threadpool(keys.public_jwks), headers={"Cache-Control": "max-age=60"})


@router.post(
    "/connect/token",
    summary="HelseID token endpoint: client_credentials, token exchange, authorization_code, refresh_token (private_key_jwt, DPoP)",
)
async def token(request: Request) -> JSONResponse:
    return await token_http.serve(request, HELSEID, HELSEID_GRANTS)


def _scopes() -> list[str]:
    return [*IDENTITY_SCOPES, *HELSENORGE_SCOPES, *(HELSENORGE_PREFIX + s for s in HELSENORGE_SCOPES), PTS_SCOPE]
