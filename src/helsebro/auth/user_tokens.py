"""HelseID user tokens: what HelseID issues to a client after a health professional has logged in, and the
full check of one handed in as a token exchange's ``subject_token`` (RFC 8693).

``issue`` is ``helsebro token --hpr N``'s token for a professional of the HPR registry, without a login; the
professional login itself (``login_grants``) builds its tokens from ``identity_claims``. No HTTP in here.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from helsebro.auth.clients import ApiClient
from helsebro.auth.jwts import InvalidToken, check_alg, check_times, unverified_parts, verify_signature
from helsebro.auth.keys import SIGNING_ALG, KeyStore
from helsebro.auth.minting import sign
from helsebro.auth.scopes import ASSURANCE_LEVEL_SCOPE, HPR_SCOPE, PID_SCOPE, SECURITY_LEVEL_SCOPE, audience_of, canonical
from helsebro.pseudonyms import pseudo_id
from helsebro.registries.service import HealthPerson, get_health_person

PID = "helseid://claims/identity/pid"
HPR_NUMBER = "helseid://claims/hpr/hpr_number"
SECURITY_LEVEL = "helseid://claims/identity/security_level"
ASSURANCE_LEVEL = "helseid://claims/identity/assurance_level"
HPR_DETAILS = "helseid://claims/hpr/hpr_details"
# A test login stands for BankID: HelseID's highest levels.
LEVELS = {SECURITY_LEVEL: "4", ASSURANCE_LEVEL: "high"}
# The claims about the person that a token exchange carries over into the new token.
PERSON_CLAIMS = ("sub", "name", "given_name", "family_name", PID, HPR_NUMBER, SECURITY_LEVEL, ASSURANCE_LEVEL)


class UserTokenError(Exception):
    """The user token cannot be issued; ``str(exc)`` says why."""


def issue(
    conn: sa.Connection,
    keys: KeyStore,
    *,
    client: ApiClient,
    client_claims: Mapping[str, Any],
    hpr_number: str,
    scopes: list[str],
    issuer: str,
    secret: str,
    lifetime: int,
    now: int,
    jkt: str | None = None,
) -> str:
    """A user access token for the professional with this HPR number, issued to ``client`` for ``scopes``.

    ``aud`` is the API the scopes belong to (``nhn:pts`` for ``nhn:pts/api``); ``sub`` is pairwise: stable
    for this client and person, different for every other client. ``client_claims`` are the client's own
    (client_id, organisation numbers), as its client-credentials tokens carry them.
    """
    refused = [s for s in scopes if not client.grants(s)]
    if refused:
        raise UserTokenError(f"client {client.client_id} is not granted {' '.join(refused)}")
    audiences = sorted({a for a in (audience_of(s) for s in scopes) if a})
    if not audiences:
        raise UserTokenError("ask for at least one API scope")
    person = get_health_person(conn, hpr_number)
    if person is None:
        raise UserTokenError(f"no health professional with HPR number {hpr_number} in the registry")
    if not person.fnr:
        raise UserTokenError(f"the health professional {hpr_number} has no fødselsnummer in the registry")
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audiences[0] if len(audiences) == 1 else audiences,
        "sub": pseudo_id(secret, client.client_id, person.fnr),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "auth_time": now,
        "jti": secrets.token_hex(16),
        "scope": scopes,
        **client_claims,
        "amr": ["pwd"],
        PID: person.fnr,
        HPR_NUMBER: person.hpr_nummer,
        "name": person.navn,
        "given_name": person.fornavn,
        "family_name": person.etternavn,
        **LEVELS,
    }
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    return sign(keys, claims)


def verify(token: str, keys: KeyStore, *, issuer: str, now: int, skew: int) -> dict[str, Any]:
    """The claims of a health professional's user token from this HelseID: signed by one of its keys, its
    issuer, within its lifetime, and naming the professional (HPR number and fødselsnummer).
    Raises ``InvalidToken`` with the reason."""
    _, claims = _signed_by(token, keys, issuer)
    check_times(claims, now, skew)
    missing = [name for name in (HPR_NUMBER, PID) if not isinstance(claims.get(name), str) or not claims[name]]
    if missing:
        raise InvalidToken(f"not a health professional's user token: it lacks {' and '.join(missing)}")
    return claims


def verify_id_token(token: str, keys: KeyStore, *, issuer: str) -> dict[str, Any]:
    """The claims of an ID token this HelseID issued (as ``id_token_hint``): signature, issuer, an ``aud``
    and a ``sid``. Its lifetime is not checked: an expired ID token still names the login to end."""
    header, claims = _signed_by(token, keys, issuer)
    if header.get("typ") not in (None, "JWT") or not isinstance(claims.get("aud"), str) or not isinstance(claims.get("sid"), str):
        raise InvalidToken("not an ID token of this HelseID's login (it needs aud and sid)")
    return claims


def _signed_by(token: str, keys: KeyStore, issuer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a token signed by this key store as ``issuer``."""
    header, unverified = unverified_parts(token)
    alg = check_alg(header, (SIGNING_ALG,))
    if unverified.get("iss") != issuer:
        # The same key store signs the citizen login's tokens: the issuer tells them apart.
        raise InvalidToken(f"iss must be {issuer}")
    kid = header.get("kid")
    key = keys.verification_key(kid) if isinstance(kid, str) else None
    if key is None:
        raise InvalidToken(f"unknown kid {kid!r}")
    return header, verify_signature(token, key, alg)


def person_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The claims about the professional, to carry into an exchanged token."""
    return {name: claims[name] for name in PERSON_CLAIMS if name in claims}


def identity_claims(person: HealthPerson, scopes: list[str]) -> dict[str, Any]:
    """The claims about the professional that the granted identity scopes let HelseID's login tokens carry."""
    granted = {canonical(s) for s in scopes}
    claims: dict[str, Any] = {}
    if "profile" in granted:
        claims.update({"name": person.navn, "given_name": person.fornavn, "family_name": person.etternavn})
    if PID_SCOPE in granted and person.fnr:
        claims[PID] = person.fnr
    if HPR_SCOPE in granted:
        claims[HPR_NUMBER] = person.hpr_nummer
    for scope, claim in ((SECURITY_LEVEL_SCOPE, SECURITY_LEVEL), (ASSURANCE_LEVEL_SCOPE, ASSURANCE_LEVEL)):
        if scope in granted:
            claims[claim] = LEVELS[claim]
    return claims


def hpr_details(person: HealthPerson) -> dict[str, Any]:
    """The professional's approvals as HelseID's userinfo gives them (``helseid://claims/hpr/hpr_details``)."""
    approvals = [
        {
            "profession": a.get("kode", ""),
            "authorization": {"value": "1", "description": "Autorisasjon"},
            "requisition_rights": [],
            "specialities": [],
        }
        for a in person.autorisasjoner
        if isinstance(a, dict)
    ]
    return {"approvals": approvals, "hpr_number": person.hpr_nummer}
