"""The operator API's error codes (ours), raised as HelsenorgeError: ``{"Code": "OP-000400", "Message": ...}``.

| status | code      | when                                                            |
|--------|-----------|-----------------------------------------------------------------|
| 400    | OP-000400 | the request is malformed, or a value breaks a rule              |
| 400    | OP-000410 | a fødselsnummer is malformed or its check digits are wrong      |
| 400    | OP-000411 | a date is impossible (future death, period ending before start) |
| 400    | OP-000412 | parental responsibility for someone who is not a minor          |
| 400    | OP-000413 | an organisasjonsnummer is not valid (mod 11)                    |
| 400    | OP-000414 | an HPR number is not 1-9 digits                                 |
| 404    | OP-000404 | the citizen, link, power of attorney, person or org is missing  |
| 409    | OP-000409 | it exists already, or a concurrent change got there first       |
| 409    | OP-000409 | other data depends on it, so it cannot be deleted (says what)   |
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from helsebro.errors import HelsenorgeError
from helsebro.registries import admin

# Most specific class first: the first match decides.
_ADMIN_CODES: tuple[tuple[type[admin.AdminError], int, str], ...] = (
    (admin.InvalidFnr, 400, "OP-000410"),
    (admin.InvalidDate, 400, "OP-000411"),
    (admin.NotAMinor, 400, "OP-000412"),
    (admin.InvalidOrgnr, 400, "OP-000413"),
    (admin.InvalidHpr, 400, "OP-000414"),
    (admin.InvalidInput, 400, "OP-000400"),
    (admin.NotFound, 404, "OP-000404"),
    (admin.AlreadyExists, 409, "OP-000409"),
    (admin.InUse, 409, "OP-000409"),
)


def from_admin(exc: admin.AdminError) -> HelsenorgeError:
    for kind, status, code in _ADMIN_CODES:
        if isinstance(exc, kind):
            return HelsenorgeError(status, code, exc.message)
    return HelsenorgeError(400, "OP-000400", exc.message)


def concurrent_change() -> HelsenorgeError:
    return HelsenorgeError(409, "OP-000409", "En samtidig endring kom først; prøv igjen")


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Registry refusals become the API's errors. A constraint violation can only come from a concurrent
    write (every rule is checked before writing), e.g. two requests creating the same citizen at once."""
    try:
        yield
    except admin.AdminError as exc:
        raise from_admin(exc) from None
    except sa.exc.IntegrityError:
        raise concurrent_change() from None


# --- request validation (FastAPI/pydantic) -----------------------------------------------------------------

_PROBLEMS = {
    "missing": "mangler",
    "extra_forbidden": "er ikke et kjent felt",
    "string_type": "må være en tekst",
    "bool_type": "må være true eller false",
    "date_type": "må være en dato (ÅÅÅÅ-MM-DD)",
    "date_invalid": "må være en dato (ÅÅÅÅ-MM-DD)",
    "list_type": "må være en liste",
    "model_type": "må være et JSON-objekt",
    "model_attributes_type": "må være et JSON-objekt",
    "dict_type": "må være et JSON-objekt",
    "int_type": "må være et heltall",
    "int_parsing": "må være et heltall",
}
_MAX_LISTED = 3


def invalid_request(problems: Sequence[Mapping[str, Any]]) -> HelsenorgeError:
    """FastAPI's validation errors as one readable message naming each field by its wire name."""
    if any(p.get("type") == "json_invalid" for p in problems):
        return HelsenorgeError(400, "OP-000400", "Ugyldig forespørsel: innholdet er ikke gyldig JSON")
    described = [_describe(p) for p in problems[:_MAX_LISTED]]
    more = len(problems) - _MAX_LISTED
    return HelsenorgeError(400, "OP-000400", "Ugyldig forespørsel: " + "; ".join(described) + (f" (og {more} til)" if more > 0 else ""))


def _describe(problem: Mapping[str, Any]) -> str:
    where = _field_path(problem.get("loc", ()))
    kind = problem.get("type", "")
    if kind in _PROBLEMS:
        return f"{where} {_PROBLEMS[kind]}"
    if kind in ("greater_than_equal", "less_than_equal"):
        sign = "≥" if kind == "greater_than_equal" else "≤"
        limit = next(iter(problem.get("ctx", {}).values()), "")
        return f"{where} må være {sign} {limit}"
    # A model's own rule (a ValueError in a validator) reads as its message, without pydantic's prefix.
    return f"{where}: {str(problem.get('msg', 'ugyldig verdi')).removeprefix('Value error, ')}"


def _field_path(location: Sequence[Any]) -> str:
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "innholdet"
