"""The client's exceptions: one per error format the families answer with, each carrying that format's fields.

- ``TokenError``: RFC 6749 ``{"error", "error_description"}`` from a token endpoint (HelseID, Maskinporten).
- ``HelsenorgeError``: ``{"Code", "Message"}`` (Verktøy, DigitaltAktiv, PVK); ``OperatorError`` is the same
  format from helsebro's operator API.
- ``PtsProblem``: RFC 9457 problem details (PTS).
- ``SvarUtError``: Fiks ``ErrorMessage`` (SvarUt).

A body that is not the family's format (a proxy's HTML page, say) still gives the family's exception, with
what could be read: ``status`` always, the text's start as the message.
"""

from __future__ import annotations

from typing import Any

import httpx


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _text(response: httpx.Response) -> str:
    try:
        return response.text[:500]
    except Exception:  # noqa: BLE001  (a streamed or undecodable body: nothing to show)
        return ""


class ApiError(Exception):
    """An error answer from a service: its HTTP status, the body as JSON (or {}), and the response."""

    def __init__(self, status: int, message: str, body: dict[str, Any], response: httpx.Response | None = None):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body
        self.response = response

    @property
    def www_authenticate(self) -> str | None:
        """The exact reason of a 401/403 (helsebro and HelseID put it here)."""
        return None if self.response is None else self.response.headers.get("www-authenticate")

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        body = _json_object(response)
        return cls(response.status_code, _text(response), body, response)


class TokenError(ApiError):
    def __init__(
        self, status: int, error: str | None, error_description: str | None, body: dict[str, Any], response: httpx.Response | None = None
    ):
        super().__init__(status, f"{error}: {error_description}", body, response)
        self.error = error
        self.error_description = error_description

    @classmethod
    def from_response(cls, response: httpx.Response) -> TokenError:
        body = _json_object(response)
        return cls(response.status_code, body.get("error"), body.get("error_description") or _text(response), body, response)


class HelsenorgeError(ApiError):
    """``{"Code": "VER-000228", "Message": "..."}``, or PVK's ``{"code", "message", "errorCategory"}``;
    ``code`` None when the body was of neither form, ``error_category`` set only for PVK's."""

    def __init__(self, status: int, code: str | None, message: str, body: dict[str, Any], response: httpx.Response | None = None):
        super().__init__(status, f"{code}: {message}" if code else message, body, response)
        self.code = code
        self.message = message
        category = body.get("errorCategory")
        self.error_category = category if isinstance(category, str) else None

    @classmethod
    def from_response(cls, response: httpx.Response) -> HelsenorgeError:
        body = _json_object(response)
        pvk = "code" in body and "Code" not in body
        code = body.get("code" if pvk else "Code")
        message = body.get("message" if pvk else "Message")
        return cls(response.status_code, code if isinstance(code, str) else None, str(message or _text(response)), body, response)


class OperatorError(HelsenorgeError):
    """helsebro's operator API: the same ``{"Code", "Message"}`` format (``OP-0004xx``, ``SEC-1100xx``)."""


class PtsProblem(ApiError):
    """RFC 9457 problem details: ``type, title, status, detail, instance`` and, for validation, ``errors``."""

    def __init__(self, status: int, body: dict[str, Any], response: httpx.Response | None = None, fallback: str = ""):
        self.type = body.get("type")
        self.title = body.get("title")
        self.detail = body.get("detail")
        self.instance = body.get("instance")
        self.errors = body.get("errors")
        super().__init__(status, str(self.detail or self.title or fallback), body, response)

    @classmethod
    def from_response(cls, response: httpx.Response) -> PtsProblem:
        return cls(response.status_code, _json_object(response), response, _text(response))


class SvarUtError(ApiError):
    """Fiks ``ErrorMessage``: ``timestamp, status, error, errorId, path, originalPath, message, errorCode,
    errorJson`` (kept under those names in ``body``; the usual ones as attributes)."""

    def __init__(self, status: int, body: dict[str, Any], response: httpx.Response | None = None, fallback: str = ""):
        self.error = body.get("error")
        self.error_id = body.get("errorId")
        self.error_code = body.get("errorCode")
        self.error_json = body.get("errorJson")  # {field: message} when the error names fields, else None
        self.message = str(body.get("message") or fallback)
        super().__init__(status, f"{self.error_code}: {self.message}" if self.error_code else self.message, body, response)

    @classmethod
    def from_response(cls, response: httpx.Response) -> SvarUtError:
        return cls(response.status_code, _json_object(response), response, _text(response))
