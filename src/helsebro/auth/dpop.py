"""DPoP proofs (RFC 9449): checking a proof, and the nonces a server may demand."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from helsebro.auth.jwts import InvalidToken, check_alg, unverified_parts, verify_signature


@dataclass(frozen=True)
class Proof:
    jkt: str  # JWK SHA-256 thumbprint of the proof key (what cnf.jkt binds)
    jti: str
    iat: int
    claims: dict[str, Any]


def access_token_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@functools.lru_cache(maxsize=256)  # a few URLs per client, each parsed once instead of per proof
def normalize_htu(url: str) -> str:
    """Compare URLs without query and fragment, with scheme and host in lower case (RFC 9449 4.3)."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    if (parts.scheme, netloc.rsplit(":", 1)[-1]) in (("http", "80"), ("https", "443")):
        netloc = netloc.rsplit(":", 1)[0]
    # One percent-encoding of the path: a client names the encoded path, the server knows the decoded one.
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=~")
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def verify_proof(
    proof: str,
    *,
    method: str,
    urls: list[str],
    now: int,
    max_age: int,
    skew: int,
    access_token: str | None = None,
) -> Proof:
    """Everything about a proof that needs no state. The caller checks jti replay, nonce and binding."""
    header, _ = unverified_parts(proof)
    if header.get("typ") != "dpop+jwt":
        raise InvalidToken("DPoP proof typ must be dpop+jwt")
    alg = check_alg(header)
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or "d" in jwk or jwk.get("kty") not in ("RSA", "EC"):
        raise InvalidToken("DPoP proof must carry the public key (jwk, RSA or EC) in its header")
    key, jkt = _proof_key(jwk)
    claims = verify_signature(proof, key, alg)
    if claims.get("htm") != method:
        raise InvalidToken(f"DPoP proof htm {claims.get('htm')!r} does not match the request method {method}")
    htu = claims.get("htu")
    if not isinstance(htu, str) or normalize_htu(htu) not in {normalize_htu(u) for u in urls}:
        raise InvalidToken(f"DPoP proof htu {htu!r} does not match the request URL {urls[0]}")
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise InvalidToken("DPoP proof iat is missing")
    if iat > now + skew:
        raise InvalidToken("DPoP proof is issued in the future")
    if iat < now - max_age - skew:
        raise InvalidToken("DPoP proof is stale (iat too old); make a new proof for each request")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 300:
        raise InvalidToken("DPoP proof jti is missing")
    if access_token is not None:
        if claims.get("ath") != access_token_hash(access_token):
            raise InvalidToken("DPoP proof ath does not match the access token")
    return Proof(jkt=jkt, jti=jti, iat=iat, claims=claims)


_KEY_CACHE_LIMIT = 10_000
_keys: dict[str, tuple[RSAKey | ECKey, str]] = {}


def _proof_key(jwk: dict[str, Any]) -> tuple[RSAKey | ECKey, str]:
    """The proof's public key and its thumbprint. A client signs every proof with the same key, and importing
    it (and hashing it) costs more than checking the signature: remembered by the JWK's exact members."""
    try:
        cache_key = json.dumps(jwk, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise InvalidToken("DPoP proof jwk is not a valid public key") from exc
    found = _keys.get(cache_key)
    if found is not None:
        return found
    try:
        key = (RSAKey if jwk["kty"] == "RSA" else ECKey).import_key(jwk)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken("DPoP proof jwk is not a valid public key") from exc
    # RFC 7638: the key's required members only (joserfc's thumbprint(dict) would hash kid, alg, use too).
    found = (key, key.thumbprint())
    if len(_keys) >= _KEY_CACHE_LIMIT:
        _keys.clear()
    _keys[cache_key] = found
    return found


class NonceSource:
    """Stateless nonces: an HMAC of the current five-minute window, valid for that window and the last."""

    window_seconds = 300

    def __init__(self, secret: Callable[[], str]):
        self._secret = secret  # read lazily: building the app must not need the database

    def _for_window(self, window: int) -> str:
        mac = hmac.new(self._secret().encode(), f"dpop-nonce:{window}".encode(), hashlib.sha256).digest()[:18]
        return f"{window}.{base64.urlsafe_b64encode(mac).decode()}"

    def current(self, now: int) -> str:
        return self._for_window(now // self.window_seconds)

    def is_valid(self, nonce: object, now: int) -> bool:
        if not isinstance(nonce, str) or "." not in nonce:
            return False
        window = now // self.window_seconds
        return any(hmac.compare_digest(nonce, self._for_window(w)) for w in (window, window - 1))
