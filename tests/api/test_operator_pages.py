"""The operator's pages in-process: login with the operator client's secret, the signed session, CSRF on every
POST, and each page showing what is in the database (letters sent and delivered through SvarUt with their
status timeline, PTS calls in the audit, consent changes in the DigitaltAktiv feed), never a whole fødselsnummer.

Each test drives its own cookie-keeping client, as a browser would. The data comes from the real services:
the SvarUt API and a delivery worker, PTS over DPoP, the operator API's service functions.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from html import unescape

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer
from starlette.testclient import TestClient

from helsebro import db
from helsebro._time import utcnow
from helsebro.app import create_app
from helsebro.auth.clients import ApiClient, save_client
from helsebro.auth.passwords import hash_secret
from helsebro.auth.tables import api_clients
from helsebro.operator import schemas as wire
from helsebro.operator import service as operator_service
from helsebro.svarut import delivery
from helsebro.svarut import status as svarut_status
from helsebro.svarut.testdata import krr_roles
from helsebro.testdata import loader
from helsebro.verktoy.tables import grafisk_element, verktoy
from tests.api.pts_support import SAFETY, new_object, pts, random_off_id, safety_body  # noqa: F401  (pts is a fixture)
from tests.conftest import PUBLIC_URL, make_settings
from tests.support import EPJ_CLIENT
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_svarut import CITIZEN, nhn_letter, pdf, person_letter
from tests.support_svarut_v2 import til_person, v2  # noqa: F401  (v2 is a fixture)

OPERATOR, OPERATOR_SECRET = "helsebro-operator", "helsebro-operator"
LOGIN = "/operator/logg-inn"
PAGES = (
    "/operator/klienter",
    "/operator/katalog",
    "/operator/brev",
    "/operator/endringer",
    "/operator/pts-logg",
)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SESSION_COOKIE = "helsebro_operator"
WRONG = "Innloggingen mislyktes: klient-ID eller hemmelighet er feil."


# -- helpers ---------------------------------------------------------------------------------------------------


@pytest.fixture()
def browser(svarut) -> Iterator[TestClient]:
    """A fresh cookie jar: one operator's browser, on the app the SvarUt harness built (same database)."""
    with TestClient(svarut.app, base_url=PUBLIC_URL, raise_server_exceptions=False) as fresh:
        yield fresh


def csrf_of(page) -> str:
    return CSRF.search(page.text).group(1)


def post_login(
    browser: TestClient,
    client_id: str = OPERATOR,
    secret: str = OPERATOR_SECRET,
    **extra: str,
):
    form = browser.get(LOGIN)
    assert form.status_code == 200, form.text
    data = {
        "csrf": csrf_of(form),
        "klient_id": client_id,
        "hemmelighet": secret,
        **extra,
    }
    return browser.post(LOGIN, data=data, follow_redirects=False)


def log_in(browser: TestClient) -> None:
    response = post_login(browser)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/operator/klienter",
    ), response.text


def logged_in_operator(app, engine) -> Iterator[TestClient]:
    """A browser logged in as the operator (for a fixture); the default data back afterwards."""
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as browser:
        assert post_login(browser).status_code == 303
        yield browser
    loader.reset(engine)


def visible(html: str) -> str:
    """The text a reader sees of some HTML: tags gone, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html.replace("<wbr>", "")))).strip()


def row_of(page, row_id: str) -> str:
    match = re.search(rf'<tr [^>]*id="{re.escape(row_id)}">(.*?)</tr>', page.text, re.DOTALL)
    assert match, f"no row {row_id} on the page"
    return visible(match.group(1))


def masked(fnr: str) -> str:
    return fnr[:6] + "*****"


def send_person_letter(svarut, tittel: str, fnr: str = CITIZEN) -> str:
    metadata = person_letter("vedtak.pdf", tittel=tittel)
    metadata["mottaker"] = {**metadata["mottaker"], "digitalId": fnr}
    return svarut.send_ok("person", metadata, [("vedtak.pdf", pdf(tittel))])


# -- logging in ------------------------------------------------------------------------------------------------


def test_every_page_sends_a_visitor_without_a_session_to_the_login(browser):
    for path in (
        *PAGES,
        "/operator/brev?status=VARSLET&side=2",
        "/operator/katalog/08ead360-0000-4000-8000-000000000000",
        "/operator/katalog/bilde/1",
    ):
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith(LOGIN), path
        assert response.headers["cache-control"] == "no-store"
    assert browser.get("/operator/brev", follow_redirects=False).headers["location"] == LOGIN + "?neste=%2Foperator%2Fbrev"
    front = browser.get("/operator/", follow_redirects=False)
    assert (front.status_code, front.headers["location"]) == (303, LOGIN)


def test_the_login_page_is_an_accessible_form(browser):
    page = browser.get(LOGIN)
    assert page.status_code == 200 and "<h1>Logg inn som operatør</h1>" in page.text
    assert '<label for="klient_id">Klient-ID</label>' in page.text and 'id="klient_id" name="klient_id"' in page.text
    assert '<label for="hemmelighet">Hemmelighet</label>' in page.text and 'type="password"' in page.text
    assert 'lang="nb"' in page.text and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text


def test_the_operator_logs_in_and_gets_a_signed_http_only_strict_session(browser):
    response = post_login(browser)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/operator/klienter",
    )
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    lowered = session.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/operator" in lowered and "max-age=28800" in lowered
    page = browser.get("/operator/klienter")
    assert page.status_code == 200 and "<h1>Klienter</h1>" in page.text
    assert "Logget inn som" in page.text and f"<code>{OPERATOR}</code>" in page.text
    assert 'aria-current="page">Klienter' in page.text


def test_a_tampered_or_foreign_session_cookie_is_no_session(browser, svarut):
    log_in(browser)
    value = browser.cookies.get(SESSION_COOKIE)
    # The citizen pages' session, signed with the same server secret, is not an operator session either.
    citizen_signed = URLSafeSerializer("test-secret", salt="helsebro.innbygger.session").dumps(
        {"cid": OPERATOR, "navn": "x", "sid": "s", "k": "k", "exp": 2**31}
    )
    with TestClient(svarut.app, base_url=PUBLIC_URL) as bare:
        assert (
            bare.get(
                "/operator/klienter",
                headers={"Cookie": f"{SESSION_COOKIE}={value}"},
                follow_redirects=False,
            ).status_code
            == 200
        )
        for bad in (
            value[:-3] + ("xyz" if not value.endswith("xyz") else "abc"),
            citizen_signed,
            "",
            "x.y",
        ):
            response = bare.get(
                "/operator/klienter",
                headers={"Cookie": f"{SESSION_COOKIE}={bad}"},
                follow_redirects=False,
            )
            assert response.status_code == 303, bad


@pytest.mark.parametrize(
    "client_id, secret",
    [
        (OPERATOR, "feil-hemmelighet"),  # wrong secret
        ("finnes-ikke", OPERATOR_SECRET),  # unknown client
        (
            "helsebro-demo-secret",
            "helsebro-demo-secret",
        ),  # right secret, but no operator scope
        (OPERATOR, ""),
    ],
)
def test_wrong_credentials_get_one_message_that_names_neither_part(browser, client_id, secret):
    response = post_login(browser, client_id, secret)
    assert response.status_code == 401
    assert WRONG in response.text and 'role="alert"' in response.text
    assert not any(c.startswith(SESSION_COOKIE + "=") for c in response.headers.get_list("set-cookie"))
    assert browser.get("/operator/klienter", follow_redirects=False).status_code == 303
    assert (
        '<input id="hemmelighet" name="hemmelighet" type="password" autocomplete="current-password" required>' in response.text
    )  # never echoed


def test_the_login_goes_on_to_the_page_asked_for_but_never_off_site(browser):
    response = post_login(browser, neste="/operator/brev?status=VARSLET")
    assert response.headers["location"] == "/operator/brev?status=VARSLET"
    for target in (
        "https://evil.example/",
        "//evil.example/operator/brev",
        "/operator/brev/../../helseid",
        "/innbygger/oppgaver",
    ):
        with TestClient(browser.app, base_url=PUBLIC_URL) as other:
            assert post_login(other, neste=target).headers["location"] == "/operator/klienter", target


def test_strict_mode_leaves_the_operator_login_on_as_at_the_token_endpoint(database_url, engine):
    app = create_app(make_settings(database_url, strict=True), engine)
    with TestClient(app, base_url=PUBLIC_URL) as browser:
        response = post_login(browser)
        assert response.status_code == 303, response.text
        assert any(c.startswith(SESSION_COOKIE + "=") for c in response.headers.get_list("set-cookie"))


def test_a_login_post_without_or_with_a_wrong_csrf_token_is_refused(browser):
    browser.get(LOGIN)
    for data in ({}, {"csrf": "feil"}, {"csrf": ""}):
        response = browser.post(
            LOGIN,
            data={"klient_id": OPERATOR, "hemmelighet": OPERATOR_SECRET, **data},
            follow_redirects=False,
        )
        assert response.status_code == 400, data
        assert "Skjemaet er utløpt eller ugyldig" in response.text
        assert not any(c.startswith(SESSION_COOKIE + "=") for c in response.headers.get_list("set-cookie"))
    # A token from another browser's login form is no good either: it is tied to that browser's cookie.
    with TestClient(browser.app, base_url=PUBLIC_URL) as other:
        foreign = csrf_of(other.get(LOGIN))
    response = browser.post(
        LOGIN,
        data={"csrf": foreign, "klient_id": OPERATOR, "hemmelighet": OPERATOR_SECRET},
        follow_redirects=False,
    )
    assert response.status_code == 400


def test_logging_out_needs_the_sessions_csrf_token_and_ends_the_session(browser, svarut):
    log_in(browser)
    token = csrf_of(browser.get("/operator/klienter"))
    with TestClient(svarut.app, base_url=PUBLIC_URL) as other:
        log_in(other)
        foreign = csrf_of(other.get("/operator/klienter"))
    assert foreign != token
    for data in ({}, {"csrf": "feil"}, {"csrf": foreign}):
        refused = browser.post("/operator/logg-ut", data=data, follow_redirects=False)
        assert refused.status_code == 400, data
        assert browser.get("/operator/klienter", follow_redirects=False).status_code == 200  # still logged in
    out = browser.post("/operator/logg-ut", data={"csrf": token}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, LOGIN + "?utlogget=1")
    assert any(c.startswith(SESSION_COOKIE + "=") and "max-age=0" in c.lower() for c in out.headers.get_list("set-cookie"))
    assert "Du er logget ut." in browser.get(out.headers["location"]).text
    for path in PAGES:
        assert browser.get(path, follow_redirects=False).status_code == 303, path


def test_a_new_secret_or_a_disabled_client_ends_existing_sessions(browser, svarut, engine):
    log_in(browser)
    with db.read(engine) as conn:
        original = conn.execute(sa.select(api_clients).where(api_clients.c.client_id == OPERATOR)).one()
    try:
        with db.write(engine) as conn:
            conn.execute(sa.update(api_clients).where(api_clients.c.client_id == OPERATOR).values(secret_hash=hash_secret("ny")))
        assert browser.get("/operator/klienter", follow_redirects=False).status_code == 303
        with TestClient(svarut.app, base_url=PUBLIC_URL) as other:
            assert post_login(other, secret="ny").status_code == 303
            with db.write(engine) as conn:
                conn.execute(sa.update(api_clients).where(api_clients.c.client_id == OPERATOR).values(enabled=False))
            assert other.get("/operator/klienter", follow_redirects=False).status_code == 303
            assert post_login(other, secret="ny").status_code == 401
    finally:
        with db.write(engine) as conn:
            conn.execute(
                sa.update(api_clients).where(api_clients.c.client_id == OPERATOR).values(secret_hash=original.secret_hash, enabled=True)
            )


# -- the pages -------------------------------------------------------------------------------------------------


def test_clients_page_shows_each_client_with_scopes_key_kind_and_orgnr_but_no_secret(browser, engine):
    client_id = "operatorside-test-" + secrets.token_hex(3)
    secret_hash = hash_secret("hemmelig-" + client_id)
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "kid": "op-test-1",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    }
    with db.write(engine) as conn:
        save_client(
            conn,
            ApiClient(
                client_id,
                "Testklient for operatørsidene",
                "910000047",
                ("verktoykatalog_read", "digitaltaktiv"),
                jwks={"keys": [jwk]},
                secret_hash=secret_hash,
            ),
        )
    try:
        log_in(browser)
        page = browser.get("/operator/klienter")
        assert page.status_code == 200
        mine = row_of(page, f"klient-{client_id}")
        assert "Testklient for operatørsidene" in mine and "910000047" in mine
        assert "verktoykatalog_read" in mine and "digitaltaktiv" in mine
        assert "Nøkkel (JWK)" in mine and "Hemmelighet" in mine and "EC P-256, kid op-test-1" in mine
        epj = row_of(page, f"klient-{EPJ_CLIENT}")
        assert "Nøkkel (JWK)" in epj and "Hemmelighet" not in epj and "nhn:pts/api" in epj
        operator = row_of(page, f"klient-{OPERATOR}")
        assert "Hemmelighet" in operator and "helsebro:operator" in operator and "Nøkkel (JWK)" not in operator
        with db.read(engine) as conn:
            for row in conn.execute(sa.select(api_clients.c.client_id, api_clients.c.secret_hash)):
                assert f'id="klient-{row.client_id}"' in page.text
                if row.secret_hash:
                    assert row.secret_hash not in page.text and row.secret_hash.split("$")[1] not in page.text
        assert "scrypt" not in page.text and "hemmelig-" + client_id not in page.text and jwk["x"] not in page.text
        assert 'scope="col">Scopes</th>' in page.text and 'scope="row" data-label="Klient-ID"' in page.text
    finally:
        with db.write(engine) as conn:
            conn.execute(sa.delete(api_clients).where(api_clients.c.client_id == client_id))


def test_catalog_lists_every_tool_with_its_owner_and_opens_its_detail_and_image(browser, engine):
    log_in(browser)
    page = browser.get("/operator/katalog")
    assert page.status_code == 200 and "<h1>Verktøykatalogen</h1>" in page.text
    with db.read(engine) as conn:
        rows = conn.execute(sa.select(verktoy)).all()
        tool = next(r for r in rows if r.grafisk_element_id is not None and r.eier_client_id)
        image = conn.execute(sa.select(grafisk_element).where(grafisk_element.c.id == tool.grafisk_element_id)).one()
    assert f"{len(rows)} verktøy" in page.text
    for row in rows:
        assert f'href="/operator/katalog/{row.id}"' in page.text
    listed = row_of(page, f"verktoy-{tool.id}")
    assert tool.navn in listed and str(tool.id) in listed and tool.eier_client_id in listed and tool.organisasjonsnavn in listed

    detail = browser.get(f"/operator/katalog/{tool.id}")
    assert detail.status_code == 200
    assert f"{tool.navn}</h1>" in detail.text and tool.url in detail.text and tool.eier_client_id in detail.text
    assert tool.ingress in detail.text and f'src="/operator/katalog/bilde/{tool.grafisk_element_id}"' in detail.text
    picture = browser.get(f"/operator/katalog/bilde/{tool.grafisk_element_id}")
    assert picture.status_code == 200 and picture.content == bytes(image.data)
    assert picture.headers["content-type"] == image.content_type

    assert browser.get(f"/operator/katalog/{str(tool.id).upper()}").status_code == 200  # any spelling of the UUID
    assert browser.get("/operator/katalog/00000000-0000-4000-8000-000000000000").status_code == 404
    assert browser.get("/operator/katalog/ikke-en-id").status_code == 404
    assert browser.get("/operator/katalog/bilde/999999").status_code == 404


def test_a_sent_letter_shows_in_the_list_and_its_timeline_holds_every_transition(browser, svarut, engine):
    tittel = f"Vedtak om omsorgslønn {secrets.token_hex(3)}"
    letter_id = send_person_letter(svarut, tittel)
    log_in(browser)
    waiting = browser.get("/operator/brev?status=MOTTATT")
    assert tittel in row_of(waiting, f"brev-{letter_id}") and "MOTTATT" in row_of(waiting, f"brev-{letter_id}")

    deliver(svarut)
    with db.write(engine) as conn:  # the citizen opens it in the inbox: the real rule moves it to LEST
        assert delivery.mark_read(conn, letter_id, CITIZEN)
        history = svarut_status.history(conn, letter_id)
    assert [name for name, _ in history] == [
        "MOTTATT",
        "AKSEPTERT",
        "SENDT_DIGITALT",
        "VARSLET",
        "LEST",
    ]

    listed = browser.get("/operator/brev?status=LEST")
    row = row_of(listed, f"brev-{letter_id}")
    assert tittel in row and "Person" in row and "LEST" in row and masked(CITIZEN) in row and "Demo kommune" in row
    assert f"brev-{letter_id}" not in browser.get("/operator/brev?status=MOTTATT").text
    assert 'value="LEST" selected' in listed.text
    assert f"brev-{letter_id}" in browser.get("/operator/brev?status=finnes-ikke").text  # an unknown status: no filter

    page = browser.get(f"/operator/brev/{letter_id}")
    assert page.status_code == 200 and f"{tittel}</h1>" in page.text
    timeline = re.findall(
        r'<tr><td>(\d+)</td><th scope="row">([A-Z_]+)</th><td class="nowrap"><time datetime="([^"]+)">([^<]+)</time>',
        page.text.replace("<wbr>", ""),
    )
    assert [(int(n), name) for n, name, _, _ in timeline] == [(i + 1, name) for i, (name, _) in enumerate(history)]
    assert [iso for _, _, iso, _ in timeline] == [at.isoformat() for _, at in history]
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", shown) for _, _, _, shown in timeline)
    assert "Innboks på Helsenorge/Altinn" in page.text and "vedtak.pdf" in page.text
    assert CITIZEN not in page.text and masked(CITIZEN) in page.text
    assert browser.get("/operator/brev/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_status_transition_recorded_by_the_service_appears_in_the_timeline(browser, svarut, engine):
    letter_id = send_person_letter(svarut, "Brev som avvises")
    with db.write(engine) as conn:
        assert svarut_status.transition(conn, letter_id, "MOTTATT", "AVVIST", utcnow())
    log_in(browser)
    page = browser.get(f"/operator/brev/{letter_id}")
    statuses = re.findall(r'<th scope="row">([A-Z_]+)</th>', page.text.replace("<wbr>", ""))
    assert statuses == ["MOTTATT", "AVVIST"]
    assert "Ikke bestemt ennå" in page.text  # no channel: never accepted
    assert row_of(browser.get("/operator/brev?status=AVVIST"), f"brev-{letter_id}").count("AVVIST") == 1


def test_a_letter_shows_who_it_is_exposed_to_and_whether_it_needs_level4(browser, svarut, v2):
    shared_with, orgnr = krr_roles()["innboks"][1], "964107580"
    letter_id = v2.send_ok(
        til_person(tittel="Delt og på nivå 4", kryptert=True, krevNiva4Innlogging=True, eksponertFor=[shared_with, orgnr])
    )
    plain_id = send_person_letter(svarut, "Vanlig v3-brev")
    log_in(browser)
    page = browser.get(f"/operator/brev/{letter_id}")
    assert page.status_code == 200
    shown = visible(page.text)
    assert "Krever nivå 4-innlogging Ja ( krevNiva4Innlogging )" in shown
    assert f"Eksponert for {masked(shared_with)} {orgnr} ( eksponertFor )" in shown  # in the sender's order
    assert shared_with not in page.text  # masked like every fødselsnummer on the pages
    plain = visible(browser.get(f"/operator/brev/{plain_id}").text)
    assert "Krever nivå 4-innlogging Nei" in plain and "Eksponert for Ingen andre enn mottakeren" in plain


def test_letters_never_show_a_whole_fodselsnummer_even_in_a_title_or_to_nhn(browser, svarut):
    letter_id = send_person_letter(svarut, f"Vedtak for {CITIZEN}")
    nhn_id = svarut.send_ok("nhn", nhn_letter(), [("epikrise.pdf", pdf("epikrise"))])
    log_in(browser)
    listing = browser.get("/operator/brev")
    assert f"Vedtak for {masked(CITIZEN)}" in row_of(listing, f"brev-{letter_id}")
    nhn_row = row_of(listing, f"brev-{nhn_id}")
    assert "Helsenettet (NHN)" in nhn_row and f"pasient {masked(CITIZEN)}" in nhn_row
    for path in (
        "/operator/brev",
        f"/operator/brev/{letter_id}",
        f"/operator/brev/{nhn_id}",
    ):
        assert CITIZEN not in browser.get(path).text, path


def letters_in_all(page) -> int:
    found = re.search(r"(\d+) brev</caption>", page.text)
    return int(found.group(1)) if found else 0


def test_letters_are_paged_fifty_at_a_time(browser, svarut):
    log_in(browser)
    for _ in range(max(0, 51 - letters_in_all(browser.get("/operator/brev")))):
        send_person_letter(svarut, "Fyllbrev")
    first = browser.get("/operator/brev")
    total = letters_in_all(first)
    on_first = re.findall(r'<tr [^>]*id="brev-([^"]+)"', first.text)
    assert len(on_first) == 50 and f"Side 1 av {-(-total // 50)}" in first.text
    assert 'href="/operator/brev?side=2" rel="next"' in first.text
    second = browser.get("/operator/brev?side=2")
    on_second = re.findall(r'<tr [^>]*id="brev-([^"]+)"', second.text)
    assert len(on_second) == min(50, total - 50) and not set(on_first) & set(on_second) and 'rel="prev"' in second.text


def test_a_pts_call_appears_in_the_audit_page_newest_first_with_the_person_masked(browser, pts):
    off_id = random_off_id()
    assert pts.post(SAFETY, safety_body(off_id, new_object(), delayDays=2, cause="Manual")).status_code == 201
    log_in(browser)
    page = browser.get("/operator/pts-logg")
    assert page.status_code == 200 and "<h1>PTS-logg</h1>" in page.text
    first_row = re.search(r'<tr [^>]*id="pts-\d+">(.*?)</tr>', page.text, re.DOTALL).group(1)
    shown = visible(first_row)
    assert masked(off_id) in shown and f"POST {SAFETY}" in shown and EPJ_CLIENT in shown and "565513636" in shown and "201" in shown
    assert off_id not in page.text


def test_a_consent_change_appears_in_the_change_feed_with_the_status_now(browser, engine):
    name = f"Operatørsidetest {secrets.token_hex(3)}"
    body = wire.NyInnbygger.model_validate_json(
        json.dumps(
            {
                "fodselsdato": "1990-05-17",
                "fornavn": name,
                "etternavn": "Testesen",
                "helsenorgeSamtykke": True,
            }
        )
    )
    created = operator_service.create_citizen(engine, body, OPERATOR)
    fnr = created.fnr
    try:
        log_in(browser)
        page = browser.get("/operator/endringer")
        rows = re.findall(r'<tr [^>]*class="endring">(.*?)</tr>', page.text, re.DOTALL)
        newest = visible(rows[0])
        assert masked(fnr) in newest and name in newest and "Digitalt aktiv selv" in newest
        assert fnr not in page.text

        operator_service.update_citizen(
            engine,
            fnr,
            wire.InnbyggerEndring.model_validate_json('{"helsenorgeSamtykke": false}'),
            OPERATOR,
        )
        page = browser.get("/operator/endringer")
        newest = visible(re.findall(r'<tr [^>]*class="endring">(.*?)</tr>', page.text, re.DOTALL)[0])
        assert masked(fnr) in newest and "Ikke digitalt aktiv" in newest
        assert fnr not in page.text
    finally:
        operator_service.delete_citizen(engine, fnr, OPERATOR)


def test_the_change_feed_is_paged(browser):
    log_in(browser)
    first = browser.get("/operator/endringer")
    total = int(re.search(r"(\d+) endringer</caption>", first.text).group(1))
    assert total > 50  # the default population's consents are in the feed
    assert first.text.count('class="endring">') == 50 and f"Side 1 av {-(-total // 50)}" in first.text
    second = browser.get("/operator/endringer?side=2")
    assert second.text.count('class="endring">') == min(50, total - 50)
    assert re.findall(r"<code>(\d{6}\*{5})</code>", first.text) != re.findall(r"<code>(\d{6}\*{5})</code>", second.text)
    assert browser.get("/operator/endringer?side=-3").status_code == 200  # nonsense pages are the first


def test_no_page_holds_a_whole_fodselsnummer(browser, svarut, pts, engine):
    off_id = random_off_id()
    assert pts.post(SAFETY, safety_body(off_id, new_object(), delayDays=2, cause="Manual")).status_code == 201
    letter_id = send_person_letter(svarut, "Brev til maskeringstest")
    log_in(browser)
    pages = [*PAGES, f"/operator/brev/{letter_id}", "/operator/endringer?side=2"]
    eleven_digits = re.compile(r"(?<!\d)\d{11}(?!\d)")
    with db.read(engine) as conn:
        citizens = set(conn.execute(sa.text("select fnr from innbygger")).scalars())
    for path in pages:
        page = browser.get(path)
        assert page.status_code == 200, path
        for number in eleven_digits.findall(page.text):
            assert number not in citizens and number != off_id, f"{path} shows a fødselsnummer"
        assert CITIZEN not in page.text and off_id not in page.text, path


def test_every_page_is_accessible_markup_without_scripts_and_with_strict_headers(browser, svarut):
    letter_id = send_person_letter(svarut, "Brev for sidesjekk")
    log_in(browser)
    tool_id = re.search(r'href="/operator/katalog/([0-9a-f-]{36})"', browser.get("/operator/katalog").text).group(1)
    for path in (*PAGES, f"/operator/brev/{letter_id}", f"/operator/katalog/{tool_id}", LOGIN + "?utlogget=1"):
        if path.startswith(LOGIN):
            with TestClient(svarut.app, base_url=PUBLIC_URL) as fresh:
                page = fresh.get(path)
        else:
            page = browser.get(path)
        assert page.status_code == 200, path
        html = page.text
        assert 'lang="nb"' in html and html.count("<h1") == 1, path
        assert "<script" not in html and not re.search(r"<[^>]*\son[a-z]+=", html), path  # no scripts, no event handlers
        for field in re.findall(r"<(?:input|select)\b[^>]*>", html):
            if 'type="hidden"' in field:
                continue
            field_id = re.search(r'id="([^"]+)"', field).group(1)
            assert f'<label for="{field_id}">' in html, (path, field)
        for header_cell in re.findall(r"<thead[^>]*>(.*?)</thead>", html, re.DOTALL):
            assert all('scope="col"' in th for th in re.findall(r"<th\b[^>]*>", header_cell)), path
        for region in re.findall(r'<div class="tabell[^"]*" role="region" aria-labelledby="([^"]+)"', html):
            assert f'id="{region}"' in html, path
        assert page.headers["cache-control"] == "no-store", path
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "no-referrer", path


def test_the_client_list_shows_a_clients_organisations(browser, svarut):
    with db.write(svarut.app.state.services.engine) as conn:
        save_client(
            conn, ApiClient("side-saas", "SaaS", "928741613", ("nhn:pts/api",), secret_hash=hash_secret("x" * 12), multi_tenant=True)
        )
        save_client(
            conn,
            ApiClient(
                "side-st",
                "EPJ",
                "913748263",
                ("nhn:pts/api",),
                secret_hash=hash_secret("x" * 12),
                child_organisations=("920000002", "920000010"),
            ),
        )
    log_in(browser)
    page = visible(browser.get("/operator/klienter").text)
    assert "928741613 leverandør, flere kunder" in page and "913748263 underenheter 920000002, 920000010" in page
    with db.write(svarut.app.state.services.engine) as conn:
        conn.execute(sa.delete(api_clients).where(api_clients.c.client_id.in_(["side-saas", "side-st"])))
