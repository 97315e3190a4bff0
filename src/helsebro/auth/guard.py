"""The resource-side guard: one place that decides whether a request's access token is good enough.

Every protected endpoint calls ``Guard.authenticate`` with the audience it serves and the scope it needs.
It accepts Bearer tokens and DPoP-bound tokens (RFC 9449) from helsebro's own issuers and from configured
external issuers, and raises ``AuthFailure`` (401 or 403), which each family renders in its own error body.

Each check is a function of its own, called in order by ``authenticate``; ``auth.inspection`` (the token
inspector) calls the same functions in the same order to explain a refusal, so the two cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from helsebro import _time
from helsebro.auth.dpop import NonceSource, Proof, verify_proof
from helsebro.auth.external import ExternalKeys
from helsebro.auth.jwts import InvalidToken, audiences, check_alg, check_times, unverified_parts, verify_signature
from helsebro.auth.keys import KeyStore
from helsebro.auth.replay import ReplayCache
from helsebro.auth.scopes import canonical, scope_list
from helsebro.casing import RAW_PATH_KEY
from helsebro.settings import Settings


class AuthFailure(Exception):
    def __init__(self, status: int, error: str, description: str, *, scheme: str = "Bearer", scope: str = ""):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.scheme = scheme
        self.scope = scope
        self.headers: dict[str, str] = {}
        self.check = ""  # the guard's step that refused (Guard.authenticate)

    def www_authenticate(self) -> str:
        # Printable ASCII only: a reason may quote the request path, and a header cannot carry anything else.
        description = "".join(c if " " <= c <= "~" else c.encode("unicode_escape").decode("ascii") for c in self.description)
        description = description.replace('"', "'")
        value = f'{self.scheme} error="{self.error}", error_description="{description}"'
        if self.scope:
            value += f', scope="{self.scope}"'
        return value


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the validated access token says."""

    claims: dict[str, Any]
    scopes: frozenset[str]
    token_type: str

    @property
    def client_id(self) -> str | None:
        return self.claims.get("client_id")

    @property
    def orgnr_parent(self) -> str | None:
        return self.claims.get("helseid://claims/client/claims/orgnr_parent")


@dataclass(frozen=True)
class Checked:
    """A token whose signature and times are good, with what every request asks of it worked out once."""

    principal: Principal
    audiences: frozenset[str]
    bound_to: str | None  # cnf.jkt of a DPoP-bound token
    until: float

    @classmethod
    def of(cls, claims: dict[str, Any], until: float) -> Checked:
        cnf = claims.get("cnf")
        bound_to = cnf.get("jkt") if isinstance(cnf, dict) and isinstance(cnf.get("jkt"), str) else None
        scopes = frozenset(canonical(s) for s in scope_list(claims.get("scope")))
        principal = Principal(claims=claims, scopes=scopes, token_type="DPoP" if bound_to else "Bearer")
        return cls(principal, frozenset(audiences(claims)), bound_to, until)


class Guard:
    cache_limit = 20_000

    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        replay: ReplayCache,
        external: ExternalKeys,
        nonces: NonceSource,
        own_issuers: set[str],
    ):
        self.settings = settings
        self.keys = keys
        self.replay = replay
        self.external = external
        self.nonces = nonces
        self.own_issuers = own_issuers
        # Validation is pure, so a token checked once is good until it expires (or for five minutes).
        self._validated: dict[str, Checked] = {}

    async def authenticate(self, request: Request, *, audience: str | None, scope: str | None, require_dpop: bool = False) -> Principal:
        """``audience`` None: any audience (HelseID's userinfo takes every access token of its login)."""
        # ``failure.check`` names the step that refused (the token inspector's line names), for the journal.
        step = "authorization"
        try:
            scheme, token = _credentials(request)
            step = "token"  # format, alg, issuer, key, signature, lifetime: the inspector tells them apart
            checked = await self._validate(token)
            step = "audience"
            check_audience(checked, audience)
            step = "binding"
            if check_presentation(checked, scheme, require_dpop):
                step = "dpop_proof"
                await self._check_proof(request, token, checked.bound_to)  # type: ignore[arg-type]
            step = "scope"
            check_scope(checked, scope)
        except AuthFailure as failure:
            failure.check = failure.check or step
            raise
        return checked.principal

    async def principal_for(self, token: str) -> Principal | None:
        """Who a token names if its signature and times are good (audience, binding and scope unchecked):
        for matching an injected fault to a client, never for access."""
        try:
            return (await self._validate(token)).principal
        except AuthFailure:
            return None

    async def _validate(self, token: str) -> Checked:
        now = _time.epoch()
        cached = self._validated.get(token)
        if cached is not None and cached.until > now:
            return cached
        try:
            header, unverified = unverified_parts(token)
            alg = check_alg(header)
            issuer = issuer_of(unverified)
            key = await self.key_for(issuer, header.get("kid"))
            claims = verify_signature(token, key, alg)
            now = await self._check_times(claims, now)
        except InvalidToken as exc:
            raise AuthFailure(401, "invalid_token", str(exc)) from exc
        checked = Checked.of(claims, until=min(float(claims["exp"]), now + 300))
        if len(self._validated) >= self.cache_limit:
            self._validated.clear()
        self._validated[token] = checked
        return checked

    async def _check_times(self, claims: dict[str, Any], now: float) -> float:
        """The token's times on the server clock. A token stamped after this process's copy of the clock may
        come from another process that saw the clock moved a moment ago: read the shared clock, check again."""
        try:
            check_times(claims, int(now), self.settings.clock_skew_seconds)
            return now
        except InvalidToken as exc:
            if "future" not in str(exc) and "not valid yet" not in str(exc):
                raise
            if not await run_in_threadpool(_time.refresh):
                raise
        now = _time.epoch()
        check_times(claims, int(now), self.settings.clock_skew_seconds)
        return now

    async def key_for(self, issuer: str, kid: object):  # noqa: ANN201
        check_kid(kid)
        own = self.trusted_issuer(issuer)
        return await self.issuer_key(issuer, own, kid)  # type: ignore[arg-type]

    def trusted_issuer(self, issuer: str) -> bool:
        """True for helsebro's own issuers, False for a configured external one; else InvalidToken."""
        if issuer in self.own_issuers:
            return True
        if self.external.trusts(issuer):
            return False
        raise InvalidToken(f"issuer {issuer!r} is not trusted")

    async def issuer_key(self, issuer: str, own: bool, kid: str | None):  # noqa: ANN201
        """The trusted issuer's key named by ``kid`` (never a key the token carries itself)."""
        if own:
            key = self.keys.verification_key(kid) if kid else None
        else:
            key = await self.external.key(issuer, kid)
        if key is None:
            raise InvalidToken(f"unknown kid {kid!r} for issuer {issuer}")
        return key

    async def _check_proof(self, request: Request, token: str, bound_to: str) -> None:
        proof_header = require_proof(request.headers.get("dpop"))
        now = int(_time.real_epoch())  # the client stamped its proof with its own (real) clock
        proof = self.verify_proof(proof_header, token, request.method, request_urls(request, self.settings.base_url()), now)
        check_proof_key(proof, bound_to)
        self.check_nonce(proof, now)
        expires = dt.datetime.fromtimestamp(proof.iat + self.settings.dpop_proof_max_age_seconds + 60, dt.UTC)
        fresh = await run_in_threadpool(self.replay.first_use, "dpop", proof.jkt, proof.jti, expires)
        if not fresh:
            raise replayed_proof()

    def verify_proof(self, proof_header: str, token: str, method: str, urls: list[str], now: int) -> Proof:
        try:
            return verify_proof(
                proof_header,
                method=method,
                urls=urls,
                now=now,
                max_age=self.settings.dpop_proof_max_age_seconds,
                skew=self.settings.clock_skew_seconds,
                access_token=token,
            )
        except InvalidToken as exc:
            raise AuthFailure(401, "invalid_dpop_proof", str(exc), scheme="DPoP") from exc

    def check_nonce(self, proof: Proof, now: int) -> None:
        if self.settings.dpop_nonce == "all" and not self.nonces.is_valid(proof.claims.get("nonce"), now):
            failure = AuthFailure(401, "use_dpop_nonce", "DPoP proof must carry the server nonce", scheme="DPoP")
            failure.headers["DPoP-Nonce"] = self.nonces.current(now)
            raise failure


# -- the checks, in the order ``authenticate`` runs them (shared with auth.inspection) ----------------------


def issuer_of(claims: dict[str, Any]) -> str:
    issuer = claims.get("iss")
    if not isinstance(issuer, str):
        raise InvalidToken("iss is missing")
    return issuer


def check_kid(kid: object) -> None:
    if not isinstance(kid, (str, type(None))):
        raise InvalidToken("kid must be a string")


def check_audience(checked: Checked, audience: str | None) -> None:
    if audience is not None and audience not in checked.audiences:
        raise AuthFailure(401, "invalid_token", f"token audience must include {audience}")


def check_presentation(checked: Checked, scheme: str, require_dpop: bool) -> bool:
    """Whether the token is presented as it is bound; True when a DPoP proof must be checked next."""
    if checked.bound_to:
        if scheme != "dpop":
            raise AuthFailure(401, "invalid_token", "DPoP-bound token must be sent as 'Authorization: DPoP'", scheme="DPoP")
        return True
    if scheme == "dpop":
        raise AuthFailure(401, "invalid_token", "token is not DPoP-bound; send it as Bearer", scheme="DPoP")
    if require_dpop:
        raise AuthFailure(401, "invalid_token", "this API requires a DPoP-bound token", scheme="DPoP")
    return False


def require_proof(proof_header: str | None) -> str:
    if not proof_header:
        raise AuthFailure(401, "invalid_dpop_proof", "DPoP header with a proof is required", scheme="DPoP")
    return proof_header


def check_proof_key(proof: Proof, bound_to: str) -> None:
    if proof.jkt != bound_to:
        raise AuthFailure(401, "invalid_dpop_proof", "DPoP proof key does not match the token's cnf.jkt", scheme="DPoP")


def replayed_proof() -> AuthFailure:
    return AuthFailure(401, "invalid_dpop_proof", "DPoP proof jti has been used before (replay)", scheme="DPoP")


def check_scope(checked: Checked, scope: str | None) -> None:
    if scope is not None and canonical(scope) not in checked.principal.scopes:
        raise AuthFailure(403, "insufficient_scope", f"token lacks scope {scope}", scope=scope)


def _credentials(request: Request) -> tuple[str, str]:
    return parse_authorization(request.headers.get("authorization"))


def parse_authorization(header: str | None) -> tuple[str, str]:
    """The scheme (lower case) and the token of an Authorization header value."""
    if not header:
        raise AuthFailure(401, "invalid_token", "Authorization header with an access token is required")
    scheme, _, token = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme not in ("bearer", "dpop") or not token.strip():
        raise AuthFailure(401, "invalid_token", "Authorization must be 'Bearer <token>' or 'DPoP <token>'")
    return scheme, token.strip()


def request_urls(request: Request, base_url: str) -> list[str]:
    """The URLs a DPoP proof's htu may name: the public URL, and the URL as this request arrived."""
    # Percent-encoded again: a decoded path may hold characters (newline, '?', '#') that a URL parser drops or splits on.
    path = quote(request.scope.get(RAW_PATH_KEY, request.scope["path"]), safe="/:@!$&'()*+,;=~")
    return [base_url + path, f"{request.url.scheme}://{request.url.netloc}{path}"]
