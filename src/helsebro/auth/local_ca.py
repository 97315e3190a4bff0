"""helsebro's local test certificate authority: made once in the data directory, it signs the HTTPS server
certificate (``serve --tls``) and the test business certificates (``helsebro certs issue``) that Maskinporten's
``x5c`` grants are checked against.

Files, in ``<data_dir>/ca/``: ``ca.pem`` (the certificate to trust; ``helsebro ca export`` prints it),
``ca.key``, and ``server.pem`` / ``server.key`` for HTTPS. Private keys are written owner-only (0600) through
``O_EXCL``, never through a file or link that was already there. A lock file serialises the first creation,
so two processes starting at once end up with one CA.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import ipaddress
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 397  # what browsers accept for a server certificate
SERVER_RENEW_DAYS = 30  # a server certificate this close to its end is replaced at start
DEFAULT_SERVER_NAMES = ("localhost", "127.0.0.1", "::1")
BUSINESS_KEY_BITS = 2048  # Maskinporten's grants are RS256/RS384/RS512: business certificates carry RSA keys


def ca_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "ca"


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` owner-only with ``data``; FileExistsError if anything (a file, a link) is there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def private_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class LocalCA:
    directory: Path
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> bytes:
        return certificate_pem(self.certificate)

    @property
    def certificate_path(self) -> Path:
        return self.directory / "ca.pem"

    def _builder(self, subject: x509.Name, public_key, not_before: dt.datetime, not_after: dt.datetime) -> x509.CertificateBuilder:  # noqa: ANN001
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )

    # -- HTTPS ----------------------------------------------------------------------------------------

    def server_certificate(self, names: Iterable[str] = ()) -> tuple[Path, Path]:
        """(certificate file, key file) of the HTTPS server certificate for localhost, 127.0.0.1, ::1 and
        ``names``; made anew when missing, near its end, from another CA or without one of the names."""
        wanted = list(dict.fromkeys([*DEFAULT_SERVER_NAMES, *names]))
        cert_path, key_path = self.directory / "server.pem", self.directory / "server.key"
        with _locked(self.directory):
            if not self._server_certificate_fits(cert_path, key_path, wanted):
                key = ec.generate_private_key(ec.SECP256R1())
                now = _now()
                alt_names = [_alt_name(name) for name in wanted]
                certificate = (
                    self._builder(
                        _name(CN="helsebro (localhost)", O="helsebro"),
                        key.public_key(),
                        now - dt.timedelta(minutes=5),
                        now + dt.timedelta(days=SERVER_DAYS),
                    )
                    .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
                    .add_extension(_key_usage(digital_signature=True), critical=True)
                    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                    .sign(self.key, hashes.SHA256())
                )
                for path in (cert_path, key_path):
                    path.unlink(missing_ok=True)
                write_private(key_path, private_pem(key))
                cert_path.write_bytes(certificate_pem(certificate))
        return cert_path, key_path

    def _server_certificate_fits(self, cert_path: Path, key_path: Path, names: list[str]) -> bool:
        try:
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        except (OSError, ValueError):
            return False
        if not key_path.is_file() or certificate.issuer != self.certificate.subject:
            return False
        try:
            certificate.verify_directly_issued_by(self.certificate)
            present = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
            return False
        if any(_alt_name(name) not in present for name in names):
            return False
        return certificate.not_valid_after_utc - _now() > dt.timedelta(days=SERVER_RENEW_DAYS)

    # -- business certificates (virksomhetssertifikat) --------------------------------------------------

    def issue_business_certificate(
        self,
        orgnr: str,
        name: str,
        *,
        seid: int = 2,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        days: int = 365,
        key: rsa.RSAPrivateKey | None = None,
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """A test business certificate for authentication (key usage digitalSignature), with the orgnr
        where Norwegian ones carry it: SEID 2 in ``organizationIdentifier`` as ``NTRNO-<orgnr>``, SEID 1 in
        the subject's ``serialNumber``."""
        key = key or rsa.generate_private_key(public_exponent=65537, key_size=BUSINESS_KEY_BITS)
        start = not_before or _now() - dt.timedelta(minutes=5)
        end = not_after or start + dt.timedelta(days=days)
        identifier = {"organizationIdentifier": f"NTRNO-{orgnr}"} if seid == 2 else {"serialNumber": orgnr}
        subject = _name(C="NO", O=name, **identifier, CN=name)
        certificate = (
            self._builder(subject, key.public_key(), start, end)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return key, certificate


def load_or_create(data_dir: Path) -> LocalCA:
    """The data directory's CA; made on first use (under a lock, so concurrent first uses make one)."""
    directory = ca_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    existing = _load(directory)
    if existing is not None:
        return existing
    with _locked(directory):
        existing = _load(directory)
        if existing is not None:
            return existing
        return _create(directory)


def load_certificate(data_dir: Path) -> x509.Certificate:
    """The CA certificate (made on first use): all a verifier needs."""
    return load_or_create(data_dir).certificate


def _load(directory: Path) -> LocalCA | None:
    cert_path, key_path = directory / "ca.pem", directory / "ca.key"
    if not cert_path.is_file():
        return None  # ca.pem is written last: without it, creation has not finished (or never started)
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{key_path}: not helsebro's CA key")
    return LocalCA(directory, certificate, key)


def _create(directory: Path) -> LocalCA:
    key_path = directory / "ca.key"
    key_path.unlink(missing_ok=True)  # a key without ca.pem is from a creation that did not finish
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    # A random suffix tells two helsebro CAs apart in a trust store.
    subject = _name(CN=f"helsebro test CA {secrets.token_hex(4)}", O="helsebro (for development and test only)")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_private(key_path, private_pem(key))
    temporary = directory / f".ca.pem.{secrets.token_hex(4)}"
    temporary.write_bytes(certificate_pem(certificate))
    temporary.rename(directory / "ca.pem")  # atomic: a reader sees no CA or the whole one
    return LocalCA(directory, certificate, key)


class _locked:  # noqa: N801  (used as a function: `with _locked(directory):`)
    """An exclusive lock on ``<directory>/.lock`` (flock: released when the process dies)."""

    def __init__(self, directory: Path):
        self.path = directory / ".lock"

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


_ATTRIBUTES = {
    "C": NameOID.COUNTRY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "CN": NameOID.COMMON_NAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "organizationIdentifier": NameOID.ORGANIZATION_IDENTIFIER,
}


def _name(**attributes: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(_ATTRIBUTES[k], v) for k, v in attributes.items()])


def _alt_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _key_usage(*, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
