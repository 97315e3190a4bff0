"""Logging a professional in: who they are (HPR registry, by HPR number or fødselsnummer), the session and
the authorization code, and taking the code back at the token endpoint. A code is single use, lives 60
seconds and is bound to its client, redirect URI, PKCE challenge and (if the request named one) DPoP key.
Only a hash of the code is stored. No HTTP in here."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro._time import as_utc, utcnow
from helsebro.auth import login_sessions
from helsebro.auth.login_requests import AuthorizeRequest, Pending
from helsebro.auth.login_tables import login_codes, refresh_families
from helsebro.errors import OAuthError
from helsebro.identifiers import fnr_problem, has_fnr_shape
from helsebro.registries.service import HealthPerson, get_health_person, get_health_person_by_fnr

CODE_SECONDS = 60
LOGIN_HINT_PREFIX = "hpr:"
_HPR_NUMBER = re.compile(r"^[0-9]{1,9}$")
# RFC 7636 section 4.1: 43 to 128 unreserved characters.
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


class UnknownProfessional(Exception):
    """Nobody in the HPR registry by that number; ``str(exc)`` says so in Norwegian, for the login page."""


def find_professional(conn: sa.Connection, ident: str) -> HealthPerson:
    """The professional an HPR number or a fødselsnummer names."""
    ident = ident.strip()
    if has_fnr_shape(ident):
        person = get_health_person_by_fnr(conn, ident)
        if person is None:
            problem = fnr_problem(ident)
            raise UnknownProfessional("ingen helsepersonell i HPR har dette fødselsnummeret" + (f" ({problem})" if problem else ""))
    elif _HPR_NUMBER.match(ident):
        person = get_health_person(conn, ident)
        if person is None:
            raise UnknownProfessional(f"ingen helsepersonell i HPR har HPR-nummer {ident}")
    else:
        raise UnknownProfessional("skriv et HPR-nummer (opptil 9 sifre) eller et fødselsnummer (11 sifre)")
    if not person.fnr:
        raise UnknownProfessional(f"helsepersonell {person.hpr_nummer} har ikke fødselsnummer i HPR og kan ikke logge inn")
    return person


def hinted_hpr_number(request: AuthorizeRequest) -> str | None:
    """helsebro's ``login_hint=hpr:<number>``: the HPR number to log in without the page, if given."""
    hint = request.extra.get("login_hint")
    if isinstance(hint, str) and hint.startswith(LOGIN_HINT_PREFIX):
        return hint[len(LOGIN_HINT_PREFIX) :]
    return None


def issue(conn: sa.Connection, pending: Pending, person: HealthPerson) -> str:
    """The professional logged in: a session begins and a code for it is issued."""
    now = utcnow()
    conn.execute(sa.delete(login_codes).where(login_codes.c.expires_at < now - dt.timedelta(days=1)))
    request = pending.request
    sid = login_sessions.begin(conn, request.client_id, person.hpr_nummer, int(now.timestamp()))
    code = secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(login_codes).values(
            code_hash=_hash(code),
            client_id=request.client_id,
            sid=sid,
            parameters={**request.as_json(), "hpr_number": person.hpr_nummer},
            dpop_jkt=pending.dpop_jkt,
            expires_at=now + dt.timedelta(seconds=CODE_SECONDS),
        )
    )
    return code


@dataclass(frozen=True)
class Redeemed:
    request: AuthorizeRequest
    hpr_number: str
    sid: str
    dpop_jkt: str | None
    code_hash: str


class CodeReused(OAuthError):
    """The code was presented a second time: the tokens issued for it are to be revoked (RFC 6749 4.1.2)."""

    def __init__(self, code_hash: str):
        super().__init__("invalid_grant", "authorization code has already been used; the tokens issued for it are revoked")
        self.code_hash = code_hash


def redeem(conn: sa.Connection, client_id: str, form: dict[str, str]) -> Redeemed:
    """Take the code of a token request: unknown, reused, expired, another client's, another redirect URI's
    or a wrong PKCE verifier are each refused with what was wrong."""
    code, verifier = form.get("code"), form.get("code_verifier")
    if not code:
        raise OAuthError("invalid_request", "code is required")
    if not verifier:
        raise OAuthError("invalid_request", "code_verifier is required (PKCE): the request was made with a code_challenge")
    row = conn.execute(sa.select(login_codes).where(login_codes.c.code_hash == _hash(code))).first()
    if row is None:
        raise OAuthError("invalid_grant", "unknown authorization code (not issued by this HelseID)")
    if row.used_at is not None:
        raise CodeReused(row.code_hash)
    taken = conn.execute(
        sa.update(login_codes).where(login_codes.c.code_hash == row.code_hash, login_codes.c.used_at.is_(None)).values(used_at=utcnow())
    ).rowcount
    if not taken:
        raise CodeReused(row.code_hash)
    if as_utc(row.expires_at) <= utcnow():
        raise OAuthError("invalid_grant", f"authorization code has expired (codes live {CODE_SECONDS} s)")
    request = AuthorizeRequest.from_json({k: v for k, v in row.parameters.items() if k != "hpr_number"})
    if row.client_id != client_id:
        raise OAuthError("invalid_grant", f"authorization code was issued to another client than {client_id}")
    if form.get("redirect_uri") != request.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri must be the one of the authorization request")
    if not _VERIFIER.match(verifier):
        raise OAuthError("invalid_grant", "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)")
    if not hmac.compare_digest(s256(verifier), request.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)")
    return Redeemed(request, row.parameters["hpr_number"], row.sid, row.dpop_jkt, row.code_hash)


def link_family(conn: sa.Connection, code_hash: str, family_id: str) -> None:
    conn.execute(sa.update(login_codes).where(login_codes.c.code_hash == code_hash).values(family_id=family_id))


def revoke_for_code(conn: sa.Connection, code_hash: str) -> None:
    """A code presented twice: its refresh token family is revoked, and its session ended."""
    row = conn.execute(sa.select(login_codes.c.family_id, login_codes.c.sid).where(login_codes.c.code_hash == code_hash)).first()
    if row is None:
        return
    if row.family_id:
        conn.execute(
            sa.update(refresh_families)
            .where(refresh_families.c.family_id == row.family_id, refresh_families.c.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason="its authorization code was used twice")
        )
    login_sessions.end(conn, row.sid)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest()).rstrip(b"=").decode()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
