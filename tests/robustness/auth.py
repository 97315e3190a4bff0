"""Operation-aware credentials for the robustness suite: for each path, the token its family takes, presented
its family's way (HelseID Bearer per scope, DPoP for PTS, Maskinporten plus the Fiks integration for SvarUt,
the operator token for /operator/api/v1). Tokens are fetched once through the real token endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field

from joserfc.jwk import ECKey

from helsebro.auth.client_side import dpop_proof
from tests.api.pts_support import exchange, user_token
from tests.conftest import PUBLIC_URL
from tests.robustness.families import maskinporten_token, operator_token
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT, TokenHelper
from tests.support_svarut import INTEGRASJON, PASSORD

# Longest prefix first: the scope a Helsenorge path needs, and the client that holds it.
HELSENORGE_SCOPES: list[tuple[str, str, str]] = [
    ("/verktoy/system/verktoy", "verktoysendtilinnbygger", VERKTOY_CLIENT),
    ("/verktoy/v1/Verktoy", "verktoysendtilinnbygger", VERKTOY_CLIENT),
    ("/verktoy/v1/Veiledningstjeneste", "verktoyadminveiledning", VERKTOY_CLIENT),
    ("/verktoy/v1/Behandler", "verktoykatalog_read", VERKTOY_CLIENT),
    ("/verktoy/", "verktoykatalog_read", VERKTOY_CLIENT),
    ("/DigitaltAktiv/", "digitaltaktiv", EPJ_CLIENT),
    ("/digitaltaktiv/helsenorgeaktivsjekken", "helsenorgeaktivsjekken", EPJ_CLIENT),
    ("/digitaltaktiv/", "digitaltaktiv", EPJ_CLIENT),
    ("/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling", "Personverninnstillinger_skriv", EPJ_CLIENT),
    ("/personvern/", "Personverninnstillinger_les", EPJ_CLIENT),
]


@dataclass
class Credentials:
    client: object  # a TestClient on the app under test
    _cache: dict[str, str] = field(default_factory=dict)
    _pts: tuple[str, ECKey] | None = None

    def _token(self, name: str, fetch) -> str:
        if name not in self._cache:
            self._cache[name] = fetch()
        return self._cache[name]

    def helseid(self, scope: str, client_id: str) -> str:
        return self._token(f"helseid:{client_id}:{scope}", lambda: TokenHelper(self.client, PUBLIC_URL).get(scope, client_id))

    def pts(self, app) -> tuple[str, ECKey]:
        if self._pts is None:
            key = ECKey.generate_key("P-256", private=True)
            response = exchange(TokenHelper(self.client, PUBLIC_URL), user_token(app), dpop_key=key)
            assert response.status_code == 200, response.text
            self._pts = (response.json()["access_token"], key)
        return self._pts

    def headers_for(self, app, method: str, path: str) -> dict[str, str]:
        """The headers a good client sends to ``path`` (already formatted, without the query)."""
        if path.startswith("/pts/"):
            token, key = self.pts(app)
            return {"Authorization": f"DPoP {token}", "DPoP": dpop_proof(key, method, PUBLIC_URL + path, access_token=token)}
        if path.startswith("/svarut/"):
            token = self._token("maskinporten", lambda: maskinporten_token(self.client))
            return {"Authorization": f"Bearer {token}", "IntegrasjonId": INTEGRASJON, "IntegrasjonPassord": PASSORD}
        if path.startswith("/operator/"):
            return {"Authorization": f"Bearer {self._token('operator', lambda: operator_token(self.client))}"}
        for prefix, scope, client_id in HELSENORGE_SCOPES:
            if path.startswith(prefix):
                return {"Authorization": f"Bearer {self.helseid(scope, client_id)}"}
        return {}  # token services and discovery: open
