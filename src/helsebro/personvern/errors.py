"""PVK's error codes (seed 003, SPEC section 4) and their body.

Business errors are ``{"code", "message", "errorCategory"}`` in camelCase, as NORPREG/PVKBroker_cs parses them
(``PvkApiModel.cs``: ``ApiResponseSettInnbyggerError`` with ``required`` code, message and errorCategory, read by
System.Text.Json, which matches names case-sensitively). Token and scope errors keep the seed's
``{"Code": "SEC-110000", "Message": ...}`` (seed 003, "Respons ved feil").

``EPVK-101500`` and ``EPVK-101518`` are seen from the real service (PVKBroker branches on them). The others
are ours, numbered in the same range (SPEC: "other 400s ... EPVK-1015xx"). No public source names the real
service's ``errorCategory`` values, so they are ours too: ``validering`` when the request itself is malformed
(fix the request), ``forretningsregel`` when it is well formed but the data says no (fix the data or the
configuration).

| code        | errorCategory    | when                                                                      |
|-------------|------------------|---------------------------------------------------------------------------|
| EPVK-101500 | forretningsregel | unknown (or malformed) definisjonGuid, unknown partKode, or partKode/typePi not those of the definition |
| EPVK-101501 | validering       | request body missing, not JSON, or not a JSON object                      |
| EPVK-101502 | validering       | a required property is missing                                            |
| EPVK-101503 | validering       | a property has the wrong type or an unreadable value                      |
| EPVK-101504 | validering       | innbyggerFnr is not a valid fødselsnummer (and is not in the registry)    |
| EPVK-101505 | validering       | typePi is not samtykke, reservasjon or tilgangsbegrensning                |
| EPVK-101506 | validering       | TbInnbyggerMetadata given where this type of setting takes none           |
| EPVK-101507 | validering       | TbInnbyggerMetadata missing or malformed where it is required             |
| EPVK-101508 | forretningsregel | a named health professional (navngittHelseperson.nummer) is not in the HPR |
| EPVK-101509 | validering       | tidspunkt is in the future                                                |
| EPVK-101510 | validering       | only one of signertBevisMimeType and signertBevisInnhold given            |
| EPVK-101511 | validering       | signertBevisInnhold is not base64, or signertBevisMimeType is not a MIME type |
| EPVK-101512 | forretningsregel | the definition is outside its active period                               |
| EPVK-101518 | forretningsregel | no citizen with that fødselsnummer                                        |
| EPVK-100500 | teknisk          | 500 (ours): a failure inside the service, or an injected fault (helsebro.steering) |

A 5xx takes the business error's camelCase form too (``PvkFormat``): PVKBroker reads every error body as
``ApiResponseSettInnbyggerError``, so a ``{"Code", "Message"}`` 500 would not parse and the client would lose
the message. Seed 003 documents the 500 status ("feil internt på Helsenorge"), not its body.
"""

from __future__ import annotations

from starlette.responses import Response

from helsebro import formats
from helsebro.errors import HelsenorgeError
from helsebro.responses import JSONResponse

VALIDATION = "validering"
BUSINESS_RULE = "forretningsregel"
TECHNICAL = "teknisk"
INTERNAL = ("EPVK-100500", "Feil internt på Helsenorge")
_BUSINESS_RULE_CODES = frozenset({"EPVK-101500", "EPVK-101508", "EPVK-101512", "EPVK-101518"})


class PvkError(HelsenorgeError):
    """A PVK business error: rendered ``{"code", "message", "errorCategory"}``."""

    def __init__(self, status: int, code: str, message: str, category: str):
        super().__init__(status, code, message)
        self.category = category

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "errorCategory": self.category}


def category_of(code: str) -> str:
    if code == INTERNAL[0]:
        return TECHNICAL
    return BUSINESS_RULE if code in _BUSINESS_RULE_CODES else VALIDATION


class PvkFormat(formats.HelsenorgeFormat):
    """PVK's error body: the Helsenorge form for token, scope and routing errors (seed 003), the business
    error's camelCase ``{code, message, errorCategory}`` for EPVK codes and for every 5xx (a failure inside,
    the writer queue full, or an injected fault): never a PascalCase body where PVKBroker expects camelCase."""

    outage = formats.Outage(500, *INTERNAL)

    def render(self, path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        if status < 500 and not code.startswith("EPVK-"):
            return super().render(path, status, code, message, headers)
        if not code.startswith("EPVK-"):  # the server's own codes (PVS-000204, HB-000503) are not PVK's
            code, message = INTERNAL[0], message if status != 500 else INTERNAL[1]
        body = {"code": code, "message": message, "errorCategory": category_of(code)}
        return JSONResponse(body, status_code=status, headers=headers)


FORMAT = PvkFormat()


def _bad_request(code: str, message: str) -> PvkError:
    return PvkError(400, code, message, category_of(code))


def definition_mismatch(message: str) -> PvkError:
    return _bad_request("EPVK-101500", message)


def unknown_definition(guid: str) -> PvkError:
    return definition_mismatch(f"Fant ingen personverninnstilling-definisjon med definisjonGuid {guid}")


def unknown_part(part_kode: str) -> PvkError:
    return definition_mismatch(f"Fant ingen personverninnstilling-definisjon for partKode {part_kode!r}")


def body_invalid(reason: str) -> PvkError:
    return _bad_request("EPVK-101501", f"Ugyldig request: {reason}")


def field_missing(name: str) -> PvkError:
    return _bad_request("EPVK-101502", f"Mangler påkrevd felt: {name}")


def invalid_value(name: str, value: object, expected: str) -> PvkError:
    return _bad_request("EPVK-101503", f"Ugyldig verdi for {name}: {_shown(value)} (forventet {expected})")


def invalid_fnr(problem: str) -> PvkError:
    return _bad_request("EPVK-101504", f"Ugyldig innbyggerFnr: {problem}")


def unknown_type_pi(value: object) -> PvkError:
    return _bad_request("EPVK-101505", f"Ugyldig typePi: {_shown(value)} (lovlige verdier: samtykke, reservasjon, tilgangsbegrensning)")


def metadata_not_allowed(reason: str) -> PvkError:
    return _bad_request("EPVK-101506", f"TbInnbyggerMetadata er ikke tillatt her: {reason}")


def metadata_invalid(reason: str) -> PvkError:
    return _bad_request("EPVK-101507", f"Ugyldig TbInnbyggerMetadata: {reason}")


def unknown_health_person(nummer: str) -> PvkError:
    return _bad_request("EPVK-101508", f"Fant ikke helsepersonell med HPR-nummer {nummer} i Helsepersonellregisteret")


def time_in_future(value: str) -> PvkError:
    return _bad_request("EPVK-101509", f"tidspunkt kan ikke være frem i tid: {value}")


def proof_incomplete() -> PvkError:
    return _bad_request("EPVK-101510", "signertBevisMimeType og signertBevisInnhold må oppgis sammen (begge eller ingen)")


def proof_invalid(reason: str) -> PvkError:
    return _bad_request("EPVK-101511", f"Ugyldig signert bevis: {reason}")


def definition_not_active(guid: str) -> PvkError:
    return _bad_request("EPVK-101512", f"Personverninnstilling-definisjonen {guid} er ikke aktiv nå")


def citizen_not_found() -> PvkError:
    return _bad_request("EPVK-101518", "Fant ingen innbygger med angitt fødselsnummer")


def part_forbidden() -> HelsenorgeError:
    # The same body as a missing scope (SPEC section 0): the client lacks the right for this part.
    return HelsenorgeError(403, "SEC-110001", "Mangler tilgang (scope)")


def _shown(value: object) -> str:
    """A value quoted for a message, cut short so a huge input cannot make a huge error body."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
