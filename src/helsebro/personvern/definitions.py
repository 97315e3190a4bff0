"""PVK definitions as test data: what the environment file, ``helsebro export`` and operators write and read.
The API's own reads go through ``service.get_definition``; this module only registers them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from helsebro.personvern.tables import pvk_definisjon


def save_definition(
    conn: sa.Connection,
    guid: str,
    navn: str,
    part_kode: str,
    type_pi: str,
    omfang_elementer: list[dict[str, Any]] | None = None,
    aktiv_fra: Any = None,
    aktiv_til: Any = None,
) -> None:
    """Insert or replace a definition (by guid, stored lower-case as the API matches it)."""
    values = {
        "navn": navn,
        "part_kode": part_kode,
        "type_pi": type_pi,
        "omfang_elementer": list(omfang_elementer or []),
        "aktiv_fra": aktiv_fra,
        "aktiv_til": aktiv_til,
    }
    key = guid.lower()
    if not conn.execute(sa.update(pvk_definisjon).where(pvk_definisjon.c.guid == key).values(**values)).rowcount:
        conn.execute(sa.insert(pvk_definisjon).values(guid=key, **values))


def list_definitions(conn: sa.Connection, guid: str | None = None) -> list[dict[str, Any]]:
    """Every definition (or the one with this guid) in the environment file's shape, ordered by guid."""
    query = sa.select(pvk_definisjon).order_by(pvk_definisjon.c.guid)
    rows = conn.execute(query if guid is None else query.where(pvk_definisjon.c.guid == guid.lower()))
    return [
        {
            "definisjonGuid": r.guid,
            "definisjonNavn": r.navn,
            "partKode": r.part_kode,
            "typePi": r.type_pi,
            "omfangElementer": list(r.omfang_elementer or []),
            **({"aktivFra": r.aktiv_fra.isoformat()} if r.aktiv_fra else {}),
            **({"aktivTil": r.aktiv_til.isoformat()} if r.aktiv_til else {}),
        }
        for r in rows
    ]
