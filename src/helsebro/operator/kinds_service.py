"""The operator's create, read, update and delete of the environment file's kinds one entry at a time: API
clients, tools, guidance services, PVK definitions, SvarUt accounts and integrations. Shared by the operator
API (``operator.kinds_routes``) and the CLI (``kinds_cli``); the rules are ``testdata.kinds``', the same the
environment file meets. One transaction per call; an entry reads back in the file's own shape, so what a GET
answers can be sent back in a PUT. No HTTP in here; blocking.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import Field, model_validator

from helsebro import db
from helsebro.auth.clients import list_clients
from helsebro.logs import get_logger
from helsebro.operator import errors
from helsebro.personvern.definitions import list_definitions
from helsebro.registries import admin
from helsebro.svarut.accounts import list_integrations
from helsebro.testdata import environment_file as model
from helsebro.testdata import export, kinds

log = get_logger(__name__)

Entry = dict[str, Any]


class ClientEntry(model.Client):
    """A client as the file gives it, or with ``genererSecret``: helsebro makes a secret, shows it once in the
    answer and keeps only its hash."""

    genererSecret: bool = Field(False, description="Lag en ny secret; den vises bare i svaret på dette kallet")

    @model_validator(mode="before")
    @classmethod
    def _generated_secret(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("genererSecret") is True:
            if data.get("secret") is not None:
                raise ValueError("give secret or genererSecret, not both")
            return {**data, "secret": secrets.token_urlsafe(32)}
        return data


@dataclass(frozen=True)
class Kind:
    """One kind of test data: its wire names and the functions of ``testdata.kinds`` that change it."""

    name: str  # the path segment(s) under /operator/api/v1
    noun: str  # what one is called in messages (Norwegian, as the API's messages)
    items: str  # the list's key in a list answer
    id_field: str  # the entry's id field (and the path parameter's name)
    entry: type[model.BaseModel]
    read: Callable[[sa.Connection, str | None], list[Entry]]  # every entry, or the one with this id (404 if malformed)
    create: Callable[[sa.Connection, Any], object]
    update: Callable[[sa.Connection, str, Any], object]
    delete: Callable[[sa.Connection, str], None]
    label: str = "navn"  # the field that names an entry in a list
    catalog: bool = False  # a change the Verktøy catalog's in-memory copy must see


def catalog_changed(family_state: dict[str, Any], kind: Kind | None = None) -> None:
    """After a write of ``kind`` (of anything, when None) this process's copy of the Verktøy catalog sees it
    at once; other processes within catalog_refresh_seconds. ``family_state`` is ``Services.state``."""
    if kind is not None and not kind.catalog:
        return
    catalog = family_state.get("verktoy")
    if catalog is not None:
        catalog.invalidate()


def _clients(conn: sa.Connection, client_id: str | None) -> list[Entry]:
    return [export.client_entry(c) for c in list_clients(conn) if client_id is None or c.client_id == client_id]


def _tools(conn: sa.Connection, tool_id: str | None) -> list[Entry]:
    return export.tool_entries(conn, None if tool_id is None else kinds.tool_key(tool_id))


def _definitions(conn: sa.Connection, guid: str | None) -> list[Entry]:
    return list_definitions(conn, guid)


def _accounts(conn: sa.Connection, konto_id: str | None) -> list[Entry]:
    return export.svarut_account_entries(conn, None if konto_id is None else kinds.uuid_key(konto_id, "konto"))


def _integrations(conn: sa.Connection, integrasjon_id: str | None) -> list[Entry]:
    key = None if integrasjon_id is None else kinds.uuid_key(integrasjon_id, "integrasjon")
    return [export.integration_entry(r) for r in list_integrations(conn) if key is None or str(r.integrasjon_id) == key]


CLIENTS = Kind(
    "klienter",
    "klient",
    "klienter",
    "client_id",
    ClientEntry,
    _clients,
    kinds.create_client,
    kinds.update_client,
    kinds.delete_client,
    label="name",
)
TOOLS = Kind(
    "verktoy",
    "verktøy",
    "verktoy",
    "VerktoyId",
    model.Tool,
    _tools,
    kinds.create_tool,
    kinds.update_tool,
    kinds.delete_tool,
    label="Navn",
    catalog=True,
)
GUIDANCE = Kind(
    "veiledningstjenester",
    "veiledningstjeneste",
    "veiledningstjenester",
    "id",
    model.GuidanceService,
    kinds.guidance_service_entries,
    kinds.create_guidance_service,
    kinds.update_guidance_service,
    kinds.delete_guidance_service,
)
PVK_DEFINITIONS = Kind(
    "pvk-definisjoner",
    "PVK-definisjon",
    "definisjoner",
    "definisjonGuid",
    model.PvkDefinition,
    _definitions,
    kinds.create_pvk_definition,
    kinds.update_pvk_definition,
    kinds.delete_pvk_definition,
    label="definisjonNavn",
)
SVARUT_ACCOUNTS = Kind(
    "svarut/kontoer",
    "SvarUt-konto",
    "kontoer",
    "kontoId",
    model.SvarUtAccount,
    _accounts,
    kinds.create_svarut_account,
    kinds.update_svarut_account,
    kinds.delete_svarut_account,
)
SVARUT_INTEGRATIONS = Kind(
    "svarut/integrasjoner",
    "integrasjon",
    "integrasjoner",
    "integrasjonId",
    model.Integration,
    _integrations,
    kinds.create_integration,
    kinds.update_integration,
    kinds.delete_integration,
)
KINDS = (CLIENTS, TOOLS, GUIDANCE, PVK_DEFINITIONS, SVARUT_ACCOUNTS, SVARUT_INTEGRATIONS)


def _prepared(entry: Any) -> Any:
    """A client's jwks_uri is fetched now, outside the transaction (never later because of a token)."""
    if isinstance(entry, model.Client):
        try:
            model.resolve_jwks_uri(entry)
        except ValueError as exc:
            raise admin.InvalidInput(str(exc)) from None
    return entry


def _refusing(change: Callable[[], object]) -> None:
    """The family's own value rules (ValueError) refuse as a bad request naming the field."""
    try:
        change()
    except ValueError as exc:
        raise admin.InvalidInput(str(exc)) from None


def _one(kind: Kind, conn: sa.Connection, item_id: str) -> Entry:
    found = kind.read(conn, item_id)
    if not found:
        raise admin.NotFound(f"Fant ingen {kind.noun} {item_id}")
    return found[0]


def _with_secret(entry: Any, saved: Entry) -> Entry:
    """The generated secret, in this one answer only."""
    return {**saved, "secret": entry.secret} if getattr(entry, "genererSecret", False) else saved


def list_entries(engine: sa.Engine, kind: Kind, limit: int, offset: int) -> Entry:
    with errors.translated(), db.read(engine) as conn:
        found = kind.read(conn, None)
    return {kind.items: found[offset : offset + limit], "totalt": len(found), "limit": limit, "offset": offset}


def get_entry(engine: sa.Engine, kind: Kind, item_id: str) -> Entry:
    with errors.translated(), db.read(engine) as conn:
        return _one(kind, conn, item_id)


def create_entry(engine: sa.Engine, kind: Kind, entry: Any, actor: str) -> Entry:
    item_id = str(getattr(entry, kind.id_field))
    with errors.translated():
        _prepared(entry)
        with db.write(engine) as conn:
            _refusing(lambda: kind.create(conn, entry))
            saved = _one(kind, conn, item_id)
    log.info("operator created test data", kind=kind.name, id=item_id, actor=actor)
    return _with_secret(entry, saved)


def update_entry(engine: sa.Engine, kind: Kind, item_id: str, entry: Any, actor: str) -> Entry:
    with errors.translated():
        _prepared(entry)
        with db.write(engine) as conn:
            _refusing(lambda: kind.update(conn, item_id, entry))
            saved = _one(kind, conn, item_id)
    log.info("operator replaced test data", kind=kind.name, id=item_id, actor=actor)
    return _with_secret(entry, saved)


def delete_entry(engine: sa.Engine, kind: Kind, item_id: str, actor: str) -> None:
    with errors.translated(), db.write(engine) as conn:
        kind.delete(conn, item_id)
    log.info("operator deleted test data", kind=kind.name, id=item_id, actor=actor)


# -- a tool's image and an account's grants ---------------------------------------------------------------


def set_tool_image(engine: sa.Engine, tool_id: str, content_type: str, data: bytes, actor: str) -> Entry:
    with errors.translated(), db.write(engine) as conn:
        _refusing(lambda: kinds.set_tool_image(conn, tool_id, content_type, data))
        saved = _one(TOOLS, conn, tool_id)
    log.info("operator set tool image", id=saved["VerktoyId"], bytes=len(data), actor=actor)
    return saved


def get_tool_image(engine: sa.Engine, tool_id: str) -> tuple[str, bytes]:
    with errors.translated(), db.read(engine) as conn:
        image = kinds.get_tool_image(conn, tool_id)
    return image.content_type, image.data


def delete_tool_image(engine: sa.Engine, tool_id: str, actor: str) -> None:
    with errors.translated(), db.write(engine) as conn:
        kinds.delete_tool_image(conn, tool_id)
    log.info("operator removed tool image", id=tool_id, actor=actor)


def grant_integration(engine: sa.Engine, konto_id: str, integrasjon_id: str, actor: str) -> tuple[Entry, bool]:
    with errors.translated(), db.write(engine) as conn:
        granted = kinds.grant_integration(conn, konto_id, integrasjon_id)
        saved = _one(SVARUT_ACCOUNTS, conn, konto_id)
    log.info("operator granted integration", konto=konto_id, integrasjon=integrasjon_id, actor=actor)
    return saved, granted


def revoke_integration(engine: sa.Engine, konto_id: str, integrasjon_id: str, actor: str) -> None:
    with errors.translated(), db.write(engine) as conn:
        kinds.revoke_integration(conn, konto_id, integrasjon_id)
    log.info("operator revoked integration", konto=konto_id, integrasjon=integrasjon_id, actor=actor)
