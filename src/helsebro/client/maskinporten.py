"""Maskinporten for API clients: the JWT grant (RFC 7523) as Digdir documents it, tokens cached.

    maskinporten = Maskinporten("my-client", my_private_jwk, issuer="https://test.maskinporten.no/")
    svarut = SvarUt("https://test.svarut.ks.no/api", maskinporten, integrasjon_id, integrasjon_passord)

Against helsebro: ``issuer=<base>/maskinporten`` (token endpoint ``<issuer>/token``).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Generator
from typing import Any

import httpx

from helsebro.client.auth import AccessToken, KeyInput, _sign, load_key
from helsebro.client.errors import TokenError

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class Maskinporten:
    """Tokens for one scope set (default ``ks:fiks``), signed RS256 with the client's key (Maskinporten takes
    RS256/384/512); ``audience`` defaults to the issuer as given (Digdir's test issuer ends with a slash)."""

    def __init__(
        self,
        client_id: str,
        private_key: KeyInput,
        *,
        issuer: str,
        scope: str = "ks:fiks",
        token_endpoint: str | None = None,
        audience: str | None = None,
        alg: str = "RS256",
        http: httpx.Client | None = None,
    ):
        self.client_id = client_id
        self.key = load_key(private_key)
        self.scope = scope
        self.audience = audience or issuer
        self.token_endpoint = token_endpoint or issuer.rstrip("/") + "/token"
        self.alg = alg
        self._http = http or httpx.Client(timeout=30)
        self._cached: AccessToken | None = None
        self._lock = threading.Lock()

    def grant(self, lifetime: int = 60) -> str:
        now = int(time.time())
        header: dict[str, Any] = {"alg": self.alg}
        if self.key.kid:
            header["kid"] = self.key.kid
        claims = {"aud": self.audience, "iss": self.client_id, "scope": self.scope, "iat": now, "exp": now + lifetime, "jti": secrets.token_hex(16)}
        return _sign(header, claims, self.key)

    def token(self, *, fresh: bool = False) -> AccessToken:
        with self._lock:
            if self._cached is not None and self._cached.fresh() and not fresh:
                return self._cached
        response = self._http.post(self.token_endpoint, data={"grant_type": JWT_BEARER, "assertion": self.grant()})
        if response.status_code != 200:
            raise TokenError.from_response(response)
        token = AccessToken.of(response.json())
        with self._lock:
            self._cached = token
        return token

    def auth(self) -> MaskinportenAuth:
        return MaskinportenAuth(self)


class MaskinportenAuth(httpx.Auth):
    """``Authorization: Bearer`` with the cached token. No retry: a SvarUt send streams its body once."""

    def __init__(self, maskinporten: Maskinporten):
        self._maskinporten = maskinporten

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._maskinporten.token().access_token}"
        yield request
