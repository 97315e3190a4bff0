"""Maskinporten's JWT grant (RFC 7523 section 2.1) as Digdir documents it: rules only, no HTTP in here.

A client proves itself with an ``assertion`` signed by its registered key and gets a token that names the
organisation it acts for (``consumer``). What helsebro takes from Digdir's documentation:

- header: ``alg`` RS256, RS384 or RS512 and either the ``kid`` of a key registered for the client or ``x5c``,
  the client's business certificate (checked by helsebro.auth.certificates: from helsebro's test CA or
  registered for the client, valid, for the client's organisation); the token's ``client_amr`` says which;
- claims: ``aud`` exactly one value, the issuer (with or without its trailing slash); ``iss`` the client_id;
  ``iat`` within 10 s of our clock; ``exp`` at most 120 s after ``iat``; ``scope`` space-separated, every
  scope granted to the client; ``jti`` recommended. No other claims than the documented ones.
- a grant is single use: by its ``jti``, or by its hash when it has none ("A JWT cannot be reused").
- ``consumer_org`` (acting for another organisation by delegation in Altinn) is refused unless it names the
  client's own organisation: helsebro has no delegations. ``resource`` (RFC 8707; a string as KS's client
  sends it, or an array as Digdir documents it) becomes the token's ``aud``.

The access token carries the claims Maskinporten issues: ``iss``, ``client_id``, ``scope`` (one string),
``consumer`` (ISO 6523 ``0192:<orgnr>``), ``client_amr``, ``token_type``, ``iat``, ``exp``, ``jti``, and
``aud``: the requested resource; with none requested helsebro puts the scope's audience (``ks:fiks``, where
Maskinporten says ``unspecified``), which is what helsebro's resource servers check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from helsebro.auth import certificates
from helsebro.auth.clients import ApiClient
from helsebro.auth.jwts import InvalidToken, audiences, check_alg, unverified_parts, verify_signature
from helsebro.auth.minting import sign
from helsebro.auth.scopes import MASKINPORTEN_SCOPES, audience_of, canonical
from helsebro.auth.token_endpoint import GrantHandler, TokenContext, TokenRequest, load_client
from helsebro.errors import OAuthError

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_ALGS = ("RS256", "RS384", "RS512")
MAX_ASSERTION_SECONDS = 120  # exp - iat
IAT_TOLERANCE_SECONDS = 10
ASSERTION_CLAIMS = frozenset({"aud", "iss", "iat", "exp", "jti", "scope", "resource", "consumer_org"})
CONSUMER_AUTHORITY = "iso6523-actorid-upis"
NORWEGIAN_ORGNR_SCHEME = "0192"  # ISO 6523 ICD of Enhetsregisteret's organisasjonsnummer
MAX_RESOURCES = 10
MAX_RESOURCE_CHARS = 500


# Maskinporten's grant is its client authentication too: the assertion is signed by the client's key.
MaskinportenContext = TokenContext


def consumer_of(orgnr: str) -> dict[str, str]:
    return {"authority": CONSUMER_AUTHORITY, "ID": f"{NORWEGIAN_ORGNR_SCHEME}:{orgnr}"}


def consumer_orgnr(claims: Mapping[str, Any]) -> str | None:
    """The organisasjonsnummer a Maskinporten token's ``consumer`` names, or None when it names none."""
    consumer = claims.get("consumer")
    if not isinstance(consumer, dict) or consumer.get("authority") != CONSUMER_AUTHORITY:
        return None
    scheme, _, orgnr = str(consumer.get("ID", "")).partition(":")
    return orgnr if scheme == NORWEGIAN_ORGNR_SCHEME and len(orgnr) == 9 and orgnr.isdigit() else None


def jwt_bearer(ctx: MaskinportenContext, request: TokenRequest) -> dict[str, Any]:
    """grant_type jwt-bearer: the token response for a good JWT grant, else an ``OAuthError``."""
    form, now = request.form, request.now
    assertion = form.get("assertion")
    if not assertion:
        raise OAuthError("invalid_request", "assertion (the JWT grant) is required")
    client, claims, amr = _verified_assertion(ctx, assertion, request.client_now)
    scopes = _granted_scopes(client, claims.get("scope"))
    _check_consumer_org(client, claims.get("consumer_org"))
    audience = _token_audience(scopes, claims.get("resource"))
    _use_once(ctx, client, assertion, claims)
    lifetime = ctx.settings.access_token_seconds
    token_claims = {
        "iss": ctx.issuer,
        "aud": audience,
        "scope": " ".join(scopes),
        "client_id": client.client_id,
        "consumer": consumer_of(client.orgnr),
        "client_amr": amr,
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


GRANTS: dict[str, GrantHandler] = {JWT_BEARER: jwt_bearer}


def _invalid_grant(reason: str) -> OAuthError:
    # Maskinporten's wording, so a developer can search Digdir's troubleshooting page for it.
    return OAuthError("invalid_grant", f"Invalid assertion. Client authentication failed. {reason}")


def _verified_assertion(ctx: MaskinportenContext, assertion: str, now: int) -> tuple[ApiClient, dict[str, Any], str]:
    """The client, the verified claims, and how the client proved itself (the token's ``client_amr``)."""
    try:
        header, unverified = unverified_parts(assertion)
        alg = check_alg(header, ASSERTION_ALGS)
        kid = header.get("kid")
        if "x5c" not in header and (not isinstance(kid, str) or not kid):
            raise InvalidToken("the header needs kid (a key registered for the client) or x5c (a business certificate)")
        client_id = unverified.get("iss")
        if not isinstance(client_id, str) or not client_id:
            raise InvalidToken("iss (the client_id) is missing")
        client = load_client(ctx.engine, client_id)
        if client is None or not client.enabled:
            raise InvalidToken(f"unknown client {client_id!r}")
        if "x5c" in header:  # a business certificate: helsebro.auth.certificates has the rules
            key, amr = certificates.grant_key(header, client, ctx.settings.data_dir, now), certificates.CERTIFICATE_AMR
        else:
            key, amr = _registered_key(client, kid, now)
        try:
            claims = verify_signature(assertion, key, alg, max_header_bytes=certificates.MAX_HEADER_BYTES)
        except InvalidToken as exc:
            signer = "the key of the business certificate in x5c" if "x5c" in header else f"the key registered under kid {kid!r}"
            raise InvalidToken(f"the JWT grant is not signed with {signer}: {exc}") from None
        _check_claims(ctx, claims, now)
    except InvalidToken as exc:
        raise _invalid_grant(str(exc)) from exc
    return client, claims, amr


def _registered_key(client: ApiClient, kid: str, now: int) -> tuple[Any, str]:
    keys = [k for k in client.key_set().keys if k.kid == kid and k.key_type == "RSA"]
    if not keys:
        raise InvalidToken(f"no RSA key with kid {kid!r} is registered for client {client.client_id!r}")
    jwk = next(j for j in client.jwks["keys"] if j.get("kid") == kid)
    if jwk.get("x5c"):  # a registered business certificate, named by its thumbprint
        certificates.check_registered_key(jwk, now)
        return keys[0], certificates.CERTIFICATE_AMR
    return keys[0], "private_key_jwt"


def _token_audience(scopes: list[str], resource: object) -> str | list[str]:
    """``resource`` (a string, or an array as Digdir documents it) becomes the token's ``aud`` (RFC 8707);
    without it, the scopes' audience, which helsebro's resource servers check."""
    if resource is None:
        audience = sorted({audience_of(s) for s in scopes} - {None})
        return audience[0] if len(audience) == 1 else audience
    values = [resource] if isinstance(resource, str) else resource
    if (
        not isinstance(values, list)
        or not 1 <= len(values) <= MAX_RESOURCES
        or not all(isinstance(v, str) and v.strip() and len(v) <= MAX_RESOURCE_CHARS for v in values)
    ):
        raise OAuthError(
            "invalid_target",
            f"resource must be a non-empty string or an array of 1 to {MAX_RESOURCES} of them (at most {MAX_RESOURCE_CHARS} characters each)",
        )
    values = list(dict.fromkeys(values))
    return values[0] if len(values) == 1 else values


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
    expires = dt.datetime.fromtimestamp(claims["exp"] + IAT_TOLERANCE_SECONDS, dt.UTC)
    if not ctx.replay.first_use("maskinporten", client.client_id, jti, expires):
        raise _invalid_grant("The JWT grant has been used before (jti)")
