"""SvarUt's errors, raised as FiksError (the Fiks ``ErrorMessage`` body).

KS publishes the body but not its ``errorCode`` values, so every code here is ours. ``errorJson`` carries the
details a client can act on, as a JSON string (the spec types it as a string): for validation, a list of
``{"felt", "melding"}``.
"""

from __future__ import annotations

import json

from helsebro.errors import FiksError

# -- access --------------------------------------------------------------------------------------------


def integration_headers_missing() -> FiksError:
    return FiksError(401, "Mangler headerne IntegrasjonId og IntegrasjonPassord", "INTEGRASJON_MANGLER")


def integration_invalid() -> FiksError:
    # One answer for an unknown integration and a wrong password, so ids cannot be probed.
    return FiksError(401, "Ukjent integrasjon eller feil passord", "INTEGRASJON_UGYLDIG")


def token_not_maskinporten() -> FiksError:
    return FiksError(401, "Tokenet må være et Maskinporten-token med consumer (organisasjonsnummer)", "TOKEN_UGYLDIG")


def consumer_mismatch() -> FiksError:
    return FiksError(401, "Integrasjonen tilhører ikke organisasjonen Maskinporten-tokenet er utstedt til", "INTEGRASJON_ANNEN_ORGANISASJON")


def account_unknown(konto_id: str) -> FiksError:
    return FiksError(404, f"Fant ikke konto {konto_id}", "KONTO_FINNES_IKKE")


def account_not_granted(konto_id: str) -> FiksError:
    return FiksError(403, f"Integrasjonen har ikke tilgang til konto {konto_id}", "KONTO_INGEN_TILGANG")


def invalid_path_id(name: str, value: str) -> FiksError:
    return FiksError(400, f"{name} må være en UUID: {value!r}", "UGYLDIG_PARAMETER")


# -- the request ---------------------------------------------------------------------------------------


def validation(problems: list[tuple[str, str]]) -> FiksError:
    """The forsendelse (or the status search) broke the spec's rules; each problem is (field, message)."""
    first_field, first_message = problems[0]
    summary = f"Validering feilet: {first_field}: {first_message}"
    if len(problems) > 1:
        summary += f" (og {len(problems) - 1} feil til)"
    detail = json.dumps([{"felt": f, "melding": m} for f, m in problems], ensure_ascii=False)
    return FiksError(400, summary, "VALIDERING_FEILET", detail)


def not_multipart() -> FiksError:
    return FiksError(415, "Forsendelsen må sendes som multipart/form-data", "UGYLDIG_CONTENT_TYPE")


def malformed_multipart(reason: str) -> FiksError:
    return FiksError(400, f"Ugyldig multipart-body: {reason}", "UGYLDIG_MULTIPART")


def forsendelse_part_first() -> FiksError:
    return FiksError(400, "Første part må hete 'forsendelse' og inneholde forsendelsens metadata som JSON", "FORSENDELSE_MANGLER")


def not_json(reason: str) -> FiksError:
    return FiksError(400, f"Ugyldig JSON: {reason}", "UGYLDIG_JSON")


def document_mismatch(message: str) -> FiksError:
    return FiksError(400, message, "DOKUMENT_UGYLDIG")


def too_large(message: str) -> FiksError:
    return FiksError(413, message, "FOR_STOR")


def idempotency_conflict() -> FiksError:
    # ours: the Idempotency-Key header is beyond the real API (SPEC section 6).
    return FiksError(409, "Idempotency-Key er brukt før for en annen forsendelse", "IDEMPOTENCY_KEY_KONFLIKT")


def idempotency_key_invalid() -> FiksError:
    return FiksError(400, "Idempotency-Key må være 1-255 synlige ASCII-tegn", "UGYLDIG_PARAMETER")
