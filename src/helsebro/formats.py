"""The four error bodies helsebro's families speak, each an ``errors.ErrorFormat``.

A family's ``Family.errors`` names one of these. Which codes a refused token gets is the body's own rule:
the Helsenorge services answer it with their fixed SEC-110000/SEC-110001 bodies (seed 000), while problem
details (PTS) and Fiks ErrorMessage (SvarUt) carry the guard's reason in their free-text field (ours: "Token
is expired or invalid" for a missing DPoP proof sent people looking elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from helsebro.errors import REASONS, fiks_response, helsenorge_body, problem_response
from helsebro.responses import JSONResponse

TOKEN_INVALID = ("SEC-110000", "Token is expired or invalid")
SCOPE_MISSING = ("SEC-110001", "Mangler tilgang (scope)")


@dataclass(frozen=True)
class Outage:
    """What a family answers when its service behind is down: an injected fault's default (helsebro.steering)."""

    status: int
    code: str
    message: str


class HelsenorgeFormat:
    """Verktøy, DigitaltAktiv, PVK and helsebro's operator API: ``{"Code": ..., "Message": ...}``."""

    # The Verktøy API's documented 500 for a service behind it that failed (seed 000: "Feil ved underliggende tjeneste").
    outage = Outage(500, "PVS-000204", "Feil ved underliggende tjeneste")

    def code_of(self, body: dict[str, Any]) -> str | None:
        code = body.get("Code", body.get("code"))  # PVK's own bodies are camelCase
        return code if isinstance(code, str) else None

    def render(self, path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return JSONResponse(helsenorge_body(code, message), status_code=status, headers=headers)

    def refuse(self, path: str, status: int, description: str, headers: dict[str, str]) -> Response:
        code, message = SCOPE_MISSING if status == 403 else TOKEN_INVALID
        return self.render(path, status, code, message, headers)


class ProblemFormat:
    """PTS: RFC 9457 problem details."""

    outage = Outage(503, "", "Tjenesten er midlertidig utilgjengelig")

    def code_of(self, body: dict[str, Any]) -> str | None:
        title = body.get("title")
        return title if isinstance(title, str) else None

    def render(self, path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return problem_response(path, status, REASONS.get(status, "Error"), message, headers=headers)

    def refuse(self, path: str, status: int, description: str, headers: dict[str, str]) -> Response:
        return self.render(path, status, "", description, headers)


class FiksFormat:
    """SvarUt: the Fiks platform's ErrorMessage."""

    outage = Outage(503, "SERVICE_UNAVAILABLE", "Tjenesten er midlertidig utilgjengelig")

    def code_of(self, body: dict[str, Any]) -> str | None:
        code = body.get("errorCode")
        return code if isinstance(code, str) else None

    def render(self, path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return fiks_response(path, status, message, code, headers=headers)

    def refuse(self, path: str, status: int, description: str, headers: dict[str, str]) -> Response:
        code = SCOPE_MISSING[0] if status == 403 else TOKEN_INVALID[0]
        return self.render(path, status, code, description, headers)


class OAuthFormat:
    """Token endpoints: RFC 6749 section 5.2."""

    outage = Outage(503, "temporarily_unavailable", "The authorization server is temporarily unavailable")

    def code_of(self, body: dict[str, Any]) -> str | None:
        error = body.get("error")
        return error if isinstance(error, str) else None

    def render(self, path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        # 503: RFC 6749 4.1.2.1's code for a server that is overloaded (a full writer queue).
        error = {404: "not_found", 405: "invalid_request", 503: "temporarily_unavailable"}.get(
            status, "server_error" if status >= 500 else "invalid_request"
        )
        return JSONResponse({"error": error, "error_description": message}, status_code=status, headers=headers)

    def refuse(self, path: str, status: int, description: str, headers: dict[str, str]) -> Response:
        return self.render(path, status, "", description, headers)


HELSENORGE = HelsenorgeFormat()
PROBLEM = ProblemFormat()
FIKS = FiksFormat()
OAUTH = OAuthFormat()
