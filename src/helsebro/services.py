"""The long-lived objects one running helsebro holds, built once per app and reached from routes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property

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
from helsebro.verktoy.catalog import Catalog


@dataclass
class Services:
    settings: Settings
    engine: sa.Engine
    keys: KeyStore
    replay: ReplayCache
    nonces: NonceSource
    guard: Guard
    catalog: Catalog

    @property
    def base_url(self) -> str:
        return self.settings.base_url()

    @cached_property
    def secret(self) -> str:
        return self.settings.secret or server_secret(self.engine)


def build(settings: Settings, engine: sa.Engine) -> Services:
    keys = KeyStore(engine, settings.access_token_seconds)
    replay = ReplayCache(engine)
    holder: list[Services] = []
    nonces = NonceSource(lambda: holder[0].secret)
    own_issuers = {HELSEID.url(settings.base_url()), HELSENORGE_LOGIN.url(settings.base_url()), MASKINPORTEN.url(settings.base_url())}
    guard = Guard(settings, keys, replay, ExternalKeys(settings.external_issuers), nonces, own_issuers)
    built = Services(
        settings=settings,
        engine=engine,
        keys=keys,
        replay=replay,
        nonces=nonces,
        guard=guard,
        catalog=Catalog(engine, settings.catalog_refresh_seconds),
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
