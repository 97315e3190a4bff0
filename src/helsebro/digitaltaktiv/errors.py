"""DigitaltAktiv error codes. The seed documents only the statuses; the DA- codes are ours."""

from __future__ import annotations

from helsebro.errors import HelsenorgeError


def invalid_offset(value: str) -> HelsenorgeError:
    return HelsenorgeError(400, "DA-000400", f"Ugyldig offset {value!r}: bruk ISO 8601, f.eks. 2026-11-23T10:15:30.12345Z")


def invalid_request(message: str) -> HelsenorgeError:
    return HelsenorgeError(400, "DA-000401", message)


_JSON_KINDS = {bool: "true/false", int: "et tall", float: "et tall", list: "en liste", dict: "et objekt"}


def invalid_fnr(value: object, problem: str) -> HelsenorgeError:
    if value is None:
        return HelsenorgeError(400, "DA-000402", f"Fødselsnummer mangler: {problem}")
    if isinstance(value, str):  # a long value is not echoed back
        shown = repr(value) if len(value) <= 20 else f"({len(value)} tegn)"
    else:
        shown = f"({_JSON_KINDS.get(type(value), 'ikke en streng')})"
    return HelsenorgeError(400, "DA-000402", f"Ugyldig fødselsnummer {shown}: {problem}")


def too_many(count: int, limit: int) -> HelsenorgeError:
    return HelsenorgeError(400, "DA-000403", f"For mange fødselsnummer: {count} (maks {limit})")


def invalid_omraade(value: object, allowed: str) -> HelsenorgeError:
    if value is None:
        return HelsenorgeError(400, "DA-000404", f"omraade mangler (gyldige verdier: {allowed})")
    return HelsenorgeError(400, "DA-000404", f"Ugyldig omraade {value!r} (gyldige verdier: {allowed})")
