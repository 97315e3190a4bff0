"""The operator's citizen pages under Testdata: create citizens and change their consent, death, children,
powers of attorney, KRR entry and GP, or delete them, with the operator API's rules and messages; CSRF on every
form; a fødselsnummer never in an address or a page, except a new citizen's own, once (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.api.test_operator_pages import csrf_of, logged_in_operator, visible

PAGES = "/operator/testdata/innbyggere"


@pytest.fixture()
def operator(app, engine) -> Iterator[TestClient]:
    yield from logged_in_operator(app, engine)


def create(operator, fornavn: str, fodselsdato: str, samtykke: bool = False) -> tuple[str, str]:
    """A new citizen through the page: their number (shown once) and their page's address."""
    listing = operator.get(PAGES)
    form = {
        "csrf": csrf_of(listing),
        "fornavn": fornavn,
        "etternavn": "Sidesen",
        "fodselsdato": fodselsdato,
        **({"samtykke": "ja"} if samtykke else {}),
    }
    created = operator.post(PAGES, data=form)
    assert created.status_code == 201, visible(created.text)
    fnr = re.search(r'<code id="nytt-fnr">(\d{11})</code>', created.text).group(1)
    link = re.search(r'href="(/operator/testdata/innbyggere/[^"]+)">Til innbyggeren', created.text).group(1)
    assert fnr not in link
    return fnr, link


def act(operator, link: str, action: str, **fields: str):
    page = operator.get(link)
    return operator.post(f"{link}/{action}", data={"csrf": csrf_of(page), **fields}, follow_redirects=False)


def test_a_citizen_is_created_and_changed_on_the_pages(operator) -> None:
    parent, link = create(operator, "Forelder", "1980-02-03")
    child, child_link = create(operator, "Barn", "2018-06-07")
    helper, _ = create(operator, "Hjelper", "1975-01-01")
    page = operator.get(link)
    assert page.status_code == 200 and "Ikke gitt" in visible(page.text)
    assert parent not in page.text and parent[:6] + "*****" in page.text

    assert act(operator, link, "samtykke", verdi="ja").status_code == 303
    assert "Gitt" in operator.get(link).text
    assert act(operator, link, "barn", barn_fnr=child).status_code == 303
    page = operator.get(link)
    assert "Barn Sidesen" in visible(page.text) and child not in page.text
    assert "Forelder Sidesen" in visible(operator.get(child_link).text)  # the child's page names the parent
    child_ref = re.search(r'name="barn" value="([^"]+)"', page.text).group(1)
    assert act(operator, link, "barn-fjern", barn=child_ref).status_code == 303
    assert "Har ikke foreldreansvar for noen." in visible(operator.get(link).text)

    assert act(operator, link, "fullmakt", fullmektig_fnr=helper, gyldig_fra="2026-01-01", gyldig_til="").status_code == 303
    page = operator.get(link)
    assert "Gitt til " + helper[:6] + "*****" in visible(page.text) and helper not in page.text
    power = re.search(r'name="id" value="(\d+)"', page.text).group(1)
    assert act(operator, link, "fullmakt-fjern", id=power).status_code == 303

    assert act(operator, link, "krr", reservert="ja", digital_postkasse="", varslingsstatus="KAN_VARSLES").status_code == 303
    assert "I KRR, reservert, KAN_VARSLES" in visible(operator.get(link).text)
    assert act(operator, link, "krr-fjern").status_code == 303
    assert act(operator, link, "fastlege", her_id="8200001").status_code == 303
    assert 'value="8200001"' in operator.get(link).text
    assert act(operator, link, "fastlege-fjern").status_code == 303

    assert act(operator, link, "dod", dodsdato="2026-01-02").status_code == 303
    assert "2026-01-02" in visible(operator.get(link).text)
    assert act(operator, link, "dod", levende="ja").status_code == 303
    assert act(operator, link, "navn", fornavn="Omdøpt", etternavn="Sidesen", adresse="Storgata 1").status_code == 303
    assert "Omdøpt Sidesen" in visible(operator.get(link).text)

    deleted = act(operator, link, "slett")
    assert (deleted.status_code, deleted.headers["location"]) == (303, PAGES + "?slettet=1")
    assert operator.get(link).status_code == 404


def test_the_pages_give_the_api_s_messages(operator) -> None:
    adult, link = create(operator, "Voksen", "1980-02-03")
    other, _ = create(operator, "Annen", "1981-02-03")
    refused = act(operator, link, "barn", barn_fnr=other)
    assert refused.status_code == 400 and "Barnet er ikke mindreårig: foreldreansvar gjelder bare barn under 18 år" in visible(refused.text)
    bad_date = act(operator, link, "dod", dodsdato="i går")
    assert bad_date.status_code == 400 and "dodsdato må være en dato (ÅÅÅÅ-MM-DD)" in visible(bad_date.text)
    future = act(operator, link, "dod", dodsdato="2999-01-01")
    assert future.status_code == 400
    bad_krr = act(operator, link, "krr", digital_postkasse="brevdue", varslingsstatus="KAN_VARSLES")
    assert bad_krr.status_code == 400 and "digitalPostkasse" in visible(bad_krr.text)
    listing = operator.get(PAGES)
    missing = operator.post(PAGES, data={"csrf": csrf_of(listing), "fornavn": "Uten", "etternavn": "Dato"})
    assert missing.status_code == 400 and "fodselsdato" in visible(missing.text)
    assert adult not in refused.text and other not in refused.text


def test_forms_without_csrf_or_with_a_forged_reference_change_nothing(operator) -> None:
    _, link = create(operator, "Vern", "1980-02-03")
    refused = operator.post(f"{link}/samtykke", data={"verdi": "ja"})
    assert refused.status_code == 400 and "Skjemaet er utløpt eller ugyldig" in visible(refused.text)
    assert "Ikke gitt" in operator.get(link).text
    assert operator.get(PAGES + "/ikke-en-referanse").status_code == 404
    page = operator.get(link)
    assert operator.post(PAGES + "/ikke-en-referanse/slett", data={"csrf": csrf_of(page)}).status_code == 404
