"""Signed JWT checks shared by every token we accept: assertions, DPoP proofs and access tokens.

Only asymmetric algorithms are accepted, so ``alg: none`` and the HS256-signed-with-the-public-key attack
fail before any signature math. joserfc does the signature work; this module turns its many errors into one
``InvalidToken`` with a reason a developer can act on.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from joserfc.jws import JWSRegistry

# joserfc refuses a header over 512 bytes (base64url), but a DPoP proof carries its public key in the header:
# with an RSA-2048 key that is about 550 bytes, RSA-4096 about 900.
MAX_HEADER_BYTES = 2048

ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class InvalidToken(Exception):
    """A token or proof that must not be accepted. ``str(exc)`` says why."""


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims before verification: only to pick the key and issuer, never to trust."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or not all(parts[:2]):
        raise InvalidToken("not a signed JWT (expected three base64url parts)")
    try:
        header = json.loads(_b64decode(parts[0]))
        claims = json.loads(_b64decode(parts[1]))
    except ValueError as exc:
        raise InvalidToken("JWT header or payload is not base64url JSON") from exc
    except RecursionError:  # JSON nested deeper than the parser goes: no real token is
        raise InvalidToken("JWT header or payload is nested too deeply") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("JWT header and payload must be JSON objects")
    return header, claims


def check_alg(header: dict[str, Any], allowed: Iterable[str] = ASYMMETRIC_ALGS) -> str:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in tuple(allowed):
        raise InvalidToken(f"alg {alg!r} is not accepted; use one of {', '.join(allowed)}")
    return alg


def verify_signature(token: str, key: RSAKey | ECKey | KeySet, alg: str, max_header_bytes: int = MAX_HEADER_BYTES) -> dict[str, Any]:
    """Verify the signature with exactly the algorithm ``alg`` (already checked) and return the claims."""
    registry = JWSRegistry(algorithms=[alg])
    registry.max_header_length = max_header_bytes
    try:
        return dict(jwt.decode(token, key, registry=registry).claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidToken(f"signature check failed ({type(exc).__name__})") from exc


def verify_with_any(token: str, keys: Iterable[RSAKey | ECKey], alg: str) -> dict[str, Any]:
    """Verify against the first of ``keys`` whose type fits ``alg`` (for tokens that carry no kid)."""
    kty = "EC" if alg.startswith("ES") else "RSA"
    candidates = [key for key in keys if key.key_type == kty]
    if not candidates:
        raise InvalidToken(f"no registered {kty} key for alg {alg}")
    failure: InvalidToken | None = None
    for key in candidates:
        try:
            return verify_signature(token, key, alg)
        except InvalidToken as exc:
            failure = exc
    assert failure is not None
    raise failure


def check_times(claims: dict[str, Any], now: int, skew: int, *, require_exp: bool = True) -> None:
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    for name, value in (("exp", exp), ("nbf", nbf), ("iat", iat)):
        # NaN compares false with everything, so it would pass every time check below: refuse it (and infinity).
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            raise InvalidToken(f"{name} must be a finite number of seconds")
    if require_exp and exp is None:
        raise InvalidToken("exp is missing")
    if exp is not None and exp <= now - skew:
        raise InvalidToken("token has expired")
    if nbf is not None and nbf > now + skew:
        raise InvalidToken("token is not valid yet (nbf)")
    if iat is not None and iat > now + skew:
        raise InvalidToken("token is issued in the future (iat)")


def audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list):
        return [a for a in aud if isinstance(a, str)]
    return []
