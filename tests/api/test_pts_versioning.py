"""PTS versions: v0.5 under /pts/v0.5, v0.3 and v0.4 on the unprefixed routes by the api-version header
(missing: 0.4), patient privacy unprefixed with /v0.5 as an alias."""

from __future__ import annotations

import pytest

from tests.api.pts_support import (  # noqa: F401  (fixtures)
    PRIVACY,
    SAFETY,
    SAFETY_UNPREFIXED,
    assert_problem,
    new_object,
    privacy_body,
    pts,
    random_off_id,
    safety_body,
)


def test_v05_answers_carry_cause(pts):
    response = pts.post(SAFETY, safety_body(random_off_id(), new_object(), delayDays=3, cause="Automated"))
    assert response.status_code == 201, response.text
    assert response.json()["accessRestrictions"][0]["cause"] == "Automated"


@pytest.mark.parametrize("version", [None, "0.4", "0.3"])
def test_unprefixed_routes_serve_0_3_and_0_4_without_cause(pts, engine, version):
    off_id = random_off_id()
    response = pts.post(SAFETY_UNPREFIXED, safety_body(off_id, new_object(), delayDays=3), version=version)
    assert response.status_code == 201, response.text
    assert "cause" not in response.json()["accessRestrictions"][0]
    assert response.headers["location"].startswith("/pts/access-restrictions/patient-safety/")
    found = pts.post(SAFETY_UNPREFIXED + "/_search", {"offId": off_id}, version=version)
    assert found.status_code == 200 and "cause" not in found.json()[0]["accessRestrictions"][0]


def test_unprefixed_routes_ignore_a_cause_they_do_not_know(pts):
    body = safety_body(random_off_id(), new_object(), delayDays=3, cause="no such cause")
    assert pts.post(SAFETY_UNPREFIXED, body, version="0.4").status_code == 201


def test_the_missing_header_means_0_4_in_the_audit(pts, engine):
    from tests.api.pts_support import audit_rows

    off_id = random_off_id()
    pts.post(SAFETY_UNPREFIXED + "/_search", {"offId": off_id})
    pts.post(SAFETY_UNPREFIXED + "/_search", {"offId": off_id}, version="0.3")
    pts.post(SAFETY + "/_search", {"offId": off_id})
    assert [r.api_version for r in audit_rows(engine, off_id=off_id)] == ["0.4", "0.3", "0.5"]


@pytest.mark.parametrize("version", ["0.5", "1.0", "v0.4"])
def test_a_version_the_unprefixed_route_does_not_have_is_refused_as_aspnet_does(pts, version):
    response = pts.post(SAFETY_UNPREFIXED + "/_search", {"offId": random_off_id()}, version=version)
    body = assert_problem(response, 400)
    assert body["title"] == "Unsupported API version"
    assert body["detail"] == (
        "The HTTP resource that matches the request URI "
        f"'http://testserver/pts/access-restrictions/patient-safety/_search' does not support the API version '{version}'."
    )


def test_the_v05_route_needs_no_header_and_ignores_one(pts):
    response = pts.post(SAFETY + "/_search", {"offId": random_off_id()}, version="0.3")
    assert response.status_code == 200


def test_answers_report_the_supported_versions(pts):
    response = pts.post(SAFETY + "/_search", {"offId": random_off_id()})
    assert response.headers["api-supported-versions"] == "0.3, 0.4, 0.5"


@pytest.mark.parametrize("base", [PRIVACY, "/pts/v0.5/access-restrictions/patient-privacy"])
def test_patient_privacy_is_unprefixed_with_a_v05_alias(pts, base):
    off_id = random_off_id()
    created = pts.post(base, privacy_body(off_id))
    assert created.status_code == 201, created.text
    assert (
        created.headers["location"]
        == f"{base.removesuffix('/access-restrictions/patient-privacy')}/access-restrictions/patient-privacy/{created.json()['id']}"
    )
    assert [r["id"] for r in pts.post(base + "/_search", {"offId": off_id}).json()] == [created.json()["id"]]


def test_one_restriction_by_id_in_each_version(pts):
    created = pts.post(SAFETY, safety_body(random_off_id(), new_object(), delayDays=3, cause="Manual")).json()
    v05 = pts.get(f"/pts/v0.5/access-restrictions/patient-safety/{created['id']}")
    v03 = pts.get(f"/pts/access-restrictions/patient-safety/{created['id']}", version="0.3")
    assert v05.status_code == 200 and v03.status_code == 200
    assert v05.json()["accessRestrictions"][0]["cause"] == "Manual"
    assert "cause" not in v03.json()["accessRestrictions"][0]
