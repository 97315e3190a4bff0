"""The token inspector (``auth.inspection``) against the guard it explains.

The key property: for every attack of tests/attacks.py on one endpoint of every family, the inspector's
verdict is the guard's verdict: the same status and the same ``WWW-Authenticate`` (error and exact reason), and
its first failed line is the check the attack breaks, with a plain explanation. A good token of each family
passes every check. The inspector changes nothing (a proof it looked at still gets in once) and shows no
fødselsnummer.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

import pytest

from helsebro.auth import inspection
from helsebro.auth.inspection import (
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    UnusableInput,
    endpoint_for,
)
from helsebro.auth.scopes import HELSENORGE_AUDIENCE
from tests.attacks import ATTACKS, DROP, Target, forge, new_key, with_claims
from tests.conftest import PUBLIC_URL
from tests.robustness.families import FAMILIES, target_for

pytestmark = pytest.mark.usefixtures("engine")

# The check each attack breaks, and words its explanation must have.
EXPECTED: dict[str, tuple[str, str]] = {
    "alg_none": ("alg", "alg is none: an unsigned token"),
    "hs256_with_public_pem": ("alg", "shared-secret (HMAC)"),
    "hs256_with_public_jwk_n": ("alg", "shared-secret (HMAC)"),
    "expired": ("lifetime", "expired 60 minutes ago"),
    "not_yet_valid": ("lifetime", "not valid until"),
    "nan_exp": ("lifetime", "finite number"),
    "wrong_audience": ("audience", "this path needs"),
    "wrong_issuer": ("issuer_trusted", "'https://helseid-sts.evil.example' is not trusted"),
    "unknown_kid": ("key", "has no signing key 'no-such-kid'"),
    "tampered_scope": ("signature", "changed after it was signed"),
    "tampered_client_id": ("signature", "changed after it was signed"),
    "attacker_key_with_server_kid": ("signature", "changed after it was signed"),
    "missing_authorization": ("authorization", "Authorization header with an access token is required"),
    "basic_scheme": ("authorization", "Authorization must be"),
    "dpop_bound_token_as_bearer": ("binding", "is DPoP-bound (cnf.jkt"),
    "dpop_without_proof": ("dpop_proof", "no DPoP proof was given"),
    "dpop_other_method": ("proof_htm", "does not match the request method"),
    "dpop_other_url": ("proof_htu", "the proof's htu"),
    "dpop_stale": ("proof_iat", "stale"),
    "dpop_from_the_future": ("proof_iat", "issued in the future"),
    "dpop_replayed": ("proof_replay", "was used before"),
    "dpop_signed_by_another_key": ("proof_key", "but the token is bound to"),
    "dpop_wrong_ath": ("proof_ath", "ath does not match"),
    "dpop_typ_jwt": ("proof_typ", "typ must be dpop+jwt"),
    "dpop_private_jwk": ("proof_jwk", "must carry the public key"),
    "bearer_token_with_dpop_scheme": ("binding", "is not DPoP-bound (no cnf.jkt) but sent as DPoP"),
    "bearer_token_where_dpop_is_required": ("binding", "only takes DPoP-bound tokens"),
    "missing_scope": ("scope", "is missing; the token has:"),
}


@pytest.fixture(scope="module")
def targets(app, client) -> dict[str, Target]:
    return {name: target_for(name, app, client) for name in FAMILIES}


def inspect(app, headers: dict[str, str], target: Target, **where: str) -> inspection.Report:
    where = where or {"url": target.url}
    guard = app.state.services.guard
    return asyncio.run(inspection.inspect(guard, headers.get("Authorization"), proof=headers.get("DPoP"), method=target.method, **where))


def line(report: inspection.Report, name: str) -> inspection.Line:
    return next(found for found in report.lines if found.name == name)


def test_every_attack_has_an_expected_check():
    assert set(EXPECTED) == {attack.name for attack in ATTACKS}


CASES = [(f, a) for f in FAMILIES for a in ATTACKS if f == "pts" or not a.dpop_only]


@pytest.mark.parametrize(("family", "attack"), CASES, ids=[f"{f}-{a.name}" for f, a in CASES])
def test_the_inspector_gives_the_guards_verdict_for_every_attack(app, client, targets, family, attack):
    target = targets[family]
    headers = attack.headers(target)
    if attack.replay:
        assert FAMILIES[family].request(client, headers).status_code not in (401, 403)
    report = inspect(app, headers, target)
    response = FAMILIES[family].request(client, headers)  # after the inspection: it must not have used the proof up
    assert response.status_code == attack.status, response.text
    assert not report.accepted
    assert report.failure is not None and report.failure.status == response.status_code
    assert report.failure.www_authenticate() == response.headers["WWW-Authenticate"]
    name, words = EXPECTED[attack.name]
    decisive = [found for found in report.lines if found.decisive]
    assert [found.name for found in decisive] == [name], report.lines
    assert decisive[0].status == FAILED and words in decisive[0].en, decisive[0].en
    assert decisive[0].nb and decisive[0].nb != decisive[0].en


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_good_token_passes_every_check_for_its_family(app, client, targets, family):
    target = targets[family]
    for headers in (target.good(), target.present(*target.bound())):
        for where in ({"url": target.url}, {"family": FAMILIES_BY_TEST[family]}):
            report = inspect(app, headers, target, **where)
            assert report.accepted, report.lines
            assert {found.status for found in report.lines} <= {PASSED, NOT_APPLICABLE}, report.lines
            assert all(line(report, name).status == PASSED for name in ("signature", "lifetime", "audience", "binding", "scope"))
            if "DPoP" in headers:
                assert all(line(report, name).status == PASSED for name in ("proof_htm", "proof_key", "proof_replay")), report.lines
                assert line(report, "proof_htu").status == (PASSED if "url" in where else NOT_APPLICABLE)
        # and the guard agrees, with the same proof the inspector looked at
        assert FAMILIES[family].request(client, headers).status_code not in (401, 403)


FAMILIES_BY_TEST = {
    "verktoy_catalog": "verktoy",
    "verktoy_send": "verktoy",
    "digitaltaktiv": "digitaltaktiv",
    "pvk": "pvk",
    "pts": "pts",
    "svarut": "svarut",
    "operator": "operator",
}


def test_the_inspector_goes_on_past_the_first_failure(app, targets):
    """An expired token for the wrong API: both are said, the guard's first reason decides."""
    target = targets["verktoy_catalog"]
    now = int(time.time())
    headers = target.good(exp=now - 180, iat=now - 3600, nbf=now - 3600, aud="nhn:pts")
    report = inspect(app, headers, target)
    assert line(report, "lifetime").decisive and "expired 3 minutes ago" in line(report, "lifetime").en
    assert line(report, "audience").status == FAILED and not line(report, "audience").decisive
    assert line(report, "audience").en == "aud is 'nhn:pts': this path needs 'nhn:helsenorge.eksternapi'"
    assert report.failure.description == "token has expired"


def test_a_missing_scope_names_what_the_token_has(app, client, tokens):
    token = tokens.get("digitaltaktiv", "helsebro-demo-epj")
    guard = app.state.services.guard
    report = asyncio.run(inspection.inspect(guard, token, path="/verktoy/v1/SelvstendigVerktoy"))
    assert line(report, "scope").en == "scope verktoykatalog_read is missing; the token has: digitaltaktiv"
    assert line(report, "scope").nb == "Scope verktoykatalog_read mangler; tokenet har: digitaltaktiv"
    assert report.failure.status == 403


def test_a_proof_without_method_or_url_is_compared_with_what_it_names(app, targets):
    target = targets["pts"]
    token, key = target.bound()
    headers = target.present(token, key)
    report = asyncio.run(inspection.inspect(app.state.services.guard, headers["Authorization"], proof=headers["DPoP"], family="pts"))
    assert report.accepted, report.lines
    assert line(report, "proof_htm").status == NOT_APPLICABLE and "POST" in line(report, "proof_htm").en
    assert line(report, "proof_htu").status == NOT_APPLICABLE and target.url in line(report, "proof_htu").en


def test_a_bare_token_is_taken_as_dpop_when_a_proof_comes_along(app, targets):
    target = targets["pts"]
    token, key = target.bound()
    proof = target.present(token, key)["DPoP"]
    report = asyncio.run(inspection.inspect(app.state.services.guard, token, proof=proof, method="POST", url=target.url))
    assert report.accepted and "taken as sent with 'Authorization: DPoP'" in line(report, "authorization").en
    bearer = asyncio.run(inspection.inspect(app.state.services.guard, token, path="/pts/v0.5/access-check"))
    assert line(bearer, "binding").decisive and "sent as Bearer" in line(bearer, "binding").en


def test_without_an_api_only_the_token_is_checked(app, tokens):
    report = asyncio.run(inspection.inspect(app.state.services.guard, tokens.get("verktoykatalog_read")))
    assert report.accepted
    assert [found.status for found in report.lines if found.name in ("audience", "binding", "scope")] == [NOT_APPLICABLE] * 3


def test_the_path_table_agrees_with_the_routes(app, client):
    """A token with the right audience and no scope: each route's 403 names the scope the table says."""
    token = forge(
        app,
        {
            "iss": PUBLIC_URL + "/helseid",
            "aud": HELSENORGE_AUDIENCE,
            "scope": [],
            "client_id": "x",
            "exp": int(time.time()) + 300,
            "iat": int(time.time()),
            "jti": secrets.token_hex(8),
        },
    )
    for method, path in [
        ("GET", "/verktoy/v1/SelvstendigVerktoy"),
        ("GET", "/verktoy/v1/GrafiskElement/5"),
        ("POST", "/verktoy/system/verktoy/v2"),
        ("POST", "/verktoy/v1/Verktoy"),
        ("PUT", "/verktoy/v1/Veiledningstjeneste/08ead360-0d65-448c-ba9e-8a08f0921c90"),
        ("GET", "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer"),
        ("POST", "/digitaltaktiv/helsenorgeaktivsjekken/v1"),
        ("POST", "/digitaltaktiv/v1/DigitaltAktivOmraade"),
        ("POST", "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"),
        ("POST", "/personvern/Personverninnstillinger/SjekkInnbyggersPiStatus/v2"),
    ]:
        response = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, json={})
        assert response.status_code == 403, (path, response.text)
        (scope,) = endpoint_for(path).scopes
        assert f'scope="{scope}"' in response.headers["WWW-Authenticate"], path


def test_unusable_targets_are_named():
    with pytest.raises(UnusableInput, match="unknown family"):
        endpoint_for(family="helsenorge")
    with pytest.raises(UnusableInput, match="no token-protected API"):
        endpoint_for(path="/helseid/connect/token")
    assert endpoint_for(path="http://127.0.0.1:8080/pts/x?y=1").path == "/pts/x"


def test_a_fodselsnummer_claim_is_masked_and_nothing_is_logged(app, targets, caplog):
    target = targets["verktoy_catalog"]
    fnr = "12048645510"
    headers = target.good(pid=fnr, **{"helseid://claims/identity/pid": fnr, "note": f"for {fnr}"})
    token = headers["Authorization"].split()[1]
    with caplog.at_level(logging.DEBUG):
        report = inspect(app, headers, target)
    assert report.accepted
    assert report.claims["pid"] == "120486*****" and report.claims["note"] == "for 120486*****"
    assert fnr not in repr(report) and token not in repr(report)
    assert not any(token in r.getMessage() or fnr in r.getMessage() for r in caplog.records)


def test_a_key_in_the_tokens_own_header_is_never_used(app, targets):
    """An attacker's token signed with its own key, which it carries in the header: the issuer's key decides."""
    target = targets["verktoy_catalog"]
    attacker = new_key()
    from tests.attacks import signed

    claims = with_claims(target.claims(), cnf=DROP)
    token = signed(
        {"alg": "ES256", "kid": app.state.services.keys.signing_key()[0], "jwk": attacker.as_dict(private=False)}, claims, attacker
    )
    report = inspect(app, {"Authorization": f"Bearer {token}"}, target)
    assert not report.accepted and line(report, "signature").decisive


def test_a_good_client_token_at_the_operator_api_gets_the_routes_403(app, client, tokens):
    """The operator API answers 403, not 401, for a good token of another helsebro API: so does the inspector."""
    token = tokens.get("verktoykatalog_read")
    response = client.get("/operator/api/v1/innbyggere", headers={"Authorization": f"Bearer {token}"})
    report = asyncio.run(inspection.inspect(app.state.services.guard, token, path="/operator/api/v1/innbyggere"))
    assert response.status_code == 403 and report.failure.status == 403
    assert report.failure.www_authenticate() == response.headers["WWW-Authenticate"]
    assert line(report, "operator_token").decisive and not line(report, "audience").decisive
    assert line(report, "audience").status == FAILED  # still said: it is why the operator API refuses it


def _odd_tokens(app, target: Target) -> list[tuple[str, dict[str, str]]]:
    from tests.attacks import proof, unsigned

    good = target.claims()
    kid = app.state.services.keys.signing_key()[0]
    token, key = target.bound()
    return [
        ("empty bearer", {"Authorization": "Bearer "}),
        ("two dots", {"Authorization": "Bearer .."}),
        ("empty objects", {"Authorization": "Bearer e30.e30."}),
        ("a list header", {"Authorization": "Bearer W10.e30.x"}),
        ("alg a list", {"Authorization": "Bearer " + unsigned({"alg": ["RS256"], "kid": kid}, good) + "x"}),
        ("kid a dict", {"Authorization": "Bearer " + unsigned({"alg": "RS256", "kid": {"k": 1}}, good) + "x"}),
        ("iss a number", {"Authorization": "Bearer " + forge(app, with_claims(good, iss=7))}),
        ("aud a number", {"Authorization": "Bearer " + forge(app, with_claims(good, aud=7))}),
        ("scope a dict", {"Authorization": "Bearer " + forge(app, with_claims(good, scope={"a": 1}))}),
        ("exp far away", {"Authorization": "Bearer " + forge(app, with_claims(good, exp=1e300))}),
        ("exp a string", {"Authorization": "Bearer " + forge(app, with_claims(good, exp="soon"))}),
        ("no exp", {"Authorization": "Bearer " + forge(app, with_claims(good, exp=DROP))}),
        ("cnf a string", {"Authorization": "Bearer " + forge(app, with_claims(good, cnf="x"))}),
        ("proof garbage", {"Authorization": f"DPoP {token}", "DPoP": "not-a-proof"}),
        ("proof without htm", {"Authorization": f"DPoP {token}", "DPoP": proof(key, "GET", target.url, token=token, htm=DROP)}),
        (
            "proof jwk a string",
            {"Authorization": f"DPoP {token}", "DPoP": unsigned({"typ": "dpop+jwt", "alg": "ES256", "jwk": "x"}, {}) + "x"},
        ),
        ("proof alg none", {"Authorization": f"DPoP {token}", "DPoP": unsigned({"typ": "dpop+jwt", "alg": "none"}, {})}),
        ("proof jti too long", {"Authorization": f"DPoP {token}", "DPoP": proof(key, "GET", target.url, token=token, jti="j" * 400)}),
    ]


def test_odd_tokens_get_the_guards_verdict_too(app, client, targets):
    target = targets["verktoy_catalog"]
    for name, headers in _odd_tokens(app, target):
        report = inspect(app, headers, target)
        response = FAMILIES["verktoy_catalog"].request(client, headers)
        if report.accepted:
            assert response.status_code == 200, (name, response.text)
            continue
        assert report.failure.status == response.status_code, (name, report.lines)
        assert report.failure.www_authenticate() == response.headers["WWW-Authenticate"], name
        assert sum(found.decisive for found in report.lines) == 1, name
