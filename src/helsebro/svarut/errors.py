"""SvarUt's errors, raised as FiksError (the Fiks ``ErrorMessage`` body).

KS publishes the body but not its ``errorCode`` values, so every code here is ours. ``errorJson`` carries the
details a client can act on: an object mapping each field to its message, as KS's client reads it
(``ks-no/fiks-svarut-klient`` 4.8.0, ``ErrorMessage.errorJson: Map<String, String>?``, commit "Endrer errorJson
til et map for deserialisering"; a string there makes that client fail to read the whole error). It is left
out when there is nothing in it.
"""

from __future__ import annotations

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
    return FiksError(
        401, "Integrasjonen tilhører ikke organisasjonen Maskinporten-tokenet er utstedt til", "INTEGRASJON_ANNEN_ORGANISASJON"
    )


def account_unknown(konto_id: str) -> FiksError:
    return FiksError(404, f"Fant ikke konto {konto_id}", "KONTO_FINNES_IKKE")


def account_not_granted(konto_id: str) -> FiksError:
    return FiksError(403, f"Integrasjonen har ikke tilgang til konto {konto_id}", "KONTO_INGEN_TILGANG")


def letter_unknown(forsendelse_id: str) -> FiksError:
    # The same for a letter that does not exist and one of an account the integration has no access to.
    return FiksError(404, f"Fant ikke forsendelse {forsendelse_id}", "FORSENDELSE_FINNES_IKKE")


def invalid_path_id(name: str, value: str) -> FiksError:
    message = f"{name} må være en UUID: {value!r}"
    return FiksError(400, message, "UGYLDIG_PARAMETER", {name: message})


# -- the request ---------------------------------------------------------------------------------------


def validation(problems: list[tuple[str, str]]) -> FiksError:
    """The forsendelse (or the status search) broke the spec's rules; each problem is (field, message)."""
    first_field, first_message = problems[0]
    summary = f"Validering feilet: {first_field}: {first_message}"
    if len(problems) > 1:
        summary += f" (og {len(problems) - 1} feil til)"
    detail: dict[str, str] = {}
    for field, message in problems:  # two problems with one field: both messages, in order
        detail[field] = f"{detail[field]}; {message}" if field in detail else message
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


# -- v2: what a letter's state refuses -------------------------------------------------------------------


def not_delivered(forsendelse_id: str, current: str) -> FiksError:
    return FiksError(
        409, f"Forsendelse {forsendelse_id} er ikke levert ennå (status {current}) og kan ikke markeres som lest", "FORSENDELSE_IKKE_LEVERT"
    )


def not_yet_deletable(forsendelse_id: str, current: str) -> FiksError:
    return FiksError(
        409,
        f"Dokumentene til forsendelse {forsendelse_id} kan ikke slettes før den er ekspedert (status {current})",
        "FORSENDELSE_IKKE_EKSPEDERT",
    )


def document_deleted(forsendelse_id: str, posisjon: int) -> FiksError:
    return FiksError(410, f"Dokument {posisjon} i forsendelse {forsendelse_id} er slettet", "DOKUMENT_SLETTET")


def document_unknown(forsendelse_id: str, posisjon: str) -> FiksError:
    return FiksError(404, f"Forsendelse {forsendelse_id} har ikke dokument {posisjon}", "DOKUMENT_FINNES_IKKE")
