"""The token endpoint's grants of the professional login: ``authorization_code`` (code + PKCE, DPoP where
sent or asked for at the authorization request) and ``refresh_token`` (with rotation). Both authenticate
the client as every grant does and answer with an access token, an ID token and, with ``offline_access``,
a refresh token (``rt_expires_in`` as HelseID adds it). Rules only: no HTTP here."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from helsebro import db
from helsebro._time import utcnow
from helsebro.auth import login_codes, login_refresh, login_sessions, organisations, user_tokens
from helsebro.auth.clients import ApiClient
from helsebro.auth.grants import (
    CLIENT_AMR,
    RESOURCES,
    _base_claims,
    _client_amr,
    _dpop_binding,
    _for_resource,
    _organisation_claims,
    _token_response,
    organisation_claims,
)
from helsebro.auth.login_refresh import Family
from helsebro.auth.minting import sign
from helsebro.auth.scopes import OFFLINE_ACCESS, OPENID, audience_of, canonical
from helsebro.auth.token_endpoint import GrantHandler, TokenContext, TokenRequest, authenticate_client_with_claims
from helsebro.errors import OAuthError
from helsebro.pseudonyms import pseudo_id
from helsebro.registries.service import HealthPerson, get_health_person

AMR = ["pwd"]  # the test login stands for a password-and-more login at an ID provider


@dataclass(frozen=True)
class Login:
    """What the tokens of one login say, whichever grant issues them."""

    person: HealthPerson
    scopes: list[str]
    sid: str
    auth_time: int
    nonce: str | None = None
    refresh_token: str | None = None
    family: Family | None = None


def authorization_code(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    client, assertion = authenticate_client_with_claims(ctx, request)
    organisations.refuse_in_code_assertion(assertion)
    jkt = _dpop_binding(ctx, request)
    try:
        with db.write(ctx.engine) as conn:
            redeemed = login_codes.redeem(conn, client.client_id, dict(request.form))
            if redeemed.dpop_jkt and jkt != redeemed.dpop_jkt:
                raise OAuthError(
                    "invalid_dpop_proof",
                    "the authorization request bound the code to a DPoP key (dpop_jkt): send a DPoP proof made with that key",
                )
            session = login_sessions.active(conn, redeemed.sid)
            if session is None:
                raise OAuthError("invalid_grant", "the login session of this code has ended (logged out)")
            person = _person(conn, session.hpr_number)
            scopes = redeemed.request.scopes
            # Refused here, the code is not used up: the block's writes are undone.
            wanted = organisations.in_login_request(redeemed.request.extra.get("authorization_details"), secret_client=assertion is None)
            orgs = organisation_claims(ctx, client, wanted, conn)
            _access_scopes(client, request, scopes)
            refresh, family = None, None
            if OFFLINE_ACCESS in scopes:
                refresh, family = login_refresh.start(conn, client.client_id, session.sid, redeemed.request.scope)
                login_codes.link_family(conn, redeemed.code_hash, family.family_id)
    except login_codes.CodeReused as exc:
        with db.write(ctx.engine) as conn:
            login_codes.revoke_for_code(conn, exc.code_hash)
        raise
    login = Login(person, scopes, session.sid, session.auth_time, redeemed.request.nonce, refresh, family)
    return tokens(ctx, request, client, login, jkt, orgs)


def refresh_token(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    client, assertion = authenticate_client_with_claims(ctx, request)
    token = request.form.get("refresh_token")
    if not token:
        raise OAuthError("invalid_request", "refresh_token is required")
    jkt = _dpop_binding(ctx, request)
    # HelseID's recommended pattern: the organisations in each refresh's client assertion, no new login needed.
    orgs = _organisation_claims(ctx, request, client, assertion)
    try:
        with db.write(ctx.engine) as conn:
            refresh, family = login_refresh.rotate(conn, client.client_id, token)
            session = login_sessions.active(conn, family.sid)
            if session is None:
                raise OAuthError("invalid_grant", "the login session of this refresh token has ended (logged out)")
            person = _person(conn, session.hpr_number)
            # Refused here, the refresh token is not used up: the rotation is undone with the block.
            scopes = _narrowed(family.scope.split(), request.form.get("scope"))
            _access_scopes(client, request, scopes)
    except login_refresh.RefreshReused as exc:
        with db.write(ctx.engine) as conn:
            login_refresh.revoke(conn, exc.family_id, "a used refresh token of its family was presented again")
        raise
    # OpenID Connect section 12.2: a refreshed ID token keeps sub, sid and auth_time, and has no nonce.
    return tokens(ctx, request, client, Login(person, scopes, session.sid, session.auth_time, None, refresh, family), jkt, orgs)


LOGIN_GRANTS: dict[str, GrantHandler] = {"authorization_code": authorization_code, "refresh_token": refresh_token}


def tokens(
    ctx: TokenContext, request: TokenRequest, client: ApiClient, login: Login, jkt: str | None, client_claims: dict[str, Any]
) -> dict[str, Any]:
    """The token response of a login: access token, ID token, and refresh token if the login has one.
    ``client_claims``: the client's and its organisations' (helsebro.auth.organisations)."""
    assert login.person.fnr  # login_codes.find_professional lets nobody without one log in
    now = request.now
    identity = user_tokens.identity_claims(login.person, login.scopes)
    sub = pseudo_id(ctx.secret, client.client_id, login.person.fnr)
    scopes = _access_scopes(client, request, login.scopes)
    claims = _base_claims(ctx, now, scopes)
    if not claims["aud"]:  # identity scopes only: HelseID's own resources (as Duende's static audience)
        claims["aud"] = ctx.issuer + "/resources"
    claims.update(client_claims)
    claims.update({CLIENT_AMR: _client_amr(request), "sub": sub, "auth_time": login.auth_time, "amr": AMR, "sid": login.sid, **identity})
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    response = _token_response(ctx, claims, scopes, jkt)
    if OPENID in login.scopes:
        id_claims = {
            "iss": ctx.issuer,
            "aud": client.client_id,
            "sub": sub,
            "iat": now,
            "nbf": now,
            "exp": now + ctx.settings.access_token_seconds,
            "auth_time": login.auth_time,
            "sid": login.sid,
            "amr": AMR,
            "at_hash": _half_hash(response["access_token"]),
            **identity,
        }
        if login.nonce:
            id_claims["nonce"] = login.nonce
        response["id_token"] = sign(ctx.keys, id_claims, typ="JWT")
    if login.refresh_token and login.family:
        response["refresh_token"] = login.refresh_token
        response["rt_expires_in"] = max(0, int((login.family.expires_at - utcnow()).total_seconds()))
    return response


def _access_scopes(client: ApiClient, request: TokenRequest, scopes: list[str]) -> list[str]:
    """The access token's scopes: with ``resource`` (HelseID's way to one token per API from one login, RFC 8707)
    the identity scopes and those of that API only."""
    if not request.form.get("resource"):
        return scopes
    identity = [s for s in scopes if audience_of(s) is None]
    return identity + _for_resource(client, request.form, RESOURCES, [s for s in scopes if audience_of(s)])


def _person(conn, hpr_number: str) -> HealthPerson:  # noqa: ANN001
    person = get_health_person(conn, hpr_number)
    if person is None or not person.fnr:
        raise OAuthError("invalid_grant", f"the professional {hpr_number} is no longer in the HPR registry")
    return person


def _narrowed(granted: list[str], requested: str | None) -> list[str]:
    """A refresh may ask for fewer scopes than the login got, never more (RFC 6749 section 6)."""
    if not requested:
        return granted
    wanted = requested.split()
    have = {canonical(s) for s in granted}
    extra = [s for s in wanted if canonical(s) not in have]
    if extra:
        raise OAuthError("invalid_scope", f"a refresh cannot add scopes the login was not granted: {' '.join(extra)}")
    return wanted


def _half_hash(token: str) -> str:
    """OpenID Connect ``at_hash``: the left half of the SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()
