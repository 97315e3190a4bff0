"""The Verktøy API's error codes (seed 000), raised as HelsenorgeError. Codes marked ours fill gaps."""

from __future__ import annotations

from helsebro.errors import HelsenorgeError


def request_missing() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000202", "Request er null")


def request_not_json(reason: str) -> HelsenorgeError:
    # The same code as no body (ASP.NET binds a body it cannot parse as null); the message says why.
    return HelsenorgeError(400, "VER-000202", f"Request er null: body er ikke gyldig JSON ({reason})")


def enum_undefined(parameter: str, value: str) -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000204", f"Verdi for enum er ikke definert: {parameter}={value}")


def search_term_missing() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000205", "Søkeord er en tom streng eller null")


def search_term_length() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000254", "Søkeordet er enten for kort eller for lang (må være mellom 3-256 tegn).")


def invalid_id(value: str) -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000209", f"Ugyldig verdi for id: {value!r}")


def tool_id_missing() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000209", "Ugyldig verdi for id: VerktoyId mangler")


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


# -- sending a tool to a citizen ---------------------------------------------------------------------------


def send_tool_unknown() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000207", "Finner ikke verktøy med angitt verktøy id")


def not_the_tool_itself() -> HelsenorgeError:
    # "Dette kan kun gjøres fra verktøyet selv": only the API client that owns the tool may send it.
    return HelsenorgeError(403, "SEC-110001", "Mangler tilgang (scope): bare verktøyet selv kan sende verktøyet")


def fnr_invalid(field: str) -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000291", f"{field} må være et fødselsnummer med 11 sifre")  # ours


def orgnr_invalid() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000292", "AvsenderOrgNummer er ikke et gyldig organisasjonsnummer")  # ours


def message_too_long(length: int, limit: int) -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000290", f"Melding er {length} tegn, maks {limit}")  # ours


def not_digitally_active(fnr_problem: str | None = None) -> HelsenorgeError:
    # fnr_problem: why a number that is not in the registry cannot be anyone's (SPEC 0: say when the check digits are wrong)
    message = "Innbygger er ikke digitalt aktiv på helsenorge"
    return HelsenorgeError(400, "VER-000228", f"{message} ({fnr_problem})" if fnr_problem else message)


def already_sent() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000232", "Verktøy allerede sendt")


def already_sent_by_same_professional() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000218", "Verktøy allerede sendt til innbygger av samme behandler")


def professional_not_found(by: str) -> HelsenorgeError:
    return HelsenorgeError(400, "PVF-000239", f"Finner ikke helsepersonellinformasjon for angitt {by}")


def professional_missing() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000294", "BehandlerHpr eller BehandlerFnr må angis")  # ours


def guidance_service_not_found() -> HelsenorgeError:
    return HelsenorgeError(404, "VK-001128", "Fant ingen veiledningstjeneste med angitt id")  # ours


def not_guidance_service_owner() -> HelsenorgeError:
    return HelsenorgeError(403, "SEC-110001", "Mangler tilgang (scope): veiledningstjenesten eies av en annen organisasjon")


def not_sent_by_professional() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000260", "Verktøyet er ikke sendt fra en behandler")


def never_sent_to_citizen() -> HelsenorgeError:
    return HelsenorgeError(400, "VER-000261", "Finner ikke kobling mellom verktøy og innbygger")


def citizen_token_required() -> HelsenorgeError:
    return HelsenorgeError(403, "SEC-110001", "Mangler tilgang (scope): Behandler krever et innbyggertoken (Helsenorge-innlogging)")
