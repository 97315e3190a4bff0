"""Writing the catalog: code tables, images and tools (used by the default data loader and operators)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa

from helsebro._time import utcnow
from helsebro.verktoy.catalog import LIST_PROPERTIES
from helsebro.verktoy.tables import (
    catalog_version,
    grafisk_element,
    kodeverk,
    verktoy,
    verktoy_egenskap,
    verktoy_klassifisering,
    verktoy_sokeord,
)

CONTENT_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

# Keys of a tool in the data file (wire names) -> list property code table.
_LIST_KEYS = {"Fagomrader": "fagomrade", "Malgrupper": "malgruppe", "Sprak": "sprak", "Innholdstyper": "innholdstype"}
assert set(_LIST_KEYS.values()) == set(LIST_PROPERTIES)


def bump_version(conn: sa.Connection) -> None:
    """Mark the catalog changed (in the caller's transaction), so every process reloads it."""
    bumped = conn.execute(
        sa.update(catalog_version).where(catalog_version.c.id == 1).values(version=catalog_version.c.version + 1)
    ).rowcount
    if not bumped:
        conn.execute(sa.insert(catalog_version).values(id=1, version=1))


def save_code(conn: sa.Connection, table: str, code_id: int, navn: str, kode: str | None = None) -> None:
    bump_version(conn)
    key = (kodeverk.c.kodeverk == table) & (kodeverk.c.id == code_id)
    if not conn.execute(sa.update(kodeverk).where(key).values(navn=navn, kode=kode)).rowcount:
        conn.execute(sa.insert(kodeverk).values(kodeverk=table, id=code_id, navn=navn, kode=kode))


def save_image(conn: sa.Connection, image_id: int, type_id: int, content_type: str, data: bytes) -> None:
    bump_version(conn)
    values = {"type_id": type_id, "content_type": content_type, "data": data, "sha256": hashlib.sha256(data).hexdigest()}
    if not conn.execute(sa.update(grafisk_element).where(grafisk_element.c.id == image_id).values(**values)).rowcount:
        conn.execute(sa.insert(grafisk_element).values(id=image_id, **values))


def _datetime(value: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else utcnow()


def save_tool(conn: sa.Connection, tool: dict[str, Any]) -> str:
    """Insert or replace one tool, given in the API's own field names plus Eier and the list fields."""
    bump_version(conn)
    tool_id, values, children = _tool_rows(tool)
    if not conn.execute(sa.update(verktoy).where(verktoy.c.id == tool_id).values(**values)).rowcount:
        conn.execute(sa.insert(verktoy).values(id=tool_id, **values))
    for child in (verktoy_egenskap, verktoy_klassifisering, verktoy_sokeord):
        conn.execute(sa.delete(child).where(child.c.verktoy_id == tool_id))
    for child, rows in children.items():
        if rows:
            conn.execute(sa.insert(child), rows)
    return tool_id


def load_catalog(
    conn: sa.Connection, codes: dict[str, list[dict[str, Any]]], images: list[dict[str, Any]], tools: list[dict[str, Any]]
) -> None:
    """The whole catalog into empty tables (the default data), a statement per table rather than per row: the
    same rows as ``save_code``, ``save_image`` and ``save_tool`` write one at a time."""
    bump_version(conn)
    code_rows = [
        {"kodeverk": table, "id": c["id"], "navn": c["navn"], "kode": c.get("kode")} for table, entries in codes.items() for c in entries
    ]
    if code_rows:
        conn.execute(sa.insert(kodeverk), code_rows)
    if images:
        image_rows = [
            {
                "id": i["id"],
                "type_id": i["type_id"],
                "content_type": i["content_type"],
                "data": i["data"],
                "sha256": hashlib.sha256(i["data"]).hexdigest(),
            }
            for i in images
        ]
        conn.execute(sa.insert(grafisk_element), image_rows)
    tool_rows: list[dict[str, Any]] = []
    children: dict[sa.Table, list[dict[str, Any]]] = {verktoy_egenskap: [], verktoy_klassifisering: [], verktoy_sokeord: []}
    for tool in tools:
        tool_id, values, of_tool = _tool_rows(tool)
        tool_rows.append({"id": tool_id, **values})
        for child, child_rows in of_tool.items():
            children[child].extend(child_rows)
    if tool_rows:
        conn.execute(sa.insert(verktoy), tool_rows)
    for child, rows in children.items():
        if rows:
            conn.execute(sa.insert(child), rows)


def _tool_rows(tool: dict[str, Any]) -> tuple[str, dict[str, Any], dict[sa.Table, list[dict[str, Any]]]]:
    """A tool's id, its ``verktoy`` row and its child tables' rows."""
    tool_id = str(tool["VerktoyId"]).lower()
    values = {
        "navn": tool["Navn"],
        "ingress": tool.get("Ingress", ""),
        "beskrivelse": tool.get("Beskrivelse", ""),
        "opprettet_dato": _datetime(tool.get("OpprettetDato")),
        "endret_dato": _datetime(tool.get("EndretDato")),
        "formal_id": tool["VerktoyFormalTypeId"],
        "faglig_ansvarlig": tool.get("FagligAnsvarlig", ""),
        "utviklet_av": tool.get("UtvikletAv", ""),
        "url": tool["Url"],
        "grafisk_element_id": tool.get("GrafiskElementId"),
        "behandlerinnsyn_id": tool.get("Behandlerinnsyn"),
        "krever_forskrivning": bool(tool.get("KreverForskrivning", False)),
        "kan_legges_til_av_innbygger": bool(tool.get("KanLeggesTilAvInnbygger", True)),
        "kun_anonym_tilgang": bool(tool.get("KunAnonymTilgang", False)),
        "organisasjonsnummer": str(tool["Organisasjonsnummer"]),
        "organisasjonsnavn": tool["Organisasjonsnavn"],
        "antatt_tid": tool.get("AntattTid"),
        "eier_client_id": tool.get("Eier"),
    }
    properties = [
        {"verktoy_id": tool_id, "kodeverk": table, "verdi": int(value), "position": position}
        for key, table in _LIST_KEYS.items()
        for position, value in enumerate(tool.get(key, []))
    ]
    classifications = [
        {"verktoy_id": tool_id, "kode": str(k["kode"]), "navn": k["navn"], "position": position}
        for position, k in enumerate(tool.get("Klassifiseringer", []))
    ]
    words = [
        {"verktoy_id": tool_id, "ord": word, "position": position} for position, word in enumerate(dict.fromkeys(tool.get("Sokeord", [])))
    ]
    return tool_id, values, {verktoy_egenskap: properties, verktoy_klassifisering: classifications, verktoy_sokeord: words}
