"""Maskinporten for API clients: the JWT grant (RFC 7523) as Digdir documents it, tokens cached.

    maskinporten = Maskinporten("my-client", my_private_jwk, issuer="https://test.maskinporten.no/")
    svarut = SvarUt("https://test.svarut.ks.no/api", maskinporten, integrasjon_id, integrasjon_passord)

Against helsebro: ``issuer=<base>/maskinporten`` (token endpoint ``<issuer>/token``). With a business
certificate (as KS's client ``usingVirksomhetssertifikat``): ``certificate=`` its PEM file and the private key as
its PEM file (``helsebro certs issue`` writes both); the grant then carries ``x5c`` instead of ``kid``.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc.jwk import RSAKey

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
        certificate: str | Path | None = None,
        resource: str | None = None,
    ):
        self.client_id = client_id
        self.key = _pem_key(private_key) if _is_pem(private_key) else load_key(private_key)
        self.x5c = [_der_base64(certificate)] if certificate is not None else None
        self.resource = resource
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
        if self.x5c:
            header["x5c"] = self.x5c
        elif self.key.kid:
            header["kid"] = self.key.kid
        claims = {
            "aud": self.audience,
            "iss": self.client_id,
            "scope": self.scope,
            "iat": now,
            "exp": now + lifetime,
            "jti": secrets.token_hex(16),
        }
        if self.resource:
            claims["resource"] = self.resource
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


def _text(value: str | Path) -> str:
    return value if isinstance(value, str) and value.lstrip().startswith("-----BEGIN") else Path(value).read_text(encoding="utf-8")


def _is_pem(value: object) -> bool:
    if isinstance(value, Path) or (isinstance(value, str) and not value.lstrip().startswith("{")):
        return _text(value).lstrip().startswith("-----BEGIN")
    return False


def _pem_key(value: str | Path) -> RSAKey:
    key = RSAKey.import_key(_text(value))
    if not key.is_private:
        raise ValueError("a private RSA key (PEM) is needed to sign")
    return key


def _der_base64(certificate: str | Path) -> str:
    """``x5c``'s form (RFC 7515 4.1.6): standard base64 of the DER certificate."""
    loaded = x509.load_pem_x509_certificate(_text(certificate).encode())
    return base64.b64encode(loaded.public_bytes(serialization.Encoding.DER)).decode()


class MaskinportenAuth(httpx.Auth):
    """``Authorization: Bearer`` with the cached token. No retry: a SvarUt send streams its body once."""

    def __init__(self, maskinporten: Maskinporten):
        self._maskinporten = maskinporten

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._maskinporten.token().access_token}"
        yield request
