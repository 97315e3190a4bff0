"""Error types, one per error body format, and the handlers that render them.

Services raise these; routes never build error bodies by hand. Any other exception becomes the family's
500 body without a stack trace (the trace goes to the log).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from helsebro import _time
from helsebro.casing import RAW_PATH_KEY
from helsebro.logs import get_logger
from helsebro.responses import JSONResponse

log = get_logger(__name__)


class HelsenorgeError(Exception):
    """Verktøy, DigitaltAktiv and PVK: ``{"Code": ..., "Message": ...}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        """The answer's JSON; a family with another casing (PVK) overrides this."""
        return helsenorge_body(self.code, self.message)


class ProblemError(Exception):
    """PTS: RFC 9457 problem details (``application/problem+json``), SPEC section 0 (ours)."""

    def __init__(self, status: int, title: str, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors


class FiksError(Exception):
    """SvarUt: the Fiks platform's ``ErrorMessage`` body, as in KS's OpenAPI specs."""

    def __init__(self, status: int, message: str, error_code: str, error_json: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.error_json = error_json


class OAuthError(Exception):
    """Token endpoints: RFC 6749 section 5.2 ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}


# The error bodies as the OpenAPI document declares them (a route's ``responses=``): every 4xx a route of the
# family can answer has that family's body.
HELSENORGE_ERROR_SCHEMA = {
    "type": "object",
    "required": ["Code", "Message"],
    "properties": {"Code": {"type": "string"}, "Message": {"type": "string"}},
}
OAUTH_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
HELSENORGE_ERRORS: dict[int | str, dict] = {
    "4XX": {"description": "Feil: {Code, Message}", "content": {"application/json": {"schema": HELSENORGE_ERROR_SCHEMA}}},
}
OAUTH_ERRORS: dict[int | str, dict] = {
    "4XX": {"description": "RFC 6749 5.2 error", "content": {"application/json": {"schema": OAUTH_ERROR_SCHEMA}}},
}


REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem_response(
    path: str, status: int, title: str, detail: str, errors: dict | None = None, headers: dict[str, str] | None = None
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": path}
    if errors:
        body["errors"] = errors
    response = JSONResponse(body, status_code=status, headers=headers)
    response.headers["content-type"] = "application/problem+json"
    return response


def fiks_response(
    path: str, status: int, message: str, error_code: str, error_json: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, object] = {
        "timestamp": int(_time.epoch() * 1000),
        "status": status,
        "error": REASONS.get(status, "Error"),
        "errorId": str(uuid.uuid4()),
        "path": path,
        "originalPath": path,
        "message": message,
        "errorCode": error_code,
    }
    # errorJson: field -> message, as KS's client reads it (Map<String, String> since 4.8.0); absent when empty,
    # since KS's spec has no null for it.
    if error_json:
        body["errorJson"] = error_json
    return JSONResponse(body, status_code=status, headers=headers)


def helsenorge_body(code: str, message: str) -> dict[str, str]:
    return {"Code": code, "Message": message}


async def handle_helsenorge_error(request: Request, exc: HelsenorgeError) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def handle_problem_error(request: Request, exc: ProblemError) -> Response:
    return problem_response(shown_path(request), exc.status, exc.title, exc.detail, exc.errors)


async def handle_fiks_error(request: Request, exc: FiksError) -> Response:
    return fiks_response(shown_path(request), exc.status, exc.message, exc.error_code, exc.error_json)


async def handle_oauth_error(request: Request, exc: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store", **exc.headers}
    body = {"error": exc.error, "error_description": exc.description}
    return JSONResponse(body, status_code=exc.status, headers=headers)


NOT_FOUND = ("HB-000404", "Ressursen finnes ikke")
_HTTP_CODES = {
    404: NOT_FOUND,
    405: ("HB-000405", "Metoden er ikke tillatt for denne ressursen"),
}


class ErrorFormat(Protocol):
    """A family's error body. ``render`` answers any error the framework or an unexpected exception raises;
    ``refuse`` answers a token the guard refused (``status`` 401 or 403, the reason in ``description``);
    ``outage`` is what it answers when the service behind it is down, and ``code_of`` reads the error code
    back out of a body (for the request journal)."""

    @property
    def outage(self) -> Any: ...  # helsebro.formats.Outage

    def code_of(self, body: dict[str, Any]) -> str | None: ...

    def render(self, path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response: ...

    def refuse(self, path: str, status: int, description: str, headers: dict[str, str]) -> Response: ...


def format_for(request: Request) -> ErrorFormat:
    """The error format of the family whose base path the request is under (the assembly registers them)."""
    return request.app.state.error_formats(request.url.path)


def shown_path(request: Request) -> str:
    """The path as the client sent it (a family's own port or a case-insensitive route may have rewritten it)."""
    return request.scope.get(RAW_PATH_KEY) or request.url.path


async def handle_http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    code, message = _HTTP_CODES.get(exc.status_code, ("HB-000400", str(exc.detail)))
    return format_for(request).render(shown_path(request), exc.status_code, code, message, getattr(exc, "headers", None))


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    return format_for(request).render(shown_path(request), 400, "VER-000202", "Ugyldig forespørsel")


async def handle_writer_busy(request: Request, exc: Exception) -> Response:
    """The process's writer queue is full (``db.WriterBusy``): 503 with Retry-After, in the family's format."""
    headers = {"Retry-After": str(getattr(exc, "retry_after_seconds", 1))}
    message = "For mange samtidige skriveforespørsler; prøv igjen om litt"
    return format_for(request).render(request.url.path, 503, "HB-000503", message, headers)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", path=request.url.path, error_type=type(exc).__name__)
    return format_for(request).render(shown_path(request), 500, "PVS-000204", "Feil ved underliggende tjeneste")


def install(app: Any, formats_for_path: Callable[[str], ErrorFormat]) -> None:
    """The handlers of every error type; framework errors take the format ``formats_for_path`` picks."""
    from fastapi.exceptions import RequestValidationError

    from helsebro.db import WriterBusy

    app.state.error_formats = formats_for_path
    app.add_exception_handler(HelsenorgeError, handle_helsenorge_error)
    app.add_exception_handler(ProblemError, handle_problem_error)
    app.add_exception_handler(FiksError, handle_fiks_error)
    app.add_exception_handler(OAuthError, handle_oauth_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(WriterBusy, handle_writer_busy)
    app.add_exception_handler(Exception, handle_unexpected)
