"""The JWT grant exactly as KS's Maskinporten client builds it with a business certificate
(ks-no/fiks-maskinporten: ``Maskinportenklient.createJwtRequestForAccessToken`` and
``VirksomhetssertifikatJWSHeaderProvider``, Nimbus JOSE), and the body it posts.

- header: ``alg`` RS256 and ``x5c`` with the certificate alone (``Base64.encode(certificate.encoded)``:
  standard base64 of the DER), no ``kid``;
- claims: ``aud`` (one string: the configured audience), ``iss`` (the client_id), ``scope`` (scopes joined by a
  space), ``jti`` (a random UUID), ``iat`` now and ``exp`` two minutes later (seconds), then ``consumer_org``
  and ``resource`` (the request's "audience") only when set;
- body: ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>``, not percent-encoded, with
  ``Content-Type: application/x-www-form-urlencoded`` and a ``Charset: UTF-8`` header.

Signed here with ``cryptography`` directly (RSASSA-PKCS1-v1_5 SHA-256), not with helsebro's own JOSE code.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
KS_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Charset": "UTF-8"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()  # Nimbus writes compact JSON


def ks_grant(
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    *,
    issuer: str,
    audience: str,
    scopes: tuple[str, ...] = ("ks:fiks",),
    consumer_org: str | None = None,
    resource: str | None = None,
    chain: list[x509.Certificate] | None = None,
    header: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
) -> str:
    """The grant KS's client signs; ``chain``, ``header`` and ``claims`` change it for the refusal tests."""
    certs = [certificate, *(chain or [])]
    head = (
        header
        if header is not None
        else {
            "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs],
            "alg": "RS256",
        }
    )
    issued = int(time.time() * 1000) // 1000
    body: dict[str, Any] = {
        "aud": audience,
        "iss": issuer,
        "scope": " ".join(scopes),
        "jti": str(uuid.uuid4()),
        "iat": issued,
        "exp": issued + 120,
    }
    if consumer_org is not None:
        body["consumer_org"] = consumer_org
    if resource is not None:
        body["resource"] = resource
    body.update(claims or {})
    signing_input = f"{_b64url(_json(head))}.{_b64url(_json(body))}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def ks_body(assertion: str) -> str:
    """KS's ``postData``: the template filled in, with nothing percent-encoded."""
    return "grant_type={grant_type}&assertion={assertion}".replace("{grant_type}", JWT_BEARER).replace("{assertion}", assertion)
