"""HelseID's professional login on SQLite and PostgreSQL: PAR (RFC 9126) with private_key_jwt, signed
request objects (RFC 9101) as HelseID.Samples sends them, the authorize endpoint (code + PKCE S256 only,
login_hint=hpr:N), the code exchange with DPoP, userinfo with hpr_details, refresh with rotation and reuse
detection, end session, token exchange of the login's token for PTS, and every refusal as RFC 6749 JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, thumbprint

from helsebro import db
from helsebro.auth.client_side import dpop_proof
from helsebro.auth.clients import get_client, save_client
from helsebro.pseudonyms import pseudo_id
from helsebro.testdata import loader
from tests.api.pts_support import SAFETY, PtsClient, exchange, new_object, random_off_id, safety_body
from tests.api.test_operator_auth import operator_token
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT, demo_key
from tests.support_helseid_login import (
    AUTHORIZE,
    END_SESSION,
    ISSUER,
    LOGGED_OUT,
    PAR,
    PROFESSIONAL,
    REDIRECT,
    TOKEN,
    USERINFO,
    authorization_params,
    client_auth,
    code_via_par,
    log_in,
    push,
    query_of,
    redeem,
    refresh,
    request_object,
)
from tests.support_login import pkce

PID = "helseid://claims/identity/pid"
HPR_NUMBER = "helseid://claims/hpr/hpr_number"
PROFESSIONAL_FNR_CLAIMS = ("name", "given_name", "family_name", PID, HPR_NUMBER)


def claims_of(client, token: str) -> dict:
    keys = KeySet.import_key_set(client.get("/helseid/.well-known/openid-configuration/jwks").json())
    return dict(jwt.decode(token, keys).claims)


def refused(response, error: str, description: str, status: int = 400) -> None:
    """An RFC 6749 error body with exactly this error and a description containing ``description``."""
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    body = response.json()
    assert body["error"] == error and description in body["error_description"], body


@pytest.fixture()
def restore(engine, app) -> Iterator[None]:
    """For tests that change a client or move the clock: the data reset puts both back."""
    yield
    loader.reset(engine)
    app.state.services.state["verktoy"].invalidate()


def move_clock(client, seconds: int) -> None:
    headers = {"Authorization": f"Bearer {operator_token(client)}"}
    response = client.post("/operator/api/v1/klokke/fram", json={"varighet": f"PT{seconds}S"}, headers=headers)
    assert response.status_code == 200, response.text


# -- discovery ----------------------------------------------------------------------------------------------


def test_discovery_advertises_the_login_endpoints(client):
    document = client.get("/helseid/.well-known/openid-configuration").json()
    assert document["issuer"] == ISSUER
    assert document["authorization_endpoint"] == ISSUER + "/connect/authorize"
    assert document["pushed_authorization_request_endpoint"] == ISSUER + "/connect/par"
    assert document["userinfo_endpoint"] == ISSUER + "/connect/userinfo"
    assert document["end_session_endpoint"] == ISSUER + "/connect/endsession"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert {"authorization_code", "refresh_token", "client_credentials"} <= set(document["grant_types_supported"])
    assert {"openid", "offline_access", "helseid://scopes/identity/pid", "helseid://scopes/hpr/hpr_number"} <= set(
        document["scopes_supported"]
    )


# -- the story ----------------------------------------------------------------------------------------------


def test_par_login_hint_code_gives_dpop_bound_tokens_with_helseid_claims(client):
    key = ECKey.generate_key("P-256", private=True)
    code, verifier = code_via_par(client)
    response = redeem(client, code, verifier, dpop_key=key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "DPoP" and body["rt_expires_in"] > 0 and body["refresh_token"]
    access, identity = claims_of(client, body["access_token"]), claims_of(client, body["id_token"])
    secret = client.app.state.services.secret
    assert access["cnf"] == {"jkt": thumbprint(key.as_dict(private=False))}
    assert access["aud"] == "nhn:pts" and access["client_id"] == EPJ_CLIENT and access["iss"] == ISSUER
    assert access[PID] == identity[PID] and access[HPR_NUMBER] == identity[HPR_NUMBER] == PROFESSIONAL
    assert access["sub"] == identity["sub"] == pseudo_id(secret, EPJ_CLIENT, access[PID])
    assert access["sid"] == identity["sid"] and access["auth_time"] == identity["auth_time"]
    assert access["helseid://claims/identity/security_level"] == "4"
    assert access["helseid://claims/identity/assurance_level"] == "high"
    assert identity["aud"] == EPJ_CLIENT and identity["nonce"] == "nonce-1" and identity["name"] == "Venstre Morfar"
    assert identity["at_hash"]


def test_the_authorization_response_names_the_issuer_and_keeps_state(client):
    _, challenge = pkce()
    pushed = push(client, challenge).json()
    query = query_of(client.get(AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": pushed["request_uri"]}, follow_redirects=False))
    assert query["iss"] == ISSUER and query["state"] == "tilstand-1"  # RFC 9207: no mix-up of issuers


def test_without_a_nonce_the_id_token_has_none(client):
    tokens = log_in(client, nonce=None)
    assert "nonce" not in claims_of(client, tokens["id_token"])


def test_only_the_granted_identity_scopes_give_claims(client):
    tokens = log_in(client, scope="openid nhn:pts/api")
    access = claims_of(client, tokens["access_token"])
    assert not any(name in access for name in PROFESSIONAL_FNR_CLAIMS)
    assert "refresh_token" not in tokens  # no offline_access


def test_userinfo_gives_the_professional_with_hpr_details(client):
    tokens = log_in(client)
    response = client.get(USERINFO, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["sub"] == claims_of(client, tokens["id_token"])["sub"]
    assert info[HPR_NUMBER] == PROFESSIONAL and info["name"] == "Venstre Morfar"
    details = info["helseid://claims/hpr/hpr_details"]
    assert details["hpr_number"] == PROFESSIONAL
    assert [a["profession"] for a in details["approvals"]] == ["LE"]


def test_userinfo_with_a_dpop_bound_token_needs_the_proof(client):
    key = ECKey.generate_key("P-256", private=True)
    code, verifier = code_via_par(client)
    token = redeem(client, code, verifier, dpop_key=key).json()["access_token"]
    as_bearer = client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert as_bearer.status_code == 401 and as_bearer.json()["error"] == "invalid_token"
    proof = dpop_proof(key, "GET", "http://testserver" + USERINFO, access_token=token)
    with_proof = client.get(USERINFO, headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert with_proof.status_code == 200 and with_proof.json()[HPR_NUMBER] == PROFESSIONAL


def test_userinfo_refuses_a_token_without_a_login(client, tokens):
    system_token = tokens.get("nhn:pts/api", EPJ_CLIENT)
    response = client.get(USERINFO, headers={"Authorization": f"Bearer {system_token}"})
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
    assert "WWW-Authenticate" in response.headers


def test_refresh_rotates_and_the_refreshed_id_token_keeps_the_login(client):
    first = log_in(client)
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.text
    renewed = second.json()
    assert renewed["refresh_token"] != first["refresh_token"]
    old_id, new_id = claims_of(client, first["id_token"]), claims_of(client, renewed["id_token"])
    assert (new_id["sub"], new_id["sid"], new_id["auth_time"]) == (old_id["sub"], old_id["sid"], old_id["auth_time"])
    assert "nonce" not in new_id  # OpenID Connect 12.2
    third = refresh(client, renewed["refresh_token"])
    assert third.status_code == 200, third.text


def test_a_refresh_token_used_twice_revokes_its_whole_family(client):
    first = log_in(client)
    renewed = refresh(client, first["refresh_token"]).json()
    refused(refresh(client, first["refresh_token"]), "invalid_grant", "refresh token has already been used")
    # The thief's reuse cost the legitimate holder the rotated token too (OAuth 2.0 Security BCP 4.14.2).
    refused(refresh(client, renewed["refresh_token"]), "invalid_grant", "refresh token is revoked")


def test_a_refresh_may_narrow_the_scopes_but_never_widen_them(client):
    first = log_in(client, scope="openid offline_access nhn:pts/api")
    narrowed = refresh(client, first["refresh_token"], scope="openid nhn:pts/api")
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "openid nhn:pts/api"
    refused(refresh(client, narrowed.json()["refresh_token"], scope="openid profile"), "invalid_scope", "cannot add scopes")


def test_another_client_cannot_use_the_refresh_token(client):
    first = log_in(client)
    refused(refresh(client, first["refresh_token"], client_id=VERKTOY_CLIENT), "invalid_grant", "issued to another client")
    assert refresh(client, first["refresh_token"]).status_code == 200  # still the owner's


def test_unknown_refresh_token(client):
    refused(refresh(client, "ikke-et-token"), "invalid_grant", "unknown refresh token")


def test_the_login_token_is_a_subject_token_for_pts(client, tokens):
    login = log_in(client)
    key = ECKey.generate_key("P-256", private=True)
    exchanged = exchange(tokens, login["access_token"], dpop_key=key)
    assert exchanged.status_code == 200, exchanged.text
    pts_token = exchanged.json()["access_token"]
    claims = claims_of(client, pts_token)
    assert claims[HPR_NUMBER] == PROFESSIONAL and claims["act"] == {"sub": EPJ_CLIENT}
    created = PtsClient(client, "http://testserver", pts_token, key).post(
        SAFETY, safety_body(random_off_id(), new_object(), delayDays=14, cause="Manual")
    )
    assert created.status_code == 201, created.text


def test_logout_ends_the_session_for_refresh_userinfo_and_exchange(client, tokens):
    login = log_in(client)
    out = client.get(
        END_SESSION,
        params={"id_token_hint": login["id_token"], "post_logout_redirect_uri": LOGGED_OUT, "state": "ut-1"},
        follow_redirects=False,
    )
    assert out.status_code == 302 and out.headers["location"] == LOGGED_OUT + "?state=ut-1"
    refused(refresh(client, login["refresh_token"]), "invalid_grant", "logged out")
    info = client.get(USERINFO, headers={"Authorization": f"Bearer {login['access_token']}"})
    assert info.status_code == 401 and "logged out" in info.json()["error_description"]
    refused(exchange(tokens, login["access_token"]), "invalid_grant", "login session has ended")


def test_logout_without_a_redirect_shows_a_page(client):
    login = log_in(client)
    page = client.post(END_SESSION, data={"id_token_hint": login["id_token"]})
    assert page.status_code == 200 and "Du er logget ut" in page.text and "avsluttet" in page.text


def test_logout_never_redirects_to_an_unregistered_uri(client):
    login = log_in(client)
    response = client.get(
        END_SESSION,
        params={"id_token_hint": login["id_token"], "post_logout_redirect_uri": "https://angriper.example/"},
        follow_redirects=False,
    )
    refused(response, "invalid_request", "is not registered")
    assert refresh(client, login["refresh_token"]).status_code == 200  # nothing was ended


def test_logout_needs_an_id_token_of_this_helseid(client, tokens):
    refused(client.get(END_SESSION, params={"id_token_hint": tokens.get("nhn:pts/api", EPJ_CLIENT)}), "invalid_request", "not an ID token")
    refused(client.get(END_SESSION), "invalid_request", "id_token_hint is required")


# -- PAR and authorize refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "error", "description"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request", "plain PKCE is refused"),
        ({"code_challenge_method": None}, "invalid_request", "must be S256"),
        ({"code_challenge": None}, "invalid_request", "code_challenge is required"),
        ({"code_challenge": "for-kort"}, "invalid_request", "43-character"),
        ({"redirect_uri": "https://angriper.example/cb"}, "invalid_request", "is not registered for client"),
        ({"redirect_uri": None}, "invalid_request", "redirect_uri is required"),
        ({"response_type": "token"}, "unsupported_response_type", "response_type must be code"),
        ({"scope": "nhn:pts/api"}, "invalid_scope", "must contain openid"),
        ({"scope": "openid verktoysendtilinnbygger"}, "invalid_scope", "is not granted verktoysendtilinnbygger"),
        ({"scope": "openid ks:fiks"}, "invalid_scope", "unknown scope"),
        ({"request_uri": "urn:ietf:params:oauth:request_uri:x"}, "invalid_request", "request_uri cannot be pushed"),
        ({"client_id": VERKTOY_CLIENT}, "invalid_client", "client_id does not match"),
    ],
)
def test_par_refuses_with_what_is_wrong(client, change, error, description):
    _, challenge = pkce()
    params = {**authorization_params(challenge), **change}
    response = client.post(PAR, data={**{k: v for k, v in params.items() if v is not None}, **client_auth()})
    refused(response, error, description, status=401 if error == "invalid_client" else 400)


def test_par_needs_client_authentication(client):
    _, challenge = pkce()
    refused(client.post(PAR, data=authorization_params(challenge)), "invalid_client", "no client authentication", status=401)


def test_authorize_never_redirects_to_an_unregistered_redirect_uri(client):
    _, challenge = pkce()
    params = authorization_params(challenge, redirect_uri="https://angriper.example/cb")
    refused(client.get(AUTHORIZE, params=params, follow_redirects=False), "invalid_request", "is not registered")
    page = client.get(AUTHORIZE, params=params, headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 400 and "location" not in page.headers and "is not registered" in page.text


def test_authorize_sends_known_good_requests_back_with_the_error(client):
    _, challenge = pkce()
    query = query_of(client.get(AUTHORIZE, params=authorization_params(challenge, code_challenge_method="plain"), follow_redirects=False))
    assert query["error"] == "invalid_request" and "plain" in query["error_description"]
    assert query["state"] == "tilstand-1" and query["iss"] == ISSUER


def test_authorize_refuses_an_unknown_client_and_repeated_parameters(client):
    _, challenge = pkce()
    refused(client.get(AUTHORIZE, params=authorization_params(challenge, client_id="ukjent")), "invalid_client", "unknown client 'ukjent'")
    url = AUTHORIZE + f"?client_id={EPJ_CLIENT}&scope=openid&scope=profile"
    refused(client.get(url), "invalid_request", "parameter scope is repeated")


def test_a_request_uri_is_good_once(client):
    _, challenge = pkce()
    uri = push(client, challenge).json()["request_uri"]
    assert client.get(AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": uri}, follow_redirects=False).status_code == 302
    again = client.get(AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": uri}, follow_redirects=False)
    refused(again, "invalid_request", "request_uri has already been used")


def test_a_request_uri_expires_after_60_seconds(client, restore):
    _, challenge = pkce()
    pushed = push(client, challenge).json()
    assert pushed["expires_in"] == 60
    move_clock(client, 61)
    late = client.get(AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": pushed["request_uri"]}, follow_redirects=False)
    refused(late, "invalid_request", "request_uri has expired")


def test_a_request_uri_belongs_to_the_client_that_pushed_it(client):
    _, challenge = pkce()
    uri = push(client, challenge).json()["request_uri"]
    other = client.get(AUTHORIZE, params={"client_id": VERKTOY_CLIENT, "request_uri": uri}, follow_redirects=False)
    refused(other, "invalid_request", "pushed by another client")
    refused(
        client.get(AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": "urn:ietf:params:oauth:request_uri:gjettet"}),
        "invalid_request",
        "request_uri is unknown",
    )


def test_a_client_that_requires_par_cannot_skip_it(client, engine, restore):
    with db.write(engine) as conn:
        epj = get_client(conn, EPJ_CLIENT)
        assert epj is not None
        save_client(conn, dataclasses.replace(epj, require_par=True))
    _, challenge = pkce()
    refused(client.get(AUTHORIZE, params=authorization_params(challenge), follow_redirects=False), "invalid_request", "require_par")
    assert code_via_par(client)[0]  # through PAR it works


def test_login_hint_is_off_in_strict_mode(database_url, engine):
    from starlette.testclient import TestClient

    from helsebro.app import create_app
    from tests.conftest import PUBLIC_URL, make_settings

    strict = create_app(make_settings(database_url, strict=True), engine)
    with TestClient(strict, base_url=PUBLIC_URL) as strict_client:
        _, challenge = pkce()
        uri = push(strict_client, challenge).json()["request_uri"]
        page = strict_client.get(AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": uri}, follow_redirects=False)
        assert page.status_code == 200 and "Logg inn som helsepersonell" in page.text


def test_an_unknown_professional_in_login_hint_goes_back_as_access_denied(client):
    _, challenge = pkce()
    uri = push(client, challenge, login_hint="hpr:999999999").json()["request_uri"]
    query = query_of(client.get(AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": uri}, follow_redirects=False))
    assert query["error"] == "access_denied" and "HPR-nummer 999999999" in query["error_description"]


# -- request objects (RFC 9101) ---------------------------------------------------------------------------


def test_a_signed_request_object_as_helseid_samples_sends_it(client):
    code, verifier = code_via_par(client, request=request_object(state="fra-objektet"))
    assert redeem(client, code, verifier).status_code == 200


def test_the_request_objects_parameters_win(client):
    _, challenge = pkce()
    uri = push(client, challenge, request=request_object(state="fra-objektet")).json()["request_uri"]
    query = query_of(client.get(AUTHORIZE, params={"client_id": EPJ_CLIENT, "request_uri": uri}, follow_redirects=False))
    assert query["state"] == "fra-objektet"


def _impostor() -> ECKey:
    """Another key of the EPJ key's type, dressed up with its kid: only the signature can tell."""
    return ECKey.generate_key("P-256", parameters={"kid": demo_key(EPJ_CLIENT).kid}, private=True)


@pytest.mark.parametrize(
    ("make", "description"),
    [
        (lambda: request_object(key=demo_key(VERKTOY_CLIENT)), "unknown kid 'demo-verktoy-1'"),
        (lambda: request_object(key=_impostor()), "signature check failed"),
        (lambda: request_object(audience="https://helseid-sts.nhn.no"), "aud must be this HelseID"),
        (lambda: request_object(iss=VERKTOY_CLIENT), "iss and client_id must be the client"),
        (lambda: request_object(exp=1), "token has expired"),
        (lambda: request_object(response_type="token"), "response_type differs"),
    ],
)
def test_a_bad_request_object_is_refused(client, make, description):
    _, challenge = pkce()
    refused(push(client, challenge, request=make()), "invalid_request_object", description)


def test_a_request_object_is_used_once(client):
    _, challenge = pkce()
    once = request_object()
    assert push(client, challenge, request=once).status_code == 201
    refused(push(client, challenge, request=once), "invalid_request_object", "jti has been used before")


# -- the code exchange: attacks ----------------------------------------------------------------------------


def test_a_code_used_twice_is_refused_and_revokes_its_tokens(client):
    code, verifier = code_via_par(client)
    first = redeem(client, code, verifier).json()
    refused(redeem(client, code, verifier), "invalid_grant", "authorization code has already been used")
    refused(refresh(client, first["refresh_token"]), "invalid_grant", "refresh token is revoked")


def test_code_injection_into_another_client_is_refused(client):
    code, verifier = code_via_par(client)
    refused(redeem(client, code, verifier, client_id=VERKTOY_CLIENT), "invalid_grant", "issued to another client")
    assert redeem(client, code, verifier).status_code == 200  # the refused attempt did not burn it


def test_pkce_downgrade_and_mismatch_are_refused(client):
    code, verifier = code_via_par(client)
    refused(redeem(client, code, None), "invalid_request", "code_verifier is required")
    refused(redeem(client, code, "x" * 43), "invalid_grant", "code_verifier does not match")
    refused(redeem(client, code, "kort"), "invalid_grant", "43 to 128 characters")
    assert redeem(client, code, verifier).status_code == 200


def test_the_redirect_uri_must_be_the_requests(client):
    code, verifier = code_via_par(client)
    refused(redeem(client, code, verifier, redirect_uri="http://127.0.0.1:3000/callback"), "invalid_grant", "redirect_uri must be the one")


def test_unknown_and_expired_codes(client, restore):
    refused(redeem(client, "ukjent", "x" * 43), "invalid_grant", "unknown authorization code")
    code, verifier = code_via_par(client)
    move_clock(client, 61)
    refused(redeem(client, code, verifier), "invalid_grant", "authorization code has expired")


def test_a_citizen_login_code_is_no_code_here(client):
    from tests.support_login import AUTHORIZE as CITIZEN_AUTHORIZE
    from tests.support_login import authorize_params, hidden_fields

    verifier, challenge = pkce()
    page = client.get(CITIZEN_AUTHORIZE, params=authorize_params(challenge))
    back = client.post(CITIZEN_AUTHORIZE, data={**hidden_fields(page.text), "fnr": "12048645510"}, follow_redirects=False)
    citizen_code = query_of(back)["code"]
    refused(redeem(client, citizen_code, verifier, client_id=VERKTOY_CLIENT), "invalid_grant", "unknown authorization code")


def test_a_code_bound_by_dpop_at_par_needs_that_key(client):
    key = ECKey.generate_key("P-256", private=True)
    proof = dpop_proof(key, "POST", "http://testserver" + PAR)
    code, verifier = code_via_par(client, headers={"DPoP": proof})
    refused(redeem(client, code, verifier), "invalid_dpop_proof", "bound the code to a DPoP key")
    refused(redeem(client, code, verifier, dpop_key=ECKey.generate_key("P-256", private=True)), "invalid_dpop_proof", "bound the code")
    bound = redeem(client, code, verifier, dpop_key=key)
    assert bound.status_code == 200 and bound.json()["token_type"] == "DPoP"


def test_client_credentials_cannot_have_identity_scopes(tokens):
    refused(tokens.request("openid nhn:pts/api", EPJ_CLIENT), "invalid_scope", "identity scopes come with a professional's login")


# -- the login page ---------------------------------------------------------------------------------------


def _page(client, **extra: str | None):
    verifier, challenge = pkce()
    page = client.get(AUTHORIZE, params=authorization_params(challenge, login_hint=None, **extra))
    assert page.status_code == 200, page.text
    return page, verifier


def _fields(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_the_login_page_lists_professionals_in_norwegian(client):
    page, _ = _page(client)
    assert 'lang="nb"' in page.text and "Logg inn som helsepersonell" in page.text
    assert "Venstre Morfar, Lege (HPR 565513636)" in page.text
    assert '<label for="ident">' in page.text and "<script" not in page.text


def test_the_page_logs_in_the_professional_chosen_or_typed(client, engine):
    from helsebro.registries.service import get_health_person

    with engine.connect() as conn:
        person = get_health_person(conn, "4128168")
    assert person is not None and person.fnr
    for choice in ({"valgt_hpr": PROFESSIONAL}, {"ident": "4128168"}, {"ident": person.fnr}):
        page, verifier = _page(client)
        back = client.post(AUTHORIZE, data={**_fields(page.text), **choice, "handling": "logg_inn"}, follow_redirects=False)
        query = query_of(back)
        tokens = redeem(client, query["code"], verifier).json()
        assert claims_of(client, tokens["access_token"])[HPR_NUMBER] == choice.get("valgt_hpr", "4128168")


def test_the_page_says_when_nobody_is_found_and_keeps_the_request(client):
    page, verifier = _page(client)
    fields = _fields(page.text)
    again = client.post(AUTHORIZE, data={**fields, "ident": "999999999"})
    assert again.status_code == 400 and 'role="alert"' in again.text and "HPR-nummer 999999999" in again.text
    back = client.post(AUTHORIZE, data={**fields, "ident": PROFESSIONAL}, follow_redirects=False)
    assert redeem(client, query_of(back)["code"], verifier).status_code == 200
    used = client.post(AUTHORIZE, data={**fields, "ident": PROFESSIONAL}, follow_redirects=False)
    refused(used, "invalid_request", "the login form has already been used")


def test_cancelling_goes_back_as_access_denied(client):
    page, _ = _page(client)
    query = query_of(client.post(AUTHORIZE, data={**_fields(page.text), "handling": "avbryt"}, follow_redirects=False))
    assert query["error"] == "access_denied" and query["state"] == "tilstand-1"


def test_the_page_posts_to_this_helseid(client):
    page, _ = _page(client)
    assert f'action="{ISSUER}/connect/authorize"' in page.text
    assert urlsplit(REDIRECT).netloc not in page.text.split("<form")[1].split("</form>")[0]  # no redirect in the form


def test_the_token_endpoint_path_is_the_one_discovery_names(client):
    assert client.get("/helseid/.well-known/openid-configuration").json()["token_endpoint"] == "http://testserver" + TOKEN


def test_a_par_client_assertion_may_name_the_par_endpoint(client):
    """RFC 9126 section 2: the issuer, the token endpoint or the PAR endpoint identify HelseID as audience."""
    _, challenge = pkce()
    form = {**authorization_params(challenge), **client_auth(issuer="http://testserver" + PAR)}
    assert client.post(PAR, data=form).status_code == 201
    form = {**authorization_params(challenge), **client_auth(issuer="http://testserver/helsenorge-login")}
    refused(client.post(PAR, data=form), "invalid_client", "aud must be", status=401)


def test_a_request_object_at_the_authorize_endpoint_without_par(client):
    verifier, challenge = pkce()
    params = {"client_id": EPJ_CLIENT, "request": request_object(**authorization_params(challenge, state="i-objektet"))}
    query = query_of(client.get(AUTHORIZE, params=params, follow_redirects=False))
    assert query["state"] == "i-objektet" and query["iss"] == ISSUER
    assert redeem(client, query["code"], verifier).status_code == 200
    forged = {"client_id": EPJ_CLIENT, "request": request_object(key=_impostor(), **authorization_params(challenge))}
    refused(client.get(AUTHORIZE, params=forged, follow_redirects=False), "invalid_request_object", "signature check failed")


def test_prompt_none_without_a_login_goes_back_as_login_required(client):
    _, challenge = pkce()
    params = authorization_params(challenge, login_hint=None, prompt="none")
    query = query_of(client.get(AUTHORIZE, params=params, follow_redirects=False))
    assert query["error"] == "login_required" and query["state"] == "tilstand-1"
