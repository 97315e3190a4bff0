"""The Verktøy API's error codes (seed 000), raised as HelsenorgeError. Codes marked ours fill gaps."""

from __future__ import annotations

from helsebro.errors import HelsenorgeError


def request_missing() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000202", "Request er null")


def enum_undefined(parameter: str, value: str) -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000204", f"Verdi for enum er ikke definert: {parameter}={value}")


def search_term_missing() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000205", "Søkeord er en tom streng eller null")


def search_term_length() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000254", "Søkeordet er enten for kort eller for lang (må være mellom 3-256 tegn).")


def invalid_id(value: str) -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000209", f"Ugyldig verdi for id: {value!r}")


def tool_not_found() -> HelsenorgeError:
    return HelsenorgeError(404, "VK-001126", "Fant ingen verktøy med angitt id")


def invalid_page_size(value: str) -> HelsenorgeError:
    return HelsenorgeError(400, "VK-001206", f"Ugyldig sidestørrelse ved uthenting av verktøyliste: {value} (1-50)")


def invalid_parameter(parameter: str, value: str, expected: str) -> HelsenorgeError:
    # ours: the seed has no code for a value of the wrong type; numbered after VER-000290..292 (SPEC).
    return HelsenorgeError(400, "VER-000293", f"Ugyldig verdi for {parameter}: {value!r} (forventet {expected})")


def image_not_found() -> HelsenorgeError:
    # ours: the seed only says "bildefil, HTTP-status 200" on success.
    return HelsenorgeError(404, "VK-001127", "Fant ikke grafisk element med angitt id")
