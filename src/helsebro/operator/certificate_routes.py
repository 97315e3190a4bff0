"""Operator API: the business certificates registered for a Maskinporten client (HTTP only; the rules are
helsebro.auth.certificates', the changes helsebro.auth.certificate_registry's). On the operator API's own
router (helsebro.operator.routes imports this module last), so its token check and errors apply."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Path, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from helsebro import services
from helsebro.auth import certificate_registry as registry
from helsebro.auth.certificates import BusinessCertificate, CertificateError
from helsebro.errors import HelsenorgeError
from helsebro.operator.routes import _CONFLICT, _NOT_FOUND, BASE, router

TAG = "Operatør: klienters virksomhetssertifikater"

ClientId = Annotated[str, Path(max_length=200, description="Klientens client_id")]


class NyttSertifikat(BaseModel):
    pem: str = Field(max_length=32_000, description="Sertifikatet i PEM (-----BEGIN CERTIFICATE----- ...)")


class Sertifikat(BaseModel):
    kid: str = Field(description="SHA-256-tommelavtrykket (x5t#S256): kid i et JWT-grant som navngir sertifikatet")
    orgnr: str | None
    subject: str
    issuer: str
    gyldigFra: dt.datetime
    gyldigTil: dt.datetime
    pem: str


def _wire(certificate: BusinessCertificate) -> Sertifikat:
    cert = certificate.certificate
    return Sertifikat(
        kid=certificate.thumbprint,
        orgnr=certificate.orgnr,
        subject=certificate.subject,
        issuer=certificate.issuer,
        gyldigFra=cert.not_valid_before_utc,
        gyldigTil=cert.not_valid_after_utc,
        pem=certificate.pem,
    )


def _refusal(exc: Exception) -> HelsenorgeError:
    if isinstance(exc, (registry.UnknownClient, registry.UnknownCertificate)):
        return HelsenorgeError(404, "OP-000404", str(exc))
    if isinstance(exc, registry.AlreadyRegistered):
        return HelsenorgeError(409, "OP-000409", str(exc))
    return HelsenorgeError(400, "OP-000400", str(exc))


_REFUSED = (registry.UnknownClient, registry.UnknownCertificate, registry.AlreadyRegistered, CertificateError)


@router.get(
    "/klienter/{clientId}/sertifikater",
    tags=[TAG],
    response_model=list[Sertifikat],
    responses=_NOT_FOUND,
    summary="Klientens registrerte virksomhetssertifikater",
)
def list_certificates(request: Request, clientId: ClientId) -> list[Sertifikat]:  # noqa: N803
    try:
        found = registry.list_certificates(services.of(request).engine, clientId)
    except _REFUSED as exc:
        raise _refusal(exc) from None
    return [_wire(c) for c in found]


@router.post(
    "/klienter/{clientId}/sertifikater",
    tags=[TAG],
    status_code=201,
    response_model=Sertifikat,
    responses={**_NOT_FOUND, **_CONFLICT},
    summary="Registrer et virksomhetssertifikat for klienten (Maskinporten: x5c eller kid)",
    description="Sertifikatet må være gyldig nå, ha en RSA-nøkkel og klientens organisasjonsnummer "
    "(organizationIdentifier NTRNO-<orgnr> eller serialNumber). Et registrert sertifikat godtas i `x5c` også når "
    "det ikke er utstedt av helsebros test-CA, og kan navngis med `kid`.",
)
def register_certificate(request: Request, response: Response, clientId: ClientId, body: NyttSertifikat) -> Sertifikat:  # noqa: N803
    try:
        certificate = registry.register(services.of(request).engine, clientId, body.pem)
    except _REFUSED as exc:
        raise _refusal(exc) from None
    response.headers["Location"] = f"{BASE}/klienter/{clientId}/sertifikater/{certificate.thumbprint}"
    return _wire(certificate)


@router.delete(
    "/klienter/{clientId}/sertifikater/{kid}", tags=[TAG], status_code=204, responses=_NOT_FOUND, summary="Fjern et registrert sertifikat"
)
def remove_certificate(request: Request, clientId: ClientId, kid: Annotated[str, Path(max_length=100)]) -> Response:  # noqa: N803
    try:
        registry.remove(services.of(request).engine, clientId, kid)
    except _REFUSED as exc:
        raise _refusal(exc) from None
    return Response(status_code=204)
