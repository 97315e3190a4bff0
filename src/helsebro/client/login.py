"""HelseID's professional login for a client application: PAR with private_key_jwt, the authorize URL to
send the browser to, the code exchange (PKCE S256, DPoP when the ``HelseId`` has a key), userinfo, refresh
and logout, the way HelseID.Samples' web clients do it.

    helseid = HelseId("my-epj", my_private_jwk, issuer=base + "/helseid", dpop=DPoP())
    login = ProfessionalLogin(helseid, "https://epj.example/signin-oidc", ["openid", "profile", "offline_access",
                              "helseid://scopes/identity/pid", "helseid://scopes/hpr/hpr_number", "nhn:pts/api"])
    started = login.start()                          # PAR; send the browser to started.authorization_url
    tokens = login.finish(started, redirected_to)    # the URL HelseID sent the browser back to
    pts = PtsClient.with_token_exchange(base + "/pts", helseid, login.current_access_token)

Against helsebro a test suite can skip the browser: ``login.log_in_as(hpr_number)`` (``login_hint=hpr:N``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from helsebro.client.auth import AccessToken, HelseId, HelseIdAuth
from helsebro.client.errors import TokenError


class LoginError(Exception):
    """The login came back refused or not as sent (an error in the redirect, wrong state or issuer)."""

    def __init__(self, error: str, error_description: str):
        super().__init__(f"{error}: {error_description}")
        self.error = error
        self.error_description = error_description


@dataclass(frozen=True)
class StartedLogin:
    """A pushed authorization request: where to send the browser, and what the client keeps until it is back."""

    authorization_url: str
    state: str
    nonce: str
    code_verifier: str = field(repr=False)


@dataclass
class LoginTokens:
    access: AccessToken
    id_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


class ProfessionalLogin:
    """One client's logins of health personnel at HelseID (or helsebro's HelseID)."""

    def __init__(self, helseid: HelseId, redirect_uri: str, scopes: str | Iterable[str]):
        self.helseid = helseid
        self.redirect_uri = redirect_uri
        self.scope = scopes if isinstance(scopes, str) else " ".join(scopes)
        self.tokens: LoginTokens | None = None
        self._metadata: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def metadata(self) -> dict[str, Any]:
        """The discovery document (fetched once)."""
        if self._metadata is None:
            response = self.helseid._http.get(self.helseid.issuer + "/.well-known/openid-configuration")
            response.raise_for_status()
            self._metadata = response.json()
        return self._metadata

    def start(self, *, login_hint: str | None = None, **parameters: str) -> StartedLogin:
        """Push the authorization request (PAR, RFC 9126); the authorize URL carries only client_id and request_uri."""
        verifier, state, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        form = {
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": _s256(verifier),
            "code_challenge_method": "S256",
            **({"login_hint": login_hint} if login_hint else {}),
            **parameters,
        }
        pushed = self._post(self.metadata["pushed_authorization_request_endpoint"], form, expected=201)
        query = urlencode({"client_id": self.helseid.client_id, "request_uri": pushed["request_uri"]})
        return StartedLogin(f"{self.metadata['authorization_endpoint']}?{query}", state, nonce, verifier)

    def finish(self, started: StartedLogin, redirected_to: str) -> LoginTokens:
        """The browser is back at the redirect URI: check state and issuer (RFC 9207), exchange the code."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(redirected_to).query).items()}
        if query.get("iss") not in (None, self.metadata["issuer"]):
            raise LoginError("invalid_issuer", f"the response names issuer {query['iss']!r}, not {self.metadata['issuer']!r} (mix-up)")
        if query.get("state") != started.state:
            raise LoginError("invalid_state", "the response's state is not the one this login sent")
        if "error" in query:
            raise LoginError(query["error"], query.get("error_description", ""))
        form = {
            "grant_type": "authorization_code",
            "code": query.get("code", ""),
            "redirect_uri": self.redirect_uri,
            "code_verifier": started.code_verifier,
        }
        body = self._post(self.metadata["token_endpoint"], form)
        return self._keep(body)

    def log_in_as(self, hpr_number: str) -> LoginTokens:
        """helsebro only (its ``login_hint=hpr:N``, off in strict mode): the professional logged in without a browser."""
        started = self.start(login_hint=f"hpr:{hpr_number}")
        back = self.helseid._http.get(started.authorization_url, follow_redirects=False)
        if back.status_code != 302:
            raise LoginError(
                "login_required", f"the authorize endpoint answered {back.status_code}, not a redirect (is login_hint off here?)"
            )
        return self.finish(started, back.headers["location"])

    def refresh(self) -> LoginTokens:
        """New tokens with the refresh token (which HelseID rotates: the old one is used up)."""
        if self.tokens is None or not self.tokens.refresh_token:
            raise LoginError("invalid_request", "no refresh token: log in with scope offline_access first")
        return self._keep(
            self._post(self.metadata["token_endpoint"], {"grant_type": "refresh_token", "refresh_token": self.tokens.refresh_token})
        )

    def current_access_token(self) -> str:
        """The login's access token, refreshed first if it is about to expire (for ``PtsClient.with_token_exchange``)."""
        with self._lock:
            if self.tokens is None:
                raise LoginError("login_required", "nobody is logged in")
            if not self.tokens.access.fresh() and self.tokens.refresh_token:
                self.refresh()
            return self.tokens.access.access_token

    def auth(self) -> HelseIdAuth:
        """An ``httpx.Auth`` sending the login's access token (with a DPoP proof when it is bound)."""
        return HelseIdAuth(lambda fresh: self._access(fresh), self.helseid.dpop)

    def userinfo(self) -> dict[str, Any]:
        response = self.helseid._http.get(self.metadata["userinfo_endpoint"], auth=self.auth())
        if response.status_code != 200:
            raise TokenError.from_response(response)
        return response.json()

    def logout_url(self, post_logout_redirect_uri: str | None = None, state: str | None = None) -> str:
        """Where to send the browser to end the login (OpenID Connect RP-initiated logout)."""
        if self.tokens is None:
            raise LoginError("login_required", "nobody is logged in")
        params = {"id_token_hint": self.tokens.id_token, "post_logout_redirect_uri": post_logout_redirect_uri, "state": state}
        return self.metadata["end_session_endpoint"] + "?" + urlencode({k: v for k, v in params.items() if v})

    def log_out(self, post_logout_redirect_uri: str | None = None) -> None:
        """End the login from the back end (what the browser does at ``logout_url``)."""
        response = self.helseid._http.get(self.logout_url(post_logout_redirect_uri), follow_redirects=False)
        if response.status_code not in (200, 302):
            raise TokenError.from_response(response)
        self.tokens = None

    # -- the parts ----------------------------------------------------------------------------------------

    def _access(self, fresh: bool) -> AccessToken:
        if fresh:
            self.refresh()
        if self.tokens is None:
            raise LoginError("login_required", "nobody is logged in")
        return self.tokens.access

    def _keep(self, body: dict[str, Any]) -> LoginTokens:
        self.tokens = LoginTokens(AccessToken.of(body), str(body.get("id_token", "")), body.get("refresh_token"))
        return self.tokens

    def _post(self, endpoint: str, form: dict[str, str], expected: int = 200) -> dict[str, Any]:
        return self.helseid.post_signed(endpoint, lambda: dict(form), expected)
