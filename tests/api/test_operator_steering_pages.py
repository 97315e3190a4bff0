"""The operator's pages Feil (injected faults) and Forespørsler (the request journal): the same rules and
messages as the operator API, CSRF on every form that changes something, and each refused call linked to the
token inspector's verdict (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from helsebro.steering import faults
from helsebro.testdata import loader
from tests.api.test_operator_pages import csrf_of, post_login, visible
from tests.conftest import PUBLIC_URL
from tests.support import VERKTOY_CLIENT

FAULTS, JOURNAL = "/operator/feil", "/operator/journal"
CATALOG = "/verktoy/v1/SelvstendigVerktoy"


@pytest.fixture()
def operator(app, engine) -> Iterator[TestClient]:
    loader.reset(engine)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as browser:
        assert post_login(browser).status_code == 303
        yield browser
    loader.reset(engine)


def test_add_list_remove_and_clear_faults_on_the_page(operator, engine, client):
    page = operator.get(FAULTS)
    assert page.status_code == 200 and "Ingen feil er injisert." in visible(page.text) and 'aria-current="page">Feil' in page.text
    added = operator.post(
        FAULTS, data={"csrf": csrf_of(page), "familie": "verktoy", "svar": "feil", "rute": CATALOG, "antall": "2"}, follow_redirects=False
    )
    assert (added.status_code, added.headers["location"]) == (303, FAULTS + "?endret=1")
    (stored,) = faults.list_all(engine)
    assert (stored.family, stored.route, stored.remaining) == ("verktoy", CATALOG, 2)
    assert client.get(CATALOG).json()["Code"] == "PVS-000204"  # the API serves it
    shown = operator.get(FAULTS + "?endret=1")
    assert "Feilene er endret." in visible(shown.text) and "1 av 2" in visible(shown.text) and "Aktiv" in visible(shown.text)
    removed = operator.post(f"{FAULTS}/{stored.id}/fjern", data={"csrf": csrf_of(shown)})
    assert removed.status_code == 200 and faults.list_all(engine) == []
    operator.post(FAULTS, data={"csrf": csrf_of(removed), "familie": "pts", "svar": "brudd"})
    operator.post(FAULTS, data={"csrf": csrf_of(removed), "familie": "svarut", "svar": "forsinkelse", "forsinkelseMs": "10"})
    cleared = operator.post(FAULTS + "/fjern-alle", data={"csrf": csrf_of(removed)})
    assert "Ingen feil er injisert." in visible(cleared.text) and faults.list_all(engine) == []


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"familie": "verktoy", "svar": "feil", "rute": "/verktoy/nosuch"}, 400, "Ingen rute"),
        ({"familie": "verktoy", "svar": "forsinkelse"}, 400, "forsinkelseMs må være mellom 1 og"),
        ({"familie": "verktoy", "svar": "feil", "antall": "mange"}, 400, "antall må være et heltall"),
        ({"familie": "verktoy", "svar": "feil", "klientId": "nobody"}, 400, "finnes ikke"),
    ],
)
def test_the_page_gives_the_services_messages_and_keeps_the_form(operator, engine, form, status, says):
    refused = operator.post(FAULTS, data={"csrf": csrf_of(operator.get(FAULTS)), **form})
    assert refused.status_code == status and says in visible(refused.text)
    assert f'value="{form.get("rute", form.get("antall", form.get("klientId", "")))}"' in refused.text
    assert faults.list_all(engine) == []


def test_a_fault_form_without_the_csrf_token_is_refused(operator, engine):
    refused = operator.post(FAULTS, data={"familie": "pts", "svar": "feil"})
    assert refused.status_code == 400 and "Skjemaet er utløpt eller ugyldig" in visible(refused.text)
    assert operator.post(FAULTS + "/fjern-alle", data={}).status_code == 400
    assert faults.list_all(engine) == []


def test_the_journal_page_filters_and_links_each_refusal_to_the_inspectors_verdict(operator, client, tokens):
    client.get(CATALOG, headers=tokens.bearer("verktoykatalog_read", VERKTOY_CLIENT))
    client.get(CATALOG, headers=tokens.bearer("verktoysendtilinnbygger", VERKTOY_CLIENT))  # 403: wrong scope
    page = operator.get(JOURNAL, params={"familie": "verktoy"})
    assert page.status_code == 200 and 'aria-current="page">Forespørsler' in page.text
    text = visible(page.text)
    assert "403 SEC-110001" in text and "200" in text and "avvist av tokensjekken «scope»" in text
    link = page.text.split("avvist av tokensjekken")[0].rsplit('href="', 1)[1].split('"')[0]
    verdict = operator.get(link)
    assert verdict.status_code == 200
    shown = visible(verdict.text)
    assert (
        "Tokenkontrollens vurdering" in shown
        and "(avgjør svaret)" in shown
        and "Avvist av sjekken «Scope»" in shown
        and "Scope Feilet (avgjør svaret)" in shown
    )
    assert 'id="sjekk-scope"' in verdict.text and 'href="/operator/token"' in verdict.text
    only_refused = visible(operator.get(JOURNAL, params={"familie": "verktoy", "status": "4xx"}).text)
    assert "403" in only_refused and " 200 " not in only_refused
    bad = operator.get(JOURNAL, params={"status": "abc"})
    assert bad.status_code == 400 and "statuskode" in visible(bad.text)
    assert operator.get(JOURNAL + "/999999999").status_code == 404


def test_the_journal_page_filters_by_method_path_and_time_on_the_server_clock(operator, client, tokens):
    headers = tokens.bearer("verktoykatalog_read", VERKTOY_CLIENT)
    client.get(CATALOG, headers=headers)
    client.get(CATALOG + "/SokSelvstendigVerktoy", params={"SokeOrd": "test"}, headers=headers)
    client.post(CATALOG, headers=headers)  # 405: a POST to a GET route
    posts = visible(operator.get(JOURNAL, params={"familie": "verktoy", "metode": "POST"}).text)
    assert "POST /verktoy" in posts and "GET /verktoy" not in posts
    searched = operator.get(JOURNAL, params={"sti": CATALOG + "/Sok", "metode": "GET"})
    assert "SokSelvstendigVerktoy" in visible(searched.text) and searched.text.count('<tr role="row" id="kall-') == 1
    assert 'value="GET" selected' in searched.text  # the form keeps what was asked
    now = dt.datetime.now(dt.UTC)
    recent = operator.get(
        JOURNAL,
        params={
            "familie": "verktoy",
            "fra": (now - dt.timedelta(minutes=5)).isoformat(),
            "til": (now + dt.timedelta(minutes=5)).isoformat(),
        },
    )
    assert recent.text.count('<tr role="row" id="kall-') == 3
    later = operator.get(JOURNAL, params={"familie": "verktoy", "fra": (now + dt.timedelta(hours=1)).isoformat()})
    assert later.status_code == 200 and 'id="kall-' not in later.text and "Ingen kall." in visible(later.text)
    naive = operator.get(JOURNAL, params={"fra": "2027-01-15T09:00:00"})
    assert naive.status_code == 400 and "fra må ha tidssone" in visible(naive.text)
    garbled = operator.get(JOURNAL, params={"til": "i går"})
    assert garbled.status_code == 400 and "til 'i går': skriv et tidspunkt med tidssone" in visible(garbled.text)


def test_a_fault_window_set_on_the_page_starts_and_ends_on_the_server_clock(operator, engine, client):
    page = operator.get(FAULTS)
    start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    window = {
        "csrf": csrf_of(page),
        "familie": "verktoy",
        "svar": "feil",
        "fra": start.isoformat(),
        "til": (start + dt.timedelta(hours=1)).isoformat(),
    }
    assert operator.post(FAULTS, data=window, follow_redirects=False).status_code == 303
    (stored,) = faults.list_all(engine)
    assert abs((stored.starts_at - start).total_seconds()) < 1 and abs((stored.ends_at - start).total_seconds() - 3600) < 1
    shown = visible(operator.get(FAULTS).text)
    assert "Ikke aktiv" in shown and ", fra " in shown and ", til " in shown
    assert client.get(CATALOG).status_code == 401  # not yet: the guard answers
    refused = operator.post(FAULTS, data={**window, "til": "2027-01-15T09:00:00"})
    assert refused.status_code == 400 and "til må ha tidssone" in visible(refused.text)
    assert len(faults.list_all(engine)) == 1


def test_the_pages_need_a_login(client):
    for path in (FAULTS, JOURNAL, JOURNAL + "/1"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/operator/logg-inn")
    assert client.post(FAULTS, data={"familie": "pts", "svar": "feil"}, follow_redirects=False).status_code == 303
