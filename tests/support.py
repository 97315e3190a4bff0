"""Client-side helpers for tests: tokens fetched through the real token endpoint, as clients do."""

from __future__ import annotations

import unicodedata
from typing import Any

from joserfc.jwk import ECKey, RSAKey

from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion, dpop_proof, load_private_key
from helsebro.testdata import loader

VERKTOY_CLIENT = "helsebro-demo-verktoy"
VERKTOY_CLIENT_2 = "helsebro-demo-verktoy2"
EPJ_CLIENT = "helsebro-demo-epj"
SECRET_CLIENT = "helsebro-demo-secret"
SECRET = "helsebro-demo-secret"

SEED_TOOL = "08ead360-0d65-448c-ba9e-8a08f0921c90"
SEED_TOOL_2 = "95d2290a-ecbc-4525-9593-f35d4ee4e42d"


def demo_key(client_id: str) -> RSAKey | ECKey:
    return load_private_key(loader.demo_private_key(client_id))


class TokenHelper:
    def __init__(self, client, base_url: str):
        self.client = client
        self.base_url = base_url
        self.issuer = base_url + "/helseid"
        self.token_url = base_url + "/helseid/connect/token"

    def assertion(self, client_id: str = VERKTOY_CLIENT, **kwargs: Any) -> str:
        return client_assertion(client_id, demo_key(client_id), kwargs.pop("audience", self.issuer), **kwargs)

    def request(
        self,
        scope: str,
        client_id: str = VERKTOY_CLIENT,
        *,
        dpop_key: RSAKey | ECKey | None = None,
        nonce: str | None = None,
        **assertion_kwargs: Any,
    ):
        headers = {}
        if dpop_key is not None:
            headers["DPoP"] = dpop_proof(dpop_key, "POST", self.token_url, nonce=nonce)
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(client_id, **assertion_kwargs),
            "scope": scope,
        }
        return self.client.post("/helseid/connect/token", data=form, headers=headers)

    def get(self, scope: str, client_id: str = VERKTOY_CLIENT, *, dpop_key: RSAKey | ECKey | None = None) -> str:
        response = self.request(scope, client_id, dpop_key=dpop_key)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def bearer(self, scope: str = "verktoykatalog_read", client_id: str = VERKTOY_CLIENT) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.get(scope, client_id)}"}

    def dpop_headers(self, key: RSAKey | ECKey, token: str, method: str, path: str, **proof_kwargs: Any) -> dict[str, str]:
        return {
            "Authorization": f"DPoP {token}",
            "DPoP": dpop_proof(key, method, self.base_url + path, access_token=token, **proof_kwargs),
        }


NORWEGIAN_ALPHABET_TAIL = "abcdefghijklmnopqrstuvwxyzæøå"


def catalog_order_key(tool: dict) -> tuple[list[int], str]:
    """The catalog's documented order, written out independently of the server's code: Norwegian
    alphabetical order of the name (... x y z æ ø å), ignoring case, then the id."""
    name = unicodedata.normalize("NFC", tool["Navn"]).casefold()
    letters = [NORWEGIAN_ALPHABET_TAIL.index(c) + 1000 if c in NORWEGIAN_ALPHABET_TAIL else ord(c) for c in name]
    return letters, str(tool["VerktoyId"]).lower()
