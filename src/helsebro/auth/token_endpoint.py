"""What the token endpoints of HelseID, Maskinporten and the citizen login share: the form parser, the
request and context handed to a grant, the one client-authentication path, and grant dispatch.

Each token service is a table ``grant_type -> GrantHandler``, as navikt/mock-oauth2-server's ``grant/``
package has it (``GrantHandler.tokenResponse(request, issuerUrl, callback)``): the route parses the form
once, builds a ``TokenRequest`` and a ``TokenContext`` and calls ``dispatch``. Rules only: no HTTP here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl

import sqlalchemy as sa

from helsebro import db
from helsebro.auth import client_auth
from helsebro.auth.clients import ApiClient, get_client
from helsebro.auth.dpop import NonceSource
from helsebro.auth.keys import KeyStore
from helsebro.auth.replay import ReplayCache
from helsebro.auth.scopes import OPERATOR_SCOPE
from helsebro.auth.sign_in_limits import SignInLimits
from helsebro.errors import OAuthError
from helsebro.settings import Settings

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024  # a signed request object with authorization_details fits many times over
MAX_PARAMETERS = 64
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass
class TokenRequest:
    form: Mapping[str, str]
    authorization: str | None
    dpop_proof: str | None
    urls: list[str]  # the token endpoint URL as the client may name it (DPoP htu)
    now: int  # the server clock: what the token it issues says
    # The client's (real) clock: what its assertion and DPoP proof are checked against. None: ``now``.
    client_now: int | None = None
    address: str | None = None  # the client's network address: failed operator secrets are counted per address

    def __post_init__(self) -> None:
        if self.client_now is None:
            self.client_now = self.now


@dataclass
class TokenContext:
    settings: Settings
    engine: sa.Engine
    keys: KeyStore
    replay: ReplayCache
    nonces: NonceSource
    issuer: str
    token_endpoint: str
    secret: str = ""  # the server secret: pairwise subjects and code hashes


class GrantHandler(Protocol):
    def __call__(self, ctx: TokenContext, request: TokenRequest) -> dict[str, Any]: ...


def parse_form(content_type: str | None, body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as one value per name (RFC 6749 section 3.2).

    Refused: another media type, a body that is not UTF-8 or has a broken percent escape, a parameter that
    appears twice ("MUST NOT be included more than once"). A parameter sent without a value is treated as
    omitted, as section 3.2 says.
    """
    if (content_type or "").split(";")[0].strip().lower() != FORM_TYPE:
        raise OAuthError("invalid_request", f"send the request as {FORM_TYPE}")
    if len(body) > MAX_FORM_BYTES:
        raise OAuthError("invalid_request", f"the form is larger than {MAX_FORM_BYTES} bytes")
    try:
        text = body.decode("utf-8")
        if _BAD_ESCAPE.search(text):
            raise OAuthError("invalid_request", "the form has a broken percent escape (% must be followed by two hex digits)")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=MAX_PARAMETERS)
    except UnicodeDecodeError as exc:
        raise OAuthError("invalid_request", "the form is not UTF-8") from exc
    except ValueError as exc:  # max_num_fields
        raise OAuthError("invalid_request", f"the form has more than {MAX_PARAMETERS} parameters") from exc
    form: dict[str, str] = {}
    seen: set[str] = set()
    for key, value in pairs:
        if key == "resource" and key in seen:  # RFC 8707 allows several; helsebro issues a token for one API at a time
            raise OAuthError("invalid_target", "resource is repeated: name one API per request, and get a token for each in turn")
        if key in seen:
            raise OAuthError("invalid_request", f"parameter {key} is repeated (RFC 6749 section 3.2)")
        seen.add(key)
        if value != "":
            form[key] = value
    return form


def dispatch(grants: Mapping[str, GrantHandler], ctx: TokenContext, request: TokenRequest) -> dict[str, Any]:
    """Run the grant the request names."""
    grant_type = request.form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    grant = grants.get(grant_type)
    if grant is None:
        supported = ", ".join(sorted(grants))
        raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported here; supported: {supported}")
    return grant(ctx, request)


def load_client(engine: sa.Engine, client_id: str) -> ApiClient | None:
    with db.read(engine) as conn:
        return get_client(conn, client_id)


def authenticate_client(ctx: TokenContext, request: TokenRequest) -> ApiClient:
    """The client behind a token or pushed authorization request: private_key_jwt (its assertion's ``aud``
    the issuer, the token endpoint or the endpoint it is sent to: the PAR endpoint, RFC 9126 section 2), or
    a client secret outside strict mode. A guess at an operator
    client's secret counts as a failed operator sign-in, as at the login page, and is limited the same way."""
    return authenticate_client_with_claims(ctx, request)[0]


def authenticate_client_with_claims(ctx: TokenContext, request: TokenRequest) -> client_auth.Authenticated:
    """As ``authenticate_client``, with the claims of the client assertion (None for a client secret)."""
    operator_id = _operator_by_secret(ctx, request)
    if operator_id is None:
        return _authenticate(ctx, request)
    limits = SignInLimits.of(ctx.engine, ctx.settings)
    refused = limits.refused(operator_id, request.address)
    if refused is not None:
        raise OAuthError("invalid_client", refused.message, status=429, headers={"Retry-After": str(refused.retry_after)})
    try:
        return _authenticate(ctx, request)
    except OAuthError as exc:
        if exc.status == 401:
            limits.failed(operator_id, request.address)
        raise


def _operator_by_secret(ctx: TokenContext, request: TokenRequest) -> str | None:
    """The client id when the request authenticates with a client secret as a client that holds the operator scope."""
    if request.form.get("client_assertion") or request.form.get("client_assertion_type"):
        return None
    try:
        client_id, _ = client_auth.secret_credentials(request.form, request.authorization)
    except OAuthError:
        return None  # a malformed Basic header: refused by the authentication itself
    client = load_client(ctx.engine, client_id) if client_id else None
    return client_id if client is not None and client.grants(OPERATOR_SCOPE) else None


def _authenticate(ctx: TokenContext, request: TokenRequest) -> client_auth.Authenticated:
    return client_auth.authenticate_with_claims(
        request.form,
        request.authorization,
        lookup=lambda client_id: load_client(ctx.engine, client_id),
        accepted_audiences={ctx.issuer, ctx.issuer + "/", ctx.token_endpoint, *request.urls[:1]},
        now=request.client_now,
        max_lifetime=ctx.settings.client_assertion_max_seconds,
        skew=ctx.settings.clock_skew_seconds,
        replay=ctx.replay,
        allow_secrets=not ctx.settings.strict,
    )
