"""HelseID authorization requests: checking one (authorization code with PKCE S256 only), signed request
objects (RFC 9101), and keeping a checked request until the professional has logged in: pushed by the
client (PAR, RFC 9126, answered with a one-time ``request_uri``) or sent to the authorize endpoint itself.

Rules only, no HTTP. Every refusal is an ``AuthorizeError`` (an ``OAuthError``): the PAR endpoint answers it
as RFC 6749 JSON; the authorize endpoint redirects it back to the client only when ``redirectable`` (client
and redirect URI known good), and never to a redirect URI the client has not registered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro._time import as_utc, utcnow
from helsebro.auth import organisations
from helsebro.auth.client_auth import _client_keys as client_keys
from helsebro.auth.clients import ApiClient
from helsebro.auth.jwts import InvalidToken, audiences, check_alg, check_times, unverified_parts, verify_with_any
from helsebro.auth.login_tables import login_requests
from helsebro.auth.replay import ReplayCache
from helsebro.auth.scopes import MASKINPORTEN_SCOPES, OPENID, canonical, is_known_scope
from helsebro.errors import OAuthError

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
PUSHED_SECONDS = 60  # a request_uri is good for this long, once (RFC 9126 section 2.2)
PAGE_SECONDS = 30 * 60  # the login page's hold on a request while the professional picks who they are
MAX_VALUE_CHARS = 2000
# An S256 challenge is a base64url SHA-256: 43 characters (RFC 7636 section 4.2).
_S256_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# The parameters an authorization request may carry that the login keeps (beside the required ones).
_OPTIONAL = ("state", "nonce", "login_hint", "prompt", "max_age", "acr_values", "ui_locales", "resource", "authorization_details")
# Request object claims that are not authorization request parameters (RFC 9101 section 4).
_JWT_CLAIMS = {"iss", "aud", "exp", "nbf", "iat", "jti", "sub"}


class AuthorizeError(OAuthError):
    """A refused authorization request. With ``redirect_uri`` it may go back to the client (RFC 6749 4.1.2.1)."""

    def __init__(self, error: str, description: str, *, redirect_uri: str | None = None, state: str | None = None):
        super().__init__(error, description)
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked authorization request, as the login keeps it until the code."""

    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    extra: dict[str, Any] = field(default_factory=dict)  # state, nonce, login_hint, ... as sent

    @property
    def state(self) -> str | None:
        return self.extra.get("state")

    @property
    def nonce(self) -> str | None:
        return self.extra.get("nonce")

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "code_challenge": self.code_challenge,
            **self.extra,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuthorizeRequest:
        core = ("client_id", "redirect_uri", "scope", "code_challenge")
        extra = {k: v for k, v in data.items() if k not in core}
        return cls(str(data["client_id"]), str(data["redirect_uri"]), str(data["scope"]), str(data["code_challenge"]), extra)


@dataclass(frozen=True)
class RequestObjectCheck:
    """What a request object is checked against: the client's keys, this HelseID's issuer URLs, the clock."""

    audiences: set[str]
    now: int
    skew: int
    max_lifetime: int
    replay: ReplayCache


def check(client: ApiClient, params: Mapping[str, Any]) -> AuthorizeRequest:
    """The authorization request ``params`` of ``client``, checked; or ``AuthorizeError`` saying what is wrong."""
    if params.get("client_id") not in (None, client.client_id):
        raise AuthorizeError("invalid_request", f"client_id {params.get('client_id')!r} is not the authenticated client {client.client_id}")
    too_long = [k for k, v in params.items() if isinstance(v, str) and len(v) > MAX_VALUE_CHARS]
    if too_long:
        raise AuthorizeError("invalid_request", f"{too_long[0]} is longer than {MAX_VALUE_CHARS} characters")
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        raise AuthorizeError("invalid_request", "redirect_uri is required")
    if redirect_uri not in client.redirect_uris:
        raise AuthorizeError("invalid_request", f"redirect_uri {redirect_uri!r} is not registered for client {client.client_id}")
    state = params.get("state")
    back = {"redirect_uri": redirect_uri, "state": state if isinstance(state, str) else None}
    if params.get("response_type") != "code":
        raise AuthorizeError("unsupported_response_type", "response_type must be code (the authorization code flow)", **back)
    if params.get("response_mode") not in (None, "query"):
        raise AuthorizeError("invalid_request", "response_mode must be query", **back)
    scopes = str(params.get("scope") or "").split()
    _check_scopes(client, scopes, back)
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if not challenge:
        raise AuthorizeError("invalid_request", "code_challenge is required (PKCE with code_challenge_method=S256)", **back)
    if method != "S256":
        raise AuthorizeError(
            "invalid_request", f"code_challenge_method must be S256, not {method or 'absent (plain)'}: plain PKCE is refused", **back
        )
    if not isinstance(challenge, str) or not _S256_CHALLENGE.match(challenge):
        raise AuthorizeError("invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the code_verifier", **back)
    extra = {k: params[k] for k in _OPTIONAL if params.get(k) not in (None, "")}
    _check_organisations(client, extra.get("authorization_details"), back)
    return AuthorizeRequest(client.client_id, redirect_uri, " ".join(dict.fromkeys(scopes)), challenge, extra)


def _check_organisations(client: ApiClient, details: Any, back: dict[str, Any]) -> None:
    """The organisations the request names, refused now as the token endpoint would (the parent's place in the
    registry is checked when the code is redeemed)."""
    if details is None:
        return
    try:
        organisations.client_claims(client, organisations.in_login_request(details, secret_client=False), is_organisation=lambda _: True)
    except OAuthError as exc:
        raise AuthorizeError(exc.error, exc.description, **back) from None


def _check_scopes(client: ApiClient, scopes: list[str], back: dict[str, Any]) -> None:
    if OPENID not in scopes:
        raise AuthorizeError("invalid_scope", "scope must contain openid (this is a user login)", **back)
    unknown = [s for s in scopes if not is_known_scope(s) or canonical(s) in MASKINPORTEN_SCOPES]
    if unknown:
        raise AuthorizeError("invalid_scope", f"unknown scope(s): {' '.join(unknown)}", **back)
    refused = [s for s in scopes if not client.grants(s)]
    if refused:
        raise AuthorizeError("invalid_scope", f"client {client.client_id} is not granted {' '.join(refused)}", **back)


def with_request_object(client: ApiClient, params: Mapping[str, str], rules: RequestObjectCheck) -> dict[str, Any]:
    """The request's parameters with its signed request object (``request``, RFC 9101) verified and its
    parameters taking the place of the same ones sent beside it. HelseID.Samples signs it with the client's
    key, as a client assertion: ``iss`` and ``client_id`` the client, ``aud`` HelseID, ``exp``, ``nbf``, ``jti``."""
    merged: dict[str, Any] = dict(params)
    token = merged.pop("request", None)
    if token is None:
        return merged
    try:
        header, unverified = unverified_parts(token)
        alg = check_alg(header)
        claims = verify_with_any(token, client_keys(client, header), alg)
        check_times(claims, rules.now, rules.skew)
    except InvalidToken as exc:
        raise AuthorizeError("invalid_request_object", f"request object: {exc}") from exc
    if claims.get("iss") != client.client_id or claims.get("client_id", client.client_id) != client.client_id:
        raise AuthorizeError("invalid_request_object", f"request object: iss and client_id must be the client {client.client_id}")
    if not rules.audiences.intersection(audiences(claims)):
        raise AuthorizeError("invalid_request_object", f"request object: aud must be this HelseID ({min(rules.audiences, key=len)})")
    if claims["exp"] > rules.now + rules.max_lifetime + rules.skew:
        raise AuthorizeError("invalid_request_object", f"request object: exp may lie at most {rules.max_lifetime} s ahead")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise AuthorizeError("invalid_request_object", "request object: jti is missing")
    if not rules.replay.first_use("request_object", client.client_id, jti, dt.datetime.fromtimestamp(claims["exp"] + rules.skew, dt.UTC)):
        raise AuthorizeError("invalid_request_object", "request object: jti has been used before (replay)")
    for name in ("response_type", "client_id"):
        if name in claims and name in params and claims[name] != params[name]:
            raise AuthorizeError("invalid_request_object", f"request object: {name} differs from the one sent beside it")
    merged.update({k: v for k, v in claims.items() if k not in _JWT_CLAIMS})
    return merged


# -- keeping a checked request ------------------------------------------------------------------------------


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def keep(conn: sa.Connection, request: AuthorizeRequest, *, pushed: bool, dpop_jkt: str | None = None) -> str:
    """Store the checked request; returns its handle (the secret part of a request_uri)."""
    now = utcnow()
    conn.execute(sa.delete(login_requests).where(login_requests.c.expires_at < now - dt.timedelta(days=1)))
    handle = secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(login_requests).values(
            handle_hash=_hash(handle),
            client_id=request.client_id,
            pushed=pushed,
            parameters=request.as_json(),
            dpop_jkt=dpop_jkt,
            expires_at=now + dt.timedelta(seconds=PUSHED_SECONDS if pushed else PAGE_SECONDS),
        )
    )
    return handle


def push(engine: sa.Engine, request: AuthorizeRequest, dpop_jkt: str | None) -> dict[str, Any]:
    """PAR: the pushed request kept; the response body (RFC 9126 section 2.2)."""
    with db.write(engine) as conn:
        handle = keep(conn, request, pushed=True, dpop_jkt=dpop_jkt)
    return {"request_uri": REQUEST_URI_PREFIX + handle, "expires_in": PUSHED_SECONDS}


@dataclass(frozen=True)
class Pending:
    request: AuthorizeRequest
    dpop_jkt: str | None


def take(conn: sa.Connection, handle: str, client_id: str, *, pushed: bool, consume: bool = True) -> Pending:
    """The kept request for ``handle``, used up unless ``consume`` is False (a request_uri is good once).
    Refused: unknown, another client's, expired, used."""
    now = utcnow()
    row = conn.execute(sa.select(login_requests).where(login_requests.c.handle_hash == _hash(handle))).first()
    what = "request_uri" if pushed else "the login form"
    again = "push the request again" if pushed else "start the login again"
    if row is None or row.pushed != pushed:
        raise AuthorizeError("invalid_request", f"{what} is unknown" + (" (push the request to the PAR endpoint first)" if pushed else ""))
    if row.client_id != client_id:
        raise AuthorizeError("invalid_request", f"{what} was pushed by another client than {client_id}")
    if row.used_at is not None:
        raise AuthorizeError("invalid_request", f"{what} has already been used; {again}")
    if as_utc(row.expires_at) <= now:
        raise AuthorizeError("invalid_request", f"{what} has expired; {again}")
    pending = Pending(AuthorizeRequest.from_json(row.parameters), row.dpop_jkt)
    if not consume:
        return pending
    used = conn.execute(
        sa.update(login_requests)
        .where(login_requests.c.handle_hash == row.handle_hash, login_requests.c.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if not used:  # another request took it between the read and the update
        raise AuthorizeError("invalid_request", f"{what} has already been used; {again}")
    return pending


def handle_of(request_uri: str) -> str:
    if not request_uri.startswith(REQUEST_URI_PREFIX):
        raise AuthorizeError("invalid_request", f"request_uri must start with {REQUEST_URI_PREFIX} (one this HelseID's PAR endpoint gave)")
    return request_uri[len(REQUEST_URI_PREFIX) :]
