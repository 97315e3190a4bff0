"""May professional X see document Y of person Z now? (POST /pts/v0.5/access-check, helsebro's own)"""

from __future__ import annotations

import datetime as dt

from helsebro.pts import testdata
from tests.api.pts_support import (  # noqa: F401  (fixtures)
    ACCESS_CHECK,
    OTHER_PROFESSIONAL,
    PRIVACY,
    PROFESSIONAL,
    SAFETY,
    SEED_CITIZEN,
    assert_problem,
    new_object,
    privacy_body,
    pts,
    pts_defaults,
    random_off_id,
    safety_body,
)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check(pts, off_id: str, obj: dict, hpr: str | None = PROFESSIONAL, **fields):
    body = {"offId": off_id, "confidentialObjectId": obj, **fields}
    if hpr is not None:
        body["hprNumber"] = hpr
    response = pts.post(ACCESS_CHECK, body)
    assert response.status_code == 200, response.text
    return response.json()


def test_nothing_restricts_an_unknown_document(pts):
    assert check(pts, random_off_id(), new_object("Svarrapport")) == {"allowed": True, "reasons": []}


def test_a_running_safety_delay_refuses_until_its_end(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    until = iso(now() + dt.timedelta(days=3))
    created = pts.post(SAFETY, safety_body(off_id, obj, delayDeliveryUntil=until, cause="Manual")).json()
    answer = check(pts, off_id, obj)
    assert answer["allowed"] is False
    [reason] = answer["reasons"]
    assert reason["area"] == "patient-safety" and reason["rule"] == "NORU"
    assert reason["restrictionId"] == created["accessRestrictions"][0]["id"]
    assert reason["overridable"] is False and reason["until"] == until.replace("+00:00", "Z")


def test_an_emergency_does_not_lift_a_safety_restriction(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    pts.post(SAFETY, safety_body(off_id, obj, "NORN_EPO", cause="Manual"))
    answer = check(pts, off_id, obj, emergency=True)
    assert answer["allowed"] is False and answer["reasons"][0]["until"] == "9999-12-31T23:59:59.9999999Z"


def test_a_derived_child_delay_refuses_the_answer_report(pts):
    off_id, parent, child = random_off_id(), new_object(), new_object("Svarrapport")
    pts.post(SAFETY, safety_body(off_id, parent, delayDays=14, cause="Manual"))
    pts.post(
        SAFETY + "/associate-parent",
        {
            "patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": child},
            "parentConfidentialObjectId": parent,
            "delayFromTime": iso(now()),
        },
    )
    assert check(pts, off_id, child)["allowed"] is False
    assert check(pts, off_id, parent)["allowed"] is True  # the requisition itself is not delayed


def test_a_hard_shield_refuses_only_the_named_professional(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    pts.post(PRIVACY, privacy_body(off_id))  # Shield, Hard, HPR 4128168
    refused = check(pts, off_id, obj, OTHER_PROFESSIONAL, emergency=True)
    assert refused["allowed"] is False
    assert refused["reasons"][0]["rule"] == "Shield/Hard" and refused["reasons"][0]["overridable"] is False
    assert check(pts, off_id, obj, PROFESSIONAL)["allowed"] is True


def test_a_soft_block_is_overridden_in_an_emergency(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    pts.post(PRIVACY, privacy_body(off_id, privacyType="Block", privacyLevel="Soft", subjectScope={"type": "All"}))
    assert check(pts, off_id, obj)["allowed"] is False
    emergency = check(pts, off_id, obj, emergency=True)
    assert emergency["allowed"] is True
    assert emergency["reasons"][0]["overridden"] is True and emergency["reasons"][0]["rule"] == "Block/Soft"


def test_a_time_range_covers_only_documents_from_that_period(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    scope = {"type": "TimeRange", "from": "2025-01-01T00:00:00Z", "to": "2025-07-01T00:00:00Z"}
    pts.post(PRIVACY, privacy_body(off_id, objectScope=scope, subjectScope={"type": "All"}))
    assert check(pts, off_id, obj, documentTime="2025-03-01T00:00:00Z")["allowed"] is False
    assert check(pts, off_id, obj, documentTime="2025-08-01T00:00:00Z")["allowed"] is True
    unknown = check(pts, off_id, obj)  # the document's time is not known: the safe side
    assert unknown["allowed"] is False and "not known" in unknown["reasons"][0]["message"]


def test_a_revoked_restriction_no_longer_speaks(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    created = pts.post(PRIVACY, privacy_body(off_id, subjectScope={"type": "All"})).json()
    assert check(pts, off_id, obj)["allowed"] is False
    pts.post(f"{PRIVACY}/{created['id']}/revoke")
    assert check(pts, off_id, obj)["allowed"] is True


def test_both_areas_answer_together(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    pts.post(SAFETY, safety_body(off_id, obj, delayDeliveryUntil=iso(now() + dt.timedelta(days=1)), cause="Manual"))
    pts.post(PRIVACY, privacy_body(off_id, privacyLevel="Soft", subjectScope={"type": "All"}))
    answer = check(pts, off_id, obj, emergency=True)
    assert answer["allowed"] is False  # the emergency lifts the soft shield, not the delay
    assert [r["area"] for r in answer["reasons"]] == ["patient-safety", "patient-privacy"]


def test_the_acting_professional_comes_from_the_token(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    pts.post(PRIVACY, privacy_body(off_id, subjectScope={"type": "Specified", "identifiers": [{"type": "HPR", "value": PROFESSIONAL}]}))
    assert check(pts, off_id, obj, hpr=None)["allowed"] is False  # the token names 565513636


def test_the_default_data_answers_as_documented(pts, pts_defaults):
    assert check(pts, SEED_CITIZEN, testdata.DELAYED_SVARRAPPORT.as_wire())["allowed"] is False
    assert check(pts, SEED_CITIZEN, testdata.WITHHELD_SVARRAPPORT.as_wire())["allowed"] is False
    assert check(pts, SEED_CITIZEN, testdata.NORMAL_REKVISISJON.as_wire())["allowed"] is True
    shielded = check(pts, SEED_CITIZEN, testdata.NORMAL_REKVISISJON.as_wire(), OTHER_PROFESSIONAL)
    assert shielded["allowed"] is False and shielded["reasons"][0]["rule"] == "Shield/Hard"


def test_an_unknown_professional_is_a_problem(pts):
    response = pts.post(ACCESS_CHECK, {"offId": random_off_id(), "hprNumber": "7654321", "confidentialObjectId": new_object()})
    assert_problem(response, 400, "HPR number 7654321 is not in the HPR registry", "HprNumber")


def test_a_system_token_must_name_the_professional(client, tokens):
    from joserfc.jwk import ECKey

    from tests.api.pts_support import PTS_SCOPE, PtsClient
    from tests.support import EPJ_CLIENT

    key = ECKey.generate_key("P-256", private=True)
    system = PtsClient(client, tokens.base_url, tokens.get(PTS_SCOPE, EPJ_CLIENT, dpop_key=key), key)
    response = system.post(ACCESS_CHECK, {"offId": random_off_id(), "confidentialObjectId": new_object()})
    assert_problem(response, 400, "HprNumber is required when the access token names no health professional", "HprNumber")
