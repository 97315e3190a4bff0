"""Settings from the environment (prefix ``HELSEBRO_``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ExternalIssuer(BaseModel):
    """A token issuer outside helsebro whose tokens we accept (e.g. the real HelseID test STS)."""

    issuer: str
    jwks_uri: str


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HELSEBRO_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 8080
    # Base of every issuer and link. Empty: http://<host>:<port>.
    public_url: str = ""
    # HTTPS on every port with a certificate from the local test CA in data_dir (serve --tls); links become https.
    tls: bool = False
    data_dir: Path = Path("helsebro-data")
    # Empty: a SQLite file in data_dir. postgresql://... to scale out.
    database_url: str = ""
    # Server secret for pseudonyms, DPoP nonces and log hashing. Empty: generated once into data_dir.
    secret: str = ""

    access_token_seconds: int = 3600
    # How far ahead a client assertion's exp may lie, and the clock skew we forgive.
    client_assertion_max_seconds: int = 60
    clock_skew_seconds: int = 5
    # A DPoP proof is fresh this long after its iat.
    dpop_proof_max_age_seconds: int = 60
    # "off": no nonce; "token": the token endpoint demands one (as HelseID does); "all": resources too.
    dpop_nonce: str = "off"
    # Strict mode turns off developer conveniences (client secrets).
    strict: bool = False
    # The operator client's secret (operator API and pages). Empty: the published default 'helsebro-operator',
    # fine on 127.0.0.1; on a shared server, set it, or anyone who reaches the port can change all test data.
    operator_secret: str = ""
    # Operator sign-in (the login page, and the operator client's secret at a token endpoint): this many failed
    # guesses within the window, per client id and per address, and the next try gets 429 until one ages out.
    operator_sign_in_failures_per_client: int = 10
    operator_sign_in_failures_per_address: int = 20
    operator_sign_in_window_seconds: int = 900
    # Catalog cache: how often a process checks the database for a changed catalog.
    catalog_refresh_seconds: float = 1.0
    # How often each API process runs its periodic jobs (purging the DigitaltAktiv feed's old changes).
    housekeeping_seconds: float = 3600.0
    # Writers of one process that may wait for their turn (group commit) before a write is answered 503.
    write_queue: int = 256
    # How often each process reads the shared server clock again (a clock moved elsewhere shows here within it).
    clock_refresh_seconds: float = 1.0
    # How often each process reads the injected faults again (a fault made elsewhere applies here within it).
    fault_refresh_seconds: float = 1.0

    # SvarUt delivery: the pause between two steps of a letter's lifecycle (e.g. SENDT_SDP -> LEVERT_SDP), so a
    # client's test can watch the statuses change in seconds. 0: as fast as the workers go.
    svarut_step_seconds: float = 2.0
    # Run a delivery worker inside each API process (`serve`); off when separate `helsebro worker`s run.
    embedded_worker: bool = True
    # Workers: how long a claimed job is theirs (a crashed worker's jobs are claimable again after this), how
    # many claims a job gets before it is parked, the first retry delay (doubling per attempt, capped), and
    # the longest sleep when nothing is due.
    worker_lease_seconds: float = 60.0
    worker_max_attempts: int = 8
    worker_retry_seconds: float = 1.0
    worker_retry_max_seconds: float = 600.0
    worker_poll_seconds: float = 1.0

    # A port of its own for a family, at the real host's paths: "svarut=8443,pts=8444" (serve --family-port).
    family_ports: str = ""
    # A YAML or JSON file of the client's own identifiers, applied on top of the default data at start and
    # after every reset (serve --environment; testdata/environment_file.py).
    environment: str = ""

    # Token issuers outside helsebro whose tokens are accepted too: a JSON list in HELSEBRO_EXTERNAL_ISSUERS.
    external_issuers: list[ExternalIssuer] = Field(default_factory=list, alias="HELSEBRO_EXTERNAL_ISSUERS")
    log_level: str = "info"
    log_json: bool = False

    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::") else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def port_url(self, port: int) -> str:
        """The base URL of another port of this server (a family's own port): same scheme and host."""
        host = "localhost" if self.host in ("0.0.0.0", "::") else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def family_port_map(self) -> dict[str, int]:
        """``family_ports`` read as NAME -> PORT. Raises ValueError naming the bad entry."""
        ports: dict[str, int] = {}
        for entry in filter(None, (part.strip() for part in self.family_ports.split(","))):
            name, sep, port = entry.partition("=")
            if not sep or not name.strip() or not port.strip().isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"family port {entry!r}: write NAME=PORT, e.g. svarut=8443")
            if name.strip() in ports:
                raise ValueError(f"family port {entry!r}: {name.strip()} is given twice")
            if int(port) == self.port or int(port) in ports.values():
                raise ValueError(f"family port {entry!r}: port {port} is already taken")
            ports[name.strip()] = int(port)
        return ports

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'helsebro.sqlite').as_posix()}"

    @field_validator("external_issuers", mode="before")
    @classmethod
    def _json_text(cls, value: object) -> object:
        # The environment source decodes JSON itself; Settings(HELSEBRO_EXTERNAL_ISSUERS="[...]") passes text.
        return json.loads(value) if isinstance(value, str) else value
