"""The organisations a HelseID token names: ``authorization_details`` of type ``helseid_authorization`` as
HelseID.Samples builds it (``PayloadClaimsCreatorWithChildOrgNumber``, ``PayloadClaimsCreatorForMultiTenantClient``),
checked against the client's registration. Rules only, no HTTP.

A client sends the structure in its client assertion (``authorization_details`` claim) or as the request's
``authorization_details`` parameter (JSON, RFC 9396), as one object or an array of them:

- a child organisation (underenhet) of a single-tenant client: ``system`` ``urn:oid:2.16.578.1.12.4.1.2.101``,
  ``value`` the orgnr, which must be on the client's registered ``child_organisations``;
- the organisations of a multi-tenant client: ``system`` ``urn:oid:1.0.6523``, ``value``
  ``NO:ORGNR:<parent>:<child>`` (child may be empty). The parent is the customer the vendor acts for: in HelseID
  one that has delegated to the vendor in Altinn; here an organisation in helsebro's organisation registry.
  HelseID does not check the child against a list, and neither does helsebro (beyond its check digit).

Refusals are ``invalid_request`` with HelseID's error number (HID-1001 ...) first in the description, as
HelseID's list of error messages for organisation numbers names them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from helsebro.auth.clients import ApiClient
from helsebro.errors import OAuthError
from helsebro.identifiers import is_valid_orgnr

TYPE = "helseid_authorization"
# Other types HelseID knows and helsebro accepts without acting on them (the trust framework's context).
OTHER_KNOWN_TYPES = ("nhn:tillitsrammeverk:parameters",)
CHILD_SYSTEM = "urn:oid:2.16.578.1.12.4.1.2.101"  # Enhetsregisteret's organisasjonsnummer
MULTI_TENANT_SYSTEM = "urn:oid:1.0.6523"  # ISO 6523: NO:ORGNR:<parent>:<child>
MULTI_TENANT_PREFIX = "NO:ORGNR:"
IDENTIFIER_TYPE = "ENH"
MAX_DETAILS = 10  # objects in one authorization_details array
MAX_PARAMETER_CHARS = 8 * 1024  # the request parameter; a real one is about 200 characters
MAX_VALUE_CHARS = 100

ORGNR_PARENT = "helseid://claims/client/claims/orgnr_parent"
ORGNR_CHILD = "helseid://claims/client/claims/orgnr_child"
ORGNR_SUPPLIER = "helseid://claims/client/claims/orgnr_supplier"
CLIENT_TENANCY = "helseid://claims/client/client_tenancy"

OrganisationLookup = Callable[[str], bool]  # is this orgnr an organisation in the registry?


@dataclass(frozen=True)
class Requested:
    """The organisations a request names: ``parent`` only in the multi-tenant form."""

    system: str
    parent: str | None
    child: str | None


def details_for(parent: str | None, child: str | None) -> dict[str, Any]:
    """``authorization_details`` as HelseID.Samples builds it: the multi-tenant form when a parent is named,
    else the child organisation form (for ``helsebro token`` and other clients of helsebro's own)."""
    system, value = (MULTI_TENANT_SYSTEM, f"{MULTI_TENANT_PREFIX}{parent}:{child or ''}") if parent else (CHILD_SYSTEM, child or "")
    return {
        "type": TYPE,
        "practitioner_role": {"organization": {"identifier": {"system": system, "type": IDENTIFIER_TYPE, "value": value}}},
    }


def _refused(number: int, description: str) -> OAuthError:
    return OAuthError("invalid_request", f"HID-{number}: {description}")


def _malformed(description: str) -> OAuthError:
    return _refused(1007, f"authorization_details does not follow HelseID's structure: {description}")


def from_parameter(value: str | None) -> Any:
    """The ``authorization_details`` request parameter (a JSON string) as JSON; None when not sent."""
    if value is None:
        return None
    if len(value) > MAX_PARAMETER_CHARS:
        raise _malformed(f"the parameter is longer than {MAX_PARAMETER_CHARS} characters")
    try:
        return json.loads(value)
    except ValueError:
        raise _malformed("the parameter is not JSON") from None
    except RecursionError:
        raise _malformed("the parameter is nested too deeply") from None


def parse(details: Any) -> Requested | None:
    """The organisations named by ``authorization_details`` (one object or an array), or None when it names
    none. Anything that is not HelseID's structure is refused with the path of what is wrong."""
    if details is None:
        return None
    items = details if isinstance(details, list) else [details]
    if not items or len(items) > MAX_DETAILS:
        raise _malformed(f"give one object or an array of 1 to {MAX_DETAILS} objects")
    found: list[Requested] = []
    for index, item in enumerate(items):
        where = f"authorization_details[{index}]" if isinstance(details, list) else "authorization_details"
        if not isinstance(item, dict):
            raise _malformed(f"{where} must be an object")
        kind = item.get("type")
        if kind in OTHER_KNOWN_TYPES:
            continue
        if kind != TYPE:
            raise _malformed(f"{where}.type must be {TYPE!r} (or one of {', '.join(OTHER_KNOWN_TYPES)}), not {kind!r}")
        found.append(_organisation(item, where))
    if len(found) > 1:
        raise _malformed(f"name the organisations in one object of type {TYPE}, not {len(found)}")
    return found[0] if found else None


def _member(parent: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in parent:
        raise _malformed(f"{where}.{name} is missing")
    return parent[name]


def _object(parent: Mapping[str, Any], name: str, where: str) -> dict[str, Any]:
    value = _member(parent, name, where)
    if not isinstance(value, dict):
        raise _malformed(f"{where}.{name} must be an object")
    return value


def _organisation(item: dict[str, Any], where: str) -> Requested:
    role = _object(item, "practitioner_role", where)
    organisation = _object(role, "organization", f"{where}.practitioner_role")
    path = f"{where}.practitioner_role.organization.identifier"
    identifier = _object(organisation, "identifier", f"{where}.practitioner_role.organization")
    system, value = _member(identifier, "system", path), _member(identifier, "value", path)
    kind = identifier.get("type", IDENTIFIER_TYPE)
    if kind != IDENTIFIER_TYPE:
        raise _malformed(f"{path}.type must be {IDENTIFIER_TYPE!r}, not {str(kind)[:MAX_VALUE_CHARS]!r}")
    if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
        raise _malformed(f"{path}.value must be a string of at most {MAX_VALUE_CHARS} characters")
    if system == CHILD_SYSTEM:
        return Requested(CHILD_SYSTEM, None, _orgnr(value, "the child organisation"))
    if system == MULTI_TENANT_SYSTEM:
        if not value.startswith(MULTI_TENANT_PREFIX):
            raise _malformed(
                f"{path}.value must be {MULTI_TENANT_PREFIX}<parent orgnr>:<child orgnr> for system {MULTI_TENANT_SYSTEM}, not {value!r}"
            )
        parent, _, child = value.removeprefix(MULTI_TENANT_PREFIX).partition(":")
        if ":" in child:
            raise _malformed(f"{path}.value has more than a parent and a child organisation: {value!r}")
        return Requested(
            MULTI_TENANT_SYSTEM, _orgnr(parent, "the parent organisation"), _orgnr(child, "the child organisation") if child else None
        )
    raise _malformed(
        f"{path}.system must be {CHILD_SYSTEM} (a child organisation) or {MULTI_TENANT_SYSTEM} (multi-tenant), not {str(system)[:MAX_VALUE_CHARS]!r}"
    )


def _orgnr(value: str, what: str) -> str:
    if not is_valid_orgnr(value):
        raise _refused(1004, f"{what} {value!r} is not an organisation number (nine digits with a valid check digit)")
    return value


def client_claims(
    client: ApiClient, requested: Requested | None = None, *, is_organisation: OrganisationLookup | None = None
) -> dict[str, Any]:
    """The client's claims in a token: ``client_id`` and the organisation numbers, from its registration and
    what it asked for. Raises ``OAuthError`` when it asks for an organisation it may not act for."""
    claims: dict[str, Any] = {"client_id": client.client_id}
    if client.multi_tenant:
        claims[ORGNR_SUPPLIER] = client.orgnr
        claims[CLIENT_TENANCY] = "multi-tenant"
        if requested is None:
            return claims  # no customer named: a token for no parent organisation (APIs that need one refuse it)
        if requested.system != MULTI_TENANT_SYSTEM:
            raise _refused(
                1007,
                f"client {client.client_id} is multi-tenant: name the parent organisation too "
                f"(system {MULTI_TENANT_SYSTEM}, value {MULTI_TENANT_PREFIX}<parent>:<child>)",
            )
        assert requested.parent is not None
        if requested.parent != client.orgnr and not (is_organisation and is_organisation(requested.parent)):
            raise _refused(
                1001,
                f"client {client.client_id} may not act for the parent organisation {requested.parent}: it is not an "
                "organisation in helsebro's registry (add it under organisations in the environment file or with the operator API)",
            )
        claims[ORGNR_PARENT] = requested.parent
        if requested.child:
            claims[ORGNR_CHILD] = requested.child
        return claims
    claims[ORGNR_PARENT] = client.orgnr
    claims[CLIENT_TENANCY] = "single-tenant"
    if requested is None:
        if client.orgnr_child:
            claims[ORGNR_CHILD] = client.orgnr_child
        return claims
    if requested.system != CHILD_SYSTEM:
        raise _refused(
            1005,
            f"client {client.client_id} is single-tenant: its parent organisation is its own ({client.orgnr}); it may not "
            f"name one (system {MULTI_TENANT_SYSTEM}). Name a child organisation with system {CHILD_SYSTEM}",
        )
    allowed = allowed_children(client)
    if not allowed:
        raise _refused(1006, f"client {client.client_id} has no child organisations registered, so it may not name one ({requested.child})")
    if requested.child not in allowed:
        raise _refused(
            1002,
            f"the child organisation {requested.child} is not one client {client.client_id} may act for (registered: {', '.join(allowed)})",
        )
    claims[ORGNR_CHILD] = requested.child
    return claims


def allowed_children(client: ApiClient) -> tuple[str, ...]:
    """The child organisations a single-tenant client may name: its list, and its fixed child if it has one."""
    fixed = (client.orgnr_child,) if client.orgnr_child else ()
    return tuple(dict.fromkeys((*client.child_organisations, *fixed)))


def in_login_request(details: Any, *, secret_client: bool) -> Requested | None:
    """What an authorization request kept for the login names (``authorization_details`` as a parameter, a
    JSON string, or from a request object, JSON already), refused as at the token endpoint."""
    return _not_by_secret(parse(from_parameter(details) if isinstance(details, str) else details), secret_client)


def refuse_in_code_assertion(assertion_claims: Mapping[str, Any] | None) -> None:
    """HID-1009: at the authorization code grant the organisations come from the authorization request."""
    if assertion_claims and assertion_claims.get("authorization_details") is not None:
        raise _refused(
            1009,
            "organisations in the client assertion of an authorization_code request are not accepted: name them in the "
            "authorization request (PAR, request object), or in the client assertion of a refresh_token request",
        )


def requested(assertion_claims: Mapping[str, Any] | None, parameter: str | None, *, secret_client: bool) -> Requested | None:
    """What a token request names: from the client assertion or the ``authorization_details`` parameter."""
    in_assertion = assertion_claims.get("authorization_details") if assertion_claims else None
    if in_assertion is not None and parameter is not None:
        raise _malformed("send it in the client assertion or as the authorization_details parameter, not both")
    return _not_by_secret(parse(in_assertion if in_assertion is not None else from_parameter(parameter)), secret_client)


def _not_by_secret(result: Requested | None, secret_client: bool) -> Requested | None:
    if result is not None and secret_client:
        raise _refused(1008, "a client authenticated with a client secret may not name organisations; use private_key_jwt")
    return result


MAX_CHILD_ORGANISATIONS = 100


def registration_problem(orgnr: str, multi_tenant: bool, child_organisations: list[str] | tuple[str, ...]) -> str | None:
    """Why a client cannot be registered with these organisation settings, or None (the environment file, the
    operator API and ``helsebro clients add`` all ask this)."""
    if multi_tenant and child_organisations:
        return "child_organisations is for a single-tenant client; a multi-tenant client names its organisations in each request"
    if len(child_organisations) > MAX_CHILD_ORGANISATIONS:
        return f"child_organisations: at most {MAX_CHILD_ORGANISATIONS}"
    for index, child in enumerate(child_organisations):
        if not is_valid_orgnr(child):
            return f"child_organisations[{index}]: {str(child)[:20]!r} is not a valid organisasjonsnummer (9 digits, mod-11 check digit)"
        if child == orgnr:
            return f"child_organisations[{index}]: {child} is the client's own organisation, not a child organisation"
    if len(set(child_organisations)) != len(child_organisations):
        return "child_organisations: an organisation is named twice"
    return None
