"""The Helsenorge consent has one writer: the operator's switch (the registries' test-data admin, over the
operator API) and a client's change through PVK's API store the same thing and feed DigitaltAktiv's change log
with the same people.

Two neighbourhoods of the same shape are built, one for each path, and the same sequence of changes is made
on each (give, give again, withdraw, give). After every step the stored setting, the history and the change log
must be the same up to the names of the people (and the history's client: the operator or the PVK client).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from helsebro import db
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.personvern.tables import pvk_historikk, pvk_innstilling
from helsebro.registries import admin
from tests.api.test_operator_auth import BASE, op, years_ago  # noqa: F401
from tests.api.test_pvk_set import auth, hn_consent, put  # noqa: F401


def neighbourhood(conn: sa.Connection, name: str) -> dict[str, str]:
    """A citizen with a minor child (who has another parent too), someone who gave them a power of attorney valid today,
    someone they gave one to, and someone whose power of attorney to them has ended: fnr by role."""

    def person(role: str, born: dt.date) -> str:
        return admin.create_citizen(conn, admin.NewCitizen(fornavn=name, etternavn=role, fodselsdato=born), actor="test")

    people = {
        "citizen": person("citizen", years_ago(40)),
        "child": person("child", years_ago(8)),
        "co_parent": person("co_parent", years_ago(38)),
        "principal": person("principal", years_ago(80)),
        "holder": person("holder", years_ago(45)),
        "past_principal": person("past_principal", years_ago(75)),
    }
    admin.add_parental_responsibility(conn, people["citizen"], people["child"])
    admin.add_parental_responsibility(conn, people["co_parent"], people["child"])
    today = dt.datetime.now(dt.UTC).date()
    for giver, holder, fra, til in (
        (people["principal"], people["citizen"], today - dt.timedelta(days=30), None),
        (people["citizen"], people["holder"], today - dt.timedelta(days=30), None),
        (people["past_principal"], people["citizen"], today - dt.timedelta(days=300), today - dt.timedelta(days=100)),
    ):
        admin.add_power_of_attorney(conn, admin.NewPowerOfAttorney(giver, holder, fra, til))
    return people


def state(engine: sa.Engine, people: dict[str, str]) -> tuple:
    """The consent's stored state and the change log, with people named by role and times left out (each path
    runs at its own moment), except that the setting's first time must be known and never after its last."""
    role = {fnr: r for r, fnr in people.items()}
    with db.read(engine) as conn:
        settings = conn.execute(
            sa.select(pvk_innstilling).where(
                pvk_innstilling.c.innbygger_fnr.in_(list(people.values())), pvk_innstilling.c.definisjon_guid == HELSENORGE_CONSENT
            )
        ).all()
        history = conn.execute(
            sa.select(pvk_historikk)
            .where(pvk_historikk.c.innbygger_fnr.in_(list(people.values())), pvk_historikk.c.definisjon_guid == HELSENORGE_CONSENT)
            .order_by(pvk_historikk.c.id)
        ).all()
        logged = conn.execute(sa.select(digitaltaktiv_endring.c.fnr).where(digitaltaktiv_endring.c.fnr.in_(list(people.values()))))
        log = sorted(role[f] for f in logged.scalars())
    for s in settings:
        assert s.opprettet_tidspunkt is not None and s.opprettet_tidspunkt <= s.tidspunkt
    return (
        [(role[s.innbygger_fnr], s.aktiv, s.versjon, s.metadata) for s in settings],
        [(role[h.innbygger_fnr], h.gammel_aktiv, h.ny_aktiv, h.gammel_metadata, h.ny_metadata, h.signert_bevis_innhold) for h in history],
        log,
    )


def empty_log(engine: sa.Engine) -> None:
    with db.write(engine) as conn:
        conn.execute(sa.delete(digitaltaktiv_endring))


def test_the_operator_switch_and_pvk_api_store_and_log_the_same(client, engine, op, auth, fresh_data):
    with db.write(engine) as conn:
        by_operator, by_api = neighbourhood(conn, "Operatør"), neighbourhood(conn, "Api")

    def through_operator(give: bool) -> None:
        response = client.patch(f"{BASE}/innbyggere/{by_operator['citizen']}", json={"helsenorgeSamtykke": give}, headers=op)
        assert response.status_code == 200, response.text

    def through_api(give: bool) -> None:
        response = put(client, auth, hn_consent(by_api["citizen"], give))
        assert response.status_code == 200, response.text

    steps = []
    for give in (True, True, False, True):
        empty_log(engine)
        through_operator(give)
        through_api(give)
        operator_state, api_state = state(engine, by_operator), state(engine, by_api)
        assert operator_state == api_state
        steps.append(api_state)

    # The shared answer is the right one: the citizen's own status and that of those they act for today (their
    # child and the principal whose power of attorney is valid), not the child's other parent, the holder of the power of
    # attorney they gave, nor the principal whose one has ended. A repeat changes and logs nothing.
    given, repeated, withdrawn, again = steps
    assert given[2] == withdrawn[2] == again[2] == ["child", "citizen", "principal"]
    assert repeated[2] == []
    assert again[0] == [("citizen", True, 3, None)]
    assert [h[1:3] for h in again[1]] == [(None, True), (True, False), (False, True)]
