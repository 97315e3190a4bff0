"""The movable server clock (/operator/api/v1/klokke): show, move forward, freeze and release, back to real
time; never backwards past stored data; and each time rule under the moved clock (a task expires three
months after its deadline, the DigitaltAktiv feed forgets after three months, a PTS delay ends, a token
expires), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from helsebro import _time, db
from helsebro.steering.tables import server_clock
from helsebro.testdata import loader
from helsebro.verktoy.tables import verktoy_oppgave
from tests.api.pts_support import ACCESS_CHECK, PROFESSIONAL, SAFETY, exchanged_client, new_object, random_off_id, safety_body
from tests.api.test_operator_auth import operator_token
from tests.api.test_verktoy_send import V2_EXAMPLE
from tests.support import VERKTOY_CLIENT

CLOCK = "/operator/api/v1/klokke"
UTC = dt.UTC


@pytest.fixture(autouse=True)
def real_time_after(engine, app) -> Iterator[None]:
    """Every test here moves the clock: the data reset puts it (and the data) back."""
    yield
    loader.reset(engine)
    app.state.services.state["verktoy"].invalidate()


def op(client) -> dict[str, str]:
    """A fresh operator token each time: one fetched before a move may have expired by the moved clock."""
    return {"Authorization": f"Bearer {operator_token(client)}"}


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def call(client, path: str, body: dict | None = None, status: int = 200) -> dict:
    response = client.post(CLOCK + path, json=body, headers=op(client)) if path else client.get(CLOCK, headers=op(client))
    assert response.status_code == status, response.text
    return response.json()


def stored_version(engine) -> int:
    with db.read(engine) as conn:
        return conn.execute(sa.select(server_clock.c.version)).scalar() or 0


# -- the clock itself ------------------------------------------------------------------------------------------


def test_the_clock_runs_on_real_time_until_moved(client):
    before = dt.datetime.now(UTC)
    shown = call(client, "")
    after = dt.datetime.now(UTC)
    assert before <= parse(shown["tid"]) <= after
    assert shown["fryst"] is False and shown["forskyvningSekunder"] == 0


def test_freeze_advance_and_release(client):
    frozen = call(client, "/frys")
    assert frozen["fryst"] is True
    at = parse(frozen["tid"])
    assert parse(call(client, "")["tid"]) == at  # it stands still
    assert _time.utcnow() == at  # and so does every rule in this process
    moved = call(client, "/fram", {"varighet": "P15D"})
    assert parse(moved["tid"]) == at + dt.timedelta(days=15) and moved["fryst"] is True
    released = call(client, "/slipp")
    assert released["fryst"] is False
    assert parse(released["tid"]) >= at + dt.timedelta(days=15)
    assert released["forskyvningSekunder"] == pytest.approx(15 * 86400, abs=60)


def test_move_to_an_instant_keeps_it_running(client):
    target = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(days=40)
    moved = call(client, "/til", {"tid": target.isoformat()})
    assert moved["fryst"] is False
    assert target <= parse(moved["tid"]) < target + dt.timedelta(minutes=1)


def test_the_clock_never_goes_back_past_stored_data(client, engine):
    call(client, "/fram", {"varighet": "PT2H"})
    version = stored_version(engine)
    back = client.post(CLOCK + "/til", json={"tid": dt.datetime.now(UTC).isoformat()}, headers=op(client))
    assert back.status_code == 409 and back.json()["Code"] == "OP-000420"
    assert "kan ikke gå bakover" in back.json()["Message"] and "tilbakestill" in back.json()["Message"]
    real = client.post(CLOCK + "/sanntid", headers=op(client))
    assert real.status_code == 409 and real.json()["Code"] == "OP-000420"
    assert stored_version(engine) == version  # a refusal writes nothing
    assert call(client, "")["forskyvningSekunder"] == pytest.approx(7200, abs=60)


def test_resetting_the_data_returns_to_real_time(client):
    call(client, "/fram", {"varighet": "P3D"})
    reset = client.post("/operator/api/v1/tilbakestill", headers=op(client))
    assert reset.status_code == 200, reset.text
    assert reset.json()["clients"] > 0 and call(client, "")["forskyvningSekunder"] == 0
    assert abs(_time.utcnow() - dt.datetime.now(UTC)) < dt.timedelta(seconds=5)


def test_back_to_real_time_once_real_time_has_caught_up(client):
    frozen = call(client, "/frys")
    # Real time passes the frozen instant at once (the next microsecond): going back to it is not backwards.
    real = call(client, "/sanntid")
    assert real["fryst"] is False and real["forskyvningSekunder"] == 0
    assert parse(real["tid"]) >= parse(frozen["tid"])


@pytest.mark.parametrize(
    ("path", "body", "mentions"),
    [
        ("/fram", {"varighet": "P3M"}, "måneder og år"),
        ("/fram", {"varighet": "-P1D"}, "positiv"),
        ("/fram", {"varighet": "neste uke"}, "ikke en varighet"),
        ("/fram", {"varighet": "P9000D"}, "Høyst"),
        ("/fram", {"varighet": "P1D", "dager": 2}, "dager"),
        ("/fram", {}, "varighet"),
        ("/til", {"tid": "2030-01-01T00:00:00"}, "tidssone"),
        ("/til", {"tid": "i morgen"}, "tid"),
    ],
)
def test_bad_moves_are_OP_000400_and_change_nothing(client, engine, path, body, mentions):
    version = stored_version(engine)
    response = client.post(CLOCK + path, json=body, headers=op(client))
    assert response.status_code == 400, response.text
    assert response.json()["Code"] == "OP-000400" and mentions in response.json()["Message"]
    assert stored_version(engine) == version


def test_the_clock_needs_an_operator_token(client, tokens):
    assert client.get(CLOCK).status_code == 401
    assert client.post(CLOCK + "/fram", json={"varighet": "P1D"}, headers=tokens.bearer()).status_code == 403
    assert call(client, "")["forskyvningSekunder"] == 0


# -- the rules under the moved clock ------------------------------------------------------------------------------


def task_status(engine, task_id) -> str:
    with db.read(engine) as conn:
        return conn.execute(sa.select(verktoy_oppgave.c.status).where(verktoy_oppgave.c.id == task_id)).scalar_one()


def test_a_task_expires_exactly_three_months_after_its_deadline_and_once(client, tokens, engine):
    deadline = dt.date.today() + dt.timedelta(days=14)
    body = {**V2_EXAMPLE, "FristDato": deadline.isoformat() + "T00:00:00"}
    sent = client.post("/verktoy/system/verktoy/v2", json=body, headers=tokens.bearer("verktoysendtilinnbygger", VERKTOY_CLIENT))
    assert sent.status_code == 200, sent.text
    with db.read(engine) as conn:
        task_id = conn.execute(
            sa.select(verktoy_oppgave.c.id).where(
                verktoy_oppgave.c.verktoy_id == V2_EXAMPLE["VerktoyId"], verktoy_oppgave.c.innbygger_fnr == V2_EXAMPLE["InnbyggerFnr"]
            )
        ).scalar_one()
    last_open_day = dt.datetime.combine(deadline + dt.timedelta(days=92), dt.time(23, 59), UTC)
    moved = call(client, "/til", {"tid": last_open_day.isoformat()})
    assert moved["utfort"]["expired_tasks"] == 0 and task_status(engine, task_id) == "aapen"
    moved = call(client, "/fram", {"varighet": "PT2M"})  # past midnight: three months after the deadline
    assert moved["utfort"]["expired_tasks"] == 1 and task_status(engine, task_id) == "utlopt"
    assert call(client, "/fram", {"varighet": "P1D"})["utfort"]["expired_tasks"] == 0  # exactly once


def test_the_feed_forgets_a_change_after_three_months(client, tokens):
    created = client.post(
        "/operator/api/v1/innbyggere",
        json={"fornavn": "Klokke", "etternavn": "Testesen", "fodselsdato": "1990-05-05", "helsenorgeSamtykke": True},
        headers=op(client),
    )
    assert created.status_code == 201, created.text
    fnr = created.json()["fnr"]

    def feed() -> list[str]:
        response = client.get(
            "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer", headers=tokens.bearer("digitaltaktiv", "helsebro-demo-epj")
        )
        assert response.status_code == 200, response.text
        return response.json()["fnr"]

    assert fnr in feed()
    assert call(client, "/fram", {"varighet": "P91D"})["utfort"]["purged_changes"] == 0
    assert fnr in feed()
    moved = call(client, "/fram", {"varighet": "P2D"})
    assert moved["utfort"]["purged_changes"] >= 1
    assert fnr not in feed()


def test_a_pts_delay_ends_when_the_clock_passes_it(app, client, tokens):
    pts = exchanged_client(app, client, tokens)
    off_id, obj = random_off_id(), new_object("Svarrapport")
    until = (_time.utcnow() + dt.timedelta(days=3)).replace(microsecond=0)
    created = pts.post(SAFETY, safety_body(off_id, obj, delayDeliveryUntil=_time.isoformat_z(until), cause="Manual"))
    assert created.status_code in (200, 201), created.text

    def allowed() -> bool:
        response = pts.post(ACCESS_CHECK, {"offId": off_id, "confidentialObjectId": obj, "hprNumber": PROFESSIONAL})
        assert response.status_code == 200, response.text
        return response.json()["allowed"]

    assert allowed() is False
    call(client, "/til", {"tid": (until - dt.timedelta(minutes=1)).isoformat()})
    pts = exchanged_client(app, client, tokens)  # the old token expired on the way (tokens live an hour)
    assert allowed() is False
    call(client, "/fram", {"varighet": "PT2M"})
    assert allowed() is True


def test_a_token_expires_when_the_clock_passes_its_exp_and_a_new_one_works(client, tokens):
    headers = tokens.bearer()
    assert client.get("/verktoy/v1/SelvstendigVerktoy", headers=headers).status_code == 200
    call(client, "/fram", {"varighet": "PT59M"})
    assert client.get("/verktoy/v1/SelvstendigVerktoy", headers=headers).status_code == 200
    call(client, "/fram", {"varighet": "PT2M"})
    expired = client.get("/verktoy/v1/SelvstendigVerktoy", headers=headers)
    assert expired.status_code == 401 and "expired" in expired.headers["www-authenticate"]
    # The client's code signs its next assertion with the real time, as it would: it still gets a token.
    fresh = tokens.get("verktoykatalog_read")
    assert client.get("/verktoy/v1/SelvstendigVerktoy", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_the_clock_is_in_the_openapi_with_the_operator_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    steering = {p: v for p, v in paths.items() if p.startswith(CLOCK)}
    assert set(steering) == {CLOCK, *(CLOCK + s for s in ("/fram", "/til", "/frys", "/slipp", "/sanntid"))}
    for operations in steering.values():
        for operation in operations.values():
            assert operation["summary"] and "422" not in operation["responses"]
            assert operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/OperatorFeil")
    assert paths[CLOCK + "/fram"]["post"]["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/OperatorFeil")
