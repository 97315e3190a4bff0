"""Token endpoint grants, one function per ``grant_type`` (the mock-oauth2-server shape).

Each grant takes the parsed form and the request context and returns the token response body. Rules only:
no HTTP objects in here.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro.auth import client_auth
from helsebro.auth.clients import ApiClient, get_client
from helsebro.auth.dpop import NonceSource, verify_proof
from helsebro.auth.jwts import InvalidToken
from helsebro.auth.keys import KeyStore
from helsebro.auth.minting import sign
from helsebro.auth.replay import ReplayCache
from helsebro.auth.scopes import audience_of, canonical
from helsebro.errors import OAuthError
from helsebro.settings import Settings

ORGNR_PARENT = "helseid://claims/client/claims/orgnr_parent"
ORGNR_CHILD = "helseid://claims/client/claims/orgnr_child"
CLIENT_AMR = "helseid://claims/client/amr"


@dataclass
class TokenRequest:
    form: Mapping[str, str]
    authorization: str | None
    dpop_proof: str | None
    urls: list[str]  # the token endpoint URL as the client may name it (DPoP htu)
    now: int


@dataclass
class TokenContext:
    settings: Settings
    engine: sa.Engine
    keys: KeyStore
    replay: ReplayCache
    nonces: NonceSource
    issuer: str
    token_endpoint: str


Grant = Callable[[TokenContext, TokenRequest], dict[str, Any]]


def client_credentials(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    client = _authenticate_client(ctx, request)
    scopes = _granted_scopes(client, request.form.get("scope", ""))
    jkt = _dpop_binding(ctx, request)
    claims = _base_claims(ctx, request.now, scopes)
    claims.update(
        {
            "client_id": client.client_id,
            ORGNR_PARENT: client.orgnr,
            CLIENT_AMR: "private_key_jwt" if request.form.get("client_assertion") else "client_secret",
        }
    )
    if client.orgnr_child:
        claims[ORGNR_CHILD] = client.orgnr_child
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    return _token_response(ctx, claims, scopes, jkt)


GRANTS: dict[str, Grant] = {"client_credentials": client_credentials}


def handle(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    grant_type = request.form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported here")
    return grant(ctx, request)


# -- the parts grants share ---------------------------------------------------------------------------


def _authenticate_client(ctx: TokenContext, request: TokenRequest) -> ApiClient:
    def lookup(client_id: str) -> ApiClient | None:
        with db.read(ctx.engine) as conn:
            return get_client(conn, client_id)

    return client_auth.authenticate(
        request.form,
        request.authorization,
        lookup=lookup,
        accepted_audiences={ctx.issuer, ctx.issuer + "/", ctx.token_endpoint},
        now=request.now,
        max_lifetime=ctx.settings.client_assertion_max_seconds,
        skew=ctx.settings.clock_skew_seconds,
        replay=ctx.replay,
        allow_secrets=not ctx.settings.strict,
    )


def _granted_scopes(client: ApiClient, requested: str) -> list[str]:
    """The scopes asked for (all API scopes of the client when none are named); each must be granted."""
    wanted = requested.split() or [s for s in client.scopes if audience_of(s)]
    refused = [s for s in wanted if not client.grants(s)]
    if refused:
        raise OAuthError("invalid_scope", f"client {client.client_id} is not granted {' '.join(refused)}")
    if not any(audience_of(s) for s in wanted):
        raise OAuthError("invalid_scope", "ask for at least one API scope")
    # Keep the client's spelling of each scope, once.
    seen: dict[str, str] = {}
    for scope in wanted:
        seen.setdefault(canonical(scope), scope)
    return list(seen.values())


def _dpop_binding(ctx: TokenContext, request: TokenRequest) -> str | None:
    if not request.dpop_proof:
        return None
    try:
        proof = verify_proof(
            request.dpop_proof,
            method="POST",
            urls=request.urls,
            now=request.now,
            max_age=ctx.settings.dpop_proof_max_age_seconds,
            skew=ctx.settings.clock_skew_seconds,
        )
    except InvalidToken as exc:
        raise OAuthError("invalid_dpop_proof", str(exc)) from exc
    if ctx.settings.dpop_nonce in ("token", "all") and not ctx.nonces.is_valid(proof.claims.get("nonce"), request.now):
        raise OAuthError(
            "use_dpop_nonce",
            "Authorization server requires nonce in DPoP proof",
            headers={"DPoP-Nonce": ctx.nonces.current(request.now)},
        )
    expires = dt.datetime.fromtimestamp(proof.iat + ctx.settings.dpop_proof_max_age_seconds + 60, dt.timezone.utc)
    if not ctx.replay.first_use("dpop", proof.jkt, proof.jti, expires):
        raise OAuthError("invalid_dpop_proof", "DPoP proof jti has been used before (replay)")
    return proof.jkt


def _base_claims(ctx: TokenContext, now: int, scopes: list[str]) -> dict[str, Any]:
    audiences = sorted({a for a in (audience_of(s) for s in scopes) if a})
    return {
        "iss": ctx.issuer,
        "aud": audiences[0] if len(audiences) == 1 else audiences,
        "iat": now,
        "nbf": now,
        "exp": now + ctx.settings.access_token_seconds,
        "jti": secrets.token_hex(16),
        "scope": scopes,
    }


def _token_response(ctx: TokenContext, claims: dict[str, Any], scopes: list[str], jkt: str | None) -> dict[str, Any]:
    return {
        "access_token": sign(ctx.keys, claims),
        "token_type": "DPoP" if jkt else "Bearer",
        "expires_in": ctx.settings.access_token_seconds,
        "scope": " ".join(scopes),
    }
