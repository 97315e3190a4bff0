"""Business certificates (virksomhetssertifikat) as Maskinporten uses them: rules only, no HTTP in here.

A JWT grant may carry the client's business certificate in its header (``x5c``, RFC 7515 4.1.6: base64 DER,
the certificate first, then its chain) instead of naming a registered key (``kid``); KS's Maskinporten client
(``usingVirksomhetssertifikat``) sends just the certificate, RS256. Maskinporten then checks the certificate
against the CAs it trusts and takes the organisation from it. helsebro trusts:

- certificates issued by its local test CA (``helsebro certs issue``; helsebro.auth.local_ca), and
- certificates registered for the client (``helsebro clients add --certificate``, the operator API, the
  environment file's ``certificates``): pinned, so a developer's real test certificate from Buypass or
  Commfides works too. A registered certificate is a JWK with ``x5c`` in the client's key set, its ``kid``
  the certificate's SHA-256 thumbprint (``x5t#S256``), so a grant may also name it by ``kid``.

Either way the certificate must be within its validity period, be an end-entity certificate for
authentication (key usage ``digitalSignature``), hold an RSA key (Maskinporten signs RS256/384/512 only)
and carry the client's organisation number where Norwegian business certificates carry it: SEID 2 in
``organizationIdentifier`` as ``NTRNO-<orgnr>``, SEID 1 in the subject's ``serialNumber`` (Digipost's
``OrgnummerExtractor`` reads them in that order, and NHN's CertificateMetadata documents the same).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey
from stdnum.no import orgnr as orgnr_check

from helsebro.auth import local_ca
from helsebro.auth.clients import ApiClient
from helsebro.auth.jwts import InvalidToken

CERTIFICATE_AMR = "virksomhetssertifikat"  # Maskinporten's client_amr for a business-certificate grant
MAX_CHAIN = 5
MAX_CERTIFICATE_BYTES = 16 * 1024
MAX_HEADER_BYTES = 48 * 1024  # a header with x5c: the certificate and its chain, base64 twice over
SEID2_PREFIX = "NTRNO-"


class CertificateError(ValueError):
    """A certificate that cannot be registered; ``str(exc)`` says why."""


@dataclass(frozen=True)
class BusinessCertificate:
    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def thumbprint(self) -> str:
        """``x5t#S256`` (RFC 7517 4.9): the kid a registered certificate goes by."""
        return base64.urlsafe_b64encode(hashlib.sha256(self.der).digest()).rstrip(b"=").decode()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def issuer(self) -> str:
        return self.certificate.issuer.rfc4514_string()

    @property
    def orgnr(self) -> str | None:
        return orgnr_of(self.certificate)

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def jwk(self) -> dict[str, Any]:
        """The certificate as a JWK for the client's key set (RFC 7517: ``x5c`` standard base64)."""
        key = self.certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise CertificateError(
                f"the certificate's key is {_key_kind(key)}: Maskinporten grants are RS256/RS384/RS512, so it must be RSA"
            )
        jwk = RSAKey.import_key(key).as_dict(private=False)
        return {**jwk, "kid": self.thumbprint, "use": "sig", "x5c": [base64.b64encode(self.der).decode()], "x5t#S256": self.thumbprint}


def orgnr_of(certificate: x509.Certificate) -> str | None:
    """The organisation number in the subject: SEID 2 ``organizationIdentifier`` ``NTRNO-<orgnr>``, else SEID 1
    ``serialNumber``; None when neither holds a valid one."""
    for oid, prefix in ((NameOID.ORGANIZATION_IDENTIFIER, SEID2_PREFIX), (NameOID.SERIAL_NUMBER, "")):
        for attribute in certificate.subject.get_attributes_for_oid(oid):
            value = str(attribute.value).strip()
            value = value[len(prefix) :] if prefix and value.upper().startswith(prefix) else value
            if orgnr_check.is_valid(value) and len(value) == 9:
                return value
    return None


def load_pem(pem: str | bytes) -> BusinessCertificate:
    data = pem.encode() if isinstance(pem, str) else pem
    if len(data) > MAX_CERTIFICATE_BYTES * 2:
        raise CertificateError("the PEM is larger than any business certificate")
    try:
        return BusinessCertificate(x509.load_pem_x509_certificate(data))
    except ValueError as exc:
        raise CertificateError("not a PEM certificate (-----BEGIN CERTIFICATE----- ...)") from exc


# -- registration ---------------------------------------------------------------------------------------


def registered(client: ApiClient) -> list[BusinessCertificate]:
    """The certificates registered for the client (the JWKs with ``x5c`` in its key set)."""
    found = []
    for jwk in client.jwks.get("keys", []):
        chain = jwk.get("x5c")
        if isinstance(chain, list) and chain:
            found.append(BusinessCertificate(x509.load_der_x509_certificate(base64.b64decode(chain[0]))))
    return found


def with_certificates(client: ApiClient, pems: Iterable[str | bytes], now: dt.datetime | None = None) -> ApiClient:
    """The client with these PEM certificates registered besides its keys: each must be valid now, hold an
    RSA key and name the client's organisation. Registering one again changes nothing. For the CLI, the
    operator API and the environment file alike; raises CertificateError naming the certificate."""
    now = now or dt.datetime.now(dt.UTC)
    keys = list(client.jwks.get("keys", []))
    known = {jwk.get("kid") for jwk in keys}
    for number, pem in enumerate(pems, start=1):
        try:
            certificate = load_pem(pem)
            check_validity(certificate.certificate, now, "the certificate")
            if certificate.orgnr is None:
                raise CertificateError(_NO_ORGNR)
            if certificate.orgnr != client.orgnr:
                raise CertificateError(
                    f"the certificate names organisation {certificate.orgnr}, but client {client.client_id} belongs to {client.orgnr}"
                )
            jwk = certificate.jwk()
        except (CertificateError, InvalidToken) as exc:
            raise CertificateError(f"certificate {number}: {exc}") from None
        if jwk["kid"] not in known:
            keys.append(jwk)
            known.add(jwk["kid"])
    return replace(client, jwks={**client.jwks, "keys": keys})


def without_certificate(client: ApiClient, kid: str) -> ApiClient | None:
    """The client without the registered certificate ``kid``; None when it has no such certificate."""
    keys = client.jwks.get("keys", [])
    kept = [jwk for jwk in keys if not (jwk.get("kid") == kid and jwk.get("x5c"))]
    return None if len(kept) == len(keys) else replace(client, jwks={**client.jwks, "keys": kept})


# -- grants -----------------------------------------------------------------------------------------------


def grant_key(header: Mapping[str, Any], client: ApiClient, data_dir: Path, now: int) -> RSAKey:
    """The key to check an ``x5c`` grant's signature with, once the certificate passes every rule above;
    otherwise InvalidToken saying which rule it broke."""
    chain = _chain(header.get("x5c"))
    leaf = BusinessCertificate(chain[0])
    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    if leaf.der not in {c.der for c in registered(client)}:
        _check_issued_by_test_ca(leaf, chain[1:], client, trusted_ca(data_dir), moment)
    check_validity(leaf.certificate, moment, "the business certificate")
    _check_end_entity_for_authentication(leaf.certificate)
    if leaf.orgnr is None:
        raise InvalidToken(_NO_ORGNR)
    if leaf.orgnr != client.orgnr:
        raise InvalidToken(
            f"the business certificate belongs to organisation {leaf.orgnr}, but client {client.client_id} is registered to {client.orgnr}"
        )
    try:
        return RSAKey.import_key(leaf.jwk())
    except CertificateError as exc:
        raise InvalidToken(str(exc)) from None


def check_registered_key(jwk: Mapping[str, Any], now: int) -> None:
    """A grant naming a registered certificate by ``kid``: the certificate must still be valid."""
    chain = jwk.get("x5c")
    if isinstance(chain, list) and chain:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
        check_validity(certificate, dt.datetime.fromtimestamp(now, dt.UTC), f"the certificate registered under kid {jwk.get('kid')!r}")


def check_validity(certificate: x509.Certificate, now: dt.datetime, what: str) -> None:
    if now < certificate.not_valid_before_utc:
        raise InvalidToken(f"{what} is not valid before {_when(certificate.not_valid_before_utc)}")
    if now > certificate.not_valid_after_utc:
        raise InvalidToken(f"{what} expired at {_when(certificate.not_valid_after_utc)}")


_NO_ORGNR = (
    "the certificate's subject carries no organisation number (organizationIdentifier NTRNO-<orgnr> as in SEID 2, "
    "or serialNumber <orgnr> as in SEID 1)"
)


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _chain(value: object) -> list[x509.Certificate]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise InvalidToken("x5c must be a non-empty array of base64-encoded DER certificates (RFC 7515 4.1.6)")
    if len(value) > MAX_CHAIN:
        raise InvalidToken(f"x5c holds {len(value)} certificates; at most {MAX_CHAIN} (the business certificate and its chain)")
    chain = []
    for index, item in enumerate(value):
        try:
            if len(item) > MAX_CERTIFICATE_BYTES * 4 // 3 + 4:
                raise ValueError("too large")
            chain.append(x509.load_der_x509_certificate(base64.b64decode(item, validate=True)))
        except (ValueError, binascii.Error):
            raise InvalidToken(
                f"x5c[{index}] is not a base64-encoded DER X.509 certificate (standard base64, not base64url, not PEM)"
            ) from None
    return chain


def _check_issued_by_test_ca(
    leaf: BusinessCertificate, rest: list[x509.Certificate], client: ApiClient, ca: x509.Certificate, now: dt.datetime
) -> None:
    for index, extra in enumerate(rest, start=1):
        if extra != ca:
            raise InvalidToken(
                f"x5c[{index}] ({extra.subject.rfc4514_string()}) is not helsebro's test CA: send the business "
                "certificate alone or followed by the test CA's certificate"
            )
    try:
        leaf.certificate.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        raise InvalidToken(
            f"the certificate chain in x5c does not lead to helsebro's test CA ({ca.subject.rfc4514_string()}): the "
            f"certificate {leaf.subject} was issued by {leaf.issuer}, and it is not registered for client "
            f"{client.client_id}. Issue a test certificate with `helsebro certs issue --orgnr {client.orgnr}`, or "
            "register this one for the client (helsebro clients add --certificate). Production certificates are "
            "not supported in test environments"
        ) from None
    check_validity(ca, now, "helsebro's test CA certificate")


def _check_end_entity_for_authentication(certificate: x509.Certificate) -> None:
    try:
        if certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise InvalidToken("the certificate in x5c is a CA certificate, not a business certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.digital_signature:
        raise InvalidToken(
            "the certificate's key usage does not include digitalSignature: use the business certificate for "
            "authentication, not the one for signing (non-repudiation) or encryption"
        )


def _key_kind(key: object) -> str:
    return "EC" if isinstance(key, ec.EllipticCurvePublicKey) else type(key).__name__


_trusted: dict[Path, tuple[int, x509.Certificate]] = {}


def trusted_ca(data_dir: Path) -> x509.Certificate:
    """The local test CA's certificate (made on first use), reread when its file changes."""
    path = local_ca.ca_dir(data_dir) / "ca.pem"
    try:
        stamp = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return local_ca.load_certificate(data_dir)
    cached = _trusted.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, x509.load_pem_x509_certificate(path.read_bytes()))
        _trusted[path] = cached
    return cached[1]
