"""Maskinporten's JWT grant (RFC 7523 section 2.1) as Digdir documents it: rules only, no HTTP in here.

A client proves itself with an ``assertion`` signed by its registered key and gets a token that names the
organisation it acts for (``consumer``). What helsebro takes from Digdir's documentation:

- header: ``alg`` RS256, RS384 or RS512 and the ``kid`` of a key registered for the client (Maskinporten's
  other option, an ``x5c`` business certificate, needs a certificate authority helsebro does not have);
- claims: ``aud`` exactly one value, the issuer (with or without its trailing slash); ``iss`` the client_id;
  ``iat`` within 10 s of our clock; ``exp`` at most 120 s after ``iat``; ``scope`` space-separated, every
  scope granted to the client; ``jti`` recommended. No other claims than the documented ones.
- a grant is single use: by its ``jti``, or by its hash when it has none ("A JWT cannot be reused").
- ``consumer_org`` (acting for another organisation by delegation in Altinn) is refused unless it names the
  client's own organisation: helsebro has no delegations. ``resource`` is accepted and ignored: KS's
  scope has no audience restriction.

The access token carries the claims Maskinporten issues: ``iss``, ``client_id``, ``scope`` (one string),
``consumer`` (ISO 6523 ``0192:<orgnr>``), ``client_amr``, ``token_type``, ``iat``, ``exp``, ``jti``, and
``aud``: Maskinporten puts the requested resource there; with none requested helsebro puts the scope's
audience (``ks:fiks``), which is what helsebro's resource servers check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro.auth.clients import ApiClient, get_client
from helsebro.auth.jwts import InvalidToken, audiences, check_alg, unverified_parts, verify_signature
from helsebro.auth.keys import KeyStore
from helsebro.auth.minting import sign
from helsebro.auth.replay import ReplayCache
from helsebro.auth.scopes import MASKINPORTEN_SCOPES, audience_of, canonical
from helsebro.errors import OAuthError
from helsebro.settings import Settings

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_ALGS = ("RS256", "RS384", "RS512")
MAX_ASSERTION_SECONDS = 120  # exp - iat
IAT_TOLERANCE_SECONDS = 10
ASSERTION_CLAIMS = frozenset({"aud", "iss", "iat", "exp", "jti", "scope", "resource", "consumer_org"})
CONSUMER_AUTHORITY = "iso6523-actorid-upis"
NORWEGIAN_ORGNR_SCHEME = "0192"  # ISO 6523 ICD of Enhetsregisteret's organisasjonsnummer


@dataclass
class MaskinportenContext:
    settings: Settings
    engine: sa.Engine
    keys: KeyStore
    replay: ReplayCache
    issuer: str


def consumer_of(orgnr: str) -> dict[str, str]:
    return {"authority": CONSUMER_AUTHORITY, "ID": f"{NORWEGIAN_ORGNR_SCHEME}:{orgnr}"}


def consumer_orgnr(claims: Mapping[str, Any]) -> str | None:
    """The organisasjonsnummer a Maskinporten token's ``consumer`` names, or None when it names none."""
    consumer = claims.get("consumer")
    if not isinstance(consumer, dict) or consumer.get("authority") != CONSUMER_AUTHORITY:
        return None
    scheme, _, orgnr = str(consumer.get("ID", "")).partition(":")
    return orgnr if scheme == NORWEGIAN_ORGNR_SCHEME and len(orgnr) == 9 and orgnr.isdigit() else None


def handle(ctx: MaskinportenContext, form: Mapping[str, str], now: int) -> dict[str, Any]:
    """POST /token: the token response for a good JWT grant, else an ``OAuthError``."""
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant_type != JWT_BEARER:
        raise OAuthError("unsupported_grant_type", f"grant_type must be {JWT_BEARER}")
    assertion = form.get("assertion")
    if not assertion:
        raise OAuthError("invalid_request", "assertion (the JWT grant) is required")
    client, claims = _verified_assertion(ctx, assertion, now)
    scopes = _granted_scopes(client, claims.get("scope"))
    _check_consumer_org(client, claims.get("consumer_org"))
    _use_once(ctx, client, assertion, claims)
    lifetime = ctx.settings.access_token_seconds
    audience = sorted({audience_of(s) for s in scopes} - {None})
    token_claims = {
        "iss": ctx.issuer,
        "aud": audience[0] if len(audience) == 1 else audience,
        "scope": " ".join(scopes),
        "client_id": client.client_id,
        "consumer": consumer_of(client.orgnr),
        "client_amr": "private_key_jwt",
        "token_type": "Bearer",
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(24),
    }
    return {
        "access_token": sign(ctx.keys, token_claims),
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": token_claims["scope"],
    }


def _invalid_grant(reason: str) -> OAuthError:
    # Maskinporten's wording, so a developer can search Digdir's troubleshooting page for it.
    return OAuthError("invalid_grant", f"Invalid assertion. Client authentication failed. {reason}")


def _verified_assertion(ctx: MaskinportenContext, assertion: str, now: int) -> tuple[ApiClient, dict[str, Any]]:
    try:
        header, unverified = unverified_parts(assertion)
        alg = check_alg(header, ASSERTION_ALGS)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("kid is missing: name the key registered for the client (x5c is not supported here)")
        client_id = unverified.get("iss")
        if not isinstance(client_id, str) or not client_id:
            raise InvalidToken("iss (the client_id) is missing")
        with db.read(ctx.engine) as conn:
            client = get_client(conn, client_id)
        if client is None or not client.enabled:
            raise InvalidToken(f"unknown client {client_id!r}")
        keys = [k for k in client.key_set().keys if k.kid == kid and k.key_type == "RSA"]
        if not keys:
            raise InvalidToken(f"no RSA key with kid {kid!r} is registered for client {client_id!r}")
        claims = verify_signature(assertion, keys[0], alg)
        _check_claims(ctx, claims, now)
    except InvalidToken as exc:
        raise _invalid_grant(str(exc)) from exc
    return client, claims


def _check_claims(ctx: MaskinportenContext, claims: dict[str, Any], now: int) -> None:
    unknown = sorted(set(claims) - ASSERTION_CLAIMS)
    if unknown:
        raise InvalidToken(f"claims not allowed in a JWT grant: {', '.join(unknown)}")
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) != 1 or not audiences(claims):
        raise InvalidToken("Invalid JWT claim aud: exactly one value, the issuer")
    if audiences(claims)[0].rstrip("/") != ctx.issuer.rstrip("/"):
        raise InvalidToken(f"Invalid JWT claim aud: must be {ctx.issuer}")
    iat, exp = claims.get("iat"), claims.get("exp")
    for name, value in (("iat", iat), ("exp", exp)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidToken(f"{name} is required, in whole seconds")
    if abs(iat - now) > IAT_TOLERANCE_SECONDS:
        raise InvalidToken(f"iat must be within {IAT_TOLERANCE_SECONDS} s of the server's clock")
    if exp - iat > MAX_ASSERTION_SECONDS:
        raise InvalidToken(f"exp may lie at most {MAX_ASSERTION_SECONDS} s after iat")
    if exp <= now:
        raise InvalidToken("the JWT grant has expired")
    jti = claims.get("jti")
    if jti is not None and (not isinstance(jti, str) or not jti):
        raise InvalidToken("jti must be a non-empty string")


def _granted_scopes(client: ApiClient, scope: object) -> list[str]:
    if not isinstance(scope, str) or not scope.split():
        raise OAuthError("invalid_scope", "scope is required in the JWT grant (space-separated)")
    wanted = list(dict.fromkeys(scope.split()))
    foreign = [s for s in wanted if canonical(s) not in MASKINPORTEN_SCOPES]
    if foreign:
        raise OAuthError("invalid_scope", f"not a Maskinporten scope here: {' '.join(foreign)}")
    refused = [s for s in wanted if not client.grants(s)]
    if refused:
        raise OAuthError("invalid_scope", f"client {client.client_id} has no access to scope {' '.join(refused)}")
    return wanted


def _check_consumer_org(client: ApiClient, consumer_org: object) -> None:
    if consumer_org is not None and consumer_org != client.orgnr:
        raise OAuthError("invalid_grant", "consumer_org: helsebro has no Altinn delegations; omit it or name the client's own organisation")


def _use_once(ctx: MaskinportenContext, client: ApiClient, assertion: str, claims: dict[str, Any]) -> None:
    jti = claims.get("jti") or "sha256:" + hashlib.sha256(assertion.encode()).hexdigest()
    expires = dt.datetime.fromtimestamp(claims["exp"] + IAT_TOLERANCE_SECONDS, dt.timezone.utc)
    if not ctx.replay.first_use("maskinporten", client.client_id, jti, expires):
        raise _invalid_grant("The JWT grant has been used before (jti)")
