"""The token services helsebro runs, as data: where each lives and what its issuer URL is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issuer:
    name: str
    base_path: str
    token_path: str
    jwks_path: str

    def url(self, base_url: str) -> str:
        return base_url + self.base_path

    def token_endpoint(self, base_url: str) -> str:
        return base_url + self.base_path + self.token_path

    def jwks_uri(self, base_url: str) -> str:
        return base_url + self.base_path + self.jwks_path


# HelseID is Duende IdentityServer: its endpoints live under /connect and the JWKS beside the discovery document.
HELSEID = Issuer("helseid", "/helseid", "/connect/token", "/.well-known/openid-configuration/jwks")

# The Helsenorge citizen login (OpenID Connect, authorization code with PKCE): a test ID provider.
HELSENORGE_LOGIN = Issuer("helsenorge-login", "/helsenorge-login", "/connect/token", "/.well-known/openid-configuration/jwks")
AUTHORIZE_PATH = "/connect/authorize"

# Maskinporten: token endpoint /token and JWKS /jwk, as at test.maskinporten.no. The issuer is written without
# the trailing slash the real one has (like every issuer here); assertions may name it either way.
MASKINPORTEN = Issuer("maskinporten", "/maskinporten", "/token", "/jwk")
