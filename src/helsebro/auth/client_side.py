"""What a client does: build a private_key_jwt client assertion and DPoP proofs.

Used by ``helsebro token`` and the tests; also a readable example for integrators of what the server
expects.
"""

from __future__ import annotations

import secrets
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey, import_key

from helsebro import _time
from helsebro.auth.dpop import access_token_hash


def load_private_key(jwk: dict[str, Any]) -> RSAKey | ECKey:
    key = import_key(jwk)
    if not key.is_private:
        raise ValueError("a private key is needed to sign")
    return key


def default_alg(key: RSAKey | ECKey) -> str:
    return "ES256" if key.key_type == "EC" else "RS256"


def client_assertion(
    client_id: str,
    key: RSAKey | ECKey,
    audience: str,
    *,
    lifetime: int = 60,
    alg: str | None = None,
    kid: str | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """``extra_claims``: e.g. HelseID's ``authorization_details`` naming the organisations the client acts for."""
    now = int(_time.real_epoch())
    header = {"alg": alg or default_alg(key), "typ": "JWT"}
    if kid or key.kid:
        header["kid"] = kid or key.kid
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": secrets.token_hex(16),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    claims.update(extra_claims or {})
    # joserfc signs only its "recommended" algorithms unless told otherwise; PS256 and friends are valid choices.
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def dpop_proof(
    key: RSAKey | ECKey, method: str, url: str, *, access_token: str | None = None, nonce: str | None = None, iat: int | None = None
) -> str:
    header = {"typ": "dpop+jwt", "alg": default_alg(key), "jwk": key.as_dict(private=False)}
    claims: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url, "iat": iat or int(_time.real_epoch())}
    if access_token:
        claims["ath"] = access_token_hash(access_token)
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(header, claims, key)
