"""API clients as data: who may ask for tokens, with which keys or secret, for which scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from joserfc.jwk import KeySet

from helsebro import db
from helsebro.auth.scopes import OPERATOR_SCOPE, canonical
from helsebro.auth.tables import api_clients


@dataclass(frozen=True)
class ApiClient:
    client_id: str
    name: str
    orgnr: str
    scopes: tuple[str, ...]
    jwks: dict = field(default_factory=lambda: {"keys": []})
    secret_hash: str | None = None
    orgnr_child: str | None = None
    pvk_parts: tuple[str, ...] = ()
    description: str = ""
    enabled: bool = True
    redirect_uris: tuple[str, ...] = ()
    # Professional login (HelseID user flows): where logout may send the user back, and whether the client
    # must push its authorization requests (PAR, RFC 9126) as HelseID asks of new clients.
    post_logout_redirect_uris: tuple[str, ...] = ()
    require_par: bool = False
    # HelseID: a multi-tenant client (a vendor) names the customer it acts for in each request; a single-tenant
    # client may name one of its registered child organisations (helsebro.auth.organisations).
    multi_tenant: bool = False
    child_organisations: tuple[str, ...] = ()

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(self.jwks)

    def grants(self, scope: str) -> bool:
        return canonical(scope) in {canonical(s) for s in self.scopes}

    @property
    def operates_only(self) -> bool:
        """A client of helsebro's own operator API and nothing else. It has no HelseID counterpart, so strict
        mode (which turns client secrets off to behave like HelseID) leaves its secret on."""
        return bool(self.scopes) and all(canonical(s) == OPERATOR_SCOPE for s in self.scopes)


def _from_row(row) -> ApiClient:  # noqa: ANN001
    return ApiClient(
        client_id=row.client_id,
        name=row.name,
        orgnr=row.orgnr,
        orgnr_child=row.orgnr_child,
        scopes=tuple(row.scopes or ()),
        jwks=row.jwks or {"keys": []},
        secret_hash=row.secret_hash,
        pvk_parts=tuple(row.pvk_parts or ()),
        description=row.description or "",
        enabled=row.enabled,
        redirect_uris=tuple(row.redirect_uris or ()),
        post_logout_redirect_uris=tuple(row.post_logout_redirect_uris or ()),
        require_par=bool(row.require_par),
        multi_tenant=bool(row.multi_tenant),
        child_organisations=tuple(row.child_organisations or ()),
    )


def pvk_parts_of(client_id: sa.ColumnElement[str]) -> sa.ScalarSelect:
    """The client's PVK part codes (a JSON list; NULL for an unknown client), for a caller's own query."""
    return sa.select(api_clients.c.pvk_parts).where(api_clients.c.client_id == client_id).scalar_subquery()


def get_client(conn: sa.Connection, client_id: str) -> ApiClient | None:
    row = conn.execute(sa.select(api_clients).where(api_clients.c.client_id == client_id)).first()
    return _from_row(row) if row else None


def list_clients(conn: sa.Connection) -> list[ApiClient]:
    return [_from_row(r) for r in conn.execute(sa.select(api_clients).order_by(api_clients.c.client_id))]


def save_client(conn: sa.Connection, client: ApiClient) -> None:
    """Insert or replace a client (by client_id)."""
    values = {
        "name": client.name,
        "orgnr": client.orgnr,
        "orgnr_child": client.orgnr_child,
        "jwks": client.jwks,
        "secret_hash": client.secret_hash,
        "scopes": list(client.scopes),
        "pvk_parts": list(client.pvk_parts),
        "description": client.description,
        "enabled": client.enabled,
        "redirect_uris": list(client.redirect_uris),
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris),
        "require_par": client.require_par,
        "multi_tenant": client.multi_tenant,
        "child_organisations": list(client.child_organisations),
    }
    updated = conn.execute(sa.update(api_clients).where(api_clients.c.client_id == client.client_id).values(**values)).rowcount
    if not updated:
        conn.execute(sa.insert(api_clients).values(client_id=client.client_id, **values))


def none_registered(engine: sa.Engine) -> bool:
    """No client at all: a database the default data was never loaded into."""
    with db.read(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(api_clients)).scalar() == 0
