"""Token endpoint grants, one function per ``grant_type`` (the mock-oauth2-server shape).

Each grant takes the parsed form and the request context and returns the token response body. Rules only:
no HTTP objects in here.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro.auth import login_sessions, organisations, user_tokens
from helsebro.auth.clients import ApiClient
from helsebro.auth.dpop import verify_proof
from helsebro.auth.jwts import InvalidToken
from helsebro.auth.minting import sign
from helsebro.auth.organisations import ORGNR_PARENT as ORGNR_PARENT  # where tests and tools look for it
from helsebro.auth.scopes import (
    HELSENORGE_AUDIENCE,
    MASKINPORTEN_SCOPES,
    OPERATOR_AUDIENCE,
    PTS_AUDIENCE,
    audience_of,
    canonical,
    is_identity_scope,
)
from helsebro.auth.token_endpoint import GrantHandler, TokenContext, TokenRequest, authenticate_client_with_claims, dispatch
from helsebro.errors import OAuthError
from helsebro.registries.service import get_organisation

CLIENT_AMR = "helseid://claims/client/amr"

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
# The APIs a user token may be exchanged for (not helsebro's operator API).
EXCHANGE_AUDIENCES = (PTS_AUDIENCE, HELSENORGE_AUDIENCE)
# The APIs (audiences) a ``resource`` (RFC 8707) may name at this HelseID.
RESOURCES = (PTS_AUDIENCE, HELSENORGE_AUDIENCE, OPERATOR_AUDIENCE)
MAX_RESOURCE_CHARS = 500


def client_credentials(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    client, assertion = authenticate_client_with_claims(ctx, request)
    scopes = _for_resource(client, request.form, RESOURCES, _granted_scopes(client, request.form.get("scope", "")))
    organisation_claims = _organisation_claims(ctx, request, client, assertion)
    jkt = _dpop_binding(ctx, request)
    claims = _base_claims(ctx, request.now, scopes)
    claims.update(organisation_claims)
    claims[CLIENT_AMR] = _client_amr(request)
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    return _token_response(ctx, claims, scopes, jkt)


def token_exchange(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    """RFC 8693: a health professional's user token in, a token for the API named by ``audience`` (and/or
    ``scope``) out. The professional's claims are kept, the exchanging client's claims are the client's, and
    ``act`` names the client as the party acting for the professional. The new token does not outlive the
    user token."""
    client, assertion = authenticate_client_with_claims(ctx, request)
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
    _check_session(ctx, subject)
    organisation_claims = _organisation_claims(ctx, request, client, assertion)
    jkt = _dpop_binding(ctx, request)
    claims = _base_claims(ctx, request.now, scopes)
    claims["exp"] = min(claims["exp"], int(subject["exp"]))
    claims.update(organisation_claims)
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


GRANTS: dict[str, GrantHandler] = {"client_credentials": client_credentials, TOKEN_EXCHANGE: token_exchange}


def handle(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    return dispatch(GRANTS, ctx, request)


# -- the parts grants share ---------------------------------------------------------------------------


def _granted_scopes(client: ApiClient, requested: str) -> list[str]:
    """The scopes asked for (all API scopes of the client when none are named); each must be granted."""
    # HelseID never issues Maskinporten's scopes (ks:fiks): those come from /maskinporten only.
    helseid_scopes = [s for s in client.scopes if audience_of(s) and canonical(s) not in MASKINPORTEN_SCOPES]
    wanted = requested.split() or helseid_scopes
    personal = [s for s in wanted if is_identity_scope(s)]
    if personal:
        raise OAuthError(
            "invalid_scope", f"{' '.join(personal)}: identity scopes come with a professional's login (authorization_code), not here"
        )
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
    """The claims HelseID puts in a token issued to this client when it names no organisation."""
    return organisations.client_claims(client)


def _organisation_claims(ctx: TokenContext, request: TokenRequest, client: ApiClient, assertion: dict[str, Any] | None) -> dict[str, Any]:
    """The client's claims with the organisations its request names (``authorization_details`` in the client
    assertion or the request), each checked against its registration (helsebro.auth.organisations)."""
    wanted = organisations.requested(assertion, request.form.get("authorization_details"), secret_client=assertion is None)
    return organisation_claims(ctx, client, wanted)


def organisation_claims(
    ctx: TokenContext, client: ApiClient, wanted: organisations.Requested | None, conn: sa.Connection | None = None
) -> dict[str, Any]:
    """The client's claims for the organisations ``wanted``, parent organisations looked up in the registry
    (on ``conn`` when the caller is inside a transaction)."""
    return organisations.client_claims(client, wanted, is_organisation=lambda orgnr: _is_organisation(ctx.engine, orgnr, conn))


def _is_organisation(engine: sa.Engine, orgnr: str, conn: sa.Connection | None) -> bool:
    if conn is not None:
        return get_organisation(conn, orgnr) is not None
    with db.read(engine) as own:
        return get_organisation(own, orgnr) is not None


def _for_resource(client: ApiClient, form: Mapping[str, str], known: tuple[str, ...], scopes: list[str]) -> list[str]:
    """With ``resource`` (RFC 8707, as HelseID documents it: "an access token with the audience claim set to this
    API"): the scopes of that API only, so the token's ``aud`` is that API alone. Without it: ``scopes``."""
    resource = form.get("resource")
    if resource is None:
        return scopes
    if len(resource) > MAX_RESOURCE_CHARS or resource not in known:
        raise OAuthError("invalid_target", f"resource {resource[:100]!r} is not an API of this HelseID; use one of {', '.join(known)}")
    kept = [s for s in scopes if audience_of(s) == resource]
    if kept:
        return kept
    if form.get("scope"):
        raise OAuthError("invalid_target", f"none of the scopes asked for ({form['scope'][:200]}) belongs to resource {resource}")
    raise OAuthError("invalid_target", f"client {client.client_id} is not granted any scope of resource {resource}")


def _client_amr(request: TokenRequest) -> str:
    return "private_key_jwt" if request.form.get("client_assertion") else "client_secret"


def _exchange_scopes(client: ApiClient, form: Mapping[str, str]) -> list[str]:
    """The scopes of the exchanged token: those asked for, or every scope the client holds for ``audience`` (or
    ``resource``, RFC 8693 section 2.1, which names the API the same way here)."""
    audience = form.get("audience", "").strip()
    resource = form.get("resource", "").strip()
    requested = form.get("scope", "").strip()
    if resource:
        if len(resource) > MAX_RESOURCE_CHARS or resource not in EXCHANGE_AUDIENCES:
            raise OAuthError(
                "invalid_target",
                f"resource {resource[:100]!r} is not an API a user token can be exchanged for; use one of {', '.join(EXCHANGE_AUDIENCES)}",
            )
        if audience and audience != resource:
            raise OAuthError("invalid_target", f"audience {audience[:100]!r} and resource {resource!r} name different APIs; name one")
        audience = resource
    if not audience and not requested:
        raise OAuthError("invalid_request", "name the API with audience or resource (for PTS: nhn:pts) or scope")
    if audience and audience not in EXCHANGE_AUDIENCES:
        raise OAuthError("invalid_target", f"audience {audience!r} is not an API a user token can be exchanged for")
    if requested:
        scopes = _granted_scopes(client, requested)
        if resource:  # downscoped to that API, as at client_credentials
            scopes = _for_resource(client, form, EXCHANGE_AUDIENCES, scopes)
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


def _check_session(ctx: TokenContext, subject: dict[str, Any]) -> None:
    """A user token of the professional login (it has a ``sid``) is exchanged only while its login lasts."""
    sid = subject.get("sid")
    if sid is None:
        return  # ``helsebro token --hpr``: a user token without a login
    with db.read(ctx.engine) as conn:
        active = isinstance(sid, str) and login_sessions.active(conn, sid) is not None
    if not active:
        raise OAuthError("invalid_grant", "subject_token: the professional's login session has ended (logged out)")


def _dpop_binding(ctx: TokenContext, request: TokenRequest) -> str | None:
    if not request.dpop_proof:
        return None
    try:
        proof = verify_proof(
            request.dpop_proof,
            method="POST",
            urls=request.urls,
            now=request.client_now,
            max_age=ctx.settings.dpop_proof_max_age_seconds,
            skew=ctx.settings.clock_skew_seconds,
        )
    except InvalidToken as exc:
        raise OAuthError("invalid_dpop_proof", str(exc)) from exc
    if ctx.settings.dpop_nonce in ("token", "all") and not ctx.nonces.is_valid(proof.claims.get("nonce"), request.client_now):
        raise OAuthError(
            "use_dpop_nonce",
            "Authorization server requires nonce in DPoP proof",
            headers={"DPoP-Nonce": ctx.nonces.current(request.client_now)},
        )
    expires = dt.datetime.fromtimestamp(proof.iat + ctx.settings.dpop_proof_max_age_seconds + 60, dt.UTC)
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
