"""The foundation's JWT/DPoP attack list (tests/attacks.py) against HelseID's userinfo endpoint, whose token
is a professional's login token: every attacked token, one property broken, gets 401 (403 without scope
openid) as RFC 6750 JSON with the reason in ``WWW-Authenticate``. ``wrong_audience`` does not apply: userinfo
takes the login's access token whatever API it is for. Also: a token of another issuer helsebro trusts (the
citizen login) and a token of an ended session are refused."""

from __future__ import annotations

import secrets

import pytest

from tests.attacks import ATTACKS, Target, forge, parts
from tests.support_helseid_login import END_SESSION, ISSUER, USERINFO, log_in
from tests.support_login import log_in as citizen_log_in

CASES = [a for a in ATTACKS if a.name != "wrong_audience" and not a.dpop_only]


@pytest.fixture(scope="module")
def target(app, client) -> Target:
    login = log_in(client)
    _, claims, _ = parts(login["access_token"])
    return Target(
        app=app,
        method="GET",
        url="http://testserver" + USERINFO,
        claims=lambda: {**claims, "jti": secrets.token_hex(16)},
        other_audience="nhn:helsenorge.eksternapi",
        other_scope="nhn:pts/api",
    )


def test_control_a_good_token_gets_in(client, target):
    assert client.get(USERINFO, headers=target.good()).status_code == 200
    token, key = target.bound()
    assert client.get(USERINFO, headers=target.present(token, key)).status_code == 200


@pytest.mark.parametrize("attack", CASES, ids=[a.name for a in CASES])
def test_attack_is_refused(client, target, attack):
    headers = attack.headers(target)
    if attack.replay:
        assert client.get(USERINFO, headers=headers).status_code == 200
    response = client.get(USERINFO, headers=headers)
    assert response.status_code == attack.status, response.text
    assert response.json()["error"] in ("invalid_token", "invalid_dpop_proof", "insufficient_scope")
    challenge = response.headers.get("WWW-Authenticate", "")
    assert "error=" in challenge and attack.reason in challenge, challenge


def test_a_citizen_login_token_is_no_helseid_login_token(client):
    citizen = citizen_log_in(client, "12048645510")
    response = client.get(USERINFO, headers={"Authorization": f"Bearer {citizen['access_token']}"})
    assert (
        response.status_code == 401
        and f"not an access token of this HelseID's user login ({ISSUER})" in response.json()["error_description"]
    )


def test_a_forged_sid_or_an_ended_session_is_refused(app, client, target):
    forged = forge(app, {**target.claims(), "sid": "ingen-slik-okt"})
    response = client.get(USERINFO, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and "has ended" in response.json()["error_description"]
    login = log_in(client)
    assert client.post(END_SESSION, data={"id_token_hint": login["id_token"]}).status_code == 200
    response = client.get(USERINFO, headers={"Authorization": f"Bearer {login['access_token']}"})
    assert response.status_code == 401 and "logged out" in response.json()["error_description"]
