"""Authenticating an API client at a token endpoint: private_key_jwt (RFC 7523) or a client secret."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from helsebro.auth.clients import ApiClient
from helsebro.auth.jwts import InvalidToken, audiences, check_alg, check_times, unverified_parts, verify_with_any
from helsebro.auth.passwords import verify_secret
from helsebro.auth.replay import ReplayCache
from helsebro.errors import OAuthError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

ClientLookup = Callable[[str], ApiClient | None]
# The client, and the claims of its verified client assertion (None when it authenticated with a secret).
Authenticated = tuple[ApiClient, dict[str, Any] | None]


def _invalid_client(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, status=401)


def authenticate(form: Mapping[str, str], authorization: str | None, **kwargs: Any) -> ApiClient:
    return authenticate_with_claims(form, authorization, **kwargs)[0]


def authenticate_with_claims(
    form: Mapping[str, str],
    authorization: str | None,
    *,
    lookup: ClientLookup,
    accepted_audiences: set[str],
    now: int,
    max_lifetime: int,
    skew: int,
    replay: ReplayCache,
    allow_secrets: bool,
) -> Authenticated:
    if form.get("client_assertion") or form.get("client_assertion_type"):
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise _invalid_client(f"client_assertion_type must be {ASSERTION_TYPE}")
        return _verified_assertion(
            form.get("client_assertion", ""),
            lookup=lookup,
            accepted_audiences=accepted_audiences,
            now=now,
            max_lifetime=max_lifetime,
            skew=skew,
            replay=replay,
            expected_client_id=form.get("client_id") or None,
        )
    client_id, secret = secret_credentials(form, authorization)
    if client_id is None:
        raise _invalid_client("no client authentication: send a client_assertion (private_key_jwt)")
    client = lookup(client_id)
    if not allow_secrets and not (client is not None and client.operates_only):
        raise _invalid_client("client secrets are turned off (strict mode); use private_key_jwt")
    # verify_secret runs first, also for an unknown or disabled client: every refusal takes one scrypt.
    stored = client.secret_hash if client is not None and client.enabled else None
    if not verify_secret(secret or "", stored) or client is None:
        failure = _invalid_client("unknown client or wrong client secret")
        if authorization and authorization[:6].lower() == "basic ":
            failure.headers["WWW-Authenticate"] = 'Basic realm="helseid"'  # RFC 6749 section 5.2
        raise failure
    return client, None


def secret_credentials(form: Mapping[str, str], authorization: str | None) -> tuple[str | None, str | None]:
    if authorization and authorization[:6].lower() == "basic ":
        import base64
        from urllib.parse import unquote_plus

        try:
            decoded = base64.b64decode(authorization[6:].strip()).decode()
            client_id, _, secret = decoded.partition(":")
        except ValueError as exc:
            raise _invalid_client("malformed Basic authorization header") from exc
        return unquote_plus(client_id), unquote_plus(secret)
    if form.get("client_secret"):
        return form.get("client_id"), form.get("client_secret")
    return None, None


def verify_client_assertion(assertion: str, **kwargs: Any) -> ApiClient:
    return _verified_assertion(assertion, **kwargs)[0]


def _verified_assertion(
    assertion: str,
    *,
    lookup: ClientLookup,
    accepted_audiences: set[str],
    now: int,
    max_lifetime: int,
    skew: int,
    replay: ReplayCache,
    expected_client_id: str | None = None,
) -> Authenticated:
    try:
        header, unverified = unverified_parts(assertion)
        client_id = unverified.get("iss")
        if not isinstance(client_id, str) or unverified.get("sub") != client_id:
            raise InvalidToken("client assertion iss and sub must both be the client_id")
        if expected_client_id is not None and expected_client_id != client_id:
            raise InvalidToken("client_id does not match the client assertion")
        client = lookup(client_id)
        if client is None or not client.enabled:
            raise InvalidToken(f"unknown client {client_id!r}")
        alg = check_alg(header)
        claims = verify_with_any(assertion, _client_keys(client, header), alg)
        check_times(claims, now, skew)
        if claims["exp"] > now + max_lifetime + skew:
            raise InvalidToken(f"client assertion exp may lie at most {max_lifetime} s ahead")
        if not accepted_audiences.intersection(audiences(claims)):
            raise InvalidToken("client assertion aud must be the issuer or the token endpoint URL")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise InvalidToken("client assertion jti is missing")
    except InvalidToken as exc:
        raise _invalid_client(str(exc)) from exc
    expires = dt.datetime.fromtimestamp(claims["exp"] + skew, dt.UTC)
    if not replay.first_use("client_assertion", client_id, jti, expires):
        raise _invalid_client("client assertion jti has been used before (replay)")
    return client, claims


def _client_keys(client: ApiClient, header: dict) -> list:
    keys = client.key_set().keys
    kid = header.get("kid")
    if kid is not None:
        keys = [k for k in keys if k.kid == kid]
        if not keys:
            raise InvalidToken(f"unknown kid {kid!r} for client {client.client_id!r}")
    if not keys:
        raise InvalidToken(f"client {client.client_id!r} has no registered public key")
    return keys
