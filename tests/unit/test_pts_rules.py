"""PTS rules without a database or HTTP: reading bodies, the documented validation messages, deriving a child's
restriction, versions, privacy scopes and the access decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from helsebro.casing import lower_keys
from helsebro.errors import ProblemError
from helsebro.pts import access_rules, errors, privacy_rules, safety_rules, values, versions
from helsebro.pts.access_rules import AccessQuestion, PrivacyFact, SafetyFact
from helsebro.pts.privacy_rules import ObjectScope, PrivacyTerms, SubjectScope
from helsebro.pts.safety_rules import Restriction
from helsebro.pts.values import ObjectId

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
V05, V04 = versions.V05, versions.V04
OFF_ID = "12048645510"
GUID = "5ede44e1-6f1a-4c2b-9d3e-0a1b2c3d4e5f"


def safety(code: str = "NORU", kind: str = "Rekvisisjon", **fields: Any) -> dict[str, Any]:
    body = {
        "patientSafetyObject": {"person": {"offId": OFF_ID}, "confidentialObjectId": {"type": kind, "value": GUID}},
        "confidentialityCode": code,
        "cause": "Manual",
    }
    body.update(fields)
    return lower_keys({k: v for k, v in body.items() if v is not None})


def problem_of(call) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        call()
    assert caught.value.status == 400
    return caught.value


def assert_message(call, field: str, message: str) -> None:
    problem = problem_of(call)
    assert message in problem.errors[field], problem.errors
    if sum(len(m) for m in problem.errors.values()) == 1:
        assert problem.detail == message


def later(**delta: float) -> str:
    return (NOW + dt.timedelta(**delta)).isoformat()


# -- patient safety: create -----------------------------------------------------------------------------------


def test_n_with_delay_delivery_until():
    assert_message(
        lambda: safety_rules.parse_create(safety("N", delayDeliveryUntil=later(days=1)), V05, NOW),
        "DelayDeliveryUntil",
        "DelayDeliveryUntil cannot be specified with ConfidentialityCode N",
    )


@pytest.mark.parametrize("code", safety_rules.NORN_CODES)
@pytest.mark.parametrize("field", [{"delayDeliveryUntil": "2099-01-01T00:00:00Z"}, {"delayDays": 3}])
def test_norn_codes_refuse_a_delay(code, field):
    assert_message(
        lambda: safety_rules.parse_create(safety(code, **field), V05, NOW),
        "DelayDeliveryUntil",
        "DelayDeliveryUntil and DelayDays must be null for confidentialityCode NORN. DelayDeliveryUntil will be set by the service",
    )


@pytest.mark.parametrize("code", safety_rules.NORN_CODES)
def test_norn_codes_are_withheld_forever(code):
    restriction = safety_rules.parse_create(safety(code), V05, NOW).restriction
    assert restriction.withheld_forever and restriction.delay_delivery_until is None
    assert values.until_text(restriction.delay_delivery_until, restriction.withheld_forever) == "9999-12-31T23:59:59.9999999Z"


def test_another_code_needs_a_delay():
    assert_message(
        lambda: safety_rules.parse_create(safety(), V05, NOW),
        "DelayDeliveryUntil",
        "DelayDeliveryUntil or DelayDays must have values for confidentialityCode NORU",
    )


@pytest.mark.parametrize("until", [later(seconds=-1), NOW.isoformat()])
def test_delay_delivery_until_must_lie_ahead(until):
    assert_message(
        lambda: safety_rules.parse_create(safety(delayDeliveryUntil=until), V05, NOW),
        "DelayDeliveryUntil",
        "DelayDeliveryUntil must be set to a value in the future",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"delayDeliveryUntil": "2099-01-01T00:00:00Z", "delayDays": 3},
        {"delayDeliveryUntil": "2099-01-01T00:00:00Z", "delayFromTime": "2026-01-01T00:00:00Z"},
        {"delayDays": 3, "delayFromTime": "2026-01-01T00:00:00Z"},
    ],
)
def test_only_one_of_the_three_delay_fields(fields):
    problem = problem_of(lambda: safety_rules.parse_create(safety(**fields), V05, NOW))
    assert any(safety_rules.ONLY_ONE_DELAY in m for m in problem.errors.values())


def test_delay_days_only_on_a_requisition_and_within_range():
    assert_message(
        lambda: safety_rules.parse_create(safety(kind="Svarrapport", delayDays=3), V05, NOW),
        "DelayDays",
        safety_rules.DAYS_ONLY_ON_REKVISISJON,
    )
    for days in (0, -1, 36501):
        assert_message(lambda d=days: safety_rules.parse_create(safety(delayDays=d), V05, NOW), "DelayDays", safety_rules.DAYS_OUT_OF_RANGE)
    assert_message(lambda: safety_rules.parse_create(safety(delayDays=1.5), V05, NOW), "DelayDays", "DelayDays must be a whole number")


def test_a_requisition_with_days():
    command = safety_rules.parse_create(safety(delayDays=14), V05, NOW)
    assert command.subject.off_id == OFF_ID and command.subject.object_id == ObjectId("Rekvisisjon", GUID)
    assert command.restriction == Restriction("NORU", delay_days=14, cause="Manual")


def test_dotnet_max_value_means_forever():
    restriction = safety_rules.parse_create(safety(delayDeliveryUntil="9999-12-31T23:59:59.9999999Z"), V05, NOW).restriction
    assert restriction.withheld_forever and restriction.delay_delivery_until is None


@pytest.mark.parametrize(("cause", "message"), [(None, "The Cause field is required."), ("Derived", "Cause must be Manual or Automated")])
def test_v05_cause(cause, message):
    body = safety(delayDays=3)
    body.pop("cause")
    if cause:
        body["cause"] = cause
    assert_message(lambda: safety_rules.parse_create(body, V05, NOW), "Cause", message)


def test_v04_knows_no_cause():
    body = safety(delayDays=3, cause="anything")
    assert safety_rules.parse_create(body, V04, NOW).restriction.cause is None


def test_enum_values_bind_in_any_casing():
    command = safety_rules.parse_create(safety("noru", kind="REKVISISJON", delayDays=2, cause="AUTOMATED"), V05, NOW)
    assert (command.restriction.code, command.restriction.cause, command.subject.object_id.type) == ("NORU", "Automated", "Rekvisisjon")


def test_an_unknown_code_lists_the_codes():
    problem = problem_of(lambda: safety_rules.parse_create(safety("X"), V05, NOW))
    assert problem.errors["ConfidentialityCode"] == ["ConfidentialityCode must be " + ", ".join(safety_rules.CODES[:-1]) + " or NORN_ANG"]


def test_missing_parts_use_aspnet_required_messages():
    problem = problem_of(lambda: safety_rules.parse_create({}, V05, NOW))
    assert problem.errors == {
        "PatientSafetyObject": ["The PatientSafetyObject field is required."],
        "ConfidentialityCode": ["The ConfidentialityCode field is required."],
        "Cause": ["The Cause field is required."],
    }
    assert problem.title == errors.VALIDATION_TITLE
    assert (
        problem.detail
        == "The PatientSafetyObject field is required. The ConfidentialityCode field is required. The Cause field is required."
    )


@pytest.mark.parametrize("off_id", ["1204864551", "120486455100", "1204864551x", 12048645510])
def test_off_id_has_eleven_digits(off_id):
    body = safety(delayDays=3)
    body["patientsafetyobject"]["person"]["offid"] = off_id
    assert_message(
        lambda: safety_rules.parse_create(body, V05, NOW),
        "PatientSafetyObject.Person.OffId",
        "PatientSafetyObject.Person.OffId must be 11 digits (a fødselsnummer or D-number)",
    )


def test_guid_values_are_kept_in_one_spelling():
    body = safety(delayDays=3)
    body["patientsafetyobject"]["confidentialobjectid"]["value"] = "{" + GUID.upper() + "}"
    assert safety_rules.parse_create(body, V05, NOW).subject.object_id.value == GUID


# -- patient safety: search and associate-parent ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ApplicableOnly", "applicableOnly", "APPLICABLEONLY", "applicableonly"])
def test_applicable_only_in_any_casing(name):
    assert safety_rules.parse_search(lower_keys({"offId": OFF_ID, name: True})).applicable_only is True


def test_applicable_only_must_be_a_boolean():
    assert_message(
        lambda: safety_rules.parse_search(lower_keys({"offId": OFF_ID, "ApplicableOnly": "yes"})),
        "ApplicableOnly",
        "ApplicableOnly must be true or false",
    )


def test_applicable_means_the_delay_is_not_in_the_past():
    assert Restriction("NORU", delay_delivery_until=NOW + dt.timedelta(hours=1)).applicable(NOW)
    assert not Restriction("NORU", delay_delivery_until=NOW - dt.timedelta(hours=1)).applicable(NOW)
    assert Restriction("NORN_FFL", withheld_forever=True).applicable(NOW)
    assert Restriction("NORU", delay_days=14).applicable(NOW)  # no delayDeliveryUntil: not in the past
    assert Restriction("N").applicable(NOW)


def associate(**fields: Any) -> dict[str, Any]:
    body = {
        "patientSafetyObject": {
            "person": {"offId": OFF_ID},
            "confidentialObjectId": {"type": "Svarrapport", "value": "d20b8fa0-7a2b-4c3d-8e4f-5a6b7c8d9e0f"},
        },
        "parentConfidentialObjectId": {"type": "Rekvisisjon", "value": GUID},
        "delayFromTime": "2026-11-23T08:00:00Z",
    }
    body.update(fields)
    return lower_keys(body)


def test_associate_parent_reads_its_body():
    command = safety_rules.parse_associate(associate(), V05)
    assert command.parent == ObjectId("Rekvisisjon", GUID)
    assert command.delay_from_time == dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)


def test_associate_parent_refuses_a_delay_and_itself_as_parent_and_a_bad_cause():
    assert_message(lambda: safety_rules.parse_associate(associate(delayDays=3), V05), "DelayDeliveryUntil", safety_rules.DERIVED_ONLY)
    same = associate(parentConfidentialObjectId={"type": "Svarrapport", "value": "d20b8fa0-7a2b-4c3d-8e4f-5a6b7c8d9e0f"})
    assert_message(lambda: safety_rules.parse_associate(same, V05), "ParentConfidentialObjectId", safety_rules.PARENT_IS_CHILD)
    assert_message(
        lambda: safety_rules.parse_associate(associate(cause="Guess"), V05), "Cause", "Cause must be Manual, Automated or Derived"
    )
    assert safety_rules.parse_associate(associate(cause="Guess"), V04)  # v0.4 knows no cause


def test_derive_from_days_counts_from_delay_from_time():
    start = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)
    child = safety_rules.derive_child(Restriction("NORU", delay_days=14, cause="Manual"), start)
    assert child == Restriction("NORU", delay_delivery_until=start + dt.timedelta(days=14), delay_from_time=start, cause="Derived")


def test_derive_from_a_parent_with_a_fixed_time_keeps_that_time():
    until = NOW + dt.timedelta(days=5)
    child = safety_rules.derive_child(Restriction("NORU", delay_delivery_until=until), NOW)
    assert child.delay_delivery_until == until and child.cause == "Derived"


def test_derive_computes_nothing_from_an_n_parent():
    child = safety_rules.derive_child(Restriction("N", delay_days=14), NOW)
    assert child == Restriction("N", delay_from_time=NOW, cause="Derived")


def test_derive_from_norn_is_forever():
    child = safety_rules.derive_child(Restriction("NORN_FOR", withheld_forever=True), None)
    assert child.withheld_forever and child.code == "NORN_FOR"


def test_derive_needs_delay_from_time_with_days():
    assert_message(
        lambda: safety_rules.derive_child(Restriction("NORU", delay_days=3), None), "DelayFromTime", safety_rules.FROM_TIME_NEEDED
    )


def test_derive_past_the_end_of_time_is_forever():
    child = safety_rules.derive_child(Restriction("NORU", delay_days=36500), dt.datetime(9990, 1, 1, tzinfo=dt.UTC))
    assert child.withheld_forever


# -- versions -----------------------------------------------------------------------------------------------------


def test_versions():
    url = "http://x/pts/access-restrictions/patient-safety"
    assert versions.resolve(prefixed=True, header="0.3", url=url) == "0.5"
    assert versions.resolve(prefixed=False, header=None, url=url) == "0.4"
    assert versions.resolve(prefixed=False, header=" ", url=url) == "0.4"
    assert versions.resolve(prefixed=False, header="0.3", url=url) == "0.3"
    problem = problem_of(lambda: versions.resolve(prefixed=False, header="0.5", url=url))
    assert problem.detail == f"The HTTP resource that matches the request URI '{url}' does not support the API version '0.5'."


# -- patient privacy ------------------------------------------------------------------------------------------------


def privacy(**fields: Any) -> dict[str, Any]:
    body = {
        "offId": OFF_ID,
        "privacyType": "Shield",
        "privacyLevel": "Hard",
        "restrictionDomain": "PPS",
        "objectScope": {"type": "All"},
        "subjectScope": {"type": "Specified", "identifiers": [{"type": "HPR", "value": "565513636"}]},
    }
    body.update(fields)
    return lower_keys(body)


def test_privacy_create_with_defaults():
    terms = privacy_rules.parse_create(privacy(), NOW)
    assert terms == PrivacyTerms(OFF_ID, "Shield", "Hard", "PPS", ObjectScope("All"), SubjectScope("Specified", ("565513636",)), NOW, None)


def test_privacy_enums_bind_in_any_casing():
    terms = privacy_rules.parse_create(
        privacy(privacyType="BLOCK", privacyLevel="soft", restrictionDomain="pps", subjectScope={"type": "all"}), NOW
    )
    assert (terms.privacy_type, terms.privacy_level, terms.restriction_domain, terms.subject_scope.type) == ("Block", "Soft", "PPS", "All")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"privacyType": None}, "PrivacyType", "The PrivacyType field is required."),
        ({"privacyLevel": "Medium"}, "PrivacyLevel", "PrivacyLevel must be Soft or Hard"),
        ({"restrictionDomain": "X"}, "RestrictionDomain", "RestrictionDomain must be PPS"),
        ({"objectScope": None}, "ObjectScope", "The ObjectScope field is required."),
        (
            {"subjectScope": {"type": "Specified", "identifiers": "565513636"}},
            "SubjectScope.Identifiers",
            "SubjectScope.Identifiers must be a list",
        ),
        (
            {"subjectScope": {"type": "Specified", "identifiers": [{"type": "HPR", "value": str(n)} for n in range(101)]}},
            "SubjectScope.Identifiers",
            "SubjectScope.Identifiers can hold at most 100 identifiers",
        ),
        ({"validFrom": "yesterday"}, "ValidFrom", "ValidFrom must be a date and time in ISO 8601 (2026-11-23T08:00:00Z)"),
    ],
)
def test_privacy_messages(fields, field, message):
    assert_message(lambda: privacy_rules.parse_create(privacy(**fields), NOW), field, message)


def test_privacy_status():
    terms = privacy_rules.parse_create(privacy(validFrom=later(days=1), validTo=later(days=2)), NOW)
    assert privacy_rules.status(terms, False, NOW) == "Pending"
    assert privacy_rules.status(terms, False, NOW + dt.timedelta(days=1, hours=1)) == "Active"
    assert privacy_rules.status(terms, False, NOW + dt.timedelta(days=3)) == "Expired"
    assert privacy_rules.status(terms, True, NOW + dt.timedelta(days=1, hours=1)) == "Revoked"


def test_an_open_ended_time_range():
    scope = privacy_rules.parse_create(privacy(objectScope={"type": "TimeRange", "from": "2025-01-01T00:00:00Z"}), NOW).object_scope
    assert scope.covers(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)) is True
    assert scope.covers(dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) is False
    assert scope.covers(None) is None


# -- the access decision ---------------------------------------------------------------------------------------------


def question(hpr: str = "565513636", emergency: bool = False, document_time: dt.datetime | None = None) -> AccessQuestion:
    return AccessQuestion(OFF_ID, hpr, ObjectId("Svarrapport", GUID), document_time, emergency)


def shield(level: str = "Hard", subject: SubjectScope | None = None, objects: ObjectScope | None = None, **changes: Any) -> PrivacyFact:
    terms = PrivacyTerms(
        OFF_ID, "Shield", level, "PPS", objects or ObjectScope("All"), subject or SubjectScope("All"), NOW - dt.timedelta(days=1), None
    )
    return PrivacyFact("p1", terms, changes.get("revoked", False))


def test_no_restriction_allows():
    assert access_rules.decide(question(), None, [], NOW).as_wire() == {"allowed": True, "reasons": []}


def test_a_running_delay_refuses_and_an_ended_one_allows():
    running = SafetyFact("s1", Restriction("NORU", delay_delivery_until=NOW + dt.timedelta(hours=1)))
    ended = SafetyFact("s1", Restriction("NORU", delay_delivery_until=NOW - dt.timedelta(hours=1)))
    decision = access_rules.decide(question(), running, [], NOW)
    assert not decision.allowed and decision.reasons[0].until == "2026-11-24T13:00:00Z"
    assert access_rules.decide(question(), ended, [], NOW).allowed


def test_n_and_a_requisitions_days_do_not_refuse():
    assert access_rules.decide(question(), SafetyFact("s", Restriction("N")), [], NOW).allowed
    assert access_rules.decide(question(), SafetyFact("s", Restriction("NORU", delay_days=14)), [], NOW).allowed


def test_soft_is_overridden_in_an_emergency_hard_is_not():
    assert not access_rules.decide(question(), None, [shield("Soft")], NOW).allowed
    overridden = access_rules.decide(question(emergency=True), None, [shield("Soft")], NOW)
    assert overridden.allowed and overridden.reasons[0].overridden
    assert not access_rules.decide(question(emergency=True), None, [shield("Hard")], NOW).allowed


def test_a_restriction_speaks_only_to_its_subjects_in_its_time_and_while_in_force():
    named = shield(subject=SubjectScope("Specified", ("4128168",)))
    assert access_rules.decide(question("565513636"), None, [named], NOW).allowed
    assert not access_rules.decide(question("4128168"), None, [named], NOW).allowed
    assert access_rules.decide(question(), None, [shield(revoked=True)], NOW).allowed
    future = shield()
    future = PrivacyFact(future.restriction_id, PrivacyTerms(**{**future.terms.__dict__, "valid_from": NOW + dt.timedelta(days=1)}), False)
    assert access_rules.decide(question(), None, [future], NOW).allowed
    period = ObjectScope("TimeRange", NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=5))
    assert access_rules.decide(question(document_time=NOW), None, [shield(objects=period)], NOW).allowed
    inside = access_rules.decide(question(document_time=NOW - dt.timedelta(days=7)), None, [shield(objects=period)], NOW)
    assert not inside.allowed


def test_the_answer_reports_time_comes_from_its_derived_restriction():
    period = ObjectScope("TimeRange", NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=5))
    answered_later = SafetyFact("s", Restriction("N", delay_from_time=NOW - dt.timedelta(days=1)))
    assert access_rules.decide(question(), answered_later, [shield(objects=period)], NOW).allowed


def test_the_question_takes_the_professional_from_the_token():
    body = lower_keys({"offId": OFF_ID, "confidentialObjectId": {"type": "Svarrapport", "value": GUID}})
    assert access_rules.parse_question(body, "565513636").hpr_number == "565513636"
    assert_message(lambda: access_rules.parse_question(body, None), "HprNumber", access_rules.HPR_NEEDED)


# -- problems --------------------------------------------------------------------------------------------------------


def test_one_problem_is_its_message_and_several_are_sentences():
    single = errors.validation({"A": ["Only one"]})
    assert single.detail == "Only one" and single.errors == {"A": ["Only one"]}
    several = errors.validation({"A": ["First"], "B": ["Second."]})
    assert several.detail == "First. Second."


def test_object_identifiers_fit_their_columns():
    long_type = safety(kind="R" * 51, delayDays=3)
    assert_message(
        lambda: safety_rules.parse_create(long_type, V05, NOW),
        "PatientSafetyObject.ConfidentialObjectId.Type",
        "PatientSafetyObject.ConfidentialObjectId.Type must be at most 50 characters",
    )
    long_value = safety(delayDays=3)
    long_value["patientsafetyobject"]["confidentialobjectid"]["value"] = "v" * 201
    assert_message(
        lambda: safety_rules.parse_create(long_value, V05, NOW),
        "PatientSafetyObject.ConfidentialObjectId.Value",
        "PatientSafetyObject.ConfidentialObjectId.Value must be at most 200 characters",
    )
