"""A SvarUt client generated from KS's own spec files by a third-party generator (openapi-python-client) sends
letters to a real `helsebro serve` process and finds them again with the status search, on SQLite and on
PostgreSQL.

The clients are generated at test time (once per session) from KS's files, unmodified, so a change in either
the spec or helsebro that breaks a generated client fails here. Nothing is hand-built on the wire: the letter,
its files and the status query are the generated models; the transport is the generated client's own httpx
client. What the spec leaves out is given the way a KS integrator gives it: the Fiks integration headers
(``IntegrasjonId``, ``IntegrasjonPassord``, documented by KS outside the OpenAPI file) as the client's headers,
and the base URL of our server instead of the spec's ``servers``.
"""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from uuid import UUID

import httpx
import pytest

from tests.e2e.conftest import LiveServer
from tests.support_svarut import (
    CITIZEN,
    INTEGRASJON,
    KONTO,
    PASSORD,
    REFERENCE,
    jwt_grant,
    pdf,
    token_form,
)

pytestmark = pytest.mark.server

SEND_SPEC = REFERENCE / "forsendelse-send-api-v3.json"
STATUS_SPEC = REFERENCE / "forsendelse-status-api-v3.json"
SEND_PACKAGE, STATUS_PACKAGE = "ks_svarut_send", "ks_svarut_status"
ORGANISATION = "913748263"  # in Enhetsregisteret, not a SvarInn receiver: delivered in Altinn
FIRST_STATUSES = {"MOTTATT", "AKSEPTERT"}
MOVE_ON_SECONDS = 120  # the server's default step is 2 s; a bound for a loaded machine, not a figure


@dataclass
class Generated:
    send: ModuleType  # the package generated from forsendelse-send-api-v3.json
    status: ModuleType  # ... and from forsendelse-status-api-v3.json

    def module(self, package: ModuleType, name: str) -> ModuleType:
        return importlib.import_module(f"{package.__name__}.{name}")


def _generate(spec: Path, package: str, root: Path, config: Path | None = None) -> None:
    # The generator's console script sits next to this interpreter; it formats its output with ruff, found on
    # PATH (installed in the same venv). No network: the spec is a local file.
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(spec),
        "--meta",
        "none",
        "--output-path",
        str(root / package),
    ]
    if config is not None:
        command += ["--config", str(config)]
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    # Every operation of the spec must have become a function; the generator only warns when it skips one.
    assert "Endpoint will not be generated" not in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Generated:
    if not SEND_SPEC.exists() or not STATUS_SPEC.exists():
        pytest.fail(f"KS's SvarUt specs are not at {REFERENCE}")
    root = tmp_path_factory.mktemp("generated-svarut")
    _generate(SEND_SPEC, SEND_PACKAGE, root)
    # The generator's limit, not the spec's or helsebro's: KS's status spec declares the query body as
    # "*/*" (what springdoc writes for a @RequestBody without `consumes`), and openapi-python-client skips an
    # operation whose only content type it cannot name. Its documented config maps that one type to JSON,
    # which is what SvarUt takes; the spec file itself stays as KS wrote it.
    config = root / "status-config.yaml"
    config.write_text('content_type_overrides:\n  "*/*": application/json\n', encoding="utf-8")
    _generate(STATUS_SPEC, STATUS_PACKAGE, root, config)
    sys.path.insert(0, str(root))
    try:
        return Generated(importlib.import_module(SEND_PACKAGE), importlib.import_module(STATUS_PACKAGE))
    finally:
        sys.path.remove(str(root))  # the packages stay in sys.modules for the session


def maskinporten_token(server: LiveServer) -> str:
    response = httpx.post(
        server.base_url + "/maskinporten/token", data=token_form(jwt_grant(aud=server.base_url + "/maskinporten")), timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def fiks_client(package: ModuleType, server: LiveServer, token: str):
    """The generated AuthenticatedClient (bearer token), with the integration's headers on every request."""
    return package.AuthenticatedClient(
        base_url=server.base_url + "/svarut/api",
        token=token,
        headers={"IntegrasjonId": INTEGRASJON, "IntegrasjonPassord": PASSORD},
        timeout=httpx.Timeout(60.0),
        raise_on_unexpected_status=True,
    )


def _person_body(g: Generated, pdf_bytes: bytes):
    models, types = g.module(g.send, "models"), g.module(g.send, "types")
    return models.SendTilPersonBody(
        forsendelse=models.PersonForsendelse(
            tittel="Vedtak om tildeling av omsorgsbolig",
            mottaker=models.Mottaker(
                navn="Line Danser",
                digital_id=CITIZEN,
                adresse=models.Adresse(adresselinje1="Storgata 1", postnummer="0150", poststed="OSLO"),
            ),
            avgivende_system="generert-klient",
            dokumenter=[
                models.PersonForsendelseDokumenterItem(filnavn="vedtak.pdf", mime_type="application/pdf"),
                models.PersonForsendelseDokumenterItem(filnavn="vedlegg.pdf", mime_type="application/pdf"),
            ],
        ),
        dokumenter=[
            types.File(payload=_stream(pdf_bytes), file_name="vedtak.pdf", mime_type="application/pdf"),
            types.File(payload=_stream(pdf("vedlegg")), file_name="vedlegg.pdf", mime_type="application/pdf"),
        ],
    )


def _organisation_body(g: Generated, pdf_bytes: bytes):
    models, types = g.module(g.send, "models"), g.module(g.send, "types")
    return models.SendTilOrganisasjonBody(
        forsendelse=models.OrganisasjonForsendelse(
            tittel="Melding om vedtak",
            mottaker=models.Mottaker(navn="Helse Vestfjord HF", digital_id=ORGANISATION),
            metadata_fra_avleverende_system=models.NoarkMetadataFraAvleverendeSakssystem(saksaar=2026, sakssekvensnummer=42),
            dokumenter=[
                models.OrganisasjonForsendelseDokumenterItem(filnavn="melding.pdf", mime_type="application/pdf", dokument_type="U")
            ],
        ),
        dokumenter=[types.File(payload=_stream(pdf_bytes), file_name="melding.pdf", mime_type="application/pdf")],
    )


def _stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _statuses(g: Generated, client, ids: list[str]) -> dict[str, str]:
    sok = g.module(g.status, "api.status.hent_statuser")
    models = g.module(g.status, "models")
    answer = sok.sync(UUID(KONTO), client=client, body=models.Forsendelser(id=[UUID(i) for i in ids]))
    assert isinstance(answer, models.ForsendelseStatuser), answer
    return {str(s.id): s.status.value for s in answer.statuser}


@pytest.mark.parametrize("kind", ["person", "organisasjon"])
def test_generated_client_sends_and_finds_the_letter(live_server: LiveServer, generated: Generated, kind: str) -> None:
    token = maskinporten_token(live_server)
    send_client = fiks_client(generated.send, live_server, token)
    status_client = fiks_client(generated.status, live_server, token)
    models = generated.module(generated.send, "models")
    document = pdf(f"generert {kind}", size=64 * 1024)

    if kind == "person":
        operation, body = generated.module(generated.send, "api.send_forsendelse.send_til_person"), _person_body(generated, document)
    else:
        operation, body = (
            generated.module(generated.send, "api.send_forsendelse.send_til_organisasjon"),
            _organisation_body(generated, document),
        )
    response = operation.sync_detailed(UUID(KONTO), client=send_client, body=body)

    assert response.status_code == 200, response.content
    assert isinstance(response.parsed, models.SendForsendelseResponse), response.content
    letter_id = str(response.parsed.id)

    # The letter is there for the account, and it moves on from the first statuses within the step delays.
    seen = _statuses(generated, status_client, [letter_id])
    assert set(seen) == {letter_id} and seen[letter_id] in FIRST_STATUSES | {"SENDT_DIGITALT", "VARSLET"}
    deadline = time.monotonic() + MOVE_ON_SECONDS
    while seen[letter_id] in FIRST_STATUSES and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = _statuses(generated, status_client, [letter_id])
    assert seen[letter_id] not in FIRST_STATUSES | {"AVVIST", "FEILET_UNDER_MOTTAK"}, seen


def test_generated_client_gets_the_fiks_error_message(live_server: LiveServer, generated: Generated) -> None:
    """A refusal comes back as KS's ErrorMessage model, parsed by the generated code."""
    token = maskinporten_token(live_server)
    client = fiks_client(generated.send, live_server, token)
    models = generated.module(generated.send, "models")
    body = _person_body(generated, pdf("feil"))
    body.dokumenter.reverse()  # files out of the order of dokumenter[].filnavn
    response = generated.module(generated.send, "api.send_forsendelse.send_til_person").sync_detailed(UUID(KONTO), client=client, body=body)
    assert response.status_code == 400
    assert isinstance(response.parsed, models.ErrorMessage)
    assert "dokumenter[0].filnavn er 'vedtak.pdf'" in response.parsed.message, response.parsed.message
