"""The environment file: a client's own identifiers (client_id and keys, tool GUID, PVK definition, SvarUt
kontoId and integration) as data, YAML or JSON, applied on top of the default data (``environment``).

This module reads and checks a file; it writes nothing. Its top-level keys are part of helsebro's interface
(README, "Your own identifiers"); every entry may carry more fields (a tool's other catalog fields, for one).
Every problem is reported as ``FILE: kind[index] (id): field: message``, all of them at once.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from helsebro.auth import organisations
from helsebro.auth.scopes import MASKINPORTEN_SCOPES, canonical, is_known_scope
from helsebro.identifiers import is_valid_orgnr
from helsebro.personvern.fields import TYPES as PVK_TYPES

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_JWKS_BYTES = 256 * 1024
JWKS_TIMEOUT_SECONDS = 10.0

Text = Field(min_length=1, max_length=300)


class EnvironmentFileError(Exception):
    """The file cannot be applied; ``problems`` are lines naming the file, the entry and the field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Entry(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, str_strip_whitespace=True)


def _orgnr(value: str) -> str:
    if not is_valid_orgnr(value):
        raise ValueError("not a valid organisasjonsnummer (9 digits, mod-11 check digit)")
    return value


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValueError("not a UUID (e.g. 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b)") from None


class Organisation(_Entry):
    orgnr: str
    navn: str = Text
    her_id: str | None = Field(default=None, pattern=r"^[1-9][0-9]{0,19}$")

    _check_orgnr = field_validator("orgnr")(_orgnr)


class Client(_Entry):
    client_id: str = Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
    issuer: Literal["helseid", "maskinporten"] = "helseid"
    name: str | None = Field(default=None, max_length=300)
    orgnr: str
    scopes: list[str] = Field(default_factory=list, max_length=100)
    jwks: dict[str, Any] | None = None
    jwks_uri: str | None = Field(default=None, pattern=r"^https?://", max_length=2000)
    secret: str | None = Field(default=None, min_length=8, max_length=200)
    secret_hash: str | None = Field(default=None, max_length=300)  # what ``helsebro export`` writes
    pvk_parts: list[str] = Field(default_factory=list, max_length=100)
    description: str = Field(default="", max_length=2000)
    redirect_uris: list[str] = Field(default_factory=list, max_length=50)
    # Business certificates (PEM, issued by helsebro's test CA: `helsebro certs issue`) for Maskinporten x5c grants.
    certificates: list[str] | None = Field(default=None, max_length=20)
    # Professional login (HelseID): where its logout may send the user back; whether PAR is required.
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=50)
    require_par: bool = False
    # HelseID organisations (helsebro.auth.organisations): a vendor acting for many customers, or the child
    # organisations a single-tenant client may name in authorization_details.
    multi_tenant: bool = False
    child_organisations: list[str] = Field(default_factory=list, max_length=organisations.MAX_CHILD_ORGANISATIONS)

    _check_orgnr = field_validator("orgnr")(_orgnr)

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str], info: ValidationInfo) -> list[str]:
        unknown = [s for s in scopes if not is_known_scope(s)]
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
        if info.data.get("issuer") == "maskinporten":
            other = [s for s in scopes if canonical(s) not in {canonical(m) for m in MASKINPORTEN_SCOPES}]
            if other:
                raise ValueError(
                    f"a Maskinporten client has only Maskinporten scopes ({', '.join(MASKINPORTEN_SCOPES)}), not {', '.join(other)}"
                )
        return scopes

    @field_validator("jwks")
    @classmethod
    def _public_key_set(cls, jwks: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if jwks is None else public_jwks(jwks)

    @model_validator(mode="after")
    def _one_credential(self) -> Client:
        given = [name for name in ("jwks", "jwks_uri", "secret", "secret_hash", "certificates") if getattr(self, name)]
        if not given:
            raise ValueError("give the client jwks, jwks_uri, secret or certificates")
        if "jwks" in given and "jwks_uri" in given:
            raise ValueError("give jwks or jwks_uri, not both")
        if self.issuer == "maskinporten" and (self.multi_tenant or self.child_organisations):
            raise ValueError("multi_tenant and child_organisations are HelseID's; a Maskinporten client acts for its own organisation")
        problem = organisations.registration_problem(self.orgnr, self.multi_tenant, self.child_organisations)
        if problem:
            raise ValueError(problem)
        return self


class Tool(_Entry):
    """A catalog entry in the catalog's own field names; unset metadata gets defaults when applied."""

    VerktoyId: str
    Navn: str = Text
    eier: str | None = Field(default=None, min_length=1, max_length=200)  # the client that may send it; None: nobody
    Url: str | None = Field(default=None, pattern=r"^https?://", max_length=2000)
    Organisasjonsnummer: str | None = None

    _check_id = field_validator("VerktoyId")(_uuid)

    @field_validator("Organisasjonsnummer", mode="before")
    @classmethod
    def _orgnr_text(cls, value: Any) -> Any:
        value = str(value) if isinstance(value, int) else value
        return None if value is None else _orgnr(value)


class PvkDefinition(_Entry):
    definisjonGuid: str
    definisjonNavn: str = Text
    partKode: str = Field(min_length=1, max_length=40)
    typePi: str
    omfangElementer: list[dict[str, Any]] = Field(default_factory=list, max_length=100)
    aktivFra: dt.date | None = None
    aktivTil: dt.date | None = None

    _check_guid = field_validator("definisjonGuid")(_uuid)

    @field_validator("typePi")
    @classmethod
    def _type(cls, value: str) -> str:
        if value.lower() not in PVK_TYPES:
            raise ValueError(f"must be one of {', '.join(PVK_TYPES)}")
        return value.lower()


class GuidanceService(_Entry):
    """A guidance service (Veiledningstjeneste) of an organisation, in the default data's field names
    (veiledningstjenester.json). The operator API makes an id when a new one has none."""

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    navn: str = Text
    orgnr: str
    telefon: str | None = Field(default=None, max_length=40)
    url: str | None = Field(default=None, pattern=r"^https?://[^/\s]+", max_length=2000)
    apningstider: list[int] = Field(default_factory=list, max_length=20)  # codes of kodeverk "apningstid"

    _check_id = field_validator("id")(_uuid)
    _check_orgnr = field_validator("orgnr")(_orgnr)


class FileGuidanceService(GuidanceService):
    """In the file a guidance service names its id: a new one on every apply would not be idempotent."""

    id: str


class Integration(_Entry):
    integrasjonId: str
    navn: str = Field(default="", max_length=200)
    passord: str | None = Field(default=None, min_length=1, max_length=200)
    passord_hash: str | None = Field(default=None, max_length=300)  # what ``helsebro export`` writes
    orgnr: str

    _check_id = field_validator("integrasjonId")(_uuid)
    _check_orgnr = field_validator("orgnr")(_orgnr)

    @model_validator(mode="after")
    def _password(self) -> Integration:
        if self.passord is None and self.passord_hash is None:
            raise ValueError("give the integration its passord")
        return self


class ReceivingSystem(_Entry):
    """A SvarUt v2 receiving system (mottakersystem) of the account's organisation, or of ``orgnr``."""

    id: str | None = None  # None: a stable id from the account and the name, so applying twice adds one
    navn: str = Field(min_length=1, max_length=200)
    forsendelseType: str = Field(min_length=1, max_length=100)
    niva: int = Field(default=4, ge=0, le=9)
    orgnr: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return None if value is None else _uuid(value)

    @field_validator("orgnr")
    @classmethod
    def _orgnr(cls, value: str | None) -> str | None:
        return None if value is None else _orgnr(value)


class SvarUtAccount(_Entry):
    kontoId: str
    navn: str = Field(default="", max_length=200)
    orgnr: str
    her_id: str | None = Field(default=None, pattern=r"^[1-9][0-9]{0,19}$")
    integrations: list[Integration] = Field(default_factory=list, max_length=100)
    # SvarUt v2: forsendelsestyper SvarUt knows (added when missing), and receiving systems.
    forsendelsestyper: list[str] = Field(default_factory=list, max_length=100)
    mottakersystemer: list[ReceivingSystem] = Field(default_factory=list, max_length=100)

    _check_id = field_validator("kontoId")(_uuid)
    _check_orgnr = field_validator("orgnr")(_orgnr)


class Citizen(_Entry):
    fnr: str
    fornavn: str = Text
    mellomnavn: str | None = None
    etternavn: str = Text
    adresse: str | None = None
    postnummer: str | None = None
    poststed: str | None = None
    dodsdato: dt.date | None = None
    helsenorgeSamtykke: bool = False

    @field_validator("fnr")
    @classmethod
    def _fnr(cls, value: str) -> str:
        # The shape only: a new citizen's number meets the registry's rules when applied, while one already
        # there (the default population has some with wrong check digits, on purpose) may be updated.
        if not (value.isascii() and value.isdigit() and len(value) == 11):
            raise ValueError("a fødselsnummer has 11 digits")
        return value


class HealthPerson(_Entry):
    hpr: str = Field(pattern=r"^[1-9][0-9]{0,8}$")
    fnr: str | None = None
    navn: str | None = Field(default=None, max_length=300)  # "Fornavn Etternavn": the last word is the surname
    fornavn: str | None = Field(default=None, max_length=100)
    etternavn: str | None = Field(default=None, max_length=100)
    autorisasjoner: list[dict[str, str]] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _names(self) -> HealthPerson:
        if self.fornavn is None or self.etternavn is None:
            words = (self.navn or "").split()
            if len(words) < 2:
                raise ValueError("give navn (first and last name) or fornavn and etternavn")
            self.fornavn = self.fornavn or " ".join(words[:-1])
            self.etternavn = self.etternavn or words[-1]
        return self


class Environment(BaseModel):
    """The whole file: exactly these top-level keys, each optional."""

    model_config = ConfigDict(extra="forbid")

    organisations: list[Organisation] = Field(default_factory=list)
    clients: list[Client] = Field(default_factory=list)
    verktoy: list[Tool] = Field(default_factory=list)
    guidance_services: list[FileGuidanceService] = Field(default_factory=list)
    pvk_definitions: list[PvkDefinition] = Field(default_factory=list)
    svarut_accounts: list[SvarUtAccount] = Field(default_factory=list)
    citizens: list[Citizen] = Field(default_factory=list)
    health_personnel: list[HealthPerson] = Field(default_factory=list)


# The field that names an entry in messages, per top-level key.
ENTRY_ID = {
    "organisations": "orgnr",
    "clients": "client_id",
    "verktoy": "VerktoyId",
    "guidance_services": "id",
    "pvk_definitions": "definisjonGuid",
    "svarut_accounts": "kontoId",
    "citizens": None,  # a fødselsnummer is never shown
    "health_personnel": "hpr",
    "integrations": "integrasjonId",
}


def public_jwks(jwks: dict[str, Any]) -> dict[str, Any]:
    """The key set, public parts only; a private key in a file meant to be shared is refused."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ValueError('must be a JWK set: {"keys": [...]} with at least one key')
    if any(isinstance(k, dict) and "d" in k for k in keys):
        raise ValueError("holds a private key: give the public key only")
    try:
        parsed = KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError) as exc:
        raise ValueError(f"is not a valid JWK set: {exc}") from None
    return {"keys": [{**k.as_dict(private=False), **({"kid": k.kid} if k.kid else {})} for k in parsed.keys]}


def parse(data: Any, source: str) -> Environment:
    """Check the file's content; raises EnvironmentFileError with every problem."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EnvironmentFileError([f"{source}: must be a mapping with the keys {', '.join(Environment.model_fields)}"])
    try:
        environment = Environment.model_validate(data)
    except ValidationError as exc:
        raise EnvironmentFileError([f"{source}: {describe(data, e['loc'])}: {_message(e)}" for e in exc.errors()]) from None
    problems = _duplicates(environment, source)
    if problems:
        raise EnvironmentFileError(problems)
    return environment


def read(path: Path) -> Environment:
    """Read and check a YAML or JSON file (by its suffix; anything else is read as YAML, a superset of JSON)."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EnvironmentFileError([f"{source}: cannot read the environment file: {exc.strerror}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise EnvironmentFileError([f"{source}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"])
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError) as exc:
        raise EnvironmentFileError([f"{source}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}"]) from None
    return parse(data, source)


def resolve_jwks_uris(environment: Environment, source: str, http: httpx.Client | None = None) -> None:
    """Fetch every client's ``jwks_uri`` once, now (at start or reset), never because of a token."""
    problems = []
    for index, client in enumerate(environment.clients):
        try:
            resolve_jwks_uri(client, http)
        except ValueError as exc:
            problems.append(f"{source}: clients[{index}] ({client.client_id}): {exc}")
    if problems:
        raise EnvironmentFileError(problems)


def resolve_jwks_uri(client: Client, http: httpx.Client | None = None) -> None:
    """Fetch the client's ``jwks_uri`` (if it has one) into its ``jwks``; ValueError names the field."""
    if client.jwks_uri is None:
        return
    try:
        client.jwks = public_jwks(_fetch_json(client.jwks_uri, http))
    except (httpx.HTTPError, ValueError) as exc:
        raise ValueError(f"jwks_uri: cannot use {client.jwks_uri}: {exc}") from None


def _fetch_json(url: str, http: httpx.Client | None) -> Any:
    client = http or httpx.Client(timeout=JWKS_TIMEOUT_SECONDS, follow_redirects=False)
    try:
        with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            response.raise_for_status()
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise ValueError(f"the key set is larger than {MAX_JWKS_BYTES // 1024} KiB")
    finally:
        if http is None:
            client.close()
    return json.loads(body)


def describe(data: Any, loc: tuple[Any, ...]) -> str:
    """``svarut_accounts[0] (KONTO): integrations[1] (ID): orgnr`` for a pydantic error location: each entry
    named by its index and id field (citizens only by index: a fødselsnummer is never shown)."""
    segments: list[str] = []
    fields: list[str] = []
    node, kind = data, None
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            id_field = ENTRY_ID.get(kind or "")
            named = f" ({node[id_field]})" if id_field and isinstance(node, dict) and node.get(id_field) is not None else ""
            if fields:
                fields[-1] += f"[{part}]"
            else:
                segments[-1] += f"[{part}]{named}"
            continue
        node = node.get(part) if isinstance(node, dict) else None
        if part in ENTRY_ID and not fields:
            segments.append(str(part))
            kind = str(part)
        else:
            fields.append(str(part))
    return ": ".join(segments + ([".".join(fields)] if fields else []))


def _message(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _duplicates(environment: Environment, source: str) -> list[str]:
    problems = []
    for key, id_field in ENTRY_ID.items():
        if key == "integrations":
            continue
        seen: set[str] = set()
        for index, entry in enumerate(getattr(environment, key)):
            value = str(getattr(entry, id_field or "fnr")).lower()
            if value in seen:
                shown = f" ({getattr(entry, id_field)})" if id_field else ""
                problems.append(f"{source}: {key}[{index}]{shown}: {id_field or 'fnr'}: given twice in the file")
            seen.add(value)
    return problems
