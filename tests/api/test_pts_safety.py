"""PTS patient safety over HTTP (v0.5): create, versions kept, search, associate-parent, and every documented
validation rule with its exact message, as RFC 9457 problem details."""

from __future__ import annotations

import datetime as dt

import pytest

from helsebro import db
from helsebro.pts import safety_rules
from tests.api.pts_support import (  # noqa: F401  (fixtures)
    SAFETY,
    assert_problem,
    new_object,
    pts,
    random_off_id,
    safety_body,
)

FOREVER = "9999-12-31T23:59:59.9999999Z"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def create(pts, off_id: str, obj: dict, code: str = "NORU", **fields):
    fields.setdefault("cause", "Manual")
    return pts.post(SAFETY, safety_body(off_id, obj, code, **fields))


def test_create_a_requisition_with_delay_days(pts):
    off_id, obj = random_off_id(), new_object()
    response = create(pts, off_id, obj, delayDays=14)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/pts/v0.5/access-restrictions/patient-safety/{body['id']}"
    assert body["offId"] == off_id and body["confidentialObjectId"] == obj and body["parent"] is None
    assert body["createdBy"] == "helsebro-demo-epj"
    [restriction] = body["accessRestrictions"]
    assert restriction["isCurrent"] is True and restriction["version"] == 1
    assert restriction["confidentialityCode"] == "NORU"
    assert restriction["delayDays"] == 14 and restriction["delayDeliveryUntil"] is None
    assert restriction["cause"] == "Manual"


def test_a_new_restriction_for_the_same_object_is_a_new_version_and_the_old_one_is_kept(pts):
    off_id, obj = random_off_id(), new_object("Svarrapport")
    first = create(pts, off_id, obj, delayDeliveryUntil=iso(now() + dt.timedelta(days=2)))
    second = create(pts, off_id, obj, delayDeliveryUntil=iso(now() + dt.timedelta(days=9)), cause="Automated")
    assert first.status_code == 201 and second.status_code == 200, second.text
    body = second.json()
    assert body["id"] == first.json()["id"]
    versions = body["accessRestrictions"]
    assert [v["version"] for v in versions] == [2, 1]
    assert [v["isCurrent"] for v in versions] == [True, False]  # exactly one current
    assert versions[0]["cause"] == "Automated" and versions[1]["cause"] == "Manual"
    assert parse(versions[1]["delayDeliveryUntil"]) < parse(versions[0]["delayDeliveryUntil"])


def test_norn_is_withheld_forever(pts):
    response = create(pts, random_off_id(), new_object("Svarrapport"), "NORN_FFL")
    assert response.status_code == 201, response.text
    assert response.json()["accessRestrictions"][0]["delayDeliveryUntil"] == FOREVER


def test_the_same_object_for_another_person_is_a_conflict(pts):
    obj = new_object()
    assert create(pts, random_off_id(), obj, delayDays=3).status_code == 201
    response = create(pts, random_off_id(), obj, delayDays=3)
    assert_problem(response, 409)
    assert "registered for another person" in response.json()["detail"]


def test_object_ids_match_in_any_guid_spelling(pts):
    off_id, obj = random_off_id(), new_object()
    create(pts, off_id, obj, delayDays=3)
    shouted = {"type": "rekvisisjon", "value": obj["value"].upper()}
    response = create(pts, off_id, shouted, delayDays=5)
    assert response.status_code == 200, response.text
    assert response.json()["confidentialObjectId"] == obj


# -- search ---------------------------------------------------------------------------------------------------


def test_search_lists_a_persons_restrictions_and_filters_by_object(pts):
    off_id, first, second = random_off_id(), new_object(), new_object()
    create(pts, off_id, first, delayDays=3)
    create(pts, off_id, second, delayDays=4)
    create(pts, random_off_id(), new_object(), delayDays=5)  # someone else
    everything = pts.post(SAFETY + "/_search", {"offId": off_id})
    assert everything.status_code == 200, everything.text
    assert [a["confidentialObjectId"] for a in everything.json()] == [first, second]
    one = pts.post(SAFETY + "/_search", {"offId": off_id, "confidentialObjectId": second})
    assert [a["confidentialObjectId"] for a in one.json()] == [second]


def test_search_by_parent_finds_its_children(pts):
    off_id, parent, child = random_off_id(), new_object(), new_object("Svarrapport")
    create(pts, off_id, parent, delayDays=7)
    pts.post(SAFETY + "/associate-parent", associate_body(off_id, child, parent, iso(now())))
    found = pts.post(SAFETY + "/_search", {"offId": off_id, "parentConfidentialObjectId": parent}).json()
    assert [a["confidentialObjectId"] for a in found] == [child]


@pytest.mark.parametrize("name", ["ApplicableOnly", "applicableOnly", "applicableonly", "APPLICABLEONLY"])
def test_applicable_only_in_any_casing_leaves_out_past_delays(pts, engine, name):
    off_id, past, future = random_off_id(), new_object("Svarrapport"), new_object("Svarrapport")
    create(pts, off_id, past, delayDeliveryUntil=iso(now() + dt.timedelta(minutes=1)))
    create(pts, off_id, future, delayDeliveryUntil=iso(now() + dt.timedelta(days=1)))
    _age_restriction(engine, past["value"])
    everything = pts.post(SAFETY + "/_search", {"offId": off_id}).json()
    applicable = pts.post(SAFETY + "/_search", {"offId": off_id, name: True}).json()
    assert len(everything) == 2
    assert [a["confidentialObjectId"] for a in applicable] == [future]


def _age_restriction(engine, object_value: str) -> None:
    """Move a delay into the past (a test cannot wait for it)."""
    import sqlalchemy as sa

    from helsebro.pts.tables import pts_safety_attribute, pts_safety_restriction

    with db.write(engine) as conn:  # BEGIN IMMEDIATE on SQLite: a read that later writes cannot be refused as locked
        attribute_id = conn.execute(
            sa.select(pts_safety_attribute.c.id).where(pts_safety_attribute.c.object_value == object_value)
        ).scalar_one()
        conn.execute(
            sa.update(pts_safety_restriction)
            .where(pts_safety_restriction.c.attribute_id == attribute_id)
            .values(delay_delivery_until=now() - dt.timedelta(hours=1))
        )


# -- associate-parent -----------------------------------------------------------------------------------------


def associate_body(off_id: str, child: dict, parent: dict, delay_from: str | None = None, **fields) -> dict:
    body = {
        "patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": child},
        "parentConfidentialObjectId": parent,
        "delayFromTime": delay_from,
    }
    return {**body, **fields}


def test_associate_parent_derives_the_childs_delay_from_the_parents_days(pts):
    off_id, parent, child = random_off_id(), new_object(), new_object("Svarrapport")
    parent_id = create(pts, off_id, parent, delayDays=14).json()["id"]
    response = pts.post(SAFETY + "/associate-parent", associate_body(off_id, child, parent, "2026-11-23T08:00:00Z"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["parent"] == {"id": parent_id, "confidentialObjectId": parent}
    [restriction] = body["accessRestrictions"]
    assert restriction["confidentialityCode"] == "NORU"
    assert restriction["delayDeliveryUntil"] == "2026-12-07T08:00:00Z"  # 14 days after delayFromTime
    assert restriction["delayFromTime"] == "2026-11-23T08:00:00Z"
    assert restriction["cause"] == "Derived" and restriction["delayDays"] is None


def test_associate_parent_sets_derived_whatever_cause_is_sent(pts):
    off_id, parent, child = random_off_id(), new_object(), new_object("Svarrapport")
    create(pts, off_id, parent, delayDays=2)
    response = pts.post(SAFETY + "/associate-parent", associate_body(off_id, child, parent, iso(now()), cause="Manual"))
    assert response.json()["accessRestrictions"][0]["cause"] == "Derived"


def test_associate_parent_computes_nothing_when_the_parents_code_is_n(pts):
    off_id, parent, child = random_off_id(), new_object(), new_object("Svarrapport")
    create(pts, off_id, parent, "N")
    response = pts.post(SAFETY + "/associate-parent", associate_body(off_id, child, parent, iso(now())))
    [restriction] = response.json()["accessRestrictions"]
    assert restriction["confidentialityCode"] == "N" and restriction["delayDeliveryUntil"] is None


def test_associate_parent_with_a_norn_parent_is_withheld_forever(pts):
    off_id, parent, child = random_off_id(), new_object(), new_object("Svarrapport")
    create(pts, off_id, parent, "NORN_KUT")
    response = pts.post(SAFETY + "/associate-parent", associate_body(off_id, child, parent))
    [restriction] = response.json()["accessRestrictions"]
    assert restriction["confidentialityCode"] == "NORN_KUT" and restriction["delayDeliveryUntil"] == FOREVER


def test_associate_parent_needs_delay_from_time_when_the_parent_has_days(pts):
    off_id, parent, child = random_off_id(), new_object(), new_object("Svarrapport")
    create(pts, off_id, parent, delayDays=2)
    response = pts.post(SAFETY + "/associate-parent", associate_body(off_id, child, parent))
    assert_problem(response, 400, safety_rules.FROM_TIME_NEEDED, "DelayFromTime")


def test_associate_parent_with_an_unknown_parent_is_404(pts):
    off_id = random_off_id()
    response = pts.post(SAFETY + "/associate-parent", associate_body(off_id, new_object("Svarrapport"), new_object(), iso(now())))
    assert_problem(response, 404)


def test_a_child_has_one_parent(pts):
    off_id, first, second, child = random_off_id(), new_object(), new_object(), new_object("Svarrapport")
    create(pts, off_id, first, delayDays=2)
    create(pts, off_id, second, delayDays=2)
    assert pts.post(SAFETY + "/associate-parent", associate_body(off_id, child, first, iso(now()))).status_code == 200
    response = pts.post(SAFETY + "/associate-parent", associate_body(off_id, child, second, iso(now())))
    assert_problem(response, 409)
    assert "already associated with another parent" in response.json()["detail"]


# -- validation: the documentation's messages, word for word ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fields", "field", "message"),
    [
        ("N", {"delayDeliveryUntil": "2099-01-01T00:00:00Z"}, "DelayDeliveryUntil", safety_rules.N_WITH_UNTIL),
        ("NORN_FFL", {"delayDeliveryUntil": "2099-01-01T00:00:00Z"}, "DelayDeliveryUntil", safety_rules.NORN_WITH_DELAY),
        ("NORN_ANG", {"delayDays": 3}, "DelayDeliveryUntil", safety_rules.NORN_WITH_DELAY),
        ("NORU", {}, "DelayDeliveryUntil", "DelayDeliveryUntil or DelayDays must have values for confidentialityCode NORU"),
        ("NORU", {"delayDeliveryUntil": "2020-01-01T00:00:00Z"}, "DelayDeliveryUntil", safety_rules.UNTIL_IN_PAST),
        ("NORU", {"delayDeliveryUntil": "2099-01-01T00:00:00Z", "delayDays": 3}, "DelayDays", safety_rules.ONLY_ONE_DELAY),
        ("NORU", {"delayDays": 0}, "DelayDays", safety_rules.DAYS_OUT_OF_RANGE),
    ],
)
def test_each_rule_answers_its_documented_message(pts, code, fields, field, message):
    response = create(pts, random_off_id(), new_object(), code, **fields)
    assert_problem(response, 400, message, field)


def test_the_norn_message_is_verbatim(pts):
    response = create(pts, random_off_id(), new_object(), "NORN_DUP", delayDeliveryUntil="2099-01-01T00:00:00Z")
    assert response.json()["detail"] == (
        "DelayDeliveryUntil and DelayDays must be null for confidentialityCode NORN. DelayDeliveryUntil will be set by the service"
    )


def test_delay_days_only_on_a_requisition(pts):
    response = create(pts, random_off_id(), new_object("Svarrapport"), delayDays=3)
    assert_problem(response, 400, safety_rules.DAYS_ONLY_ON_REKVISISJON, "DelayDays")


@pytest.mark.parametrize(("cause", "message"), [(None, "The Cause field is required."), ("Derived", "Cause must be Manual or Automated")])
def test_v05_create_needs_cause_manual_or_automated(pts, cause, message):
    body = safety_body(random_off_id(), new_object(), "NORU", delayDays=3)
    if cause:
        body["cause"] = cause
    assert_problem(pts.post(SAFETY, body), 400, message, "Cause")


def test_off_id_must_be_eleven_digits(pts):
    response = create(pts, "1234567890", new_object(), delayDays=3)
    body = assert_problem(response, 400)
    assert body["errors"]["PatientSafetyObject.Person.OffId"] == [
        "PatientSafetyObject.Person.OffId must be 11 digits (a fødselsnummer or D-number)"
    ]


def test_several_broken_rules_are_reported_together(pts):
    response = pts.post(SAFETY, {"confidentialityCode": "XYZ"})
    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"PatientSafetyObject", "ConfidentialityCode", "Cause"}
    assert "The PatientSafetyObject field is required." in body["detail"]


def test_property_names_and_enum_values_bind_in_any_casing(pts):
    off_id, obj = random_off_id(), new_object()
    body = {
        "PatientSafetyObject": {"Person": {"OFFID": off_id}, "ConfidentialObjectId": {"Type": "REKVISISJON", "Value": obj["value"]}},
        "ConfidentialityCode": "noru",
        "DelayDays": 14,
        "Cause": "manual",
    }
    response = pts.post(SAFETY, body)
    assert response.status_code == 201, response.text
    assert response.json()["accessRestrictions"][0]["confidentialityCode"] == "NORU"
    assert response.json()["confidentialObjectId"]["type"] == "Rekvisisjon"


@pytest.mark.parametrize(("content", "detail"), [(b"", "A non-empty request body is required."), (b"{not json", None)])
def test_a_body_that_is_not_json_is_a_problem(pts, content, detail):
    assert_problem(pts.post(SAFETY, content=content), 400, detail)
