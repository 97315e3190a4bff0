"""Logging in to the operator's pages: the operator client's credentials, a signed session cookie, CSRF tokens.

The credentials are an API client's id and secret, checked as the token endpoint checks them
(``auth.passwords.verify_secret``, scrypt), and the client must hold the operator scope; failed guesses are
limited per client id and per address (``auth.sign_in_limits``). The session is a signed, HttpOnly,
SameSite=Strict cookie holding the client id, an expiry and a random session id the CSRF tokens are tied to,
and the session id's hash is kept in the database until logout: a copied cookie ends with the session. Each
request re-reads the client, so a disabled client, a lost scope or a new secret ends every session.
Before login a second cookie carries a random value the login form's CSRF token is tied to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response

from helsebro import _time, db, services
from helsebro.auth.clients import ApiClient, get_client
from helsebro.auth.passwords import hash_secret, verify_secret
from helsebro.auth.scopes import OPERATOR_SCOPE
from helsebro.auth.sign_in_limits import SignInLimits, TooManyFailures
from helsebro.auth.tables import operator_sessions
from helsebro.pages.signed_cookies import SignedCookies

SESSION_COOKIE = "helsebro_operator"
LOGIN_COOKIE = "helsebro_operator_innlogging"
COOKIE_PATH = "/operator"
# Strict: every step of the login is on this site, so no cross-site request needs to carry the cookie.
# Real time: moving the server clock from the clock page must not log the operator out.
_cookies = SignedCookies("helsebro.operator", COOKIE_PATH, "strict", clock=_time.real_epoch)
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


def sign_in(request: Request, client_id: str, secret: str) -> ApiClient | TooManyFailures | None:
    """The operator client for these credentials; None for wrong ones (counted as a failure); or how long
    this client id or address must wait after too many failures (nothing is checked then)."""
    svc = services.of(request)
    limits = SignInLimits.of(svc.engine, svc.settings)
    address = request.client.host if request.client else None
    refused = limits.refused(client_id, address)
    if refused is not None:
        return refused
    client = check_credentials(svc.engine, client_id, secret)
    if client is None:
        limits.failed(client_id, address)
    return client


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start_session(request: Request, response: Response, client: ApiClient) -> None:
    """A new session on the server and its cookie (blocking: the database)."""
    sid = secrets.token_urlsafe(16)
    now = _time.real_utcnow()
    with db.write(services.of(request).engine) as conn:
        conn.execute(sa.delete(operator_sessions).where(operator_sessions.c.expires_at <= now))
        conn.execute(
            sa.insert(operator_sessions).values(
                sid_hash=_sid_hash(sid), client_id=client.client_id, expires_at=now + dt.timedelta(seconds=SESSION_SECONDS)
            )
        )
    value = {"cid": client.client_id, "navn": client.name, "sid": sid, "k": _key_fingerprint(client)}
    _cookies.write(request, response, SESSION_COOKIE, "session", value, SESSION_SECONDS)
    _cookies.delete(response, LOGIN_COOKIE)


def end_session(request: Request, response: Response) -> None:
    """Log out: the session ends on the server, so the cookie is worthless wherever it was copied to."""
    value = _cookies.read(request, SESSION_COOKIE, "session")
    if value is not None and isinstance(value.get("sid"), str):
        with db.write(services.of(request).engine) as conn:
            conn.execute(sa.delete(operator_sessions).where(operator_sessions.c.sid_hash == _sid_hash(value["sid"])))
    _cookies.delete(response, SESSION_COOKIE)


def _session_open(conn: sa.Connection, client_id: str, sid: str) -> bool:
    query = sa.select(operator_sessions.c.sid_hash).where(
        operator_sessions.c.sid_hash == _sid_hash(sid),
        operator_sessions.c.client_id == client_id,
        operator_sessions.c.expires_at > _time.real_utcnow(),
    )
    return conn.execute(query).first() is not None


def current_session(request: Request) -> OperatorSession | None:
    """The logged-in operator, or None (no cookie, tampered, expired, logged out, or the client changed since)."""
    value = _cookies.read(request, SESSION_COOKIE, "session")
    if value is None or not all(isinstance(value.get(k), str) for k in ("cid", "navn", "sid", "k")):
        return None
    with db.read(services.of(request).engine) as conn:
        client = get_client(conn, value["cid"])
        if not _may_operate(client) or not hmac.compare_digest(value["k"], _key_fingerprint(client)):  # type: ignore[arg-type]
            return None
        if not _session_open(conn, value["cid"], value["sid"]):
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


def renew(request: Request, response: Response, session: OperatorSession) -> bool:
    """A new session for the same operator after their client was written again (a reset of the test data
    hashes the operator's secret anew, which ends every session); False when the client may not operate now."""
    with db.read(services.of(request).engine) as conn:
        client = get_client(conn, session.client_id)
    if client is None or not _may_operate(client):
        return False
    start_session(request, response, client)
    return True
