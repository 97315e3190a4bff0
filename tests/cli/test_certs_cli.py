"""``helsebro ca export`` and ``helsebro certs issue``, run in-process with a throwaway data directory."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from helsebro.cli import app

runner = CliRunner()


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HELSEBRO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    yield tmp_path
    os.umask(old)


def test_ca_export_prints_the_data_directorys_ca_certificate(env):
    first = runner.invoke(app, ["ca", "export"])
    assert first.exit_code == 0, first.output
    assert first.stdout == (env / "data" / "ca" / "ca.pem").read_text()
    assert runner.invoke(app, ["ca", "export"]).stdout == first.stdout  # made once
    x509.load_pem_x509_certificate(first.stdout.encode())


def test_certs_issue_writes_certificate_owner_only_key_and_keystore(env):
    result = runner.invoke(app, ["certs", "issue", "--orgnr", "921000006", "--name", "MIN VIRKSOMHET AS"])
    assert result.exit_code == 0, result.output
    prefix = env / "virksomhetssertifikat-921000006"
    certificate = x509.load_pem_x509_certificate((env / "virksomhetssertifikat-921000006.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((env / "data" / "ca" / "ca.pem").read_bytes())
    certificate.verify_directly_issued_by(ca)
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == "NTRNO-921000006"
    for suffix in (".key", ".p12"):
        assert stat.S_IMODE(os.stat(f"{prefix}{suffix}").st_mode) == 0o600
    # The keystore as KS's README loads it: alias "authentication certificate", the key and its certificate.
    store = pkcs12.load_pkcs12((env / "virksomhetssertifikat-921000006.p12").read_bytes(), b"helsebro")
    assert store.cert.friendly_name == b"authentication certificate"
    assert store.cert.certificate == certificate
    assert store.key.public_key().public_numbers() == certificate.public_key().public_numbers()


def test_certs_issue_seid1_and_own_prefix(env):
    result = runner.invoke(app, ["certs", "issue", "--orgnr", "921000006", "--seid", "1", "--out", str(env / "gammel"), "--days", "2"])
    assert result.exit_code == 0, result.output
    certificate = x509.load_pem_x509_certificate((env / "gammel.pem").read_bytes())
    assert certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "921000006"
    assert not certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)


def test_certs_issue_never_overwrites(env):
    (env / "virksomhetssertifikat-921000006.key").write_text("mine")
    result = runner.invoke(app, ["certs", "issue", "--orgnr", "921000006"])
    assert result.exit_code == 2
    assert "already exist" in result.output
    assert (env / "virksomhetssertifikat-921000006.key").read_text() == "mine"
    assert not (env / "virksomhetssertifikat-921000006.pem").exists()


@pytest.mark.parametrize("orgnr", ["921000007", "12345678", "abc"])
def test_certs_issue_refuses_an_invalid_orgnr(env, orgnr):
    result = runner.invoke(app, ["certs", "issue", "--orgnr", orgnr])
    assert result.exit_code == 2
    assert "not a valid organisasjonsnummer" in result.output


def _client(client_id: str):
    from helsebro import db
    from helsebro.auth.clients import get_client
    from helsebro.db import create_engine
    from helsebro.settings import Settings

    with db.read(create_engine(Settings().resolved_database_url())) as conn:
        return get_client(conn, client_id)


def test_a_client_registered_by_certificate_and_certificates_added_listed_removed(env):
    from helsebro.auth import certificates

    assert runner.invoke(app, ["certs", "issue", "--orgnr", "921000006", "--out", "a"]).exit_code == 0
    assert runner.invoke(app, ["certs", "issue", "--orgnr", "921000006", "--out", "b"]).exit_code == 0
    added = runner.invoke(
        app, ["clients", "add", "min-sak", "--name", "Min sak", "--orgnr", "921000006", "--scope", "ks:fiks", "--certificate", "a.pem"]
    )
    assert added.exit_code == 0, added.output
    first = certificates.load_pem((env / "a.pem").read_bytes()).thumbprint
    assert [c.thumbprint for c in certificates.registered(_client("min-sak"))] == [first]
    assert "virksomhet" in runner.invoke(app, ["clients", "list"]).stdout  # the auth column (folded to fit)
    registered = runner.invoke(app, ["certs", "register", "min-sak", "b.pem"])
    assert registered.exit_code == 0, registered.output
    second = certificates.load_pem((env / "b.pem").read_bytes()).thumbprint
    listed = runner.invoke(app, ["certs", "list", "min-sak"]).stdout
    assert first in listed and second in listed and "orgnr 921000006" in listed
    again = runner.invoke(app, ["certs", "register", "min-sak", "b.pem"])
    assert again.exit_code == 2 and "already" in again.output
    assert runner.invoke(app, ["certs", "remove", "min-sak", first]).exit_code == 0
    assert [c.thumbprint for c in certificates.registered(_client("min-sak"))] == [second]
    missing = runner.invoke(app, ["certs", "remove", "min-sak", first])
    assert missing.exit_code == 2 and "no certificate with kid" in missing.output


def test_a_certificate_of_another_organisation_is_not_registered(env):
    assert runner.invoke(app, ["certs", "issue", "--orgnr", "910000020", "--out", "annen"]).exit_code == 0
    result = runner.invoke(
        app, ["clients", "add", "min-sak", "--name", "Min sak", "--orgnr", "921000006", "--scope", "ks:fiks", "--certificate", "annen.pem"]
    )
    assert result.exit_code == 2
    assert "--certificate annen.pem: the certificate names organisation 910000020, but client min-sak belongs to 921000006" in " ".join(
        result.output.split()
    )
    assert _client("min-sak") is None
    unknown = runner.invoke(app, ["certs", "register", "nobody", "annen.pem"])
    assert unknown.exit_code == 2 and "no client 'nobody'" in unknown.output
