"""PTS patient privacy over HTTP: create (Shield/Block, Soft/Hard, PPS only, subject and object scopes,
validity), search, revoke (the row stays), one restriction with its history, and the validation messages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.pts_support import (  # noqa: F401  (fixtures)
    OTHER_PROFESSIONAL,
    PRIVACY,
    PROFESSIONAL,
    assert_problem,
    privacy_body,
    pts,
    random_off_id,
)


def later(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")


def test_create_a_hard_shield_for_named_professionals(pts):
    off_id = random_off_id()
    response = pts.post(PRIVACY, privacy_body(off_id, validFrom="2026-11-23T00:00:00Z", validTo=None))
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/pts/access-restrictions/patient-privacy/{body['id']}"
    assert {k: body[k] for k in ("offId", "privacyType", "privacyLevel", "restrictionDomain", "status", "version")} == {
        "offId": off_id,
        "privacyType": "Shield",
        "privacyLevel": "Hard",
        "restrictionDomain": "PPS",
        "status": "Active",
        "version": 1,
    }
    assert body["objectScope"] == {"type": "All"}
    assert body["subjectScope"] == {"type": "Specified", "identifiers": [{"type": "HPR", "value": OTHER_PROFESSIONAL}]}
    assert body["validFrom"] == "2026-11-23T00:00:00Z" and body["validTo"] is None
    assert body["createdBy"] == "helsebro-demo-epj" and body["revokedTime"] is None


def test_a_soft_block_for_everyone_over_a_time_range(pts):
    body = privacy_body(
        random_off_id(),
        privacyType="block",
        privacyLevel="SOFT",
        restrictionDomain="pps",
        objectScope={"type": "timerange", "from": "2025-01-01T00:00:00Z", "to": "2025-07-01T00:00:00Z"},
        subjectScope={"type": "All"},
        validTo=later(30),
    )
    response = pts.post(PRIVACY, body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["privacyType"], created["privacyLevel"], created["restrictionDomain"]) == ("Block", "Soft", "PPS")
    assert created["objectScope"] == {"type": "TimeRange", "from": "2025-01-01T00:00:00Z", "to": "2025-07-01T00:00:00Z"}
    assert created["subjectScope"] == {"type": "All", "identifiers": []}


def test_valid_from_defaults_to_now_and_a_future_start_is_pending(pts):
    created = pts.post(PRIVACY, privacy_body(random_off_id())).json()
    assert created["status"] == "Active"
    pending = pts.post(PRIVACY, privacy_body(random_off_id(), validFrom=later(2))).json()
    assert pending["status"] == "Pending"


def test_search_lists_the_persons_restrictions_that_are_not_revoked(pts):
    off_id = random_off_id()
    kept = pts.post(PRIVACY, privacy_body(off_id)).json()
    revoked = pts.post(PRIVACY, privacy_body(off_id, privacyType="Block")).json()
    pts.post(PRIVACY, privacy_body(random_off_id()))  # someone else
    assert pts.post(f"{PRIVACY}/{revoked['id']}/revoke").status_code == 200
    current = pts.post(PRIVACY + "/_search", {"offId": off_id}).json()
    assert [r["id"] for r in current] == [kept["id"]]
    everything = pts.post(PRIVACY + "/_search", {"offId": off_id, "includeRevoked": True}).json()
    assert [(r["id"], r["status"]) for r in everything] == [(kept["id"], "Active"), (revoked["id"], "Revoked")]


def test_revoke_keeps_the_restriction_and_its_history(pts):
    created = pts.post(PRIVACY, privacy_body(random_off_id())).json()
    revoked = pts.post(f"{PRIVACY}/{created['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    body = revoked.json()
    assert body["status"] == "Revoked" and body["version"] == 2 and body["revokedBy"] == "helsebro-demo-epj"
    one = pts.get(f"/pts/access-restrictions/patient-privacy/{created['id']}")
    assert one.status_code == 200
    history = one.json()["history"]
    assert [(h["version"], h["action"]) for h in history] == [(1, "Created"), (2, "Revoked")]
    assert history[0]["restriction"]["status"] == "Active" and history[1]["restriction"]["status"] == "Revoked"
    assert all(h["changedBy"] == "helsebro-demo-epj" for h in history)


def test_revoking_twice_is_a_conflict_and_an_unknown_id_is_404(pts):
    created = pts.post(PRIVACY, privacy_body(random_off_id())).json()
    assert pts.post(f"{PRIVACY}/{created['id']}/revoke").status_code == 200
    assert_problem(pts.post(f"{PRIVACY}/{created['id']}/revoke"), 409)
    assert_problem(pts.post(f"{PRIVACY}/00000000-0000-0000-0000-000000000000/revoke"), 404)


def test_unknown_area_or_id_is_404(pts):
    assert_problem(pts.get("/pts/access-restrictions/patient-privacy/no-such-id"), 404)
    assert_problem(pts.get("/pts/access-restrictions/patient-safety/no-such-id"), 404)
    assert_problem(pts.get("/pts/access-restrictions/no-such-area/x"), 404)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"privacyType": "Hide"}, "PrivacyType", "PrivacyType must be Shield or Block"),
        ({"privacyLevel": "Medium"}, "PrivacyLevel", "PrivacyLevel must be Soft or Hard"),
        ({"restrictionDomain": "EPJ"}, "RestrictionDomain", "RestrictionDomain must be PPS"),
        ({"restrictionDomain": None}, "RestrictionDomain", "The RestrictionDomain field is required."),
        ({"objectScope": {"type": "Some"}}, "ObjectScope.Type", "ObjectScope.Type must be All or TimeRange"),
        (
            {"objectScope": {"type": "TimeRange"}},
            "ObjectScope",
            "ObjectScope.From or ObjectScope.To must have a value for ObjectScope.Type TimeRange",
        ),
        (
            {"objectScope": {"type": "TimeRange", "from": "2025-02-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"}},
            "ObjectScope.From",
            "ObjectScope.From must be before ObjectScope.To",
        ),
        (
            {"objectScope": {"type": "All", "from": "2025-02-01T00:00:00Z"}},
            "ObjectScope",
            "ObjectScope.From and ObjectScope.To must be null for ObjectScope.Type All",
        ),
        (
            {"subjectScope": {"type": "Specified", "identifiers": []}},
            "SubjectScope.Identifiers",
            "SubjectScope.Identifiers must have at least one identifier for SubjectScope.Type Specified",
        ),
        (
            {"subjectScope": {"type": "All", "identifiers": [{"type": "HPR", "value": PROFESSIONAL}]}},
            "SubjectScope.Identifiers",
            "SubjectScope.Identifiers must be empty for SubjectScope.Type All",
        ),
        (
            {"subjectScope": {"type": "Specified", "identifiers": [{"type": "FNR", "value": "1"}]}},
            "SubjectScope.Identifiers[0].Type",
            "SubjectScope.Identifiers[0].Type must be HPR",
        ),
        (
            {"subjectScope": {"type": "Specified", "identifiers": [{"type": "HPR", "value": "12ab"}]}},
            "SubjectScope.Identifiers[0].Value",
            "SubjectScope.Identifiers[0].Value must be an HPR number (1 to 9 digits)",
        ),
        (
            {"subjectScope": {"type": "Specified", "identifiers": [{"type": "HPR", "value": "7654321"}]}},
            "SubjectScope.Identifiers",
            "HPR number 7654321 is not in the HPR registry",
        ),
        ({"validTo": "2020-01-01T00:00:00Z"}, "ValidTo", "ValidTo must be set to a value in the future"),
        ({"validFrom": "2099-01-01T00:00:00Z", "validTo": "2098-01-01T00:00:00Z"}, "ValidTo", "ValidTo must be after ValidFrom"),
        ({"offId": "1234567890a"}, "OffId", "OffId must be 11 digits (a fødselsnummer or D-number)"),
    ],
)
def test_each_rule_answers_its_message(pts, changes, field, message):
    response = pts.post(PRIVACY, privacy_body(random_off_id(), **changes))
    assert_problem(response, 400, message, field)


def test_dotnet_max_value_as_valid_to_means_no_end(pts):
    created = pts.post(PRIVACY, privacy_body(random_off_id(), validTo="9999-12-31T23:59:59.9999999Z"))
    assert created.status_code == 201, created.text
    assert created.json()["validTo"] is None


def test_a_number_given_twice_is_kept_once(pts):
    identifiers = [{"type": "HPR", "value": PROFESSIONAL}, {"type": "hpr", "value": int(PROFESSIONAL)}]
    created = pts.post(PRIVACY, privacy_body(random_off_id(), subjectScope={"type": "Specified", "identifiers": identifiers}))
    assert created.json()["subjectScope"]["identifiers"] == [{"type": "HPR", "value": PROFESSIONAL}]
