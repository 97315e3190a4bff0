"""The token services helsebro runs, as data: where each lives and what its issuer URL is."""

from __future__ import annotations

from dataclasses import dataclass

# Base URLs where an issuer lives at the root (its own port, ``serve --family-port helseid=PORT``): there its
# issuer is the base URL itself, as at the real host, and its endpoints drop the main port's path prefix.
_AT_ROOT: dict[str, set[str]] = {}


def serve_at_root(issuer: str, base_url: str) -> None:
    _AT_ROOT.setdefault(issuer, set()).add(base_url)


@dataclass(frozen=True)
class Issuer:
    name: str
    base_path: str
    token_path: str
    jwks_path: str

    def _base(self, base_url: str) -> str:
        return base_url if base_url in _AT_ROOT.get(self.name, ()) else base_url + self.base_path

    def url(self, base_url: str) -> str:
        return self._base(base_url)

    def urls(self, base_url: str) -> set[str]:
        """Every issuer URL this token service signs as: on the main port and on its own port, if any."""
        return {self.url(base_url), *_AT_ROOT.get(self.name, ())}

    def token_endpoint(self, base_url: str) -> str:
        return self._base(base_url) + self.token_path

    def jwks_uri(self, base_url: str) -> str:
        return self._base(base_url) + self.jwks_path


# HelseID is Duende IdentityServer: its endpoints live under /connect and the JWKS beside the discovery document.
HELSEID = Issuer("helseid", "/helseid", "/connect/token", "/.well-known/openid-configuration/jwks")

# The Helsenorge citizen login (OpenID Connect, authorization code with PKCE): a test ID provider.
HELSENORGE_LOGIN = Issuer("helsenorge-login", "/helsenorge-login", "/connect/token", "/.well-known/openid-configuration/jwks")
AUTHORIZE_PATH = "/connect/authorize"

# Maskinporten: token endpoint /token and JWKS /jwk, as at test.maskinporten.no. The issuer is written without
# the trailing slash the real one has (like every issuer here); assertions may name it either way.
MASKINPORTEN = Issuer("maskinporten", "/maskinporten", "/token", "/jwk")
