"""PVK's error codes (seed 003, SPEC section 4), raised as HelsenorgeError.

``EPVK-101500`` and ``EPVK-101518`` are seen from the real service. The others are ours, numbered in the
same range (SPEC: "other 400s ... EPVK-1015xx"):

| code        | when                                                                            |
|-------------|---------------------------------------------------------------------------------|
| EPVK-101500 | unknown (or malformed) definisjonGuid, unknown partKode, or partKode/typePi not those of the definition |
| EPVK-101501 | request body missing, not JSON, or not a JSON object                            |
| EPVK-101502 | a required property is missing                                                  |
| EPVK-101503 | a property has the wrong type or an unreadable value                            |
| EPVK-101504 | innbyggerFnr is not a valid fødselsnummer (and is not in the registry)          |
| EPVK-101505 | typePi is not samtykke, reservasjon or tilgangsbegrensning                      |
| EPVK-101506 | TbInnbyggerMetadata given where this type of setting takes none                 |
| EPVK-101507 | TbInnbyggerMetadata missing or malformed where it is required                   |
| EPVK-101508 | a named health professional (navngittHelseperson.nummer) is not in the HPR      |
| EPVK-101509 | tidspunkt is in the future                                                      |
| EPVK-101510 | only one of signertBevisMimeType and signertBevisInnhold given                  |
| EPVK-101511 | signertBevisInnhold is not base64, or signertBevisMimeType is not a MIME type   |
| EPVK-101512 | the definition is outside its active period                                     |
| EPVK-101518 | no citizen with that fødselsnummer                                              |
"""

from __future__ import annotations

from helsebro.errors import HelsenorgeError


def _bad_request(code: str, message: str) -> HelsenorgeError:
    return HelsenorgeError(400, code, message)


def definition_mismatch(message: str) -> HelsenorgeError:
    return _bad_request("EPVK-101500", message)


def unknown_definition(guid: str) -> HelsenorgeError:
    return definition_mismatch(f"Fant ingen personverninnstilling-definisjon med definisjonGuid {guid}")


def unknown_part(part_kode: str) -> HelsenorgeError:
    return definition_mismatch(f"Fant ingen personverninnstilling-definisjon for partKode {part_kode!r}")


def body_invalid(reason: str) -> HelsenorgeError:
    return _bad_request("EPVK-101501", f"Ugyldig request: {reason}")


def field_missing(name: str) -> HelsenorgeError:
    return _bad_request("EPVK-101502", f"Mangler påkrevd felt: {name}")


def invalid_value(name: str, value: object, expected: str) -> HelsenorgeError:
    return _bad_request("EPVK-101503", f"Ugyldig verdi for {name}: {_shown(value)} (forventet {expected})")


def invalid_fnr(problem: str) -> HelsenorgeError:
    return _bad_request("EPVK-101504", f"Ugyldig innbyggerFnr: {problem}")


def unknown_type_pi(value: object) -> HelsenorgeError:
    return _bad_request(
        "EPVK-101505", f"Ugyldig typePi: {_shown(value)} (lovlige verdier: samtykke, reservasjon, tilgangsbegrensning)"
    )


def metadata_not_allowed(reason: str) -> HelsenorgeError:
    return _bad_request("EPVK-101506", f"TbInnbyggerMetadata er ikke tillatt her: {reason}")


def metadata_invalid(reason: str) -> HelsenorgeError:
    return _bad_request("EPVK-101507", f"Ugyldig TbInnbyggerMetadata: {reason}")


def unknown_health_person(nummer: str) -> HelsenorgeError:
    return _bad_request("EPVK-101508", f"Fant ikke helsepersonell med HPR-nummer {nummer} i Helsepersonellregisteret")


def time_in_future(value: str) -> HelsenorgeError:
    return _bad_request("EPVK-101509", f"tidspunkt kan ikke være frem i tid: {value}")


def proof_incomplete() -> HelsenorgeError:
    return _bad_request("EPVK-101510", "signertBevisMimeType og signertBevisInnhold må oppgis sammen (begge eller ingen)")


def proof_invalid(reason: str) -> HelsenorgeError:
    return _bad_request("EPVK-101511", f"Ugyldig signert bevis: {reason}")


def definition_not_active(guid: str) -> HelsenorgeError:
    return _bad_request("EPVK-101512", f"Personverninnstilling-definisjonen {guid} er ikke aktiv nå")


def citizen_not_found() -> HelsenorgeError:
    return _bad_request("EPVK-101518", "Fant ingen innbygger med angitt fødselsnummer")


def part_forbidden() -> HelsenorgeError:
    # The same body as a missing scope (SPEC section 0): the client lacks the right for this part.
    return HelsenorgeError(403, "SEC-110001", "Mangler tilgang (scope)")


def _shown(value: object) -> str:
    """A value quoted for a message, cut short so a huge input cannot make a huge error body."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
