"""PTS API versions (reference/pts.md, "Versioning").

From v0.5 the patient-safety routes live under ``/v0.5/...`` and need no ``api-version`` header; v0.3 and
v0.4 stay on the unprefixed routes, chosen with the header. A missing header means 0.4 (ours). What
changed between the versions as far as the public pages show: v0.5 brought ``cause``. helsebro's
v0.3 and v0.4 therefore ignore ``cause`` on input and leave it out of answers (ours).
"""

from __future__ import annotations

from helsebro.pts import errors

V03, V04, V05 = "0.3", "0.4", "0.5"
HEADER = "api-version"
UNPREFIXED = (V03, V04)
DEFAULT_UNPREFIXED = V04
# ASP.NET API Versioning reports the versions a service has on every answer.
SUPPORTED_HEADER = "api-supported-versions"
SUPPORTED = ", ".join((V03, V04, V05))


def resolve(*, prefixed: bool, header: str | None, url: str) -> str:
    """The version a patient-safety request is served in."""
    if prefixed:
        return V05  # the path says it; a header is not needed and not looked at
    if header is None or not header.strip():
        return DEFAULT_UNPREFIXED
    value = header.strip()
    if value not in UNPREFIXED:
        raise errors.unsupported_api_version(url, value)
    return value


def has_cause(version: str) -> bool:
    return version == V05
