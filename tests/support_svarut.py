"""Client-side helpers for the Maskinporten and SvarUt tests: JWT grants built the way Digdir documents them,
multipart bodies built byte for byte, a harness app with the Maskinporten routes, and KS's own OpenAPI specs
(KS's own files, unmodified: ../shared/reference, or their copy in tests/reference) to validate every response and example against."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from joserfc import jwt
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from starlette.testclient import TestClient

from helsebro import db
from helsebro.app import create_app
from helsebro.auth.client_side import load_private_key
from helsebro.svarut import testdata as svarut_testdata
from helsebro.svarut.accounts import Account, save_account, save_integration
from helsebro.testdata import loader
from tests.conftest import PUBLIC_URL, make_settings, skip_or_fail

KOMMUNE_CLIENT = "helsebro-demo-kommune"
MASKINPORTEN_ISSUER = PUBLIC_URL + "/maskinporten"
TOKEN_PATH = "/maskinporten/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

KONTO = svarut_testdata.DEMO_KONTO_ID
INTEGRASJON = svarut_testdata.DEMO_INTEGRASJON_ID
PASSORD = svarut_testdata.DEMO_INTEGRASJON_PASSORD
CITIZEN = "12048645510"

# Extra data the tests add: an account without HER-id, an account that has not granted the demo integration,
# and an integration of another organisation granted on the demo account.
KONTO_UTEN_HER_ID = "0b7e5a1c-3d2f-4e6a-8b9c-1a2b3c4d5e6f"
KONTO_UTEN_TILGANG = "1c8f6b2d-4e3a-4f7b-9cad-2b3c4d5e6f70"
ANNEN_INTEGRASJON = "2d9a7c3e-5f4b-4a8c-8dbe-3c4d5e6f7081"
ANNEN_PASSORD = "annen-organisasjon"

# KS's spec files: from ../shared when it is beside the project (the source), else the unmodified MIT-licensed
# copies in tests/reference (so a clone anywhere can run the tests; tests/reference/fiks-svarut/README.md).
_SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "fiks-svarut"
REFERENCE = _SHARED if _SHARED.is_dir() else Path(__file__).resolve().parent / "reference" / "fiks-svarut"


# -- Maskinporten grants -------------------------------------------------------------------------------


def kommune_key():
    return load_private_key(loader.demo_private_key(KOMMUNE_CLIENT))


def jwt_grant(
    client_id: str = KOMMUNE_CLIENT,
    key=None,
    *,
    header: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    algorithms: list[str] | None = None,
    **claims: Any,
) -> str:
    """A JWT grant as Digdir documents it; keyword arguments replace claims, ``drop`` removes them."""
    key = key or kommune_key()
    now = int(time.time())
    body = {"aud": MASKINPORTEN_ISSUER, "iss": client_id, "scope": "ks:fiks", "iat": now, "exp": now + 60, "jti": secrets.token_hex(16)}
    body.update(claims)
    for name in drop:
        body.pop(name, None)
    head = {"alg": "RS256", "kid": key.kid} if header is None else header
    return jwt.encode(head, body, key, algorithms=algorithms or [head.get("alg", "RS256")])


def token_form(assertion: str) -> dict[str, str]:
    return {"grant_type": JWT_BEARER, "assertion": assertion}


# -- multipart bodies ----------------------------------------------------------------------------------


@dataclass
class Part:
    name: str | None
    data: bytes
    filename: str | None = None
    content_type: str | None = None


def pdf(text: str = "hei", size: int | None = None) -> bytes:
    body = f"%PDF-1.7\n% {text}\n".encode()
    return body if size is None else (body + b"0" * max(0, size - len(body)))[:size]


def multipart(parts: list[Part], boundary: str | None = None) -> tuple[str, bytes]:
    boundary = boundary or "helsebro" + secrets.token_hex(12)
    body = bytearray()
    for part in parts:
        disposition = "form-data"
        if part.name is not None:
            disposition += f'; name="{part.name}"'
        if part.filename is not None:
            disposition += f'; filename="{part.filename}"'
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if part.content_type:
            body += f"Content-Type: {part.content_type}\r\n".encode()
        body += b"\r\n" + part.data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(body)


def letter_parts(metadata: dict | bytes, files: list[tuple[str, bytes]] | None = None, mime: str = "application/pdf") -> list[Part]:
    raw = metadata if isinstance(metadata, bytes) else json.dumps(metadata).encode()
    parts = [Part("forsendelse", raw, content_type="application/json")]
    for index, (name, data) in enumerate(files or []):
        parts.append(Part(f"filer_{index}", data, filename=name, content_type=mime))
    return parts


# -- example letters (valid per KS's spec) ---------------------------------------------------------------


def person_letter(*names: str, **overrides: Any) -> dict:
    letter = {
        "tittel": "Vedtak om tildeling av omsorgsbolig",
        "mottaker": {
            "navn": "Line Danser",
            "digitalId": CITIZEN,
            "adresse": {"adresselinje1": "Storgata 1", "postnummer": "0150", "poststed": "OSLO"},
        },
        "avgivendeSystem": "helsebro-test",
        "dokumenter": [{"filnavn": n, "mimeType": "application/pdf"} for n in names or ("vedtak.pdf",)],
    }
    letter.update(overrides)
    return letter


def organisation_letter(*names: str, **overrides: Any) -> dict:
    letter = {
        "tittel": "Melding om vedtak",
        "mottaker": {"navn": "Helse Vestfjord HF", "digitalId": "913748263"},
        "metadataFraAvleverendeSystem": {"saksaar": 2026, "sakssekvensnummer": 42, "tittel": "Sak", "journaldato": "2026-01-16T18:39:11Z"},
        "dokumenter": [{"filnavn": n, "mimeType": "application/pdf", "dokumentType": "U"} for n in names or ("melding.pdf",)],
    }
    letter.update(overrides)
    return letter


def print_letter(*names: str, **overrides: Any) -> dict:
    letter = {
        "tittel": "Brev i posten",
        "mottaker": {"navn": "Ola Nordmann", "adresse": {"adresselinje1": "Fjordveien 2", "postnummer": "5003", "poststed": "BERGEN"}},
        "dokumenter": [{"filnavn": n, "mimeType": "application/pdf"} for n in names or ("brev.pdf",)],
    }
    letter.update(overrides)
    return letter


def nhn_letter(**overrides: Any) -> dict:
    letter = {
        "tittel": "Epikrise fra kommunen",
        "mottakertype": "FASTLEGE",
        "avsenderKontakt": {"fornavn": "Kari", "etternavn": "Hansen", "telefonnummer": "+4712345678"},
        "pasient": {"fodselsnummer": CITIZEN, "fornavn": "Line", "etternavn": "Danser"},
    }
    letter.update(overrides)
    return letter


# -- KS's specs ---------------------------------------------------------------------------------------


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("uuid")
    def _uuid(value: object) -> bool:
        return not isinstance(value, str) or bool(re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", value))

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value):
            return False
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True

    @checker.checks("int32")
    def _int32(value: object) -> bool:
        return not isinstance(value, int) or -(2**31) <= value < 2**31

    @checker.checks("int64")
    def _int64(value: object) -> bool:
        return not isinstance(value, int) or -(2**63) <= value < 2**63

    return checker


@dataclass
class FiksSpecs:
    """KS's two OpenAPI documents; ``validator(name)`` checks a value against one of their schemas."""

    documents: dict[str, dict]
    _registry: Registry = field(init=False)

    def __post_init__(self) -> None:
        registry = Registry()
        for name, document in self.documents.items():
            registry = registry.with_resource(f"urn:fiks:{name}", Resource.from_contents(document, default_specification=DRAFT4))
        self._registry = registry

    def validator(self, schema: str, document: str = "send") -> Draft4Validator:
        return Draft4Validator(
            {"$ref": f"urn:fiks:{document}#/components/schemas/{schema}"}, registry=self._registry, format_checker=_format_checker()
        )

    def errors(self, value: Any, schema: str, document: str = "send") -> list[str]:
        return [e.message for e in self.validator(schema, document).iter_errors(value)]

    def paths(self, document: str) -> dict:
        return self.documents[document]["paths"]

    def check_response(self, response, document: str) -> dict:
        """The response body, after checking it against the spec: 200 its schema, anything else ErrorMessage."""
        assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
        body = response.json()
        operation = next(iter(self.paths(document).values()))["post"]
        outcome = operation["responses"].get(str(response.status_code)) or operation["responses"]["default"]
        schema = outcome["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        checked = body
        if response.status_code != 200:
            # Every member of the Fiks ErrorMessage is there, as the platform fills it in.
            assert set(body) - {"errorJson"} == {"timestamp", "status", "error", "errorId", "path", "originalPath", "message", "errorCode"}
            assert body["status"] == response.status_code and body["path"] == response.request.url.path
            assert body["message"] and body["errorCode"]
            checked = check_error_json(body)
        problems = self.errors(checked, schema, document)
        assert not problems, f"{response.status_code} body breaks KS's {schema}: {problems}\n{body}"
        return body


def check_error_json(body: dict) -> dict:
    """errorJson, when there, as KS's client 4.8.0 reads it (``Map<String, String>?``; the stored spec, older,
    says string): an object of strings, never empty, never null. The rest of the body is checked as KS's spec
    types it."""
    if "errorJson" in body:
        detail = body["errorJson"]
        assert isinstance(detail, dict) and detail, body
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in detail.items()), body
    return {key: value for key, value in body.items() if key != "errorJson"}


def load_specs() -> FiksSpecs:
    files = {"send": REFERENCE / "forsendelse-send-api-v3.json", "status": REFERENCE / "forsendelse-status-api-v3.json"}
    missing = [str(p) for p in files.values() if not p.exists()]
    if missing:
        skip_or_fail(f"KS's SvarUt specs are not at {', '.join(missing)}")
    return FiksSpecs({name: json.loads(path.read_text(encoding="utf-8")) for name, path in files.items()})


# -- the harness ---------------------------------------------------------------------------------------


@dataclass
class SvarUt:
    client: TestClient
    engine: sa.Engine
    app: Any
    data_dir: Path
    specs: FiksSpecs
    _token: str | None = None

    def token(self) -> str:
        if self._token is None:
            response = self.client.post(TOKEN_PATH, data=token_form(jwt_grant()))
            assert response.status_code == 200, response.text
            self._token = response.json()["access_token"]
        return self._token

    def headers(self, integrasjon: str = INTEGRASJON, passord: str = PASSORD, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}", "IntegrasjonId": integrasjon, "IntegrasjonPassord": passord, **extra}

    def send(self, kind: str, parts: list[Part], konto: str = KONTO, headers: dict[str, str] | None = None, check: bool = True):
        content_type, body = multipart(parts)
        all_headers = {**(self.headers() if headers is None else headers), "Content-Type": content_type}
        response = self.client.post(f"/svarut/api/v3/kontoer/{konto}/forsendelser/{kind}", headers=all_headers, content=body)
        if check:
            self.specs.check_response(response, "send")
        return response

    def send_ok(self, kind: str, metadata: dict, files: list[tuple[str, bytes]], **kwargs: Any) -> str:
        response = self.send(kind, letter_parts(metadata, files), **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def status(self, body: Any, konto: str = KONTO, headers: dict[str, str] | None = None, **kwargs: Any):
        response = self.client.post(
            f"/svarut/api/v3/kontoer/{konto}/forsendelser/status/sok",
            headers=self.headers() if headers is None else headers,
            **({"json": body} | kwargs),
        )
        self.specs.check_response(response, "status")
        return response


def load_svarut_data(engine: sa.Engine) -> None:
    """The SvarUt defaults (as `helsebro reset` loads them) and the tests' extra accounts and integration."""
    with db.write(engine) as conn:
        svarut_testdata.load_defaults(conn)
        save_integration(conn, ANNEN_INTEGRASJON, "Annen organisasjon", ANNEN_PASSORD, "910000020")
        save_account(
            conn,
            Account(KONTO, "Demo kommune", svarut_testdata.DEMO_ORGNR, svarut_testdata.DEMO_KONTO_HER_ID),
            [INTEGRASJON, ANNEN_INTEGRASJON],
        )
        save_account(conn, Account(KONTO_UTEN_HER_ID, "Demo kommune, uten HER-id", svarut_testdata.DEMO_ORGNR, None), [INTEGRASJON])
        save_account(conn, Account(KONTO_UTEN_TILGANG, "Demo kommune, annen avdeling", svarut_testdata.DEMO_ORGNR, "8100004"), [])


def build_app(database_url: str, engine: sa.Engine, data_dir: Path):
    app = create_app(make_settings(database_url, data_dir=data_dir), engine)
    return app


@pytest.fixture(scope="module")
def svarut(database_url: str, engine: sa.Engine, tmp_path_factory) -> Iterator[SvarUt]:
    specs = load_specs()
    load_svarut_data(engine)
    data_dir = tmp_path_factory.mktemp("svarut-data")
    app = build_app(database_url, engine, data_dir)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as client:
        yield SvarUt(client, engine, app, data_dir, specs)


def new_uuid() -> str:
    return str(uuid.uuid4())
