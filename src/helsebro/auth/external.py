"""Trusted issuers outside helsebro (e.g. the real HelseID test STS): their JWKS fetched and cached."""

from __future__ import annotations

import time

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from helsebro.settings import ExternalIssuer


class ExternalKeys:
    refresh_seconds = 300
    min_refetch_seconds = 10

    def __init__(self, issuers: list[ExternalIssuer]):
        self.issuers = {issuer.issuer.rstrip("/"): issuer for issuer in issuers}
        self._sets: dict[str, tuple[float, KeySet]] = {}

    def trusts(self, issuer: str) -> bool:
        return issuer.rstrip("/") in self.issuers

    async def key(self, issuer: str, kid: str | None):  # noqa: ANN201
        """The issuer's key with this kid, fetching the JWKS when unknown (rate limited), or None."""
        config = self.issuers[issuer.rstrip("/")]
        fetched_at, key_set = self._sets.get(config.issuer, (0.0, KeySet([])))
        found = _by_kid(key_set, kid)
        age = time.monotonic() - fetched_at
        if (found is None and age > self.min_refetch_seconds) or age > self.refresh_seconds:
            key_set = await self._fetch(config)
            found = _by_kid(key_set, kid)
        return found

    async def _fetch(self, config: ExternalIssuer) -> KeySet:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(config.jwks_uri)
                response.raise_for_status()
                key_set = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError):
            key_set = self._sets.get(config.issuer, (0.0, KeySet([])))[1]
        self._sets[config.issuer] = (time.monotonic(), key_set)
        return key_set


def _by_kid(key_set: KeySet, kid: str | None):  # noqa: ANN202
    for key in key_set.keys:
        if kid is None or key.kid == kid:
            return key
    return None
