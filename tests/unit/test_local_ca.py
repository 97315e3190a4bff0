"""The local test CA: made once per data directory (also by processes racing to make it), private keys
owner-only and never written through something already at the path, server certificates that a strict TLS
client accepts for localhost and 127.0.0.1, business certificates with the orgnr where SEID 1 and 2 put it."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import ssl
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from helsebro.auth import local_ca
from helsebro.settings import Settings
from helsebro.tls import uvicorn_options


@pytest.fixture()
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_ca_is_made_once_with_owner_only_key(tmp_path, open_umask):
    first = local_ca.load_or_create(tmp_path)
    again = local_ca.load_or_create(tmp_path)
    assert first.certificate == again.certificate
    directory = tmp_path / "ca"
    assert stat.S_IMODE((directory / "ca.key").stat().st_mode) == 0o600
    constraints = first.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    assert first.certificate.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


def _make_ca(path: str, queue) -> None:
    queue.put(local_ca.load_or_create(path).pem)


def test_processes_making_the_ca_at_once_end_up_with_one(tmp_path):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_make_ca, args=(str(tmp_path), queue)) for _ in range(4)]
    for process in processes:
        process.start()
    pems = {queue.get(timeout=60) for _ in processes}
    for process in processes:
        process.join(60)
    assert len(pems) == 1
    assert pems == {(tmp_path / "ca" / "ca.pem").read_bytes()}


def test_a_key_file_is_never_written_through_what_is_at_its_path(tmp_path):
    target = tmp_path / "elsewhere"
    (tmp_path / "planted").symlink_to(target)
    with pytest.raises(FileExistsError):
        local_ca.write_private(tmp_path / "planted", b"secret")
    assert not target.exists()


def test_tls_off_gives_uvicorn_no_ssl_options(tmp_path):
    assert uvicorn_options(Settings(data_dir=tmp_path, tls=False)) == {}
    assert not (tmp_path / "ca").exists()


def test_server_certificate_passes_a_strict_client_check_for_localhost_and_127_0_0_1(tmp_path, open_umask):
    settings = Settings(data_dir=tmp_path, tls=True, port=8443)
    options = uvicorn_options(settings)
    assert stat.S_IMODE(os.stat(options["ssl_keyfile"]).st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(open(options["ssl_certfile"], "rb").read())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage
    # What a client does: a context that trusts only the exported CA, with strict RFC 5280 checks on.
    client = ssl.create_default_context(cadata=local_ca.load_or_create(tmp_path).pem.decode())
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(options["ssl_certfile"], options["ssl_keyfile"])
    for hostname in ("localhost", "127.0.0.1"):
        _handshake(client, server, hostname)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(client, server, "helsebro.example")


def _handshake(client: ssl.SSLContext, server: ssl.SSLContext, hostname: str) -> None:
    """A TLS handshake in memory: the client side raises if it does not accept the server's certificate."""
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    tls_client = client.wrap_bio(c_in, c_out, server_hostname=hostname)
    tls_server = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        done = 0
        for side in (tls_client, tls_server):
            try:
                side.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if done == 2:
            return
    raise AssertionError("the handshake did not finish")


def test_server_certificate_is_kept_and_made_anew_for_a_new_name(tmp_path):
    ca = local_ca.load_or_create(tmp_path)
    cert_path, _ = ca.server_certificate()
    first = cert_path.read_bytes()
    assert ca.server_certificate()[0].read_bytes() == first
    cert_path, _ = ca.server_certificate(["helsebro.test"])
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "helsebro.test" in names.get_values_for_type(x509.DNSName)
    assert cert_path.read_bytes() != first


def test_the_public_url_host_is_in_the_server_certificate(tmp_path):
    options = uvicorn_options(Settings(data_dir=tmp_path, tls=True, host="0.0.0.0", public_url="https://helsebro.lan:8443"))
    certificate = x509.load_pem_x509_certificate(open(options["ssl_certfile"], "rb").read())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost", "helsebro.lan"]


def test_with_tls_links_are_https():
    assert Settings(tls=True, port=8443).base_url() == "https://127.0.0.1:8443"
    assert Settings(tls=False, port=8080).base_url() == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("seid", "oid", "value"), [(2, NameOID.ORGANIZATION_IDENTIFIER, "NTRNO-921000006"), (1, NameOID.SERIAL_NUMBER, "921000006")]
)
def test_business_certificate_carries_the_orgnr_where_seid_puts_it(tmp_path, seid, oid, value):
    ca = local_ca.load_or_create(tmp_path)
    key, certificate = ca.issue_business_certificate("921000006", "MIN VIRKSOMHET AS", seid=seid)
    assert [a.value for a in certificate.subject.get_attributes_for_oid(oid)] == [value]
    certificate.verify_directly_issued_by(ca.certificate)
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.content_commitment
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert key.key_size == 2048  # RSA: Maskinporten takes RS256/RS384/RS512 grants
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert dt.timedelta(days=365) <= lifetime <= dt.timedelta(days=365, minutes=5)
