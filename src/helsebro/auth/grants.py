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
from helsebro.auth import client_auth, user_tokens
from helsebro.auth.clients import ApiClient, get_client
from helsebro.auth.dpop import NonceSource, verify_proof
from helsebro.auth.jwts import InvalidToken
from helsebro.auth.keys import KeyStore
from helsebro.auth.minting import sign
from helsebro.auth.replay import ReplayCache
from helsebro.auth.scopes import HELSENORGE_AUDIENCE, MASKINPORTEN_SCOPES, PTS_AUDIENCE, audience_of, canonical
from helsebro.errors import OAuthError
from helsebro.settings import Settings

ORGNR_PARENT = "helseid://claims/client/claims/orgnr_parent"
ORGNR_CHILD = "helseid://claims/client/claims/orgnr_child"
CLIENT_AMR = "helseid://claims/client/amr"

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
# The APIs a user token may be exchanged for (not helsebro's operator API).
EXCHANGE_AUDIENCES = (PTS_AUDIENCE, HELSENORGE_AUDIENCE)


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
    claims.update(client_claims(client))
    claims[CLIENT_AMR] = _client_amr(request)
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    return _token_response(ctx, claims, scopes, jkt)


def token_exchange(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    """RFC 8693: a health professional's user token in, a token for the API named by ``audience`` (and/or
    ``scope``) out. The professional's claims are kept, the exchanging client's claims are the client's, and
    ``act`` names the client as the party acting for the professional. The new token does not outlive the
    user token."""
    client = _authenticate_client(ctx, request)
    form = request.form
    if not form.get("subject_token"):
        raise OAuthError("invalid_request", "subject_token is required")
    if form.get("subject_token_type") != ACCESS_TOKEN_TYPE:
        raise OAuthError("invalid_request", f"subject_token_type must be {ACCESS_TOKEN_TYPE}")
    if form.get("actor_token") or form.get("actor_token_type"):
        raise OAuthError("invalid_request", "actor_token is not supported: the authenticated client is the actor")
    if form.get("requested_token_type", ACCESS_TOKEN_TYPE) != ACCESS_TOKEN_TYPE:
        raise OAuthError("invalid_request", f"requested_token_type must be {ACCESS_TOKEN_TYPE}")
    scopes = _exchange_scopes(client, form)
    try:
        subject = user_tokens.verify(
            form["subject_token"], ctx.keys, issuer=ctx.issuer, now=request.now, skew=ctx.settings.clock_skew_seconds
        )
    except InvalidToken as exc:
        raise OAuthError("invalid_grant", f"subject_token: {exc}") from exc
    _check_may_act(subject, client)
    jkt = _dpop_binding(ctx, request)
    claims = _base_claims(ctx, request.now, scopes)
    claims["exp"] = min(claims["exp"], int(subject["exp"]))
    claims.update(client_claims(client))
    claims[CLIENT_AMR] = _client_amr(request)
    claims.update(user_tokens.person_claims(subject))
    actor: dict[str, Any] = {"sub": client.client_id}
    if isinstance(subject.get("act"), dict):
        actor["act"] = subject["act"]  # a chain of delegations stays visible (RFC 8693 section 4.1)
    claims["act"] = actor
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    response = _token_response(ctx, claims, scopes, jkt)
    response["expires_in"] = claims["exp"] - request.now
    response["issued_token_type"] = ACCESS_TOKEN_TYPE
    return response


GRANTS: dict[str, Grant] = {"client_credentials": client_credentials, TOKEN_EXCHANGE: token_exchange}


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
    # HelseID never issues Maskinporten's scopes (ks:fiks): those come from /maskinporten only.
    helseid_scopes = [s for s in client.scopes if audience_of(s) and canonical(s) not in MASKINPORTEN_SCOPES]
    wanted = requested.split() or helseid_scopes
    refused = [s for s in wanted if not client.grants(s) or canonical(s) in MASKINPORTEN_SCOPES]
    if refused:
        raise OAuthError("invalid_scope", f"client {client.client_id} is not granted {' '.join(refused)}")
    if not any(audience_of(s) for s in wanted):
        raise OAuthError("invalid_scope", "ask for at least one API scope")
    # Keep the client's spelling of each scope, once.
    seen: dict[str, str] = {}
    for scope in wanted:
        seen.setdefault(canonical(scope), scope)
    return list(seen.values())


def client_claims(client: ApiClient) -> dict[str, Any]:
    """The claims HelseID puts in every token issued to this client."""
    claims: dict[str, Any] = {"client_id": client.client_id, ORGNR_PARENT: client.orgnr}
    if client.orgnr_child:
        claims[ORGNR_CHILD] = client.orgnr_child
    return claims


def _client_amr(request: TokenRequest) -> str:
    return "private_key_jwt" if request.form.get("client_assertion") else "client_secret"


def _exchange_scopes(client: ApiClient, form: Mapping[str, str]) -> list[str]:
    """The scopes of the exchanged token: those asked for, or every scope the client holds for ``audience``."""
    audience = form.get("audience", "").strip()
    requested = form.get("scope", "").strip()
    if form.get("resource"):
        raise OAuthError("invalid_target", "resource is not supported here; name the API with audience")
    if not audience and not requested:
        raise OAuthError("invalid_request", "name the API with audience (for PTS: audience=nhn:pts) or scope")
    if audience and audience not in EXCHANGE_AUDIENCES:
        raise OAuthError("invalid_target", f"audience {audience!r} is not an API a user token can be exchanged for")
    if requested:
        scopes = _granted_scopes(client, requested)
        targets = {audience_of(s) for s in scopes} - {None}
        if not targets <= set(EXCHANGE_AUDIENCES) or (audience and targets != {audience}):
            raise OAuthError("invalid_target", f"scope {requested!r} does not belong to audience {audience or 'of a user API'}")
        return scopes
    scopes = [s for s in client.scopes if audience_of(s) == audience]
    if not scopes:
        raise OAuthError("invalid_target", f"client {client.client_id} is not granted any scope of audience {audience}")
    return scopes


def _check_may_act(subject: dict[str, Any], client: ApiClient) -> None:
    """A user token that names who may act for the user (RFC 8693 ``may_act``) is exchanged only by them."""
    may_act = subject.get("may_act")
    if isinstance(may_act, dict) and client.client_id not in (may_act.get("sub"), may_act.get("client_id")):
        raise OAuthError("invalid_grant", f"subject_token may not be exchanged by client {client.client_id} (may_act)")


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
