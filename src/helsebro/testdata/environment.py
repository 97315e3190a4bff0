"""Applies an environment file (``environment_file``) on top of the default data: at start, and again after
every reset (``loader.reset`` calls ``apply``). Every entry goes through its family's or registry's own
registration function, so it meets the same rules as an operator's change.

Applying is idempotent: an entry that is already there is updated to what the file says (a secret or password
that still matches keeps its hash, a tool keeps its dates), so applying twice leaves the same data. All of it
happens in the caller's transaction: when one entry is refused, nothing of the file is applied.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro.registries import admin
from helsebro.registries import service as registry
from helsebro.testdata import environment_file as model
from helsebro.testdata import kinds
from helsebro.testdata.environment_file import Environment, EnvironmentFileError

ACTOR = "environment-file"


class Loaded:
    """A checked file, its jwks_uri key sets fetched: ready to apply as often as the data is reset."""

    def __init__(self, source: Path | str, environment: Environment):
        self.source = str(source)  # the file's path, or what else names the document in messages
        self.environment = environment


def load(path: Path | str) -> Loaded:
    """Read, check and resolve the file (fetches jwks_uri). Raises EnvironmentFileError."""
    path = Path(path)
    environment = model.read(path)
    model.resolve_jwks_uris(environment, str(path))
    return Loaded(path, environment)


def configured() -> Loaded | None:
    """The file HELSEBRO_ENVIRONMENT names (``serve --environment`` sets it), loaded; None when unset."""
    from helsebro.settings import Settings

    name = Settings().environment
    return load(name) if name else None


def apply_to(engine: sa.Engine, loaded: Loaded) -> dict[str, int]:
    """Apply on top of whatever data is there, in one transaction of its own."""
    with db.write(engine) as conn:
        return apply(conn, loaded)


def apply(conn: sa.Connection, loaded: Loaded) -> dict[str, int]:
    """Apply in the caller's transaction; raises EnvironmentFileError (the caller rolls back)."""
    env = loaded.environment
    steps: tuple[tuple[str, Callable[[sa.Connection, Any], object]], ...] = (
        ("organisations", _organisation),
        ("citizens", _citizen),
        ("health_personnel", _health_person),
        ("clients", kinds.save_client_entry),
        ("verktoy", kinds.save_tool_entry),
        ("guidance_services", kinds.save_guidance_service_entry),
        ("pvk_definitions", kinds.save_pvk_definition_entry),
        ("svarut_accounts", kinds.save_svarut_account_entry),
    )
    for kind, step in steps:
        for index, entry in enumerate(getattr(env, kind)):
            try:
                step(conn, entry)
            except (admin.AdminError, ValueError) as exc:
                raise EnvironmentFileError([f"{loaded.source}: {_entry_name(kind, index, entry)}: {exc}"]) from None
    return {f"environment_{kind}": len(getattr(env, kind)) for kind, _ in steps if getattr(env, kind)}


def _entry_name(kind: str, index: int, entry: Any) -> str:
    id_field = model.ENTRY_ID[kind]
    return f"{kind}[{index}]" + (f" ({getattr(entry, id_field)})" if id_field else "")


# -- one function per kind (the kinds the operator API also changes one by one are in ``kinds``) ------------


def _organisation(conn: sa.Connection, entry: model.Organisation) -> None:
    data = admin.OrganisationData(orgnr=entry.orgnr, navn=entry.navn, her_id=entry.her_id)
    if registry.get_organisation(conn, entry.orgnr) is None:
        admin.create_organisation(conn, data)
    else:
        admin.update_organisation(conn, entry.orgnr, data)


def _citizen(conn: sa.Connection, entry: model.Citizen) -> None:
    fields = {k: getattr(entry, k) for k in ("fornavn", "mellomnavn", "etternavn", "adresse", "postnummer", "poststed", "dodsdato")}
    if registry.get_citizen(conn, entry.fnr) is None:
        admin.create_citizen(conn, admin.NewCitizen(fnr=entry.fnr, helsenorge_samtykke=entry.helsenorgeSamtykke, **fields), actor=ACTOR)
    else:
        admin.update_citizen(conn, entry.fnr, admin.CitizenChanges(helsenorge_samtykke=entry.helsenorgeSamtykke, **fields), actor=ACTOR)


def _health_person(conn: sa.Connection, entry: model.HealthPerson) -> None:
    data = admin.HealthPersonData(
        hpr_nummer=entry.hpr,
        fornavn=entry.fornavn,
        etternavn=entry.etternavn,
        fnr=entry.fnr,
        autorisasjoner=[admin.Authorisation(kode=a.get("kode", ""), navn=a.get("navn", "")) for a in entry.autorisasjoner],
    )
    if registry.get_health_person(conn, entry.hpr) is None:
        admin.create_health_person(conn, data)
    else:
        admin.update_health_person(conn, entry.hpr, data)
