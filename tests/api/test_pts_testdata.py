"""The default PTS data set, restoring it, and the schedule that restores it (HELSEBRO_PTS_RESET_SECONDS)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from helsebro import db
from helsebro.pts import schedule, testdata
from helsebro.pts.tables import pts_audit
from helsebro.registries.service import get_citizen
from tests.api.pts_support import PRIVACY, SAFETY, new_object, pts, safety_body  # noqa: F401  (fixtures)

SEED = testdata.SEED_CITIZEN


def search(pts, off_id: str, **filters):
    response = pts.post(SAFETY + "/_search", {"offId": off_id, **filters})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_default_set_for_the_seed_citizen(pts, engine):
    testdata.reset_pts(engine)
    found = {a["confidentialObjectId"]["value"]: a for a in search(pts, SEED)}
    assert set(found) == {
        o.value
        for o in (
            testdata.DELAYED_REKVISISJON,
            testdata.DELAYED_SVARRAPPORT,
            testdata.WITHHELD_SVARRAPPORT,
            testdata.NORMAL_REKVISISJON,
            testdata.EXTENDED_SVARRAPPORT,
        )
    }
    child = found[testdata.DELAYED_SVARRAPPORT.value]
    assert child["parent"]["confidentialObjectId"] == testdata.DELAYED_REKVISISJON.as_wire()
    [derived] = child["accessRestrictions"]
    until = dt.datetime.fromisoformat(derived["delayDeliveryUntil"])
    remaining = until - dt.datetime.now(dt.UTC)
    assert derived["cause"] == "Derived" and dt.timedelta(days=11) < remaining < dt.timedelta(days=12, hours=1)
    withheld = found[testdata.WITHHELD_SVARRAPPORT.value]["accessRestrictions"][0]
    assert withheld["delayDeliveryUntil"] == "9999-12-31T23:59:59.9999999Z"
    assert [v["isCurrent"] for v in found[testdata.EXTENDED_SVARRAPPORT.value]["accessRestrictions"]] == [True, False]
    [shield] = pts.post(PRIVACY + "/_search", {"offId": SEED}).json()
    assert (shield["privacyType"], shield["privacyLevel"], shield["subjectScope"]["identifiers"]) == (
        "Shield",
        "Hard",
        [{"type": "HPR", "value": "4128168"}],
    )


def test_the_other_default_citizens_are_in_the_population_and_have_data(pts, engine):
    testdata.reset_pts(engine)
    with engine.connect() as conn:
        assert get_citizen(conn, testdata.OTHER_CITIZEN) is not None
        assert get_citizen(conn, testdata.THIRD_CITIZEN) is not None
    assert len(search(pts, testdata.OTHER_CITIZEN)) == 1
    assert search(pts, testdata.THIRD_CITIZEN)[0]["accessRestrictions"][0]["confidentialityCode"] == "NORN_KUT"
    everything = pts.post(PRIVACY + "/_search", {"offId": testdata.OTHER_CITIZEN, "includeRevoked": True}).json()
    assert sorted(r["status"] for r in everything) == ["Active", "Revoked"]


def test_reset_restores_the_data_and_keeps_the_audit(pts, engine):
    testdata.reset_pts(engine)
    extra = new_object()
    assert pts.post(SAFETY, safety_body(SEED, extra, delayDays=3, cause="Manual")).status_code == 201
    audited = _audit_count(engine)
    testdata.reset_pts(engine)
    assert search(pts, SEED, confidentialObjectId=extra) == []
    assert _audit_count(engine) >= audited


def _audit_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(pts_audit)).scalar_one()


def test_the_schedule_resets_once_per_window(pts, engine):
    testdata.reset_pts(engine)
    with db.write(engine) as conn:
        conn.execute(sa.delete(schedule.pts_reset_schedule))
    period, start = 60.0, 6_000_000.0  # a window far from now, so the real clock plays no part
    assert schedule.reset_if_due(engine, period, start) is False  # the first call starts the clock
    extra = new_object()
    pts.post(SAFETY, safety_body(SEED, extra, delayDays=3, cause="Manual"))
    assert schedule.reset_if_due(engine, period, start + 30) is False  # same window
    assert len(search(pts, SEED, confidentialObjectId=extra)) == 1
    assert schedule.reset_if_due(engine, period, start + 61) is True  # next window
    assert search(pts, SEED, confidentialObjectId=extra) == []
    assert schedule.reset_if_due(engine, period, start + 62) is False  # once per window


def test_a_period_of_zero_never_resets(engine):
    assert schedule.reset_if_due(engine, 0, 6_000_000.0) is False


def test_the_period_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("HELSEBRO_PTS_RESET_SECONDS", raising=False)
    assert schedule.reset_seconds() == 0
    monkeypatch.setenv("HELSEBRO_PTS_RESET_SECONDS", "3600")
    assert schedule.reset_seconds() == 3600
