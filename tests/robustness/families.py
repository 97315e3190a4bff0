"""One representative protected endpoint per family, with what a good call to it needs, and the check that an
error answer is in that family's own format. Shared by the attack and fuzz tests of the robustness suite."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from helsebro.auth.scopes import FIKS_AUDIENCE, HELSENORGE_AUDIENCE, PTS_AUDIENCE
from tests.api.pts_support import pts_claims
from tests.attacks import DROP, Target, new_key, parts, with_claims
from tests.conftest import PUBLIC_URL
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT, TokenHelper
from tests.support_svarut import INTEGRASJON, KONTO, PASSORD, jwt_grant, token_form

OPERATOR_FORM = {
    "grant_type": "client_credentials",
    "client_id": "helsebro-operator",
    "client_secret": "helsebro-operator",
    "scope": "helsebro:operator",
}

HELSENORGE_401 = {"Code": "SEC-110000", "Message": "Token is expired or invalid"}
HELSENORGE_403 = {"Code": "SEC-110001", "Message": "Mangler tilgang (scope)"}
FIKS_ERROR_KEYS = {"timestamp", "status", "error", "errorId", "path", "originalPath", "message", "errorCode", "errorJson"}
PTS_BASE = "/pts/v0.5/access-restrictions/patient-safety"


def assert_helsenorge_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"Code", "Message"}, body
    assert isinstance(body["Code"], str) and body["Code"] and isinstance(body["Message"], str), body
    return body


def assert_pvk_error(response, status: int) -> dict:
    """PVK's business errors (400) and failures (5xx) as NORPREG's PVKBroker reads them; its 401/403/404 are
    Helsenorge's."""
    if status != 400 and status < 500:
        return assert_helsenorge_error(response, status)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"code", "message", "errorCategory"}, body
    assert all(isinstance(body[name], str) and body[name] for name in body), body
    return body


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers["content-type"]
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"], body
    return body


def assert_fiks_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    assert FIKS_ERROR_KEYS - {"errorJson"} <= set(body) <= FIKS_ERROR_KEYS, body
    assert body["status"] == status and body["message"] and body["errorCode"], body
    # errorJson: left out when empty, else field -> message (KS's client reads Map<String, String>)
    assert "errorJson" not in body or (isinstance(body["errorJson"], dict) and body["errorJson"]), body
    return body


def assert_auth_error(family: str, response, status: int) -> None:
    """401/403 in the family's format: Helsenorge and the operator API with the fixed SEC bodies."""
    if family in ("pts",):
        assert_problem(response, status)
    elif family == "svarut":
        assert_fiks_error(response, status)
    else:
        body = assert_helsenorge_error(response, status)
        assert body == (HELSENORGE_401 if status == 401 else HELSENORGE_403)


@dataclass
class Family:
    name: str
    method: str
    path: str
    body: Any = None  # JSON body; None: no body
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # besides the token's

    def request(self, client, auth: dict[str, str]):
        kwargs: dict[str, Any] = {"params": self.params, "headers": {**self.headers, **auth}}
        if self.body is not None:
            kwargs["json"] = self.body
        return client.request(self.method, self.path, **kwargs)


FAMILIES = {
    "verktoy_catalog": Family("verktoy_catalog", "GET", "/verktoy/v1/SelvstendigVerktoy"),
    # An empty body: past the token it is refused, so no attack or control writes anything.
    "verktoy_send": Family("verktoy_send", "POST", "/verktoy/system/verktoy/v2", body={}),
    "digitaltaktiv": Family("digitaltaktiv", "GET", "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer", params={"offset": "0"}),
    "pvk": Family("pvk", "POST", "/personvern/Personverninnstillinger/SjekkInnbyggersPiStatus/v2", body={}),
    "pts": Family("pts", "POST", PTS_BASE + "/_search", body={"offId": "91234567890"}),
    "svarut": Family(
        "svarut",
        "POST",
        f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/status/sok",
        body={"id": []},
        headers={"IntegrasjonId": INTEGRASJON, "IntegrasjonPassord": PASSORD},
    ),
    "operator": Family("operator", "GET", "/operator/api/v1/innbyggere", params={"limit": "1"}),
}


def _real_claims(token: str) -> Callable[[], dict]:
    claims = parts(token)[1]
    return lambda: with_claims(claims, jti=secrets.token_hex(16))


def helseid_token(client, scope: str, client_id: str) -> str:
    return TokenHelper(client, PUBLIC_URL).get(scope, client_id)


def maskinporten_token(client) -> str:
    response = client.post("/maskinporten/token", data=token_form(jwt_grant()))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def operator_token(client) -> str:
    response = client.post("/helseid/connect/token", data=OPERATOR_FORM)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def target_for(name: str, app, client) -> Target:
    """The attack target of a family: claims of a real token the family's way (PTS: a system token)."""
    family = FAMILIES[name]
    url = PUBLIC_URL + family.path
    if name == "verktoy_catalog":
        return Target(
            app,
            family.method,
            url,
            _real_claims(helseid_token(client, "verktoykatalog_read", VERKTOY_CLIENT)),
            PTS_AUDIENCE,
            "digitaltaktiv",
        )
    if name == "verktoy_send":
        claims = _real_claims(helseid_token(client, "verktoysendtilinnbygger", VERKTOY_CLIENT))
        return Target(app, family.method, url, claims, PTS_AUDIENCE, "verktoykatalog_read")
    if name == "digitaltaktiv":
        return Target(
            app, family.method, url, _real_claims(helseid_token(client, "digitaltaktiv", EPJ_CLIENT)), PTS_AUDIENCE, "verktoykatalog_read"
        )
    if name == "pvk":
        claims = _real_claims(helseid_token(client, "Personverninnstillinger_les", EPJ_CLIENT))
        return Target(app, family.method, url, claims, PTS_AUDIENCE, "digitaltaktiv")
    if name == "pts":

        def pts() -> dict:  # unbound: Target binds the claims to the key it presents the token with
            return with_claims(pts_claims(app, new_key()), cnf=DROP)

        return Target(app, family.method, url, pts, HELSENORGE_AUDIENCE, "verktoykatalog_read", dpop_only=True)
    if name == "svarut":
        return Target(app, family.method, url, _real_claims(maskinporten_token(client)), PTS_AUDIENCE, "ks:fiks.annet")
    if name == "operator":
        # Another audience than a client API's: a good client token here is 403 by design (test_operator_auth).
        return Target(app, family.method, url, _real_claims(operator_token(client)), FIKS_AUDIENCE, "verktoykatalog_read")
    raise KeyError(name)
