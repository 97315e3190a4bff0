"""The citizen's pages in-process (SPEC section 8): login through the citizen login, "Mine oppgaver" with
accept / decline / done, "Mine personverninnstillinger", CSRF, the session cookie, logout.

Each test drives its own cookie-keeping client, the way a browser would; the API calls that send tools go
through the real Verktøy API.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from helsebro import db
from helsebro.personvern.tables import pvk_definisjon, pvk_innstilling
from helsebro.registries.tables import innbygger
from helsebro.verktoy.tables import verktoy_oppgave
from tests.conftest import PUBLIC_URL
from tests.support import SEED_TOOL, SEED_TOOL_2
from tests.support_login import AUTHORIZE, hidden_fields

CITIZEN = "12048645510"
TASKS = "/innbygger/oppgaver"
KOLS_URL = "https://kols.innlandsdal.example.no/hjemme"
SESSION_COOKIE = "helsebro_innbygger"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


# -- helpers ---------------------------------------------------------------------------------------------------


@pytest.fixture()
def browser(app) -> Iterator[TestClient]:
    """A fresh cookie jar for each test: one citizen's browser."""
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as fresh:
        yield fresh


@pytest.fixture(scope="module")
def send_headers(tokens) -> dict[str, str]:
    return tokens.bearer("verktoysendtilinnbygger")


def send_v1(client, headers, tool: str = SEED_TOOL_2, fnr: str = CITIZEN, **extra: str) -> None:
    body = {"VerktoyId": tool, "InnbyggerFnr": fnr, "BehandlerHpr": "565513636", "FristDato": "2031-03-15", **extra}
    response = client.post("/verktoy/v1/Verktoy", json=body, headers=headers)
    assert response.status_code == 200, response.text


def send_v2(client, headers, tool: str = SEED_TOOL, **extra: str) -> None:
    body = {
        "VerktoyId": tool,
        "InnbyggerFnr": CITIZEN,
        "AvsenderOrgNummer": "913748263",
        "AvsenderNavn": "Poliklinikk for angstlidelser",
        "FristDato": "2031-01-02",
        **extra,
    }
    response = client.post("/verktoy/system/verktoy/v2", json=body, headers=headers)
    assert response.status_code == 200, response.text


def start_login(browser: TestClient, path: str = TASKS):
    response = browser.get(path, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def login_redirect(browser: TestClient, fnr: str = CITIZEN) -> str:
    """Through the login page: returns the callback URL the login sends the browser back to."""
    login_page = browser.get(start_login(browser).headers["location"])
    assert login_page.status_code == 200, login_page.text
    back = browser.post(AUTHORIZE, data={**hidden_fields(login_page.text), "fnr": fnr}, follow_redirects=False)
    assert back.status_code == 302, back.text
    return back.headers["location"]


def log_in(browser: TestClient, fnr: str = CITIZEN):
    """The whole login; returns the task page it lands on."""
    landing = browser.get(login_redirect(browser, fnr), follow_redirects=False)
    assert (landing.status_code, landing.headers.get("location")) == (303, TASKS), landing.text
    return browser.get(TASKS)


def csrf_of(page) -> str:
    return CSRF.search(page.text).group(1)


def act(browser: TestClient, task_id: str, action: str, csrf: str | None):
    data = {} if csrf is None else {"csrf": csrf}
    return browser.post(f"{TASKS}/{task_id}/{action}", data=data, follow_redirects=False)


def task_row(engine, tool: str, fnr: str = CITIZEN):
    with db.read(engine) as conn:
        return conn.execute(
            sa.select(verktoy_oppgave)
            .where(verktoy_oppgave.c.verktoy_id == tool, verktoy_oppgave.c.innbygger_fnr == fnr)
            .order_by(verktoy_oppgave.c.created_at.desc())
        ).first()


def another_citizen(engine) -> str:
    with db.read(engine) as conn:
        return conn.execute(
            sa.select(innbygger.c.fnr).where(innbygger.c.fnr != CITIZEN, innbygger.c.dodsdato.is_(None)).order_by(innbygger.c.fnr)
        ).scalar()


def one(pattern: str, text: str) -> int:
    return len(re.findall(pattern, text))


# -- logging in ------------------------------------------------------------------------------------------------


def test_a_visitor_without_a_session_is_sent_to_the_citizen_login_with_pkce(browser):
    response = start_login(browser)
    target = urlsplit(response.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == PUBLIC_URL + AUTHORIZE
    assert query["client_id"] == "helsebro-innbygger-web"
    assert query["redirect_uri"] == PUBLIC_URL + "/innbygger/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["response_type"] == "code" and "openid" in query["scope"].split() and query["state"]
    cookie = response.headers["set-cookie"].lower()
    assert "helsebro_innlogging=" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "path=/innbygger" in cookie


def test_the_front_door_starts_the_login_and_later_leads_to_the_tasks(browser):
    assert browser.get("/innbygger/", follow_redirects=False).headers["location"].startswith(PUBLIC_URL + AUTHORIZE)
    log_in(browser)
    front = browser.get("/innbygger/", follow_redirects=False)
    assert (front.status_code, front.headers["location"]) == (303, TASKS)


def test_login_sets_a_signed_http_only_session_and_greets_the_citizen(browser):
    landing = browser.get(login_redirect(browser), follow_redirects=False)
    cookies = landing.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "httponly" in session.lower() and "samesite=lax" in session.lower() and "max-age=3600" in session.lower()
    assert any(c.startswith("helsebro_innlogging=") and "max-age=0" in c.lower() for c in cookies)  # login state used up
    page = browser.get(TASKS)
    assert page.status_code == 200 and "Logget inn som <strong>Line Danser</strong>" in page.text


def test_the_page_asked_for_is_shown_after_login(browser):
    first = start_login(browser, "/innbygger/personvern")
    login_page = browser.get(first.headers["location"])
    back = browser.post(AUTHORIZE, data={**hidden_fields(login_page.text), "fnr": CITIZEN}, follow_redirects=False)
    landing = browser.get(back.headers["location"], follow_redirects=False)
    assert landing.headers["location"] == "/innbygger/personvern"


def test_a_callback_with_another_state_is_refused(browser):
    callback = urlsplit(login_redirect(browser))
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    response = browser.get(callback.path, params={**query, "state": "en-annen-tilstand"}, follow_redirects=False)
    assert response.status_code == 400 and 'role="alert"' in response.text
    assert SESSION_COOKIE not in browser.cookies


def test_a_callback_in_another_browser_is_refused(browser, app):
    callback = login_redirect(browser)
    with TestClient(app, base_url=PUBLIC_URL) as stranger:
        response = stranger.get(callback, follow_redirects=False)
    assert response.status_code == 400 and "Innloggingen er utløpt eller ugyldig" in response.text


def test_a_callback_cannot_be_replayed(browser):
    callback = login_redirect(browser)
    assert browser.get(callback, follow_redirects=False).status_code == 303
    again = browser.get(callback, follow_redirects=False)
    assert again.status_code == 400 and "Innloggingen er utløpt eller ugyldig" in again.text


def test_an_error_from_the_login_is_shown_in_norwegian(browser):
    state = parse_qs(urlsplit(start_login(browser).headers["location"]).query)["state"][0]
    response = browser.get("/innbygger/callback", params={"error": "access_denied", "state": state})
    assert response.status_code == 400 and "Innloggingen ble avbrutt" in response.text


def test_a_tampered_session_cookie_is_refused(browser, app):
    log_in(browser)
    payload, signature = browser.cookies[SESSION_COOKIE].rsplit(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**data, "fnr": "01010112345"}).encode()).rstrip(b"=").decode()
    with TestClient(app, base_url=PUBLIC_URL) as attacker:
        for value in (f"{forged}.{signature}", browser.cookies[SESSION_COOKIE] + "x", "soppel"):
            response = attacker.get(TASKS, headers={"Cookie": f"{SESSION_COOKIE}={value}"}, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"].startswith(PUBLIC_URL + AUTHORIZE)


def test_an_expired_session_is_refused(browser, app):
    from itsdangerous import URLSafeSerializer

    # A correctly signed session whose hour has passed.
    signer = URLSafeSerializer(app.state.services.secret, salt="helsebro.innbygger.session")
    old = signer.dumps({"fnr": CITIZEN, "navn": "Line Danser", "sid": "x", "exp": int(dt.datetime.now().timestamp()) - 1})
    response = browser.get(TASKS, headers={"Cookie": f"{SESSION_COOKIE}={old}"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(PUBLIC_URL + AUTHORIZE)


def test_logout_ends_the_session(browser):
    page = log_in(browser)
    response = browser.post("/innbygger/logg-ut", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/innbygger/logget-ut")
    assert SESSION_COOKIE not in browser.cookies
    goodbye = browser.get("/innbygger/logget-ut")
    assert "Du er logget ut" in goodbye.text and "Logg ut" not in goodbye.text
    assert browser.get(TASKS, follow_redirects=False).status_code == 303


def test_logout_needs_the_csrf_token(browser):
    log_in(browser)
    refused = browser.post("/innbygger/logg-ut", data={"csrf": "feil"}, follow_redirects=False)
    assert refused.status_code == 400 and "Skjemaet er utløpt eller ugyldig" in refused.text
    assert browser.get(TASKS).status_code == 200


def test_the_fodselsnummer_never_reaches_the_log(browser, client, send_headers, capfd, caplog, fresh_data):
    send_v1(client, send_headers)
    page = log_in(browser)
    task = re.search(r"/innbygger/oppgaver/([0-9a-f-]{36})/ta-i-bruk", page.text).group(1)
    act(browser, task, "ta-i-bruk", csrf_of(page))
    browser.get(TASKS)
    out, err = capfd.readouterr()
    assert CITIZEN not in out + err + caplog.text


# -- Mine oppgaver ---------------------------------------------------------------------------------------------


def test_an_empty_list_says_so(browser, fresh_data):
    page = log_in(browser)
    assert "Du har ingen oppgaver" in page.text


def test_tasks_show_tool_sender_message_deadline_and_status_newest_first(browser, client, send_headers, fresh_data):
    send_v1(client, send_headers, Melding="Hei! Her er oppfølgingsverktøyet for KOLS.\nRing oss om noe er uklart.")
    send_v2(client, send_headers, Melding="Her er kurset vi snakket om.")
    page = log_in(browser).text
    kols, angst = page.index("Hjemmeoppfølging ved KOLS"), page.index("Assistert selvhjelp ved angst")
    assert angst < kols  # newest first
    assert "Venstre Morfar, Demo Verktøyleverandør AS" in page  # v1: the professional, the sending client's organisation
    assert "Poliklinikk for angstlidelser, Helse Vestfjord HF" in page  # v2: AvsenderNavn and AvsenderOrgNummer's name
    assert "Hei! Her er oppfølgingsverktøyet for KOLS.\nRing oss om noe er uklart." in page
    assert '<time datetime="2031-03-15">15.03.2031</time>' in page and "02.01.2031" in page
    assert one(r'class="status status-aapen">Ny<', page) == 2
    assert one(r">Ta i bruk</button>", page) == 2 and one(r">Avslå</button>", page) == 2
    assert "Gå til verktøyet" not in page  # only an accepted task links to the tool


def test_text_from_the_sender_is_escaped(browser, client, send_headers, fresh_data):
    send_v2(client, send_headers, AvsenderNavn="<script>alert(1)</script>", Melding="<img src=x onerror=alert(1)>")
    page = log_in(browser).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_accept_then_mark_done(browser, client, send_headers, engine, fresh_data):
    send_v1(client, send_headers)
    before = task_row(engine, SEED_TOOL_2)
    page = log_in(browser)
    accepted = act(browser, before.id, "ta-i-bruk", csrf_of(page))
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith(f"{TASKS}?kvittering=ta-i-bruk&oppgave={before.id}")
    after = task_row(engine, SEED_TOOL_2)
    assert after.status == "akseptert" and after.status_endret > before.status_endret
    page = browser.get(accepted.headers["location"])
    assert 'role="status"' in page.text and "Du har tatt i bruk «Hjemmeoppfølging ved KOLS»" in page.text
    assert 'class="status status-akseptert">Tatt i bruk<' in page.text
    assert f'<a class="knapp" href="{KOLS_URL}"' in page.text and "Marker som utført" in page.text
    assert "Ta i bruk</button>" not in page.text and "Avslå</button>" not in page.text
    done = act(browser, before.id, "utfort", csrf_of(page))
    assert done.status_code == 303 and task_row(engine, SEED_TOOL_2).status == "utfort"
    page = browser.get(done.headers["location"])
    assert "«Hjemmeoppfølging ved KOLS» er markert som utført" in page.text and ">Utført<" in page.text
    assert "Gå til verktøyet" not in page.text and "Marker som utført" not in page.text


def test_decline(browser, client, send_headers, engine, fresh_data):
    send_v2(client, send_headers)
    task = task_row(engine, SEED_TOOL)
    page = log_in(browser)
    declined = act(browser, task.id, "avsla", csrf_of(page))
    assert declined.status_code == 303 and task_row(engine, SEED_TOOL).status == "avslatt"
    page = browser.get(declined.headers["location"])
    assert "Du har avslått «Assistert selvhjelp ved angst»" in page.text and ">Avslått<" in page.text


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ("avsla", "ta-i-bruk", "Oppgaven er avslått, og kan ikke tas i bruk."),
        ("ta-i-bruk", "ta-i-bruk", "Oppgaven er allerede tatt i bruk, og kan ikke tas i bruk."),
        ("ta-i-bruk", "avsla", "Oppgaven er allerede tatt i bruk, og kan ikke avslås."),
        ("avsla", "utfort", "Oppgaven er avslått, og kan ikke markeres som utført."),
    ],
)
def test_a_decided_task_cannot_be_changed_that_way(browser, client, send_headers, engine, fresh_data, first, then, message):
    send_v1(client, send_headers)
    task = task_row(engine, SEED_TOOL_2)
    csrf = csrf_of(log_in(browser))
    assert act(browser, task.id, first, csrf).status_code == 303
    decided = task_row(engine, SEED_TOOL_2)
    refused = act(browser, task.id, then, csrf)
    assert refused.status_code == 409 and message in refused.text and 'role="alert"' in refused.text
    assert task_row(engine, SEED_TOOL_2).status_endret == decided.status_endret  # nothing written


def test_an_open_task_cannot_be_marked_done_before_it_is_accepted(browser, client, send_headers, engine, fresh_data):
    send_v1(client, send_headers)
    task = task_row(engine, SEED_TOOL_2)
    refused = act(browser, task.id, "utfort", csrf_of(log_in(browser)))
    assert refused.status_code == 409 and "ikke tatt i bruk ennå" in refused.text
    assert task_row(engine, SEED_TOOL_2).status == "aapen"


def test_a_task_past_its_grace_period_shows_as_expired_and_cannot_be_accepted(browser, client, send_headers, engine, fresh_data):
    send_v1(client, send_headers, FristDato="2020-01-01")  # three months after this deadline are long gone
    task = task_row(engine, SEED_TOOL_2)
    page = log_in(browser)
    assert ">Utløpt<" in page.text and "Ta i bruk</button>" not in page.text
    refused = act(browser, task.id, "ta-i-bruk", csrf_of(page))
    assert refused.status_code == 409 and "utløpt" in refused.text
    assert task_row(engine, SEED_TOOL_2).status == "utlopt"  # written as the expiry job would


def test_another_citizens_task_is_not_found_and_not_changed(browser, client, send_headers, engine, fresh_data):
    send_v1(client, send_headers)
    task = task_row(engine, SEED_TOOL_2)
    page = log_in(browser, another_citizen(engine))
    assert "Hjemmeoppfølging ved KOLS" not in page.text
    for action in ("ta-i-bruk", "avsla", "utfort"):
        response = act(browser, task.id, action, csrf_of(page))
        assert response.status_code == 404 and "Fant ikke oppgaven" in response.text
    assert task_row(engine, SEED_TOOL_2).status == "aapen"
    # A receipt link for someone else's task shows nothing about it.
    receipt = browser.get(TASKS, params={"kvittering": "ta-i-bruk", "oppgave": task.id})
    assert "Hjemmeoppfølging" not in receipt.text


@pytest.mark.parametrize("task_id", ["ikke-en-guid", "00000000-0000-4000-8000-000000000000"])
def test_an_unknown_task_is_404(browser, task_id):
    response = act(browser, task_id, "ta-i-bruk", csrf_of(log_in(browser)))
    assert response.status_code == 404 and "Fant ikke oppgaven." in response.text


def test_an_unknown_action_is_404(browser, client, send_headers, engine, fresh_data):
    send_v1(client, send_headers)
    response = act(browser, task_row(engine, SEED_TOOL_2).id, "slett", csrf_of(log_in(browser)))
    assert response.status_code == 404 and task_row(engine, SEED_TOOL_2).status == "aapen"


@pytest.mark.parametrize("csrf", [None, "", "0" * 64, "from-another-session"])
def test_an_action_without_the_sessions_csrf_token_is_400(browser, app, client, send_headers, engine, fresh_data, csrf):
    send_v1(client, send_headers)
    task = task_row(engine, SEED_TOOL_2)
    log_in(browser)
    if csrf == "from-another-session":
        with TestClient(app, base_url=PUBLIC_URL) as other:
            csrf = csrf_of(log_in(other))  # the same citizen, logged in elsewhere: another session
    response = act(browser, task.id, "ta-i-bruk", csrf)
    assert response.status_code == 400 and "Skjemaet er utløpt eller ugyldig" in response.text
    assert task_row(engine, SEED_TOOL_2).status == "aapen"


def test_an_action_without_a_session_goes_to_the_login_and_changes_nothing(browser, client, send_headers, engine, fresh_data):
    send_v1(client, send_headers)
    task = task_row(engine, SEED_TOOL_2)
    response = act(browser, task.id, "ta-i-bruk", "whatever")
    assert response.status_code == 303 and response.headers["location"].startswith(PUBLIC_URL + AUTHORIZE)
    assert task_row(engine, SEED_TOOL_2).status == "aapen"


# -- Mine personverninnstillinger ------------------------------------------------------------------------------


def test_privacy_page_lists_the_active_settings_only(browser, engine, fresh_data):
    with db.write(engine) as conn:  # a withdrawn consent: not active, so not shown
        guid = conn.execute(sa.select(pvk_definisjon.c.guid).where(pvk_definisjon.c.part_kode == "NFS")).scalar()
        conn.execute(
            sa.insert(pvk_innstilling).values(innbygger_fnr=CITIZEN, definisjon_guid=guid, aktiv=False, tidspunkt=dt.datetime.now(dt.UTC))
        )
    log_in(browser)
    page = browser.get("/innbygger/personvern")
    assert page.status_code == 200 and "<h1>Mine personverninnstillinger</h1>" in page.text
    assert "Samtykke til å bruke helsenorge.no" in page.text and "<dd>Samtykke</dd>" in page.text and "<dd>HN</dd>" in page.text
    assert re.search(r"<dt>Gjelder fra</dt><dd>\d\d\.\d\d\.\d{4}</dd>", page.text)
    assert "biomateriale" not in page.text
    assert "<form" not in page.text.split("<main", 1)[1]  # read-only


def test_privacy_page_without_settings_says_so(browser, engine):
    with db.read(engine) as conn:
        fnr = conn.execute(
            sa.select(innbygger.c.fnr)
            .where(innbygger.c.dodsdato.is_(None), innbygger.c.fnr.not_in(sa.select(pvk_innstilling.c.innbygger_fnr)))
            .order_by(innbygger.c.fnr)
        ).scalar()
    log_in(browser, fnr)
    assert "Du har ingen aktive personverninnstillinger" in browser.get("/innbygger/personvern").text


# -- structure and accessibility basics -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [TASKS, "/innbygger/personvern"])
def test_pages_are_norwegian_with_one_h1_landmarks_and_navigation(browser, path):
    log_in(browser)
    page = browser.get(path)
    html = page.text
    assert 'lang="nb"' in html and one(r"<h1[ >]", html) == 1
    assert one(r"<header[ >]", html) == 1 and one(r"<main[ >]", html) == 1
    assert '<nav class="innbyggermeny" aria-label="Innbyggersider">' in html
    assert 'href="/innbygger/oppgaver"' in html and 'href="/innbygger/personvern"' in html and ">Logg ut</button>" in html
    assert one(r'aria-current="page"', html.split("<body>", 1)[1]) == 1
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert page.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "<script" not in html  # works without JavaScript
