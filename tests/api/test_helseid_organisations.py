"""HelseID's organisations in the token: ``authorization_details`` of type ``helseid_authorization`` as
NorskHelsenett/HelseID.Samples builds it (Common/PayloadClaimsCreators/PayloadClaimsCreatorWithChildOrgNumber.cs
and PayloadClaimsCreatorForMultiTenantClient.cs), in the client assertion or the request, checked against the
client's registration; the PTS audit recording the organisations of an exchanged token; every refusal."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import pytest
import sqlalchemy as sa
from joserfc import jws
from joserfc.jwk import ECKey

from helsebro import db
from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion
from helsebro.auth.clients import ApiClient, save_client
from helsebro.auth.passwords import hash_secret
from tests.api.pts_support import (
    ACCESS_TOKEN_TYPE,
    SAFETY,
    TOKEN_EXCHANGE,
    PtsClient,
    audit_rows,
    claims_of,
    random_off_id,
    user_token,
)
from tests.support import SECRET, SECRET_CLIENT
from tests.support_helseid_login import AUTHORIZE, PAR, REDIRECT, SCOPE, authorization_params, query_of, request_object
from tests.support_login import pkce

TOKEN_PATH = "/helseid/connect/token"
ORGNR_PARENT = "helseid://claims/client/claims/orgnr_parent"
ORGNR_CHILD = "helseid://claims/client/claims/orgnr_child"
ORGNR_SUPPLIER = "helseid://claims/client/claims/orgnr_supplier"
CLIENT_TENANCY = "helseid://claims/client/client_tenancy"

SINGLE = "orgs-single-tenant"  # an EPJ installed at one health trust, with two child organisations
PLAIN = "orgs-no-children"
SECRET_LOGIN = "orgs-secret-login"  # a login client authenticating with a client secret  # a single-tenant client with no child organisations registered
MULTI = "orgs-multi-tenant"  # a SaaS vendor's client acting for many customers
SINGLE_ORGNR = "913748263"  # Helse Vestfjord HF (in the registry)
CHILDREN = ("920000002", "920000010")
VENDOR_ORGNR = "928741613"  # Digital Omsorg Norge AS (in the registry)
CUSTOMER = "964107580"  # Fjordvik kommune (in the registry)
NOT_REGISTERED = "920000029"  # a valid organisation number helsebro's registry does not have
KEY = ECKey.generate_key("P-256", private=True, parameters={"kid": "orgs-1"})
SCOPES = ("nhn:pts/api", "verktoykatalog_read", *SCOPE.split())


def child_details(orgnr: str) -> dict[str, Any]:
    """PayloadClaimsCreatorWithChildOrgNumber's structure, verbatim."""
    return {
        "type": "helseid_authorization",
        "practitioner_role": {
            "organization": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.2.101", "type": "ENH", "value": f"{orgnr}"}}
        },
    }


def multi_tenant_details(parent: str, child: str | None = None) -> dict[str, Any]:
    """PayloadClaimsCreatorForMultiTenantClient's structure, verbatim (a parent without child ends in ':')."""
    value = parent + (f":{child}" if child else ":")
    return {
        "type": "helseid_authorization",
        "practitioner_role": {"organization": {"identifier": {"system": "urn:oid:1.0.6523", "type": "ENH", "value": f"NO:ORGNR:{value}"}}},
    }


@pytest.fixture(scope="module", autouse=True)
def organisation_clients(engine: sa.Engine) -> None:
    jwks = {"keys": [KEY.as_dict(private=False) | {"kid": "orgs-1"}]}
    with db.write(engine) as conn:
        save_client(
            conn, ApiClient(SINGLE, "Vestfjord EPJ", SINGLE_ORGNR, SCOPES, jwks, child_organisations=CHILDREN, redirect_uris=(REDIRECT,))
        )
        save_client(conn, ApiClient(PLAIN, "Plain EPJ", SINGLE_ORGNR, SCOPES, jwks))
        save_client(
            conn,
            ApiClient(
                SECRET_LOGIN,
                "EPJ with a secret",
                SINGLE_ORGNR,
                SCOPES,
                secret_hash=hash_secret(SECRET),
                child_organisations=CHILDREN,
                redirect_uris=(REDIRECT,),
            ),
        )
        save_client(conn, ApiClient(MULTI, "SaaS EPJ", VENDOR_ORGNR, SCOPES, jwks, multi_tenant=True, redirect_uris=(REDIRECT,)))


def assertion(tokens, client_id: str, details: Any = None) -> str:
    extra = {"authorization_details": details} if details is not None else None
    return client_assertion(client_id, KEY, tokens.issuer, extra_claims=extra)


def token_request(tokens, client_id: str, details: Any = None, **form: str):
    body = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(tokens, client_id, details),
        "scope": "nhn:pts/api",
        **form,
    }
    return tokens.client.post(TOKEN_PATH, data=body)


def issued(response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return claims_of(response.json()["access_token"])


def refused(response, number: int) -> str:
    """HelseID's refusal: invalid_request, its error number first in the description."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["error_description"].startswith(f"HID-{number}: "), body["error_description"]
    assert response.headers["cache-control"] == "no-store"
    return body["error_description"]


def test_helsebros_own_clients_build_the_samples_structures():
    from helsebro.auth.organisations import details_for

    assert details_for(None, CHILDREN[0]) == child_details(CHILDREN[0])
    assert details_for(CUSTOMER, CHILDREN[1]) == multi_tenant_details(CUSTOMER, CHILDREN[1])
    assert details_for(CUSTOMER, None) == multi_tenant_details(CUSTOMER)


def test_discovery_names_the_authorization_details_type(client):
    document = client.get("/helseid/.well-known/openid-configuration").json()
    assert "helseid_authorization" in document["authorization_details_types_supported"]
    assert ORGNR_SUPPLIER in document["claims_supported"]


# -- single-tenant: child organisations ------------------------------------------------------------------


def test_without_details_a_single_tenant_token_names_the_clients_organisation(tokens):
    claims = issued(token_request(tokens, SINGLE))
    assert claims[ORGNR_PARENT] == SINGLE_ORGNR and ORGNR_CHILD not in claims
    assert claims[CLIENT_TENANCY] == "single-tenant" and ORGNR_SUPPLIER not in claims


def test_a_registered_child_organisation_in_the_client_assertion_is_in_the_token(tokens):
    claims = issued(token_request(tokens, SINGLE, child_details(CHILDREN[1])))
    assert claims[ORGNR_PARENT] == SINGLE_ORGNR and claims[ORGNR_CHILD] == CHILDREN[1]


def test_the_child_organisation_as_the_authorization_details_parameter(tokens):
    # RFC 9396's form: a JSON array in the request parameter.
    response = token_request(tokens, SINGLE, authorization_details=json.dumps([child_details(CHILDREN[0])]))
    claims = issued(response)
    assert claims[ORGNR_PARENT] == SINGLE_ORGNR and claims[ORGNR_CHILD] == CHILDREN[0]


def test_the_trust_frameworks_context_beside_it_is_accepted(tokens):
    context = {"type": "nhn:tillitsrammeverk:parameters", "practitioner": {"legal_entity": {"id": "111222333"}}}
    claims = issued(token_request(tokens, SINGLE, [context, child_details(CHILDREN[0])]))
    assert claims[ORGNR_CHILD] == CHILDREN[0]


def test_a_child_organisation_not_registered_for_the_client_is_refused(tokens):
    description = refused(token_request(tokens, SINGLE, child_details(NOT_REGISTERED)), 1002)
    assert description == (
        f"HID-1002: the child organisation {NOT_REGISTERED} is not one client {SINGLE} may act for (registered: {', '.join(CHILDREN)})"
    )


def test_a_client_without_child_organisations_may_not_name_one(tokens):
    assert CHILDREN[0] in refused(token_request(tokens, PLAIN, child_details(CHILDREN[0])), 1006)


def test_a_single_tenant_client_may_not_name_a_parent_organisation(tokens):
    description = refused(token_request(tokens, SINGLE, multi_tenant_details(CUSTOMER, CHILDREN[0])), 1005)
    assert "single-tenant" in description and SINGLE_ORGNR in description


# -- multi-tenant ---------------------------------------------------------------------------------------------


def test_a_multi_tenant_client_acts_for_the_parent_and_child_it_names(tokens):
    claims = issued(token_request(tokens, MULTI, multi_tenant_details(CUSTOMER, NOT_REGISTERED)))
    # HelseID does not check a multi-tenant client's child organisation against a list.
    assert claims[ORGNR_PARENT] == CUSTOMER and claims[ORGNR_CHILD] == NOT_REGISTERED
    assert claims[ORGNR_SUPPLIER] == VENDOR_ORGNR and claims[CLIENT_TENANCY] == "multi-tenant"


def test_a_multi_tenant_parent_without_child(tokens):
    claims = issued(token_request(tokens, MULTI, multi_tenant_details(CUSTOMER)))
    assert claims[ORGNR_PARENT] == CUSTOMER and ORGNR_CHILD not in claims


def test_a_multi_tenant_token_without_details_names_no_parent(tokens):
    claims = issued(token_request(tokens, MULTI))
    assert ORGNR_PARENT not in claims and claims[ORGNR_SUPPLIER] == VENDOR_ORGNR


def test_a_parent_organisation_the_vendor_may_not_act_for_is_refused(tokens):
    description = refused(token_request(tokens, MULTI, multi_tenant_details(NOT_REGISTERED)), 1001)
    assert f"may not act for the parent organisation {NOT_REGISTERED}" in description


def test_a_multi_tenant_client_must_name_its_parent(tokens):
    assert "urn:oid:1.0.6523" in refused(token_request(tokens, MULTI, child_details(CHILDREN[0])), 1007)


# -- malformed ------------------------------------------------------------------------------------------------


def _with_identifier(**identifier: Any) -> dict[str, Any]:
    details = child_details(CHILDREN[0])
    details["practitioner_role"]["organization"]["identifier"] = identifier
    return details


@pytest.mark.parametrize(
    ("details", "number", "mentions"),
    [
        ([], 1007, "array of 1 to 10"),
        ([child_details(CHILDREN[0])] * 11, 1007, "array of 1 to 10"),
        ("helseid_authorization", 1007, "authorization_details must be an object"),
        ({"type": "some_other_type"}, 1007, "authorization_details.type must be 'helseid_authorization'"),
        ({"type": "helseid_authorization"}, 1007, "authorization_details.practitioner_role is missing"),
        ({"type": "helseid_authorization", "practitioner_role": []}, 1007, "practitioner_role must be an object"),
        (_with_identifier(value=CHILDREN[0]), 1007, "identifier.system is missing"),
        (_with_identifier(system="urn:oid:2.16.578.1.12.4.1.2.101"), 1007, "identifier.value is missing"),
        (_with_identifier(system="urn:oid:9.9", value=CHILDREN[0]), 1007, "identifier.system must be"),
        (_with_identifier(system="urn:oid:2.16.578.1.12.4.1.2.101", type="HPR", value=CHILDREN[0]), 1007, "type must be 'ENH'"),
        (_with_identifier(system="urn:oid:2.16.578.1.12.4.1.2.101", value=920000002), 1007, "value must be a string"),
        (_with_identifier(system="urn:oid:2.16.578.1.12.4.1.2.101", value="9" * 101), 1007, "at most 100 characters"),
        (_with_identifier(system="urn:oid:2.16.578.1.12.4.1.2.101", value="920000003"), 1004, "'920000003' is not an organisation number"),
        (_with_identifier(system="urn:oid:2.16.578.1.12.4.1.2.101", value="92000000 2"), 1004, "nine digits"),
        (_with_identifier(system="urn:oid:1.0.6523", value="964107580"), 1007, "NO:ORGNR:<parent orgnr>:<child orgnr>"),
        (_with_identifier(system="urn:oid:1.0.6523", value="NO:ORGNR:964107580:920000002:1"), 1007, "more than a parent and a child"),
        (_with_identifier(system="urn:oid:1.0.6523", value="NO:ORGNR:96410758:"), 1004, "the parent organisation '96410758'"),
        ([child_details(CHILDREN[0]), child_details(CHILDREN[1])], 1007, "in one object"),
    ],
)
def test_malformed_details_are_refused_precisely(tokens, details, number, mentions):
    client_id = MULTI if "1.0.6523" in json.dumps(details) else SINGLE
    assert mentions in refused(token_request(tokens, client_id, details), number)


@pytest.mark.parametrize(
    ("parameter", "mentions"),
    [("{not json", "not JSON"), ("[" * 3000 + "]" * 3000, "nested too deeply"), ("[" + " " * 8200 + "]", "longer than 8192")],
)
def test_a_malformed_parameter_is_refused(tokens, parameter, mentions):
    assert mentions in refused(token_request(tokens, SINGLE, authorization_details=parameter), 1007)


def test_details_nested_beyond_the_parser_in_the_assertion_are_an_invalid_client(tokens):
    # Signed by hand: no JSON encoder writes this deep, but an attacker's bytes can be anything.
    now = int(time.time())
    head = json.dumps({"iss": SINGLE, "sub": SINGLE, "aud": tokens.issuer, "jti": secrets.token_hex(8), "iat": now, "exp": now + 60})
    payload = head[:-1] + ', "authorization_details": ' + "[" * 3000 + "]" * 3000 + "}"
    signed = jws.serialize_compact({"alg": "ES256", "kid": "orgs-1"}, payload.encode(), KEY)
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": signed, "scope": "nhn:pts/api"}
    response = tokens.client.post(TOKEN_PATH, data=form)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert "nested too deeply" in response.json()["error_description"]


def test_both_assertion_and_parameter_are_refused(tokens):
    response = token_request(tokens, SINGLE, child_details(CHILDREN[0]), authorization_details=json.dumps(child_details(CHILDREN[1])))
    assert "not both" in refused(response, 1007)


def test_a_client_with_a_secret_may_not_name_organisations(tokens):
    form = {
        "grant_type": "client_credentials",
        "scope": "verktoykatalog_read",
        "client_id": SECRET_CLIENT,
        "client_secret": SECRET,
        "authorization_details": json.dumps(child_details(CHILDREN[0])),
    }
    assert "private_key_jwt" in refused(tokens.client.post(TOKEN_PATH, data=form), 1008)


# -- token exchange and the PTS audit ---------------------------------------------------------------------


def exchange(tokens, client_id: str, subject: str, details: Any, key: ECKey, **form: str):
    from helsebro.auth.client_side import dpop_proof

    body = {
        "grant_type": TOKEN_EXCHANGE,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(tokens, client_id, details),
        "subject_token": subject,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        **form,
    }
    return tokens.client.post(TOKEN_PATH, data=body, headers={"DPoP": dpop_proof(key, "POST", tokens.token_url)})


def test_the_pts_audit_records_the_organisations_of_a_multi_tenant_exchange(app, client, tokens, engine):
    key = ECKey.generate_key("P-256", private=True)
    subject = user_token(app, client_id=MULTI)
    response = exchange(tokens, MULTI, subject, multi_tenant_details(CUSTOMER, CHILDREN[0]), key, audience="nhn:pts")
    claims = issued(response)
    assert claims[ORGNR_PARENT] == CUSTOMER and claims[ORGNR_CHILD] == CHILDREN[0] and claims[ORGNR_SUPPLIER] == VENDOR_ORGNR
    off_id = random_off_id()
    pts = PtsClient(client, tokens.base_url, response.json()["access_token"], key)
    assert pts.post(SAFETY + "/_search", {"offId": off_id}).status_code == 200
    (row,) = audit_rows(engine, client_id=MULTI, off_id=off_id)
    assert (row.orgnr_parent, row.orgnr_child, row.orgnr_supplier, row.status) == (CUSTOMER, CHILDREN[0], VENDOR_ORGNR, 200)
    assert row.hpr_number == claims["helseid://claims/hpr/hpr_number"]


def test_the_pts_audit_records_a_single_tenant_clients_child_organisation(app, client, tokens, engine):
    key = ECKey.generate_key("P-256", private=True)
    response = exchange(tokens, SINGLE, user_token(app, client_id=SINGLE), child_details(CHILDREN[1]), key, resource="nhn:pts")
    claims = issued(response)
    assert claims["aud"] == "nhn:pts" and claims[ORGNR_CHILD] == CHILDREN[1]
    off_id = random_off_id()
    pts = PtsClient(client, tokens.base_url, response.json()["access_token"], key)
    assert pts.post(SAFETY + "/_search", {"offId": off_id}).status_code == 200
    (row,) = audit_rows(engine, client_id=SINGLE, off_id=off_id)
    assert (row.orgnr_parent, row.orgnr_child, row.orgnr_supplier) == (SINGLE_ORGNR, CHILDREN[1], None)


def test_an_exchange_naming_an_organisation_the_client_may_not_use_is_refused(app, tokens):
    key = ECKey.generate_key("P-256", private=True)
    response = exchange(tokens, MULTI, user_token(app, client_id=MULTI), multi_tenant_details(NOT_REGISTERED), key, audience="nhn:pts")
    refused(response, 1001)


def test_pts_refuses_a_multi_tenant_token_that_names_no_parent(app, client, tokens, engine):
    key = ECKey.generate_key("P-256", private=True)
    response = exchange(tokens, MULTI, user_token(app, client_id=MULTI), None, key, audience="nhn:pts")
    assert ORGNR_PARENT not in issued(response)
    pts = PtsClient(client, tokens.base_url, response.json()["access_token"], key)
    refusal = pts.post(SAFETY + "/_search", {"offId": random_off_id()})
    assert refusal.status_code in (401, 403) and ORGNR_PARENT in refusal.text


# -- the professional login: PAR / request object, the code, refresh -----------------------------------------


def auth_form(tokens, client_id: str, details: Any = None) -> dict[str, str]:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion(tokens, client_id, details)}


def pushed(tokens, client_id: str, **extra: str):
    verifier, challenge = pkce()
    response = tokens.client.post(PAR, data={**authorization_params(challenge, client_id, **extra), **auth_form(tokens, client_id)})
    return response, verifier


def logged_in(tokens, client_id: str, assertion_details: Any = None, **extra: str):
    """PAR (login_hint), the authorize redirect, and the code redeemed: the token endpoint's answer."""
    response, verifier = pushed(tokens, client_id, **extra)
    assert response.status_code == 201, response.text
    back = tokens.client.get(
        AUTHORIZE, params={"client_id": client_id, "request_uri": response.json()["request_uri"]}, follow_redirects=False
    )
    form = {"grant_type": "authorization_code", "code": query_of(back)["code"], "redirect_uri": REDIRECT, "code_verifier": verifier}
    return tokens.client.post(TOKEN_PATH, data={**form, **auth_form(tokens, client_id, assertion_details)})


def test_a_login_pushed_with_authorization_details_acts_for_that_customer(tokens):
    response = logged_in(tokens, MULTI, authorization_details=json.dumps([multi_tenant_details(CUSTOMER, CHILDREN[0])]))
    claims = issued(response)
    assert claims[ORGNR_PARENT] == CUSTOMER and claims[ORGNR_CHILD] == CHILDREN[0] and claims[ORGNR_SUPPLIER] == VENDOR_ORGNR
    assert claims["helseid://claims/hpr/hpr_number"]


def test_a_login_with_the_organisations_in_the_request_object(tokens):
    signed = request_object(SINGLE, KEY, tokens.issuer, authorization_details=child_details(CHILDREN[0]))
    claims = issued(logged_in(tokens, SINGLE, request=signed))
    assert claims[ORGNR_PARENT] == SINGLE_ORGNR and claims[ORGNR_CHILD] == CHILDREN[0]


def test_par_refuses_an_organisation_the_client_may_not_act_for(tokens):
    response, _ = pushed(tokens, SINGLE, authorization_details=json.dumps(child_details(NOT_REGISTERED)))
    refused(response, 1002)


def test_organisations_in_the_client_assertion_of_the_code_grant_are_refused(tokens):
    refused(logged_in(tokens, SINGLE, child_details(CHILDREN[0])), 1009)


def test_each_refresh_may_name_another_child_organisation(tokens):
    first = logged_in(tokens, SINGLE)
    assert ORGNR_CHILD not in issued(first)
    for child in CHILDREN:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": first.json()["refresh_token"],
            **auth_form(tokens, SINGLE, child_details(child)),
        }
        first = tokens.client.post(TOKEN_PATH, data=form)
        assert issued(first)[ORGNR_CHILD] == child
    form = {
        "grant_type": "refresh_token",
        "refresh_token": first.json()["refresh_token"],
        **auth_form(tokens, SINGLE, child_details(NOT_REGISTERED)),
    }
    refused(tokens.client.post(TOKEN_PATH, data=form), 1002)
    # The refused refresh did not use the refresh token up.
    form = {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"], **auth_form(tokens, SINGLE)}
    assert ORGNR_CHILD not in issued(tokens.client.post(TOKEN_PATH, data=form))


def test_a_code_whose_organisation_is_refused_is_not_used_up(tokens, engine):
    # A parent organisation that leaves the registry between the login and the code's redemption.
    from helsebro.registries.tables import organisasjon

    response, verifier = pushed(tokens, MULTI, authorization_details=json.dumps(multi_tenant_details("920000037")))
    assert response.status_code == 201, response.text  # the registry is asked when the code is redeemed
    back = tokens.client.get(AUTHORIZE, params={"client_id": MULTI, "request_uri": response.json()["request_uri"]}, follow_redirects=False)
    form = {"grant_type": "authorization_code", "code": query_of(back)["code"], "redirect_uri": REDIRECT, "code_verifier": verifier}
    refused(tokens.client.post(TOKEN_PATH, data={**form, **auth_form(tokens, MULTI)}), 1001)
    with db.write(engine) as conn:
        conn.execute(sa.insert(organisasjon).values(orgnr="920000037", navn="Ny kunde AS"))
    try:
        assert issued(tokens.client.post(TOKEN_PATH, data={**form, **auth_form(tokens, MULTI)}))[ORGNR_PARENT] == "920000037"
    finally:
        with db.write(engine) as conn:
            conn.execute(sa.delete(organisasjon).where(organisasjon.c.orgnr == "920000037"))


def test_par_refuses_organisations_from_a_client_with_a_secret(tokens):
    _, challenge = pkce()
    details = json.dumps(child_details(CHILDREN[0]))
    form = {**authorization_params(challenge, SECRET_LOGIN, authorization_details=details), "client_secret": SECRET}
    assert "private_key_jwt" in refused(tokens.client.post(PAR, data=form), 1008)
    del form["authorization_details"]
    assert tokens.client.post(PAR, data=form).status_code == 201  # the same request without them is pushed
