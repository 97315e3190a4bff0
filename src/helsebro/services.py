"""The long-lived objects one running helsebro holds, built once per app and reached from routes. It names
no family: a family's own state (``Family.state``) is built here from the factory the assembly passes."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request

from helsebro import db
from helsebro.auth.dpop import NonceSource
from helsebro.auth.external import ExternalKeys
from helsebro.auth.guard import Guard
from helsebro.auth.issuers import HELSEID, HELSENORGE_LOGIN, MASKINPORTEN
from helsebro.auth.keys import KeyStore
from helsebro.auth.replay import ReplayCache
from helsebro.auth.tables import server_secrets
from helsebro.settings import Settings


@dataclass
class Services:
    settings: Settings
    engine: sa.Engine
    keys: KeyStore
    replay: ReplayCache
    nonces: NonceSource
    guard: Guard
    # Each family's app-scoped state (Family.state), by family name: e.g. Verktøy's cached catalog.
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.settings.base_url()

    @cached_property
    def secret(self) -> str:
        return self.settings.secret or server_secret(self.engine)


def build(
    settings: Settings,
    engine: sa.Engine,
    state: Mapping[str, Callable[[Settings, sa.Engine], Any]] | None = None,
    port_issuers: Iterable[str] = (),
) -> Services:
    """``port_issuers``: the issuer URLs of token services on ports of their own (trusted like the others)."""
    keys = KeyStore(engine, settings.access_token_seconds)
    replay = ReplayCache(engine)
    holder: list[Services] = []
    nonces = NonceSource(lambda: holder[0].secret)
    own_issuers = {HELSEID.url(settings.base_url()), HELSENORGE_LOGIN.url(settings.base_url()), MASKINPORTEN.url(settings.base_url())}
    own_issuers |= set(port_issuers)
    guard = Guard(settings, keys, replay, ExternalKeys(settings.external_issuers), nonces, own_issuers)
    built = Services(
        settings=settings,
        engine=engine,
        keys=keys,
        replay=replay,
        nonces=nonces,
        guard=guard,
        state={name: make(settings, engine) for name, make in (state or {}).items()},
    )
    holder.append(built)
    return built


def server_secret(engine: sa.Engine) -> str:
    """The server secret shared by every process on this database, made on first use."""
    with db.write(engine) as conn:
        value = conn.execute(sa.select(server_secrets.c.value).where(server_secrets.c.name == "main")).scalar()
        if value is None:
            value = secrets.token_urlsafe(32)
            conn.execute(sa.insert(server_secrets).values(name="main", value=value))
    return value


def of(request: Request) -> Services:
    return request.app.state.services


# Set by a family's own port (helsebro.family_ports): the base URL the request came in on.
PUBLIC_BASE_KEY = "helsebro.public_base"


def public_base(request: Request) -> str:
    """The base URL issuers and links are built from for this request: the port it came in on when that is
    a family's own port (where issuers live at the root), else the server's base URL."""
    return request.scope.get(PUBLIC_BASE_KEY) or of(request).base_url
