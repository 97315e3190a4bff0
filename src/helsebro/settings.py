"""Settings from the environment (prefix ``HELSEBRO_``)."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field
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
    # Catalog cache: how often a process checks the database for a changed catalog.
    catalog_refresh_seconds: float = 1.0
    # How often each API process runs its periodic jobs (purging the DigitaltAktiv feed's old changes).
    housekeeping_seconds: float = 3600.0

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

    external_issuers_json: str = Field(default="[]", alias="HELSEBRO_EXTERNAL_ISSUERS")
    log_level: str = "info"
    log_json: bool = False

    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'helsebro.sqlite').as_posix()}"

    @cached_property
    def external_issuers(self) -> list[ExternalIssuer]:
        return [ExternalIssuer.model_validate(item) for item in json.loads(self.external_issuers_json)]


def get_settings(**overrides) -> Settings:
    return Settings(**overrides)
