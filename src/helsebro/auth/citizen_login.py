"""The Helsenorge citizen login's rules: authorization requests, codes and the code-for-token exchange.

OpenID Connect authorization code flow with PKCE (S256 only). A code is single use, lives 60 seconds and
is bound to its client, redirect URI and code challenge. Tokens carry ``sub``, a pairwise pseudonym (the
same value as the PseudoId the Verktøy API gives that client for the citizen), and ``pid``, the
fødselsnummer. No HTTP in here.

The security level of the login is the ID token's ``acr``: ``Level4`` (BankID and the like, the default) or
``Level3`` (MinID), as the citizen picks it on the test login page. A client that needs level 4 asks for it with
``acr_values=Level4`` (ID-porten's ``idporten-loa-high`` is taken as the same); the page then offers no other.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro._time import utcnow
from helsebro.auth.clients import ApiClient, get_client
from helsebro.auth.keys import KeyStore
from helsebro.auth.minting import sign
from helsebro.auth.scopes import HELSENORGE_AUDIENCE
from helsebro.auth.tables import authorization_codes
from helsebro.auth.token_endpoint import GrantHandler, TokenContext, TokenRequest, authenticate_client
from helsebro.errors import OAuthError
from helsebro.identifiers import fnr_problem
from helsebro.pseudonyms import pseudo_id
from helsebro.registries.service import get_citizen

CODE_SECONDS = 60
SUPPORTED_SCOPES = ("openid", "profile", "helsenorge")
LEVEL3, LEVEL4 = "Level3", "Level4"
LEVELS = {LEVEL3: 3, LEVEL4: 4, "idporten-loa-substantial": 3, "idporten-loa-high": 4}


class AuthorizeError(Exception):
    """A bad authorization request. ``redirectable`` once client and redirect URI are known to be good."""

    def __init__(self, error: str, description: str, redirectable: bool):
        super().__init__(description)
        self.error = error
        self.description = description
        self.redirectable = redirectable


@dataclass(frozen=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str
    acr_values: str | None = None

    @property
    def levels(self) -> tuple[str, ...]:
        """The levels the citizen may log in at: those asked for in ``acr_values`` (unknown values ignored, as
        OpenID Connect allows), or both."""
        asked = {LEVELS[v] for v in (self.acr_values or "").split() if v in LEVELS}
        lowest = min(asked) if asked else 3
        return (LEVEL4,) if lowest == 4 else (LEVEL4, LEVEL3)

    def as_params(self) -> dict[str, str]:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        params.update({k: v for k, v in (("state", self.state), ("nonce", self.nonce), ("acr_values", self.acr_values)) if v is not None})
        return params


def validate_authorize(engine: sa.Engine, params: dict[str, str]) -> AuthorizeRequest:
    client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
    with db.read(engine) as conn:
        client = get_client(conn, client_id) if client_id else None
    if client is None or not client.enabled:
        raise AuthorizeError("invalid_client", f"ukjent klient {client_id!r}", redirectable=False)
    if redirect_uri not in client.redirect_uris:
        raise AuthorizeError("invalid_request", "redirect_uri er ikke registrert for klienten", redirectable=False)
    if params.get("response_type") != "code":
        raise AuthorizeError("unsupported_response_type", "bare response_type=code støttes", redirectable=True)
    scopes = params.get("scope", "").split()
    if "openid" not in scopes:
        raise AuthorizeError("invalid_scope", "scope må inneholde openid", redirectable=True)
    unknown = [s for s in scopes if s not in SUPPORTED_SCOPES]
    if unknown:
        raise AuthorizeError("invalid_scope", f"ukjent scope: {' '.join(unknown)}", redirectable=True)
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
        raise AuthorizeError("invalid_request", "PKCE kreves: code_challenge med code_challenge_method=S256", redirectable=True)
    acr_values = params.get("acr_values") or None
    if acr_values is not None and len(acr_values) > 200:
        raise AuthorizeError("invalid_request", "acr_values er for lang", redirectable=True)
    return AuthorizeRequest(client_id, redirect_uri, " ".join(scopes), params.get("state"), params.get("nonce"), challenge, acr_values)


def form_token(secret: str, request: AuthorizeRequest) -> str:
    """Ties the login form to the validated request, so its hidden fields cannot be changed on the way."""
    text = "\x00".join(f"{k}={v}" for k, v in sorted(request.as_params().items()))
    return hmac.new(secret.encode(), ("login-form\x00" + text).encode(), hashlib.sha256).hexdigest()


def issue_code(engine: sa.Engine, request: AuthorizeRequest, fnr: str, acr: str = LEVEL4) -> str:
    if acr not in request.levels:
        raise AuthorizeError("access_denied", f"innlogging på nivå {LEVELS.get(acr, acr)}, men klienten krever nivå 4", redirectable=False)
    with db.write(engine) as conn:
        citizen = get_citizen(conn, fnr)
        if citizen is None or not citizen.alive:
            problem = fnr_problem(fnr) if citizen is None else None  # a typo: say so (SPEC 0)
            reason = "ingen levende testinnbygger med dette fødselsnummeret" + (f" ({problem})" if problem else "")
            raise AuthorizeError("access_denied", reason, redirectable=False)
        code = secrets.token_urlsafe(32)
        conn.execute(
            sa.insert(authorization_codes).values(
                code_hash=_hash(code),
                client_id=request.client_id,
                redirect_uri=request.redirect_uri,
                code_challenge=request.code_challenge,
                fnr=fnr,
                scope=request.scope,
                nonce=request.nonce,
                acr=acr,
                expires_at=utcnow() + dt.timedelta(seconds=CODE_SECONDS),
            )
        )
    return code


def local_redirect_uri(base_url: str, uri: str) -> str:
    """A redirect URI on this server may be registered as a path ("/innbygger/callback")."""
    return uri[len(base_url) :] if uri.startswith(base_url + "/") else uri


def authorization_code(ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    """grant_type=authorization_code at the citizen login's token endpoint."""
    client = authenticate_client(ctx, request)
    form = {**request.form, "redirect_uri": local_redirect_uri(ctx.settings.base_url(), request.form.get("redirect_uri", ""))}
    return exchange_code(
        ctx.engine, client, form, keys=ctx.keys, issuer=ctx.issuer, secret=ctx.secret, lifetime=ctx.settings.access_token_seconds
    )


def exchange_code(
    engine: sa.Engine, client: ApiClient, form: dict[str, str], *, keys: KeyStore, issuer: str, secret: str, lifetime: int
) -> dict[str, Any]:
    """grant_type=authorization_code: one use only, same client and redirect URI, PKCE verifier must match."""
    code, verifier = form.get("code", ""), form.get("code_verifier", "")
    now = utcnow()
    with db.write(engine) as conn:
        row = conn.execute(
            sa.update(authorization_codes)
            .where(authorization_codes.c.code_hash == _hash(code), authorization_codes.c.used_at.is_(None))
            .values(used_at=now)
            .returning(*authorization_codes.c)
        ).first()
        if row is None:
            raise OAuthError("invalid_grant", "ukjent eller allerede brukt kode")
        if row.expires_at.replace(tzinfo=row.expires_at.tzinfo or dt.UTC) < now:
            raise OAuthError("invalid_grant", "koden er utløpt")
        if row.client_id != client.client_id or row.redirect_uri != form.get("redirect_uri"):
            raise OAuthError("invalid_grant", "koden er utstedt til en annen klient eller redirect_uri")
        if not hmac.compare_digest(_s256(verifier), row.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier passer ikke med code_challenge (PKCE)")
        citizen = get_citizen(conn, row.fnr)
    return _tokens(client, row, citizen, keys=keys, issuer=issuer, secret=secret, lifetime=lifetime)


GRANTS: dict[str, GrantHandler] = {"authorization_code": authorization_code}


def _tokens(client, row, citizen, *, keys, issuer, secret, lifetime) -> dict[str, Any]:  # noqa: ANN001
    now = int(utcnow().timestamp())
    sub = pseudo_id(secret, client.client_id, row.fnr)
    common = {"iss": issuer, "sub": sub, "pid": row.fnr, "iat": now, "nbf": now, "exp": now + lifetime, "auth_time": now}
    access = {
        **common,
        "aud": HELSENORGE_AUDIENCE,
        "client_id": client.client_id,
        "scope": row.scope.split(),
        "jti": secrets.token_hex(16),
    }
    identity = {**common, "aud": client.client_id, "acr": row.acr or LEVEL4}  # codes from before acr was kept: level 4
    if row.nonce:
        identity["nonce"] = row.nonce
    if citizen is not None and "profile" in row.scope.split():
        identity.update({"name": citizen.navn, "given_name": citizen.fornavn, "family_name": citizen.etternavn})
    return {
        "access_token": sign(keys, access),
        "id_token": sign(keys, identity, typ="JWT"),
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": row.scope,
    }


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest()).rstrip(b"=").decode()
