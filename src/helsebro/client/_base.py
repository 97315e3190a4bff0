"""What every family client shares: a base URL, an ``httpx.Client``, the auth, and the family's error type."""

from __future__ import annotations

from typing import Any, ClassVar, Self

import httpx

from helsebro.client.errors import ApiError


class ServiceClient:
    error_type: ClassVar[type[ApiError]] = ApiError

    def __init__(self, base_url: str, auth: httpx.Auth | None, *, http: httpx.Client | None = None, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self._owns_http = http is None
        self.http = http or httpx.Client(timeout=timeout)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; an error status raises the family's exception."""
        response = self.http.request(method, self.base_url + path, auth=self.auth or httpx.USE_CLIENT_DEFAULT, **kwargs)
        if response.is_error:
            raise self.error_type.from_response(response)
        return response

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
