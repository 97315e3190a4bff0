"""Error types, one per error body format, and the handlers that render them.

Services raise these; routes never build error bodies by hand. Any other exception becomes the family's
500 body without a stack trace (the trace goes to the log).
"""

from __future__ import annotations

import time
import uuid

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

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

    def __init__(self, status: int, message: str, error_code: str, error_json: str | None = None):
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


# Families by base path, so framework-level errors (404, 405, 500) get the right body too.
_OAUTH_PREFIXES = ("/helseid", "/maskinporten", "/helsenorge-login")


def family_of(path: str) -> str:
    lowered = path.lower()
    if lowered.startswith(_OAUTH_PREFIXES):
        return "oauth"
    if lowered.startswith("/pts"):
        return "pts"
    if lowered.startswith("/svarut"):
        return "svarut"
    return "helsenorge"


_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error"}


def problem_response(path: str, status: int, title: str, detail: str, errors: dict | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": path}
    if errors:
        body["errors"] = errors
    response = JSONResponse(body, status_code=status, headers=headers)
    response.headers["content-type"] = "application/problem+json"
    return response


def fiks_response(path: str, status: int, message: str, error_code: str, error_json: str | None = None,
                  headers: dict[str, str] | None = None) -> Response:
    body = {
        "timestamp": int(time.time() * 1000),
        "status": status,
        "error": _REASONS.get(status, "Error"),
        "errorId": str(uuid.uuid4()),
        "path": path,
        "originalPath": path,
        "message": message,
        "errorCode": error_code,
        "errorJson": error_json,  # null when there is nothing more, as the Fiks platform (Jackson) writes it
    }
    return JSONResponse(body, status_code=status, headers=headers)


def helsenorge_body(code: str, message: str) -> dict[str, str]:
    return {"Code": code, "Message": message}


def _render(path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    family = family_of(path)
    if family == "pts":
        return problem_response(path, status, _REASONS.get(status, "Error"), message, headers=headers)
    if family == "svarut":
        return fiks_response(path, status, message, code, headers=headers)
    if family == "oauth":
        error = {404: "not_found", 405: "invalid_request"}.get(status, "server_error" if status >= 500 else "invalid_request")
        return JSONResponse({"error": error, "error_description": message}, status_code=status, headers=headers)
    return JSONResponse(helsenorge_body(code, message), status_code=status, headers=headers)


async def handle_helsenorge_error(request: Request, exc: HelsenorgeError) -> Response:
    return JSONResponse(helsenorge_body(exc.code, exc.message), status_code=exc.status, headers=exc.headers)


async def handle_problem_error(request: Request, exc: ProblemError) -> Response:
    return problem_response(request.url.path, exc.status, exc.title, exc.detail, exc.errors)


async def handle_fiks_error(request: Request, exc: FiksError) -> Response:
    return fiks_response(request.url.path, exc.status, exc.message, exc.error_code, exc.error_json)


async def handle_oauth_error(request: Request, exc: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store", **exc.headers}
    body = {"error": exc.error, "error_description": exc.description}
    return JSONResponse(body, status_code=exc.status, headers=headers)


_HTTP_CODES = {
    404: ("HB-000404", "Ressursen finnes ikke"),
    405: ("HB-000405", "Metoden er ikke tillatt for denne ressursen"),
}


async def handle_auth_failure(request: Request, exc) -> Response:  # noqa: ANN001
    """401/403 from the guard. The reason goes in WWW-Authenticate; Helsenorge bodies are the seed's fixed ones,
    while PTS (problem details) and SvarUt (ErrorMessage) carry it in the body too (ours: their formats have a
    free-text field, and "Token is expired or invalid" for a missing DPoP proof sent people looking elsewhere)."""
    log.info("access refused", path=request.url.path, status=exc.status, reason=exc.description)
    headers = {"WWW-Authenticate": exc.www_authenticate(), **exc.headers}
    if family_of(request.url.path) in ("pts", "svarut"):
        return _render(request.url.path, exc.status, "SEC-110001" if exc.status == 403 else "SEC-110000", exc.description, headers)
    if exc.status == 403:
        return _render(request.url.path, 403, "SEC-110001", "Mangler tilgang (scope)", headers)
    return _render(request.url.path, 401, "SEC-110000", "Token is expired or invalid", headers)


async def handle_http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    code, message = _HTTP_CODES.get(exc.status_code, ("HB-000400", str(exc.detail)))
    return _render(request.url.path, exc.status_code, code, message, getattr(exc, "headers", None))


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    return _render(request.url.path, 400, "VER-000202", "Ugyldig forespørsel")


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", path=request.url.path, error_type=type(exc).__name__)
    return _render(request.url.path, 500, "PVS-000204", "Feil ved underliggende tjeneste")


def install(app) -> None:  # noqa: ANN001
    from fastapi.exceptions import RequestValidationError

    from helsebro.auth.guard import AuthFailure

    app.add_exception_handler(AuthFailure, handle_auth_failure)
    app.add_exception_handler(HelsenorgeError, handle_helsenorge_error)
    app.add_exception_handler(ProblemError, handle_problem_error)
    app.add_exception_handler(FiksError, handle_fiks_error)
    app.add_exception_handler(OAuthError, handle_oauth_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(Exception, handle_unexpected)
