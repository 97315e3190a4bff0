"""Error types, one per error body format, and the handlers that render them.

Services raise these; routes never build error bodies by hand. Any other exception becomes the family's
500 body without a stack trace (the trace goes to the log).
"""

from __future__ import annotations

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


class OAuthError(Exception):
    """Token endpoints: RFC 6749 section 5.2 ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}


# Families by base path, so framework-level errors (404, 405, 500) get the right body too.
_OAUTH_PREFIXES = ("/helseid", "/maskinporten", "/helsenorge-login")


def family_of(path: str) -> str:
    lowered = path.lower()
    if lowered.startswith(_OAUTH_PREFIXES):
        return "oauth"
    return "helsenorge"


def helsenorge_body(code: str, message: str) -> dict[str, str]:
    return {"Code": code, "Message": message}


def _render(path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    if family_of(path) == "oauth":
        error = {404: "not_found", 405: "invalid_request"}.get(status, "server_error" if status >= 500 else "invalid_request")
        return JSONResponse({"error": error, "error_description": message}, status_code=status, headers=headers)
    return JSONResponse(helsenorge_body(code, message), status_code=status, headers=headers)


async def handle_helsenorge_error(request: Request, exc: HelsenorgeError) -> Response:
    return JSONResponse(helsenorge_body(exc.code, exc.message), status_code=exc.status, headers=exc.headers)


async def handle_oauth_error(request: Request, exc: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store", **exc.headers}
    body = {"error": exc.error, "error_description": exc.description}
    return JSONResponse(body, status_code=exc.status, headers=headers)


_HTTP_CODES = {
    404: ("HB-000404", "Ressursen finnes ikke"),
    405: ("HB-000405", "Metoden er ikke tillatt for denne ressursen"),
}


async def handle_auth_failure(request: Request, exc) -> Response:  # noqa: ANN001
    """401/403 from the guard. The body is the family's fixed one; the reason goes in WWW-Authenticate."""
    log.info("access refused", path=request.url.path, status=exc.status, reason=exc.description)
    headers = {"WWW-Authenticate": exc.www_authenticate(), **exc.headers}
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
    app.add_exception_handler(OAuthError, handle_oauth_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(Exception, handle_unexpected)
