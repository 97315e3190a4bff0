"""Signing access tokens with the current key of the key store."""

from __future__ import annotations

from typing import Any

from joserfc import jwt

from helsebro.auth.keys import SIGNING_ALG, KeyStore


def sign(keys: KeyStore, claims: dict[str, Any], typ: str = "at+jwt") -> str:
    kid, key = keys.signing_key()
    return jwt.encode({"alg": SIGNING_ALG, "kid": kid, "typ": typ}, claims, key)
