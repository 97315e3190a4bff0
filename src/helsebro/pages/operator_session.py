"""Logging in to the operator's pages: the operator client's credentials, a signed session cookie, CSRF tokens.

The credentials are an API client's id and secret, checked as the token endpoint checks them
(``auth.passwords.verify_secret``, scrypt), and the client must hold the operator scope. The session is a signed,
HttpOnly, SameSite=Strict cookie holding the client id, an expiry and a random session id the CSRF tokens are
tied to; each request re-reads the client, so a disabled client, a lost scope or a new secret ends every session.
Before login a second cookie carries a random value the login form's CSRF token is tied to.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response

from helsebro import db, services
from helsebro.auth.clients import ApiClient, get_client
from helsebro.auth.passwords import hash_secret, verify_secret
from helsebro.auth.scopes import OPERATOR_SCOPE
from helsebro.pages.signed_cookies import SignedCookies

SESSION_COOKIE = "helsebro_operator"
LOGIN_COOKIE = "helsebro_operator_innlogging"
COOKIE_PATH = "/operator"
# Strict: every step of the login is on this site, so no cross-site request needs to carry the cookie.
_cookies = SignedCookies("helsebro.operator", COOKIE_PATH, "strict")
SESSION_SECONDS = 8 * 3600  # a working day
LOGIN_SECONDS = 1800  # time to fill in the login form


@dataclass(frozen=True)
class OperatorSession:
    client_id: str
    name: str
    expires: int
    sid: str


def _key_fingerprint(client: ApiClient) -> str:
    """Changes when the client's secret does; reveals nothing of it (a hash of the stored hash)."""
    return hashlib.sha256(("helsebro.operator.key\x00" + (client.secret_hash or "")).encode()).hexdigest()[:16]


def _may_operate(client: ApiClient | None) -> bool:
    return client is not None and client.enabled and client.grants(OPERATOR_SCOPE)


@cache
def _decoy_hash() -> str:
    return hash_secret(secrets.token_urlsafe(16))


def check_credentials(engine: sa.Engine, client_id: str, secret: str) -> ApiClient | None:
    """The operator client for these credentials, or None; as slow for an unknown client as for a wrong
    secret, so the answer tells nothing about which part was wrong. Strict mode leaves the operator's
    secret on, as the token endpoint does (``ApiClient.operates_only``)."""
    with db.read(engine) as conn:
        client = get_client(conn, client_id) if client_id else None
    if client is None or not client.secret_hash:
        verify_secret(secret, _decoy_hash())
        return None
    if not verify_secret(secret, client.secret_hash) or not _may_operate(client):
        return None
    return client


def start_session(request: Request, response: Response, client: ApiClient) -> None:
    value = {
        "cid": client.client_id,
        "navn": client.name,
        "sid": secrets.token_urlsafe(16),
        "k": _key_fingerprint(client),
    }
    _cookies.write(request, response, SESSION_COOKIE, "session", value, SESSION_SECONDS)
    _cookies.delete(response, LOGIN_COOKIE)


def end_session(response: Response) -> None:
    _cookies.delete(response, SESSION_COOKIE)


def current_session(request: Request) -> OperatorSession | None:
    """The logged-in operator, or None (no cookie, tampered, expired, or the client changed since)."""
    value = _cookies.read(request, SESSION_COOKIE, "session")
    if value is None or not all(isinstance(value.get(k), str) for k in ("cid", "navn", "sid", "k")):
        return None
    with db.read(services.of(request).engine) as conn:
        client = get_client(conn, value["cid"])
    if not _may_operate(client) or not hmac.compare_digest(value["k"], _key_fingerprint(client)):  # type: ignore[arg-type]
        return None
    return OperatorSession(
        client_id=value["cid"],
        name=value["navn"],
        expires=value["exp"],
        sid=value["sid"],
    )


def _mac(request: Request, purpose: str, value: str) -> str:
    key = hashlib.sha256((f"helsebro.operator.{purpose}\x00" + services.of(request).secret).encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request, session: OperatorSession) -> str:
    return _mac(request, "csrf", session.sid)


def csrf_ok(request: Request, session: OperatorSession, token: str) -> bool:
    return bool(token) and hmac.compare_digest(token, csrf_token(request, session))


# -- the login form's CSRF token (no session yet): tied to a random value in a cookie of its own -----------


def login_nonce(request: Request) -> str:
    """The random value the login form's token is tied to: the one in the cookie, else a new one."""
    pending = _cookies.read(request, LOGIN_COOKIE, "login")
    return str(pending["n"]) if pending and isinstance(pending.get("n"), str) else secrets.token_urlsafe(16)


def login_csrf(request: Request, nonce: str) -> str:
    return _mac(request, "login-csrf", nonce)


def remember_login_nonce(request: Request, response: Response, nonce: str) -> None:
    _cookies.write(request, response, LOGIN_COOKIE, "login", {"n": nonce}, LOGIN_SECONDS)


def login_csrf_ok(request: Request, token: str) -> bool:
    pending = _cookies.read(request, LOGIN_COOKIE, "login")
    if not token or pending is None or not isinstance(pending.get("n"), str):
        return False
    return hmac.compare_digest(token, login_csrf(request, pending["n"]))
