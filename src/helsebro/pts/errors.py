"""PTS errors as RFC 9457 problem details (SPEC section 0, ours: the seed names no format).

Validation failures look like ASP.NET's ``ValidationProblemDetails``: the title it uses, ``errors`` keyed by
the property path in the service's own (PascalCase) spelling, which is also how the documented messages
name the properties. ``detail`` holds the messages themselves, so a client that reads only ``detail`` sees
the documented text.
"""

from __future__ import annotations

from helsebro.errors import ProblemError

VALIDATION_TITLE = "One or more validation errors occurred."


class Problems:
    """Collects every broken rule of one request, so a client sees them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        messages = self.errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    def has(self, field: str) -> bool:
        return field in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise validation(self.errors)


def validation(errors: dict[str, list[str]]) -> ProblemError:
    messages = [m for field_messages in errors.values() for m in field_messages]
    return ProblemError(400, VALIDATION_TITLE, " ".join(_sentence(m) for m in messages) if len(messages) > 1 else messages[0], errors)


def _sentence(message: str) -> str:
    return message if message.endswith(".") else message + "."


def invalid(field: str, message: str) -> ProblemError:
    return validation({field: [message]})


def body_missing() -> ProblemError:
    # ASP.NET's own words for an empty or unreadable body.
    return invalid("", "A non-empty request body is required.")


def body_not_json(reason: str) -> ProblemError:
    return invalid("$", f"The request body is not valid JSON: {reason}")


def unsupported_api_version(url: str, version: str) -> ProblemError:
    # ASP.NET API Versioning's answer to a version a route does not have.
    return ProblemError(
        400,
        "Unsupported API version",
        f"The HTTP resource that matches the request URI '{url}' does not support the API version '{version}'.",
    )


def not_found(detail: str) -> ProblemError:
    return ProblemError(404, "Not Found", detail)


def conflict(detail: str) -> ProblemError:
    return ProblemError(409, "Conflict", detail)


def concurrent_change() -> ProblemError:
    return conflict("A concurrent request changed the same restriction first; try again")


def audit_claims_missing(missing: list[str]) -> ProblemError:
    return ProblemError(403, "Forbidden", f"The access token must carry the claims {', '.join(missing)} (PTS audits every call with them)")
