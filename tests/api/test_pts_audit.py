"""The audit of PTS calls: every call with a good token is recorded with who (client, organisations, acting
professional), what (route, version), about whom and how it ended; the operator reads it over HTTP; log lines
never carry the person's number."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from joserfc.jwk import ECKey
from starlette.testclient import TestClient

from helsebro import db
from helsebro.app import create_app
from helsebro.pts import audit
from helsebro.pts import operator_routes as pts_operator_routes
from tests.api.pts_support import (  # noqa: F401  (fixtures)
    ACCESS_CHECK,
    PRIVACY,
    PROFESSIONAL,
    SAFETY,
    SAFETY_UNPREFIXED,
    PtsClient,
    audit_rows,
    forge,
    new_object,
    privacy_body,
    pts,
    pts_claims,
    random_off_id,
    safety_body,
)
from tests.conftest import PUBLIC_URL
from tests.support import EPJ_CLIENT

AUDIT = "/operator/api/v1/pts/audit"


def test_a_successful_call_is_recorded_with_who_what_and_whom(pts, engine):
    off_id = random_off_id()
    assert pts.post(SAFETY, safety_body(off_id, new_object(), delayDays=2, cause="Manual")).status_code == 201
    [row] = audit_rows(engine, off_id=off_id)
    assert (row.client_id, row.orgnr_parent, row.orgnr_child, row.hpr_number) == (EPJ_CLIENT, "910000020", None, PROFESSIONAL)
    assert (row.method, row.route, row.path) == ("POST", SAFETY, SAFETY)
    assert (row.api_version, row.status) == ("0.5", 201)
    assert row.time is not None and row.token_jti


def test_refused_calls_are_recorded_too(pts, engine):
    off_id = random_off_id()
    pts.post(SAFETY, safety_body(off_id, new_object(), "N", delayDeliveryUntil="2099-01-01T00:00:00Z", cause="Manual"))
    pts.post(SAFETY_UNPREFIXED + "/_search", {"offId": off_id}, version="9.9")
    pts.post(ACCESS_CHECK, {"offId": off_id, "hprNumber": "7654321", "confidentialObjectId": new_object()})
    rows = audit_rows(engine, off_id=off_id)
    assert [(r.route, r.status) for r in rows] == [
        (SAFETY, 400),
        (SAFETY_UNPREFIXED + "/_search", 400),
        (ACCESS_CHECK, 400),
    ]


def test_the_route_template_and_the_path_are_both_kept(pts, engine):
    created = pts.post(PRIVACY, privacy_body(random_off_id())).json()
    pts.post(f"{PRIVACY}/{created['id']}/revoke")
    revoke = audit_rows(engine, off_id=created["offId"])[-1]
    assert revoke.route == PRIVACY + "/{restriction_id}/revoke"
    assert revoke.path == f"{PRIVACY}/{created['id']}/revoke" and revoke.status == 200


def test_child_and_supplier_organisations_are_recorded_when_the_token_has_them(client, app, engine):
    key = ECKey.generate_key("P-256", private=True)
    claims = pts_claims(
        app,
        key,
        **{"helseid://claims/client/claims/orgnr_child": "913748263", "helseid://claims/client/claims/orgnr_supplier": "926385143"},
    )
    off_id = random_off_id()
    PtsClient(client, PUBLIC_URL, forge(app, claims), key).post(SAFETY + "/_search", {"offId": off_id})
    [row] = audit_rows(engine, off_id=off_id)
    assert (row.orgnr_parent, row.orgnr_child, row.orgnr_supplier, row.hpr_number) == ("910000020", "913748263", "926385143", None)


def test_log_lines_carry_a_keyed_hash_never_the_number(monkeypatch, engine):
    lines: list[dict] = []

    class Recorder:
        def info(self, event: str, **fields) -> None:
            lines.append({"event": event, **fields})

    monkeypatch.setattr(audit, "log", Recorder())
    call = audit.Call(audit.dt.datetime.now(audit.dt.timezone.utc), {"client_id": EPJ_CLIENT}, "POST", SAFETY, SAFETY, off_id="12048645510")
    with db.write(engine) as conn:
        audit.record(conn, call, 200)
    [line] = lines
    assert "12048645510" not in repr(line)
    assert line["person"].startswith("fnr:")


# -- the operator endpoint -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def operator_client(settings, engine) -> Iterator[TestClient]:
    """The app with the PTS operator router included, as app.py will include it."""
    app = create_app(settings, engine)
    app.include_router(pts_operator_routes.router)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as test_client:
        yield test_client


def operator_headers(client: TestClient) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": "helsebro-operator",
        "client_secret": "helsebro-operator",
        "scope": "helsebro:operator",
    }
    token = client.post("/helseid/connect/token", data=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_operator_reads_the_audit_newest_first(pts, operator_client):
    off_id = random_off_id()
    pts.post(SAFETY + "/_search", {"offId": off_id})
    pts.post(PRIVACY + "/_search", {"offId": off_id})
    response = operator_client.get(AUDIT, params={"offId": off_id}, headers=operator_headers(operator_client))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalt"] == 2 and body["limit"] == 50 and body["offset"] == 0
    newest, oldest = body["logg"]
    assert (newest["rute"], oldest["rute"]) == (PRIVACY + "/_search", SAFETY + "/_search")
    assert newest["clientId"] == EPJ_CLIENT and newest["orgnrParent"] == "910000020" and newest["hprNummer"] == PROFESSIONAL
    assert newest["offId"] == off_id and newest["status"] == 200 and newest["metode"] == "POST"
    assert newest["tidspunkt"].endswith("Z")


def test_the_operator_pages_through_the_audit(pts, operator_client):
    off_id = random_off_id()
    for _ in range(3):
        pts.post(SAFETY + "/_search", {"offId": off_id})
    headers = operator_headers(operator_client)
    page = operator_client.get(AUDIT, params={"offId": off_id, "limit": 2, "offset": 2}, headers=headers).json()
    assert page["totalt"] == 3 and len(page["logg"]) == 1
    by_client = operator_client.get(AUDIT, params={"clientId": "nobody", "limit": 1}, headers=headers).json()
    assert by_client["totalt"] == 0


def test_only_an_operator_token_reads_the_audit(operator_client, pts):
    assert operator_client.get(AUDIT).status_code == 401
    pts_token = operator_client.get(AUDIT, headers={"Authorization": f"DPoP {pts.token}"})
    assert pts_token.status_code in (401, 403)
    assert set(pts_token.json()) == {"Code", "Message"}
    bad_limit = operator_client.get(AUDIT, params={"limit": 0}, headers=operator_headers(operator_client))
    assert bad_limit.status_code == 400 and bad_limit.json()["Code"] == "OP-000400"


def test_the_operator_restores_the_default_pts_data(pts, operator_client, engine):
    from helsebro.pts import testdata

    response = operator_client.post("/operator/api/v1/pts/reset", headers=operator_headers(operator_client))
    assert response.status_code == 200, response.text
    assert response.json() == {"pts_safety_objects": 7, "pts_privacy_restrictions": 3}
    found = pts.post(SAFETY + "/_search", {"offId": testdata.SEED_CITIZEN, "confidentialObjectId": testdata.DELAYED_SVARRAPPORT.as_wire()})
    assert len(found.json()) == 1
