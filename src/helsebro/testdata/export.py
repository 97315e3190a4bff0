"""``helsebro export``: the current test data as an environment file, so that applying it gives the same
data (a round trip). Secrets and integration passwords are never stored, so the file carries their hashes
(``secret_hash``, ``passord_hash``), which the file model takes back as they are. Read-only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa

from helsebro.auth.clients import list_clients
from helsebro.auth.scopes import MASKINPORTEN_SCOPES, canonical
from helsebro.personvern.definitions import list_definitions
from helsebro.registries import admin
from helsebro.registries import service as registry
from helsebro.svarut.accounts import list_accounts, list_integrations
from helsebro.testdata.kinds import guidance_service_entries
from helsebro.verktoy.tables import verktoy, verktoy_egenskap, verktoy_klassifisering, verktoy_sokeord

T = TypeVar("T")
# The tool's list fields in the catalog's names, by their code table.
_LIST_FIELDS = {"fagomrade": "Fagomrader", "malgruppe": "Malgrupper", "sprak": "Sprak", "innholdstype": "Innholdstyper"}


def export(conn: sa.Connection) -> dict[str, list[dict[str, Any]]]:
    return {
        "organisations": [
            {"orgnr": o.orgnr, "navn": o.navn, **({"her_id": o.her_id} if o.her_id else {})}
            for o in _all(lambda limit, offset: admin.list_organisations(conn, None, limit, offset))
        ],
        "clients": [client_entry(c) for c in list_clients(conn)],
        "verktoy": tool_entries(conn),
        "guidance_services": guidance_service_entries(conn),
        "pvk_definitions": list_definitions(conn),
        "svarut_accounts": svarut_account_entries(conn),
        "citizens": _citizens(conn),
        "health_personnel": [
            {
                "hpr": p.hpr_nummer,
                **({"fnr": p.fnr} if p.fnr else {}),
                "fornavn": p.fornavn,
                "etternavn": p.etternavn,
                "autorisasjoner": list(p.autorisasjoner or []),
            }
            for p in _all(lambda limit, offset: admin.list_health_personnel(conn, None, limit, offset))
        ],
    }


def _all(page: Callable[[int, int], admin.Page[T]]) -> Iterator[T]:
    offset = 0
    while True:
        found = page(admin.MAX_PAGE_SIZE, offset)
        yield from found.items
        offset += len(found.items)
        if not found.items or offset >= found.total:
            return


def client_entry(client: Any) -> dict[str, Any]:
    """A client as an environment file's entry (the operator API's read of one, too)."""
    maskinporten = {canonical(s) for s in MASKINPORTEN_SCOPES}
    issuer = "maskinporten" if client.scopes and all(canonical(s) in maskinporten for s in client.scopes) else "helseid"
    entry: dict[str, Any] = {
        "client_id": client.client_id,
        "issuer": issuer,
        "name": client.name,
        "orgnr": client.orgnr,
        "scopes": list(client.scopes),
    }
    if client.jwks.get("keys"):
        entry["jwks"] = client.jwks
    if client.secret_hash:
        entry["secret_hash"] = client.secret_hash
    for name in ("pvk_parts", "redirect_uris", "post_logout_redirect_uris", "child_organisations"):
        if getattr(client, name):
            entry[name] = list(getattr(client, name))
    if client.require_par:
        entry["require_par"] = True
    if client.multi_tenant:
        entry["multi_tenant"] = True
    if client.description:
        entry["description"] = client.description
    return entry


def _only(column: sa.Column, value: str | None) -> sa.ColumnElement[bool]:
    return column == value if value is not None else sa.true()


def tool_entries(conn: sa.Connection, tool_id: str | None = None) -> list[dict[str, Any]]:
    """Every tool (or the one with this id) as environment file entries, in the catalog's own field names."""
    lists: dict[str, dict[str, list[int]]] = {}
    egenskap = sa.select(verktoy_egenskap).where(_only(verktoy_egenskap.c.verktoy_id, tool_id))
    for row in conn.execute(egenskap.order_by(verktoy_egenskap.c.verktoy_id, verktoy_egenskap.c.position)):
        lists.setdefault(str(row.verktoy_id), {}).setdefault(_LIST_FIELDS[row.kodeverk], []).append(row.verdi)
    klass: dict[str, list[dict[str, str]]] = {}
    klassifisering = sa.select(verktoy_klassifisering).where(_only(verktoy_klassifisering.c.verktoy_id, tool_id))
    for row in conn.execute(klassifisering.order_by(verktoy_klassifisering.c.verktoy_id, verktoy_klassifisering.c.position)):
        klass.setdefault(str(row.verktoy_id), []).append({"kode": row.kode, "navn": row.navn})
    words: dict[str, list[str]] = {}
    sokeord = sa.select(verktoy_sokeord).where(_only(verktoy_sokeord.c.verktoy_id, tool_id))
    for row in conn.execute(sokeord.order_by(verktoy_sokeord.c.verktoy_id, verktoy_sokeord.c.position)):
        words.setdefault(str(row.verktoy_id), []).append(row.ord)
    tools = []
    for r in conn.execute(sa.select(verktoy).where(_only(verktoy.c.id, tool_id)).order_by(verktoy.c.id)):
        tool_id = str(r.id)
        tools.append(
            {
                "VerktoyId": tool_id,
                "Navn": r.navn,
                "eier": r.eier_client_id,
                "Ingress": r.ingress,
                "Beskrivelse": r.beskrivelse,
                "OpprettetDato": r.opprettet_dato.isoformat(),
                "EndretDato": r.endret_dato.isoformat(),
                "VerktoyFormalTypeId": r.formal_id,
                "FagligAnsvarlig": r.faglig_ansvarlig,
                "UtvikletAv": r.utviklet_av,
                "Url": r.url,
                "GrafiskElementId": r.grafisk_element_id,
                "Behandlerinnsyn": r.behandlerinnsyn_id,
                "KreverForskrivning": r.krever_forskrivning,
                "KanLeggesTilAvInnbygger": r.kan_legges_til_av_innbygger,
                "KunAnonymTilgang": r.kun_anonym_tilgang,
                "Organisasjonsnummer": r.organisasjonsnummer,
                "Organisasjonsnavn": r.organisasjonsnavn,
                "AntattTid": r.antatt_tid,
                **{name: lists.get(tool_id, {}).get(name, []) for name in _LIST_FIELDS.values()},
                "Klassifiseringer": klass.get(tool_id, []),
                "Sokeord": words.get(tool_id, []),
            }
        )
    return tools


def integration_entry(row: Any) -> dict[str, Any]:
    """An integration as the file writes it: its password's hash, never the password (which is not kept)."""
    return {"integrasjonId": str(row.integrasjon_id), "navn": row.navn, "orgnr": row.orgnr, "passord_hash": row.passord_hash}


def svarut_account_entries(conn: sa.Connection, konto_id: str | None = None) -> list[dict[str, Any]]:
    """Every SvarUt account (or the one with this id) with the integrations it grants access to."""
    integrations = {str(i.integrasjon_id): i for i in list_integrations(conn)}
    return [
        {
            "kontoId": account.konto_id,
            "navn": account.navn,
            "orgnr": account.orgnr,
            **({"her_id": account.her_id} if account.her_id else {}),
            "integrations": [integration_entry(integrations[i]) for i in granted],
        }
        for account, granted in list_accounts(conn)
        if konto_id is None or account.konto_id == konto_id
    ]


def _citizens(conn: sa.Connection) -> list[dict[str, Any]]:
    found = []
    for summary in _all(lambda limit, offset: admin.list_citizens(conn, None, limit, offset)):
        citizen = registry.get_citizen(conn, summary.fnr)
        assert citizen is not None  # listed a moment ago, in the same transaction
        entry = {
            "fnr": citizen.fnr,
            "fornavn": citizen.fornavn,
            "mellomnavn": citizen.mellomnavn,
            "etternavn": citizen.etternavn,
            "adresse": citizen.adresse,
            "postnummer": citizen.postnummer,
            "poststed": citizen.poststed,
            "dodsdato": citizen.dodsdato.isoformat() if citizen.dodsdato else None,
            "helsenorgeSamtykke": summary.helsenorge_samtykke,
        }
        found.append({k: v for k, v in entry.items() if v is not None})
    return sorted(found, key=lambda c: c["fnr"])
