"""HelseID for API clients: ``private_key_jwt`` client assertions, DPoP proofs (RFC 9449) with the nonces a
server demands, and access tokens cached until shortly before they expire.

    helseid = HelseId("my-client", my_private_jwk, issuer="https://helseid-sts.test.nhn.no", dpop=DPoP())
    http = httpx.Client(auth=helseid.auth(["nhn:pts/api"]))   # every request: a fresh proof, and one retry
                                                               # with the nonce when the server asks for one

Works the same against helsebro (``issuer=<base>/helseid``) and the real HelseID: the token endpoint comes
from discovery unless given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey, import_key

from helsebro.client.errors import TokenError

Key = RSAKey | ECKey
KeyInput = Key | Mapping[str, Any] | str | Path

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
REFRESH_MARGIN_SECONDS = 30.0  # a cached token is renewed this long before it expires


def load_key(key: KeyInput) -> Key:
    """A private key from a JWK (a dict, a JSON string, or a file holding one), or a joserfc key as it is."""
    if isinstance(key, (RSAKey, ECKey)):
        return key
    if isinstance(key, Path) or (isinstance(key, str) and not key.lstrip().startswith("{")):
        key = Path(key).read_text(encoding="utf-8")
    jwk = json.loads(key) if isinstance(key, str) else dict(key)
    imported = import_key(jwk)
    if not isinstance(imported, (RSAKey, ECKey)) or not imported.is_private:
        raise ValueError("a private RSA or EC JWK is needed to sign")
    return imported


def signing_alg(key: Key) -> str:
    """The key's own ``alg`` if its JWK names one (e.g. PS256), else ES256/ES384/ES512 by curve, or RS256."""
    named = key.as_dict(private=False).get("alg")
    if isinstance(named, str):
        return named
    if isinstance(key, ECKey):
        return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[key.curve_name]
    return "RS256"


def _sign(header: dict[str, Any], claims: dict[str, Any], key: Key) -> str:
    # joserfc signs only its "recommended" algorithms unless told which: name the one we use.
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def client_assertion(client_id: str, key: Key, audience: str, *, lifetime: int = 60) -> str:
    """A private_key_jwt client assertion: ``iss`` = ``sub`` = client_id, a new ``jti``, ``exp`` ``lifetime`` ahead."""
    now = int(time.time())
    header: dict[str, Any] = {"alg": signing_alg(key), "typ": "JWT"}
    if key.kid:
        header["kid"] = key.kid
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": secrets.token_hex(16),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    return _sign(header, claims, key)


def access_token_hash(access_token: str) -> str:
    """A DPoP proof's ``ath``: base64url of the SHA-256 of the access token."""
    return base64.urlsafe_b64encode(hashlib.sha256(access_token.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _htu(url: str) -> str:
    """RFC 9449: the request URI without query and fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class DPoP:
    """A DPoP key pair (a new EC P-256 key unless given) and the latest nonce each server handed out."""

    def __init__(self, key: KeyInput | None = None):
        self.key: Key = load_key(key) if key is not None else ECKey.generate_key("P-256", private=True)
        self._nonces: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def thumbprint(self) -> str:
        """The JWK thumbprint (RFC 7638) a bound token names in ``cnf.jkt``."""
        return self.key.thumbprint()

    def proof(self, method: str, url: str, access_token: str | None = None) -> str:
        claims: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": method.upper(), "htu": _htu(url), "iat": int(time.time())}
        if access_token:
            claims["ath"] = access_token_hash(access_token)
        nonce = self.nonce_for(url)
        if nonce:
            claims["nonce"] = nonce
        header = {"typ": "dpop+jwt", "alg": signing_alg(self.key), "jwk": self.key.as_dict(private=False)}
        return _sign(header, claims, self.key)

    def nonce_for(self, url: str) -> str | None:
        with self._lock:
            return self._nonces.get(_origin(url))

    def set_nonce(self, url: str, nonce: str) -> bool:
        """Use ``nonce`` in proofs for ``url``'s server from now on; True if it differs from the last one."""
        origin = _origin(url)
        with self._lock:
            new = self._nonces.get(origin) != nonce
            self._nonces[origin] = nonce
        return new

    def remember_nonce(self, response: httpx.Response) -> bool:
        """Keep a ``DPoP-Nonce`` the server sent; True if it is new (worth a retry after use_dpop_nonce)."""
        nonce = response.headers.get("dpop-nonce")
        return self.set_nonce(str(response.request.url), nonce) if nonce else False


@dataclass(frozen=True)
class AccessToken:
    access_token: str = field(repr=False)  # a repr ends up in logs and tracebacks
    token_type: str  # "Bearer" or "DPoP"
    expires_at: float  # time.time() when it expires
    scope: str
    response: dict[str, Any] = field(repr=False)  # the whole token response

    @property
    def dpop_bound(self) -> bool:
        return self.token_type.lower() == "dpop"

    def fresh(self, margin: float = REFRESH_MARGIN_SECONDS) -> bool:
        return time.time() < self.expires_at - margin

    @classmethod
    def of(cls, body: dict[str, Any]) -> AccessToken:
        return cls(
            access_token=body["access_token"],
            token_type=str(body.get("token_type", "Bearer")),
            expires_at=time.time() + float(body.get("expires_in", 60)),
            scope=str(body.get("scope", "")),
            response=body,
        )


def _is_nonce_demand(response: httpx.Response) -> bool:
    if response.status_code not in (400, 401):
        return False
    if "use_dpop_nonce" in response.headers.get("www-authenticate", ""):
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") == "use_dpop_nonce"


def _scope_key(scopes: str | Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(scopes.split() if isinstance(scopes, str) else scopes))


class HelseId:
    """A HelseID client with private_key_jwt (and DPoP when ``dpop`` is given): tokens per scope set, cached."""

    def __init__(
        self,
        client_id: str,
        private_key: KeyInput,
        *,
        issuer: str,
        token_endpoint: str | None = None,
        dpop: DPoP | None = None,
        assertion_audience: str | None = None,
        http: httpx.Client | None = None,
    ):
        self.client_id = client_id
        self.key = load_key(private_key)
        self.issuer = issuer.rstrip("/")
        self.dpop = dpop
        # HelseID asks for its issuer as the assertion's aud (earlier: the token endpoint); helsebro takes both.
        self.assertion_audience = assertion_audience or self.issuer
        self._token_endpoint = token_endpoint
        self._http = http or httpx.Client(timeout=30)
        self._cache: dict[tuple[str, ...], AccessToken] = {}
        self._lock = threading.Lock()

    @property
    def token_endpoint(self) -> str:
        if self._token_endpoint is None:
            response = self._http.get(self.issuer + "/.well-known/openid-configuration")
            response.raise_for_status()
            self._token_endpoint = str(response.json()["token_endpoint"])
        return self._token_endpoint

    def token(self, scopes: str | Iterable[str], *, fresh: bool = False) -> AccessToken:
        """A token for these scopes (a list, or one space-separated string): the cached one while it is good."""
        key = _scope_key(scopes)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached.fresh() and not fresh:
                return cached
        token = self._request(lambda: {"grant_type": "client_credentials", "scope": " ".join(key)})
        with self._lock:
            self._cache[key] = token
        return token

    def exchange(self, subject_token: str, audience: str, scope: str | None = None) -> AccessToken:
        """RFC 8693 token exchange: a health professional's user token in, a token for ``audience`` out (PTS)."""

        def form() -> dict[str, str]:
            values = {
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": subject_token,
                "subject_token_type": ACCESS_TOKEN_TYPE,
                "audience": audience,
            }
            return values | ({"scope": scope} if scope else {})

        return self._request(form)

    def auth(self, scopes: str | Iterable[str]) -> HelseIdAuth:
        """An ``httpx.Auth`` that sends this client's token for ``scopes`` (DPoP-bound when DPoP is on)."""
        return HelseIdAuth(lambda fresh: self.token(scopes, fresh=fresh), self.dpop)

    def _request(self, grant: Callable[[], dict[str, str]]) -> AccessToken:
        return AccessToken.of(self.post_signed(self.token_endpoint, grant))

    def post_signed(self, endpoint: str, grant: Callable[[], dict[str, str]], expected: int = 200) -> dict[str, Any]:
        """POST ``grant()`` to a token or PAR endpoint with a client assertion (and a DPoP proof); once more
        with the server's nonce if it demands one (HelseID does). Each attempt signs a new assertion: a jti
        may be used only once."""
        for attempt in range(2):
            form = grant() | {
                "client_id": self.client_id,
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": client_assertion(self.client_id, self.key, self.assertion_audience),
            }
            headers = {"DPoP": self.dpop.proof("POST", endpoint)} if self.dpop else {}
            response = self._http.post(endpoint, data=form, headers=headers)
            new_nonce = self.dpop.remember_nonce(response) if self.dpop else False
            if response.status_code == expected:
                return response.json()
            if not (attempt == 0 and new_nonce and _is_nonce_demand(response)):
                raise TokenError.from_response(response)
        raise AssertionError("unreachable")


class HelseIdAuth(httpx.Auth):
    """Authorization for each request: ``Bearer <token>``, or ``DPoP <token>`` with a fresh proof for a bound
    token. One retry: with the server's nonce after ``use_dpop_nonce``, or with a new token after
    ``invalid_token`` (it may have expired early, or the server's keys rotated)."""

    requires_request_body = True  # a retry sends the body again

    def __init__(self, get_token: Callable[[bool], AccessToken], dpop: DPoP | None):
        self._get_token = get_token
        self._dpop = dpop

    def _authorize(self, request: httpx.Request, token: AccessToken) -> None:
        if token.dpop_bound:
            if self._dpop is None:
                raise ValueError("a DPoP-bound token needs the DPoP key it is bound to")
            request.headers["Authorization"] = f"DPoP {token.access_token}"
            request.headers["DPoP"] = self._dpop.proof(request.method, str(request.url), token.access_token)
        else:
            request.headers["Authorization"] = f"Bearer {token.access_token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._get_token(False)
        self._authorize(request, token)
        response = yield request
        new_nonce = self._dpop.remember_nonce(response) if self._dpop else False
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "")  # the body may be unread here: the header tells
        if new_nonce and "use_dpop_nonce" in challenge:
            self._authorize(request, token)
        elif 'error="invalid_token"' in challenge:
            self._authorize(request, self._get_token(True))
        else:
            return
        response = yield request
        if self._dpop:
            self._dpop.remember_nonce(response)


class BearerToken(httpx.Auth):
    """A token you already have, sent as ``Bearer``: e.g. a citizen's token from the Helsenorge login, for
    ``VerktoyClient.behandler``."""

    def __init__(self, access_token: str):
        self._header = f"Bearer {access_token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request
