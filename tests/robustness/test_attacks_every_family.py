"""The whole JWT/DPoP attack list of tests/attacks.py (the one tests/api/test_token_attacks.py runs against
the catalog) against one endpoint of every family: Verktøy catalog and send, DigitaltAktiv, PVK, PTS
(DPoP-bound tokens only), SvarUt (Maskinporten token and Fiks integration) and the operator API.

Every attack gets 401 (403 for a good token without the endpoint's scope) in the family's own error format,
with the exact reason in ``WWW-Authenticate``. A control per family shows the unbroken token gets in.
"""

from __future__ import annotations

import pytest

from tests.attacks import ATTACKS, Target
from tests.robustness.families import FAMILIES, assert_auth_error, target_for

pytestmark = pytest.mark.usefixtures("engine")


@pytest.fixture(scope="module")
def targets(app, client) -> dict[str, Target]:
    return {name: target_for(name, app, client) for name in FAMILIES}


def got_in(response) -> bool:
    """Past the token check: anything but the guard's 401/403 (the bodies here may be refused later)."""
    return response.status_code not in (401, 403) and response.status_code < 500


@pytest.mark.parametrize("family", list(FAMILIES))
def test_control_a_good_token_gets_in(client, targets, family):
    target = targets[family]
    response = FAMILIES[family].request(client, target.good())
    assert got_in(response), response.text
    token, key = target.bound()  # every family takes a DPoP-bound token with a good proof
    response = FAMILIES[family].request(client, target.present(token, key))
    assert got_in(response), response.text


# An attack on DPoP-only tokens runs on PTS only: elsewhere a plain Bearer token is the good one.
CASES = [(f, a) for f in FAMILIES for a in ATTACKS if f == "pts" or not a.dpop_only]


@pytest.mark.parametrize(("family", "attack"), CASES, ids=[f"{f}-{a.name}" for f, a in CASES])
def test_attack_is_refused_in_the_familys_format(client, targets, family, attack):
    target = targets[family]
    headers = attack.headers(target)
    if attack.replay:
        first = FAMILIES[family].request(client, headers)
        assert got_in(first), first.text
    response = FAMILIES[family].request(client, headers)
    assert_auth_error(family, response, attack.status)
    challenge = response.headers.get("WWW-Authenticate", "")
    assert "error=" in challenge and attack.reason in challenge, challenge
