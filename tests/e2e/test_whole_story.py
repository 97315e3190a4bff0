"""The whole story against a running server, over real HTTP only:

a tool vendor sends its tool naming the professional (v1) → the citizen logs in to the tool through the
Helsenorge citizen login (authorization code + PKCE, private_key_jwt) → the citizen accepts the task on
helsebro's citizen pages → the task is ``akseptert`` in the database → the tool asks Behandler who sent it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import KeySet

from helsebro import db
from helsebro.db import create_engine
from helsebro.settings import Settings
from helsebro.verktoy.tables import verktoy_oppgave
from tests.support import VERKTOY_CLIENT
from tests.support_login import AUTHORIZE, authorize_params, exchange, hidden_fields, pkce

CITIZEN = "12048645510"
HPR = "565513636"
# "Å leve med langvarige smerter", owned by the default demo client; no other e2e test sends it.
TOOL = "f0c7e3a9-6b28-4d15-8f4e-1a9d5c3b7e62"
TOOL_NAME = "Å leve med langvarige smerter"


def vendor_sends_the_tool(base_url: str, token: str) -> str:
    body = {"VerktoyId": TOOL, "InnbyggerFnr": CITIZEN, "BehandlerHpr": HPR, "Melding": "Her er smerteskolen vi snakket om."}
    response = httpx.post(base_url + "/verktoy/v1/Verktoy", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()["PseudoId"]


def citizen_logs_in_to_the_tool(http: httpx.Client, base_url: str) -> str:
    """The tool's side of the citizen login; returns the citizen's access token for the tool."""
    verifier, challenge = pkce()
    login_page = http.get(AUTHORIZE, params=authorize_params(challenge))
    assert login_page.status_code == 200, login_page.text
    back = http.post(AUTHORIZE, data={**hidden_fields(login_page.text), "fnr": CITIZEN})
    assert back.status_code == 302, back.text
    # The redirect goes to the tool's own callback (localhost:3000): read the code, do not follow it.
    query = parse_qs(urlsplit(back.headers["location"]).query)
    assert back.headers["location"].startswith("http://localhost:3000/callback?") and query["state"] == ["tilstand-123"]
    tokens = exchange(http, query["code"][0], verifier, VERKTOY_CLIENT, base_url)
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["access_token"]


def citizen_accepts_on_the_citizen_pages(http: httpx.Client) -> str:
    """A cookie-keeping client through /innbygger: login, the task list, the accept form. Returns the receipt page."""
    start = http.get("/innbygger/")
    assert start.status_code == 303, start.text
    login_page = http.get(start.headers["location"])
    back = http.post(AUTHORIZE, data={**hidden_fields(login_page.text), "fnr": CITIZEN})
    assert (back.status_code, back.headers["location"].split("?")[0]) == (302, "/innbygger/callback")
    landing = http.get(back.headers["location"])
    assert (landing.status_code, landing.headers["location"]) == (303, "/innbygger/oppgaver"), landing.text
    task_list = http.get("/innbygger/oppgaver")
    assert task_list.status_code == 200
    card = next(chunk for chunk in task_list.text.split('<li class="card oppgave"')[1:] if TOOL_NAME in chunk)
    assert "Venstre Morfar" in card and "Her er smerteskolen vi snakket om." in card
    action = re.search(r'action="([^"]+/ta-i-bruk)">\s*<input type="hidden" name="csrf" value="([^"]+)">', card)
    assert action, card
    accepted = http.post(action.group(1), data={"csrf": action.group(2)})
    assert accepted.status_code == 303, accepted.text
    return http.get(accepted.headers["location"]).text


def task_status_in_the_database(live_server) -> str:
    env = live_server.env
    settings = Settings(data_dir=env["HELSEBRO_DATA_DIR"], database_url=env.get("HELSEBRO_DATABASE_URL", ""))
    engine = create_engine(settings.resolved_database_url())
    try:
        with db.read(engine) as conn:
            return conn.execute(
                sa.select(verktoy_oppgave.c.status).where(verktoy_oppgave.c.verktoy_id == TOOL, verktoy_oppgave.c.innbygger_fnr == CITIZEN)
            ).scalar_one()
    finally:
        engine.dispose()


def test_send_then_login_then_accept_then_behandler(live_server):
    base = live_server.base_url
    system_token = live_server.cli("token", "-s", "verktoysendtilinnbygger").stdout.strip()

    pseudo_id = vendor_sends_the_tool(base, system_token)

    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as tool_side:
        citizen_token = citizen_logs_in_to_the_tool(tool_side, base)
        keys = KeySet.import_key_set(tool_side.get("/helsenorge-login/.well-known/openid-configuration/jwks").json())
    claims = jwt.decode(citizen_token, keys).claims
    assert claims["pid"] == CITIZEN and claims["sub"] == pseudo_id  # the tool knows the citizen by its PseudoId

    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as citizen_browser:
        receipt = citizen_accepts_on_the_citizen_pages(citizen_browser)
    assert f"Du har tatt i bruk «{TOOL_NAME}»" in receipt

    assert task_status_in_the_database(live_server) == "akseptert"

    behandler = httpx.get(base + "/verktoy/v1/Behandler", params={"VerktoyId": TOOL}, headers={"Authorization": f"Bearer {citizen_token}"})
    assert behandler.status_code == 200, behandler.text
    assert behandler.json() == {"Id": HPR, "IdType": "HPR", "Navn": "Venstre Morfar"}
    assert CITIZEN not in live_server.log.read_text()  # the fødselsnummer never reaches the server's log
