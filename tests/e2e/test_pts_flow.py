"""PTS end to end against a running server (``helsebro serve``), on SQLite and on PostgreSQL:

a health professional's user token from ``helsebro token --hpr``, exchanged over real HTTP with
private_key_jwt and DPoP at /helseid/connect/token, then create, search, associate, privacy, access check and
revoke with a fresh DPoP proof on every request; then the audit of it all.

The running server is the stock app, which does not include the PTS operator router yet, so the audit is read
in-process from the server's own database through the same function the operator endpoint uses (the endpoint
itself is tested over HTTP in tests/api/test_pts_audit.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from pathlib import Path

import httpx
from joserfc.jwk import ECKey

from helsebro import db
from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion, dpop_proof, load_private_key
from helsebro.db import create_engine
from helsebro.pts import audit
from helsebro.settings import Settings
from helsebro.testdata import loader

EPJ = "helsebro-demo-epj"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
SAFETY = "/pts/v0.5/access-restrictions/patient-safety"
PRIVACY = "/pts/access-restrictions/patient-privacy"


class Pts:
    """A PTS client over real HTTP: a new DPoP proof for every request."""

    def __init__(self, base_url: str, token: str, key: ECKey):
        self.base_url, self.token, self.key = base_url, token, key

    def headers(self, method: str, path: str) -> dict[str, str]:
        return {"Authorization": f"DPoP {self.token}", "DPoP": dpop_proof(self.key, method, self.base_url + path, access_token=self.token)}

    def post(self, path: str, body: dict | None = None) -> httpx.Response:
        return httpx.post(self.base_url + path, json=body, headers=self.headers("POST", path), timeout=30)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.base_url + path, headers=self.headers("GET", path), timeout=30)


def exchange_over_http(base_url: str, user_token: str, key: ECKey) -> dict:
    discovery = httpx.get(base_url + "/helseid/.well-known/openid-configuration").json()
    assert TOKEN_EXCHANGE in discovery["grant_types_supported"]
    endpoint = discovery["token_endpoint"]
    form = {
        "grant_type": TOKEN_EXCHANGE,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(EPJ, load_private_key(loader.demo_private_key(EPJ)), discovery["issuer"]),
        "subject_token": user_token,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "audience": "nhn:pts",
    }
    response = httpx.post(endpoint, data=form, headers={"DPoP": dpop_proof(key, "POST", endpoint)}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def server_engine(live_server):
    settings = Settings(data_dir=Path(live_server.env["HELSEBRO_DATA_DIR"]), database_url=live_server.env.get("HELSEBRO_DATABASE_URL", ""))
    return create_engine(settings.resolved_database_url())


def test_a_professional_restricts_and_checks_access_through_token_exchange(live_server):
    base = live_server.base_url
    user_token = live_server.cli("token", "--scope", "nhn:pts/api", "--hpr", "565513636").stdout.strip()
    key = ECKey.generate_key("P-256", private=True)
    issued = exchange_over_http(base, user_token, key)
    assert issued["token_type"] == "DPoP" and issued["issued_token_type"] == ACCESS_TOKEN_TYPE
    pts = Pts(base, issued["access_token"], key)

    off_id = "9" + "".join(secrets.choice("0123456789") for _ in range(10))
    requisition = {"type": "Rekvisisjon", "value": str(uuid.uuid4())}
    report = {"type": "Svarrapport", "value": str(uuid.uuid4())}

    created = pts.post(
        SAFETY,
        {
            "patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": requisition},
            "delayDays": 14,
            "confidentialityCode": "NORU",
            "cause": "Manual",
        },
    )
    assert created.status_code == 201, created.text

    answered = dt.datetime.now(dt.UTC).replace(microsecond=0)
    associated = pts.post(
        SAFETY + "/associate-parent",
        {
            "patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": report},
            "parentConfidentialObjectId": requisition,
            "delayFromTime": answered.isoformat(),
        },
    )
    assert associated.status_code == 200, associated.text
    derived = associated.json()["accessRestrictions"][0]
    assert dt.datetime.fromisoformat(derived["delayDeliveryUntil"]) == answered + dt.timedelta(days=14)
    assert derived["cause"] == "Derived"

    found = pts.post(SAFETY + "/_search", {"offId": off_id, "ApplicableOnly": True})
    assert found.status_code == 200 and {a["confidentialObjectId"]["type"] for a in found.json()} == {"Rekvisisjon", "Svarrapport"}

    shield = pts.post(
        PRIVACY,
        {
            "offId": off_id,
            "privacyType": "Shield",
            "privacyLevel": "Hard",
            "restrictionDomain": "PPS",
            "objectScope": {"type": "All"},
            "subjectScope": {"type": "Specified", "identifiers": [{"type": "HPR", "value": "4128168"}]},
        },
    )
    assert shield.status_code == 201, shield.text

    # Venstre Morfar (from the token) waits for the answer report; Linda Ingrid Telle is shielded from the requisition.
    mine = pts.post("/pts/v0.5/access-check", {"offId": off_id, "confidentialObjectId": report}).json()
    assert mine["allowed"] is False and mine["reasons"][0]["area"] == "patient-safety"
    hers = pts.post("/pts/v0.5/access-check", {"offId": off_id, "hprNumber": "4128168", "confidentialObjectId": requisition}).json()
    assert hers["allowed"] is False and hers["reasons"][0]["rule"] == "Shield/Hard"

    revoked = pts.post(f"{PRIVACY}/{shield.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "Revoked"
    history = pts.get(f"/pts/access-restrictions/patient-privacy/{shield.json()['id']}").json()["history"]
    assert [h["action"] for h in history] == ["Created", "Revoked"]
    hers_now = pts.post("/pts/v0.5/access-check", {"offId": off_id, "hprNumber": "4128168", "confidentialObjectId": requisition}).json()
    assert hers_now == {"allowed": True, "reasons": []}

    # A proof is good once; a Bearer token is not enough.
    headers = pts.headers("POST", SAFETY + "/_search")
    assert httpx.post(base + SAFETY + "/_search", json={"offId": off_id}, headers=headers).status_code == 200
    replay = httpx.post(base + SAFETY + "/_search", json={"offId": off_id}, headers=headers)
    assert replay.status_code == 401 and replay.headers["content-type"] == "application/problem+json"
    system = live_server.cli("token", "--scope", "nhn:pts/api").stdout.strip()
    bearer = httpx.post(base + SAFETY + "/_search", json={"offId": off_id}, headers={"Authorization": f"Bearer {system}"})
    assert bearer.status_code == 401

    engine = server_engine(live_server)
    try:
        with db.read(engine) as conn:
            total, entries = audit.list_entries(conn, limit=100, offset=0, off_id=off_id)
    finally:
        engine.dispose()
    calls = [(e.method, e.route, e.status) for e in reversed(entries)]
    assert calls == [
        ("POST", SAFETY, 201),
        ("POST", SAFETY + "/associate-parent", 200),
        ("POST", SAFETY + "/_search", 200),
        ("POST", PRIVACY, 201),
        ("POST", "/pts/v0.5/access-check", 200),
        ("POST", "/pts/v0.5/access-check", 200),
        ("POST", PRIVACY + "/{restriction_id}/revoke", 200),
        ("GET", "/pts/access-restrictions/{area}/{restriction_id}", 200),
        ("POST", "/pts/v0.5/access-check", 200),
        ("POST", SAFETY + "/_search", 200),
    ]  # the replay and the Bearer call were refused before the token was good: not audited
    assert total == len(calls)
    assert {(e.client_id, e.orgnr_parent, e.hpr_number) for e in entries} == {(EPJ, "910000020", "565513636")}
    assert "12048645510" not in live_server.log.read_text() and off_id not in live_server.log.read_text()
