"""Maskinporten's business-certificate grants as KS's own client sends them (``usingVirksomhetssertifikat``):
the certificate in ``x5c``, checked against helsebro's test CA or the client's registered certificates, the
consumer taken from it, ``resource`` as the token's audience, and every refusal in OAuth's error form with
the reason. Runs on SQLite and PostgreSQL (the ``svarut`` harness)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import KeySet

from helsebro import db
from helsebro.auth import certificates, local_ca
from helsebro.auth.clients import ApiClient, get_client, save_client
from tests.support_svarut import KOMMUNE_CLIENT, KONTO, MASKINPORTEN_ISSUER, TOKEN_PATH, svarut  # noqa: F401
from tests.support_virksomhetssertifikat import KS_HEADERS, ks_body, ks_grant

KOMMUNE_ORGNR = "910000063"
AUDIENCE = MASKINPORTEN_ISSUER + "/"  # KS's README configures the audience with the trailing slash
NOW = dt.datetime.now(dt.UTC)  # certificate validity windows around it are days wide, never seconds


@pytest.fixture(scope="module")
def ca(svarut) -> local_ca.LocalCA:
    return local_ca.load_or_create(svarut.data_dir)  # the app's data directory: the CA the server trusts


@pytest.fixture(scope="module")
def business(ca):
    return ca.issue_business_certificate(KOMMUNE_ORGNR, "DEMO KOMMUNE - TEST")


def send(svarut, assertion: str):
    return svarut.client.post(TOKEN_PATH, content=ks_body(assertion), headers=KS_HEADERS)


def claims_of(svarut, token: str) -> dict:
    return dict(jwt.decode(token, KeySet.import_key_set(svarut.client.get("/maskinporten/jwk").json())).claims)


def refused(response, mentions: str, error: str = "invalid_grant") -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error
    assert response.headers["cache-control"] == "no-store"
    assert mentions in body["error_description"], body["error_description"]
    return body["error_description"]


def grant(key, certificate, client_id: str = KOMMUNE_CLIENT, **kwargs) -> str:
    return ks_grant(key, certificate, issuer=client_id, audience=AUDIENCE, **kwargs)


def custom_certificate(ca: local_ca.LocalCA, subject: x509.Name, key=None, *, key_usage=None, ca_flag: bool = False):
    """A certificate from the test CA with a subject and key usage of the test's choosing."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca_flag, path_length=None), critical=True)
    )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    return key, builder.sign(ca.key, hashes.SHA256())


def org_name(orgnr: str | None, **extra: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST AS")]
    if orgnr:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRNO-{orgnr}"))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, "TEST AS"))
    return x509.Name(attributes)


def register_client(svarut, pems: list[str] = ()) -> str:
    """A new Maskinporten client of the demo municipality, with these certificates registered and no key."""
    client_id = "min-sak-" + secrets.token_hex(4)
    client = certificates.with_certificates(ApiClient(client_id, "Min sak", KOMMUNE_ORGNR, ("ks:fiks",)), pems)
    with db.write(svarut.engine) as conn:
        save_client(conn, client)
    return client_id


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


# -- accepted ---------------------------------------------------------------------------------------------


def test_ks_clients_grant_with_a_test_ca_certificate_gives_a_token_naming_the_certificates_organisation(svarut, business):
    key, certificate = business
    response = send(svarut, grant(key, certificate))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "ks:fiks"
    claims = claims_of(svarut, body["access_token"])
    assert claims["consumer"] == {"authority": "iso6523-actorid-upis", "ID": "0192:910000063"}
    assert claims["client_amr"] == "virksomhetssertifikat"
    assert claims["client_id"] == KOMMUNE_CLIENT
    assert claims["aud"] == "ks:fiks"
    assert claims["iss"] == MASKINPORTEN_ISSUER


def test_the_token_from_a_certificate_grant_sends_through_svarut(svarut, business):
    key, certificate = business
    token = send(svarut, grant(key, certificate)).json()["access_token"]
    headers = {**svarut.headers(), "Authorization": f"Bearer {token}"}
    response = svarut.status({"id": []}, konto=KONTO, headers=headers)
    assert response.status_code == 200, response.text


def test_a_seid1_certificate_with_the_orgnr_in_serialnumber_is_accepted(svarut, ca):
    key, certificate = ca.issue_business_certificate(KOMMUNE_ORGNR, "DEMO KOMMUNE - TEST", seid=1)
    response = send(svarut, grant(key, certificate))
    assert response.status_code == 200, response.text


def test_the_chain_may_end_with_the_test_ca(svarut, ca, business):
    key, certificate = business
    assert send(svarut, grant(key, certificate, chain=[ca.certificate])).status_code == 200


@pytest.mark.parametrize(
    ("resource", "aud"),
    [
        ("https://svarut.ks.no", "https://svarut.ks.no"),
        (["https://api.example.no"], "https://api.example.no"),
        (["urn:a", "urn:b"], ["urn:a", "urn:b"]),
    ],
)
def test_resource_becomes_the_tokens_audience(svarut, business, resource, aud):
    key, certificate = business
    response = send(svarut, grant(key, certificate, claims={"resource": resource}))
    assert response.status_code == 200, response.text
    assert claims_of(svarut, response.json()["access_token"])["aud"] == aud


def test_ks_clients_audience_option_sends_resource_and_gets_it_back(svarut, business):
    key, certificate = business
    response = send(svarut, grant(key, certificate, resource="https://api.fiks.test.ks.no"))
    assert claims_of(svarut, response.json()["access_token"])["aud"] == "https://api.fiks.test.ks.no"


@pytest.mark.parametrize("resource", ["", [], ["ok", 7], ["x"] * 11, "x" * 501])
def test_a_malformed_resource_is_refused(svarut, business, resource):
    key, certificate = business
    refused(send(svarut, grant(key, certificate, claims={"resource": resource})), "resource", error="invalid_target")


# -- registered certificates ------------------------------------------------------------------------------


def test_a_registered_certificate_from_another_ca_is_accepted_by_x5c_and_by_kid(svarut, tmp_path):
    """A developer's own test certificate (not from helsebro's CA) works once registered for the client."""
    foreign = local_ca.load_or_create(tmp_path)
    key, certificate = foreign.issue_business_certificate(KOMMUNE_ORGNR, "DEMO KOMMUNE - BUYPASS TEST")
    client_id = register_client(svarut, [pem(certificate)])
    response = send(svarut, grant(key, certificate, client_id))
    assert response.status_code == 200, response.text
    assert claims_of(svarut, response.json()["access_token"])["client_amr"] == "virksomhetssertifikat"
    kid = certificates.BusinessCertificate(certificate).thumbprint
    by_kid = send(svarut, grant(key, certificate, client_id, header={"alg": "RS256", "kid": kid}))
    assert by_kid.status_code == 200, by_kid.text
    assert claims_of(svarut, by_kid.json()["access_token"])["client_amr"] == "virksomhetssertifikat"


def test_a_removed_certificate_is_refused_again(svarut, tmp_path):
    key, certificate = local_ca.load_or_create(tmp_path).issue_business_certificate(KOMMUNE_ORGNR, "X")
    client_id = register_client(svarut, [pem(certificate)])
    with db.write(svarut.engine) as conn:
        client = get_client(conn, client_id)
        save_client(conn, certificates.without_certificate(client, certificates.BusinessCertificate(certificate).thumbprint))
    refused(send(svarut, grant(key, certificate, client_id)), "does not lead to helsebro's test CA")


def test_an_expired_registered_certificate_named_by_kid_is_refused(svarut, tmp_path):
    key, certificate = local_ca.load_or_create(tmp_path).issue_business_certificate(
        KOMMUNE_ORGNR, "X", not_before=NOW - dt.timedelta(days=30), not_after=NOW - dt.timedelta(days=1)
    )
    client_id = register_client(svarut)
    with db.write(svarut.engine) as conn:  # registered while it was valid: written as the registration wrote it
        client = get_client(conn, client_id)
        save_client(conn, ApiClient(**{**client.__dict__, "jwks": {"keys": [certificates.BusinessCertificate(certificate).jwk()]}}))
    kid = certificates.BusinessCertificate(certificate).thumbprint
    refused(send(svarut, grant(key, certificate, client_id, header={"alg": "RS256", "kid": kid})), "expired at")


@pytest.mark.parametrize(
    ("make", "mentions"),
    [
        (lambda ca: pem(ca.issue_business_certificate("910000020", "ANNEN")[1]), "names organisation 910000020, but client"),
        (lambda ca: pem(custom_certificate(ca, org_name(None))[1]), "no organisation number"),
        (lambda ca: pem(custom_certificate(ca, org_name(KOMMUNE_ORGNR), ec.generate_private_key(ec.SECP256R1()))[1]), "must be RSA"),
        (
            lambda ca: pem(
                ca.issue_business_certificate(
                    KOMMUNE_ORGNR, "X", not_before=NOW - dt.timedelta(days=9), not_after=NOW - dt.timedelta(days=1)
                )[1]
            ),
            "expired at",
        ),
        (lambda ca: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", "not a PEM certificate"),
    ],
    ids=["other-orgnr", "no-orgnr", "ec-key", "expired", "not-pem"],
)
def test_registration_refuses_a_certificate_that_could_never_work(ca, make, mentions):
    client = ApiClient("min-sak", "Min sak", KOMMUNE_ORGNR, ("ks:fiks",))
    with pytest.raises(certificates.CertificateError, match="certificate 1: ") as failure:
        certificates.with_certificates(client, [make(ca)])
    assert mentions in str(failure.value)


def test_registering_the_same_certificate_twice_keeps_one(ca, business):
    client = ApiClient("min-sak", "Min sak", KOMMUNE_ORGNR, ("ks:fiks",))
    twice = certificates.with_certificates(certificates.with_certificates(client, [pem(business[1])]), [pem(business[1])])
    assert len(twice.jwks["keys"]) == 1 and twice.jwks["keys"][0]["x5c"]


# -- refused ----------------------------------------------------------------------------------------------


def test_a_certificate_from_another_ca_is_refused(svarut, tmp_path):
    key, certificate = local_ca.load_or_create(tmp_path).issue_business_certificate(KOMMUNE_ORGNR, "X")
    description = refused(send(svarut, grant(key, certificate)), "does not lead to helsebro's test CA")
    assert "helsebro certs issue --orgnr 910000063" in description and certificate.issuer.rfc4514_string() in description


def test_a_self_signed_certificate_is_refused(svarut):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = org_name(KOMMUNE_ORGNR)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    refused(send(svarut, grant(key, certificate)), "does not lead to helsebro's test CA")


@pytest.mark.parametrize(
    ("start", "end", "mentions"),
    [
        (NOW - dt.timedelta(days=10), NOW - dt.timedelta(hours=1), "expired at"),
        (NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=10), "not valid before"),
    ],
    ids=["expired", "not-yet-valid"],
)
def test_a_certificate_outside_its_validity_is_refused(svarut, ca, start, end, mentions):
    key, certificate = ca.issue_business_certificate(KOMMUNE_ORGNR, "X", not_before=start, not_after=end)
    refused(send(svarut, grant(key, certificate)), mentions)


def test_a_certificate_of_another_organisation_is_refused(svarut, ca):
    key, certificate = ca.issue_business_certificate("910000020", "ANNEN VIRKSOMHET")
    refused(
        send(svarut, grant(key, certificate)),
        "belongs to organisation 910000020, but client helsebro-demo-kommune is registered to 910000063",
    )


def test_a_certificate_without_an_orgnr_is_refused(svarut, ca):
    key, certificate = custom_certificate(ca, org_name(None))
    refused(send(svarut, grant(key, certificate)), "no organisation number (organizationIdentifier NTRNO-<orgnr>")


def test_the_signing_certificate_instead_of_the_authentication_one_is_refused(svarut, ca):
    usage = x509.KeyUsage(False, True, False, False, False, False, False, False, False)  # nonRepudiation only
    key, certificate = custom_certificate(ca, org_name(KOMMUNE_ORGNR), key_usage=usage)
    refused(send(svarut, grant(key, certificate)), "digitalSignature")


def test_a_ca_certificate_in_x5c_is_refused(svarut, ca):
    key, certificate = custom_certificate(ca, org_name(KOMMUNE_ORGNR), ca_flag=True)
    refused(send(svarut, grant(key, certificate)), "is a CA certificate")


def test_a_grant_signed_with_another_key_than_the_certificates_is_refused(svarut, business):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(send(svarut, grant(other, business[1])), "not signed with the key of the business certificate in x5c")


def test_an_extra_chain_certificate_that_is_not_the_test_ca_is_refused(svarut, ca, business, tmp_path):
    stranger = local_ca.load_or_create(tmp_path).certificate
    refused(send(svarut, grant(*business, chain=[stranger])), "x5c[1]")


@pytest.mark.parametrize(
    ("x5c", "mentions"),
    [
        ("MIIB", "non-empty array"),
        ([], "non-empty array"),
        (["!!not base64!!"], "x5c[0] is not a base64-encoded DER"),
        ([base64.b64encode(b"not a certificate").decode()], "x5c[0] is not a base64-encoded DER"),
        (None, "x5c[0] is not a base64-encoded DER"),  # base64url instead of base64: replaced below
        (["MIIB"] * 6, "at most 5"),
        ("pem", "x5c[0] is not a base64-encoded DER"),
    ],
    ids=["string", "empty", "not-base64", "not-der", "base64url", "too-many", "pem"],
)
def test_a_malformed_x5c_is_refused(svarut, business, x5c, mentions):
    key, certificate = business
    if x5c == "pem":
        x5c = [pem(certificate)]
    elif x5c is None:
        der = certificate.public_bytes(serialization.Encoding.DER)
        x5c = [base64.urlsafe_b64encode(der).decode().rstrip("=")]
        assert "-" in x5c[0] or "_" in x5c[0]  # ~1500 characters: some are base64url's own
    refused(send(svarut, grant(key, certificate, header={"alg": "RS256", "x5c": x5c})), mentions)


def test_an_x5c_grant_is_single_use(svarut, business):
    assertion = grant(*business)
    assert send(svarut, assertion).status_code == 200
    refused(send(svarut, assertion), "used before")


def test_the_grants_claim_rules_hold_for_certificate_grants(svarut, business):
    key, certificate = business
    refused(send(svarut, ks_grant(key, certificate, issuer=KOMMUNE_CLIENT, audience="https://test.maskinporten.no/")), "aud")
    refused(send(svarut, grant(key, certificate, claims={"exp": int(time.time()) + 600})), "120")


def test_an_unknown_client_with_a_good_certificate_is_refused(svarut, business):
    refused(send(svarut, grant(*business, client_id="ukjent-klient")), "unknown client")


def test_es256_with_a_certificate_is_refused(svarut, business):
    key, certificate = business
    header = {"alg": "ES256", "x5c": [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()]}
    refused(send(svarut, grant(key, certificate, header=header)), "ES256")


def test_neither_kid_nor_x5c_is_refused(svarut, business):
    refused(send(svarut, grant(*business, header={"alg": "RS256"})), "kid (a key registered for the client) or x5c")


# -- registration over the operator API --------------------------------------------------------------------

OPERATOR = "/operator/api/v1/klienter"


@pytest.fixture()
def op(svarut) -> dict[str, str]:
    from tests.api.test_operator_auth import OPERATOR_TOKEN_FORM

    response = svarut.client.post("/helseid/connect/token", data=OPERATOR_TOKEN_FORM)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def op_error(response, status: int, code: str, mentions: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"Code", "Message"} and body["Code"] == code and mentions in body["Message"], body


def test_operator_registers_lists_and_removes_a_certificate_that_grants_then_use(svarut, op, tmp_path):
    key, certificate = local_ca.load_or_create(tmp_path).issue_business_certificate(KOMMUNE_ORGNR, "EGEN TEST")
    client_id = register_client(svarut)
    path = f"{OPERATOR}/{client_id}/sertifikater"
    refused(send(svarut, grant(key, certificate, client_id)), "does not lead to helsebro's test CA")
    created = svarut.client.post(path, json={"pem": pem(certificate)}, headers=op)
    assert created.status_code == 201, created.text
    kid = certificates.BusinessCertificate(certificate).thumbprint
    assert created.json()["kid"] == kid and created.json()["orgnr"] == KOMMUNE_ORGNR
    assert created.headers["location"] == f"{path}/{kid}"
    assert [c["kid"] for c in svarut.client.get(path, headers=op).json()] == [kid]
    assert send(svarut, grant(key, certificate, client_id)).status_code == 200
    op_error(svarut.client.post(path, json={"pem": pem(certificate)}, headers=op), 409, "OP-000409", kid)
    assert svarut.client.delete(f"{path}/{kid}", headers=op).status_code == 204
    assert svarut.client.get(path, headers=op).json() == []
    refused(send(svarut, grant(key, certificate, client_id)), "does not lead to helsebro's test CA")
    op_error(svarut.client.delete(f"{path}/{kid}", headers=op), 404, "OP-000404", kid)


def test_operator_registration_refusals_name_the_problem(svarut, op, ca):
    client_id = register_client(svarut)
    path = f"{OPERATOR}/{client_id}/sertifikater"
    other_org = pem(ca.issue_business_certificate("910000020", "ANNEN")[1])
    op_error(svarut.client.post(path, json={"pem": other_org}, headers=op), 400, "OP-000400", "names organisation 910000020")
    op_error(svarut.client.post(path, json={"pem": "hei"}, headers=op), 400, "OP-000400", "not a PEM certificate")
    op_error(svarut.client.post(path, json={}, headers=op), 400, "OP-000400", "pem")
    op_error(svarut.client.post(f"{OPERATOR}/ukjent/sertifikater", json={"pem": other_org}, headers=op), 404, "OP-000404", "ukjent")
    op_error(svarut.client.get(f"{OPERATOR}/ukjent/sertifikater", headers=op), 404, "OP-000404", "ukjent")


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_the_certificate_endpoints_need_an_operator_token(svarut, method, business):
    path = f"{OPERATOR}/{KOMMUNE_CLIENT}/sertifikater" + ("/x" if method == "DELETE" else "")
    response = svarut.client.request(method, path, json={"pem": pem(business[1])})
    op_error(response, 401, "SEC-110000", "")
    maskinporten = svarut.client.request(
        method, path, json={"pem": pem(business[1])}, headers={"Authorization": f"Bearer {svarut.token()}"}
    )
    assert maskinporten.status_code in (401, 403)
    with db.read(svarut.engine) as conn:
        assert certificates.registered(get_client(conn, KOMMUNE_CLIENT)) == []


# -- helsebro's Python client ------------------------------------------------------------------------------


def test_the_python_client_gets_a_token_with_the_files_certs_issue_writes(svarut, ca, tmp_path):
    from helsebro.client import Maskinporten

    key, certificate = ca.issue_business_certificate(KOMMUNE_ORGNR, "DEMO KOMMUNE - TEST")
    local_ca.write_private(tmp_path / "v.key", local_ca.private_pem(key))
    (tmp_path / "v.pem").write_bytes(local_ca.certificate_pem(certificate))
    client = Maskinporten(
        KOMMUNE_CLIENT,
        tmp_path / "v.key",
        issuer=MASKINPORTEN_ISSUER,
        certificate=tmp_path / "v.pem",
        resource="urn:min:api",
        http=svarut.client,
    )
    token = client.token()
    claims = claims_of(svarut, token.access_token)
    assert (claims["client_amr"], claims["aud"], claims["consumer"]["ID"]) == ("virksomhetssertifikat", "urn:min:api", "0192:910000063")
