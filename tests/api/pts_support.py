"""What the PTS tests share: tokens as a PTS client gets them (a user token exchanged with private_key_jwt and
DPoP), a client that sends a fresh DPoP proof with every request, and ways to make test data that no other
test touches (a random person, a random object)."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from joserfc.jwk import ECKey, thumbprint

from helsebro import _time
from helsebro.auth import grants, user_tokens
from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import dpop_proof
from helsebro.auth.clients import get_client
from helsebro.auth.minting import sign
from helsebro.pts.tables import pts_audit
from helsebro.pts.testdata import reset_pts
from tests.support import EPJ_CLIENT, TokenHelper

PTS_SCOPE = "nhn:pts/api"
PTS_AUDIENCE = "nhn:pts"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
PROFESSIONAL = "565513636"  # Venstre Morfar
OTHER_PROFESSIONAL = "4128168"  # Linda Ingrid Telle
SEED_CITIZEN = "12048645510"
HPR_CLAIM = "helseid://claims/hpr/hpr_number"
PID_CLAIM = "helseid://claims/identity/pid"
ORGNR_PARENT = "helseid://claims/client/claims/orgnr_parent"

SAFETY = "/pts/v0.5/access-restrictions/patient-safety"
SAFETY_UNPREFIXED = "/pts/access-restrictions/patient-safety"
PRIVACY = "/pts/access-restrictions/patient-privacy"
ACCESS_CHECK = "/pts/v0.5/access-check"


def random_off_id() -> str:
    """A person no other test uses (PTS takes any 11 digits)."""
    return "9" + "".join(secrets.choice("0123456789") for _ in range(10))


def new_object(kind: str = "Rekvisisjon") -> dict[str, str]:
    return {"type": kind, "value": str(uuid.uuid4())}


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def user_token(app, hpr_number: str = PROFESSIONAL, client_id: str = EPJ_CLIENT, scopes: tuple[str, ...] = (PTS_SCOPE,)) -> str:
    """A health professional's user token, as ``helsebro token --hpr`` issues it."""
    svc = app.state.services
    with svc.engine.connect() as conn:
        client = get_client(conn, client_id)
        assert client is not None
        return user_tokens.issue(
            conn,
            svc.keys,
            client=client,
            client_claims=grants.client_claims(client),
            hpr_number=hpr_number,
            scopes=list(scopes),
            issuer=svc.base_url + "/helseid",
            secret=svc.secret,
            lifetime=3600,
            now=int(_time.epoch()),  # issued by helsebro's HelseID: its (server) clock
        )


def exchange(tokens: TokenHelper, subject_token: str, *, client_id: str = EPJ_CLIENT, dpop_key: ECKey | None = None, **form: str):
    """A token-exchange request at the real token endpoint, with private_key_jwt (and a DPoP proof)."""
    headers = {"DPoP": dpop_proof(dpop_key, "POST", tokens.token_url)} if dpop_key is not None else {}
    body = {
        "grant_type": TOKEN_EXCHANGE,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": tokens.assertion(client_id),
        "subject_token": subject_token,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "audience": PTS_AUDIENCE,
        **form,
    }
    return tokens.client.post("/helseid/connect/token", data={k: v for k, v in body.items() if v is not None}, headers=headers)


def forge(app, claims: dict[str, Any]) -> str:
    """A token signed with the server's real key: for claims no grant would issue."""
    return sign(app.state.services.keys, claims)


def pts_claims(app, key: ECKey, **changes: Any) -> dict[str, Any]:
    """The claims of a DPoP-bound PTS system token; ``None`` removes a claim."""
    now = int(_time.epoch())  # as helsebro's HelseID would stamp it
    claims = {
        "iss": app.state.services.base_url + "/helseid",
        "aud": PTS_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": secrets.token_hex(16),
        "scope": [PTS_SCOPE],
        "client_id": EPJ_CLIENT,
        ORGNR_PARENT: "910000020",
        "cnf": {"jkt": thumbprint(key.as_dict(private=False))},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


class PtsClient:
    """Calls PTS the way a client must: ``Authorization: DPoP <token>`` and a new proof for each request."""

    def __init__(self, client, base_url: str, token: str, key: ECKey):
        self.client = client
        self.base_url = base_url
        self.token = token
        self.key = key

    def headers(self, method: str, path: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        proof = dpop_proof(self.key, method, self.base_url + path, access_token=self.token)
        return {"Authorization": f"DPoP {self.token}", "DPoP": proof, **(extra or {})}

    def post(self, path: str, body: Any = None, *, version: str | None = None, content: bytes | None = None):
        extra = {"api-version": version} if version else {}
        if content is not None:
            return self.client.post(
                path, content=content, headers=self.headers("POST", path, {"Content-Type": "application/json", **extra})
            )
        return self.client.post(path, json=body, headers=self.headers("POST", path, extra))

    def get(self, path: str, *, version: str | None = None):
        extra = {"api-version": version} if version else {}
        return self.client.get(path, headers=self.headers("GET", path, extra))


def exchanged_client(app, client, tokens: TokenHelper, hpr_number: str = PROFESSIONAL) -> PtsClient:
    key = ECKey.generate_key("P-256", private=True)
    response = exchange(tokens, user_token(app, hpr_number), dpop_key=key)
    assert response.status_code == 200, response.text
    return PtsClient(client, tokens.base_url, response.json()["access_token"], key)


@pytest.fixture(scope="session")
def pts(app, client, tokens) -> PtsClient:
    """PTS as Venstre Morfar (HPR 565513636) through the demo EPJ client: token exchange, DPoP."""
    return exchanged_client(app, client, tokens)


@pytest.fixture(scope="session")
def pts_defaults(engine) -> Iterator[None]:
    """The default PTS data (loaded here until the general loader loads it)."""
    reset_pts(engine)
    yield


def safety_body(off_id: str, obj: dict[str, str], code: str = "NORU", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": obj}, "confidentialityCode": code}
    body.update(fields)
    return body


def privacy_body(off_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "offId": off_id,
        "privacyType": "Shield",
        "privacyLevel": "Hard",
        "restrictionDomain": "PPS",
        "objectScope": {"type": "All"},
        "subjectScope": {"type": "Specified", "identifiers": [{"type": "HPR", "value": OTHER_PROFESSIONAL}]},
    }
    body.update(fields)
    return body


def assert_problem(response, status: int, detail: str | None = None, field: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem; with ``detail`` the exact message, also under ``errors[field]`` when a field is named."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"] and body["instance"]
    if detail is not None:
        assert body["detail"] == detail
        if field is not None:
            assert detail in body["errors"][field]
    return body


def audit_rows(engine: sa.Engine, **where: Any) -> list[sa.Row]:
    """Audit rows, oldest first, filtered by column values."""
    statement = sa.select(pts_audit).order_by(pts_audit.c.id)
    for column, value in where.items():
        statement = statement.where(pts_audit.c[column] == value)
    with engine.connect() as conn:
        return list(conn.execute(statement))
