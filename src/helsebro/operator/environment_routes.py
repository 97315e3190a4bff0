"""The environment file over the operator API: ``GET /miljo`` is ``helsebro export``, ``POST /miljo`` applies
a document of the file's shape (JSON) on top of the data now there, and ``POST /tilbakestill`` restores the
default data with the configured environment file on top (as ``helsebro reset``). Every kind of the file
(clients, tools, PVK definitions, SvarUt accounts and integrations, organisations, citizens, health personnel)
is created or updated through its registry's own function, in one transaction: a refused entry leaves
nothing of the document, and the answer names the entry and the field."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from helsebro import db, services
from helsebro.errors import HelsenorgeError
from helsebro.operator.kinds_service import catalog_changed
from helsebro.operator.routes import router  # the operator API's router: its prefix and token check
from helsebro.testdata import environment_file
from helsebro.testdata.environment_file import EnvironmentFileError

# The loader (and with it the applier and the export) is imported where used: it loads every family, and the
# families load the operator API's router (PTS and SvarUt add their operator routes to it).

ENVIRONMENT = "Operatør: miljøfil"
SOURCE = "miljo"  # how problems name the document (a file would be named by its path)


def _refused(exc: EnvironmentFileError) -> HelsenorgeError:
    return HelsenorgeError(400, "OP-000400", "Miljøfilen ble avvist, ingenting er endret: " + "; ".join(exc.problems))


@router.get("/miljo", tags=[ENVIRONMENT], summary="Hent testdataene som en miljøfil (som helsebro export)")
def get_environment(request: Request) -> dict[str, Any]:
    from helsebro.testdata.export import export

    with db.read(services.of(request).engine) as conn:
        return export(conn)


@router.post("/miljo", tags=[ENVIRONMENT], summary="Legg en miljøfil (JSON) oppå dataene som er der nå")
async def apply_environment(request: Request) -> dict[str, int]:
    body = await request.body()
    if len(body) > environment_file.MAX_FILE_BYTES:
        raise HelsenorgeError(400, "OP-000400", f"Miljøfilen er større enn {environment_file.MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        data = json.loads(body)
    except ValueError:
        raise HelsenorgeError(400, "OP-000400", "Kroppen må være en miljøfil som JSON") from None

    from helsebro.testdata import environment

    def apply() -> dict[str, int]:
        parsed = environment_file.parse(data, SOURCE)
        environment_file.resolve_jwks_uris(parsed, SOURCE)
        return environment.apply_to(services.of(request).engine, environment.Loaded(SOURCE, parsed))

    try:
        counts = await run_in_threadpool(apply)
    except EnvironmentFileError as exc:
        raise _refused(exc) from None
    catalog_changed(services.of(request).state)
    return counts


@router.post("/tilbakestill", tags=[ENVIRONMENT], summary="Gjenopprett standarddataene, med den konfigurerte miljøfilen oppå")
def reset(request: Request) -> dict[str, int]:
    from helsebro.testdata import loader

    try:
        counts = loader.reset(services.of(request).engine)
    except EnvironmentFileError as exc:
        raise _refused(exc) from None
    catalog_changed(services.of(request).state)
    return counts
