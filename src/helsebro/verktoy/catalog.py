"""The Verktøykatalog held in memory: read from the database, refreshed when the data changes.

The catalog is read on every list, get and search call and changes rarely, so each process keeps a
snapshot with each tool's response already rendered. A process checks the database for changes at most
every ``refresh_seconds`` (one cheap query) and reloads when tools, codes or images changed.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson
import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from helsebro import db
from helsebro._time import isoformat_z
from helsebro.verktoy.tables import (
    catalog_version,
    grafisk_element,
    kodeverk,
    verktoy,
    verktoy_egenskap,
    verktoy_klassifisering,
    verktoy_sokeord,
)

LENKETYPE_VERKTOY = 50

# Code tables by name, and the list-valued properties of a tool stored in verktoy_egenskap.
FAGOMRADE, MALGRUPPE, SPRAK, INNHOLDSTYPE = "fagomrade", "malgruppe", "sprak", "innholdstype"
FORMAL, GRAFISK_ELEMENT_TYPE, BEHANDLERINNSYN, LENKETYPE = "formal", "grafisk_element_type", "behandlerinnsyn", "lenketype"
LIST_PROPERTIES = (FAGOMRADE, MALGRUPPE, SPRAK, INNHOLDSTYPE)


@dataclass(frozen=True)
class Code:
    id: int
    navn: str
    kode: str | None = None


@dataclass(frozen=True)
class Image:
    id: int
    type_id: int
    content_type: str
    sha256: str
    data: bytes


@dataclass
class Tool:
    id: str
    navn: str
    owner_client_id: str | None
    kan_legges_til_av_innbygger: bool
    kun_anonym_tilgang: bool
    values: dict[str, frozenset[int]]  # list property -> code ids
    klassifiseringer: frozenset[str]
    word_starts: tuple[str, ...]  # search text from every word start in Navn and Sokeord, casefolded
    body: dict[str, Any]
    json: bytes
    summary_json: bytes  # {"VerktoyId", "Navn"} for search results


@dataclass
class Snapshot:
    tools: list[Tool] = field(default_factory=list)  # in the API's stable order: name, then id
    by_id: dict[str, Tool] = field(default_factory=dict)
    codes: dict[str, dict[int, Code]] = field(default_factory=dict)
    images: dict[int, Image] = field(default_factory=dict)
    # Rendered answers to repeated queries; lives and dies with this snapshot.
    _memo: dict[Hashable, bytes] = field(default_factory=dict, repr=False)
    memo_limit: ClassVar[int] = 4096

    def memo(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        body = self._memo.get(key)
        if body is None:
            body = render()
            if len(self._memo) >= self.memo_limit:
                self._memo.clear()
            self._memo[key] = body
        return body


def fold(text: str) -> str:
    """Case- and form-insensitive text for search: NFC (so a decomposed å equals å) and casefold."""
    return unicodedata.normalize("NFC", text).casefold()


# Norwegian alphabetical order puts æ, ø, å after z, in that order; code points would give å, æ, ø.
_NORWEGIAN_ORDER = str.maketrans({"æ": "\U0010fff0", "ø": "\U0010fff1", "å": "\U0010fff2"})


def norwegian_sort_key(text: str) -> str:
    return fold(text).translate(_NORWEGIAN_ORDER)


_WORD_START = re.compile(r"(?<![\w])\w", re.UNICODE)


def word_starts(texts: list[str]) -> tuple[str, ...]:
    result: list[str] = []
    for text in texts:
        folded = fold(text)
        result.extend(folded[m.start() :] for m in _WORD_START.finditer(folded))
    return tuple(result)


class Catalog:
    def __init__(self, engine: sa.Engine, refresh_seconds: float):
        self.engine = engine
        self.refresh_seconds = refresh_seconds
        self._snapshot: Snapshot | None = None
        self._stamp: int | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    async def current(self) -> Snapshot:
        """The snapshot, checked against the database at most every ``refresh_seconds``."""
        if self._snapshot is not None and time.monotonic() - self._checked_at < self.refresh_seconds:
            return self._snapshot
        return await run_in_threadpool(self.refresh)

    def invalidate(self) -> None:
        """Called after a write in this process, so the next read sees it at once."""
        self._checked_at = 0.0
        self._stamp = None

    def refresh(self) -> Snapshot:
        with self._lock:
            with db.read(self.engine) as conn:
                stamp = conn.execute(_STAMP_QUERY).scalar()
                if self._snapshot is None or stamp != self._stamp:
                    self._snapshot = load_snapshot(conn)
                    self._stamp = stamp
            self._checked_at = time.monotonic()
            return self._snapshot


_STAMP_QUERY = sa.select(catalog_version.c.version).where(catalog_version.c.id == 1)


def load_snapshot(conn: sa.Connection) -> Snapshot:
    codes: dict[str, dict[int, Code]] = {}
    for row in conn.execute(sa.select(kodeverk)):
        codes.setdefault(row.kodeverk, {})[row.id] = Code(row.id, row.navn, row.kode)

    images = {
        row.id: Image(row.id, row.type_id, row.content_type, row.sha256, bytes(row.data))
        for row in conn.execute(sa.select(grafisk_element))
    }

    values: dict[str, dict[str, list[int]]] = {}
    for row in conn.execute(sa.select(verktoy_egenskap).order_by(verktoy_egenskap.c.position)):
        values.setdefault(row.verktoy_id, {}).setdefault(row.kodeverk, []).append(row.verdi)
    klass: dict[str, list[tuple[str, str]]] = {}
    for row in conn.execute(sa.select(verktoy_klassifisering).order_by(verktoy_klassifisering.c.position)):
        klass.setdefault(row.verktoy_id, []).append((row.kode, row.navn))
    words: dict[str, list[str]] = {}
    for row in conn.execute(sa.select(verktoy_sokeord).order_by(verktoy_sokeord.c.position)):
        words.setdefault(row.verktoy_id, []).append(row.ord)

    tools = []
    for row in conn.execute(sa.select(verktoy).order_by(verktoy.c.navn, verktoy.c.id)):
        tool_values = values.get(row.id, {})
        body = _body(row, tool_values, klass.get(row.id, []), words.get(row.id, []), codes, images)
        tools.append(
            Tool(
                id=row.id,
                navn=row.navn,
                owner_client_id=row.eier_client_id,
                kan_legges_til_av_innbygger=row.kan_legges_til_av_innbygger,
                kun_anonym_tilgang=row.kun_anonym_tilgang,
                values={name: frozenset(tool_values.get(name, ())) for name in LIST_PROPERTIES},
                klassifiseringer=frozenset(k for k, _ in klass.get(row.id, [])),
                word_starts=word_starts([row.navn, *words.get(row.id, [])]),
                body=body,
                json=orjson.dumps(body),
                summary_json=orjson.dumps({"VerktoyId": row.id, "Navn": row.navn}),
            )
        )
    # Python's sort, not the database's collation, decides the order: the same on SQLite and PostgreSQL.
    tools.sort(key=lambda t: (norwegian_sort_key(t.navn), t.id))
    return Snapshot(tools=tools, by_id={t.id: t for t in tools}, codes=codes, images=images)


def _name(codes: dict[str, dict[int, Code]], table: str, code_id: int | None) -> str | None:
    code = codes.get(table, {}).get(code_id) if code_id is not None else None
    return code.navn if code else None


def _body(row, values, klass, words, codes, images) -> dict[str, Any]:  # noqa: ANN001
    def first(table: str) -> int | None:
        ids = values.get(table, [])
        return ids[0] if ids else None

    sprak = [codes.get(SPRAK, {}).get(i) for i in values.get(SPRAK, [])]
    sprak = [c for c in sprak if c is not None]
    return {
        "VerktoyId": row.id,
        "Navn": row.navn,
        "Ingress": row.ingress,
        "Beskrivelse": row.beskrivelse,
        "OpprettetDato": isoformat_z(row.opprettet_dato),
        "EndretDato": isoformat_z(row.endret_dato),
        "VerktoyFormalTypeId": row.formal_id,
        "VerktoyFormalNavn": _name(codes, FORMAL, row.formal_id),
        "FagligAnsvarlig": row.faglig_ansvarlig,
        "UtvikletAv": row.utviklet_av,
        "SprakKode": sprak[0].kode if sprak else None,
        "SprakNavn": sprak[0].navn if sprak else None,
        "FagomradeType": first(FAGOMRADE),
        "FagomradeNavn": _name(codes, FAGOMRADE, first(FAGOMRADE)),
        "LenkeType": LENKETYPE_VERKTOY,
        "LenkeTypeNavn": _name(codes, LENKETYPE, LENKETYPE_VERKTOY) or "Lenke til verktøy",
        "Url": row.url,
        "Sokeord": list(words),
        "MalgruppeTypeId": first(MALGRUPPE),
        "MalgruppeNavn": _name(codes, MALGRUPPE, first(MALGRUPPE)),
        "GrafiskElementId": row.grafisk_element_id,
        "GrafiskElementTypeNavn": _name(
            codes, GRAFISK_ELEMENT_TYPE, images[row.grafisk_element_id].type_id if row.grafisk_element_id in images else None
        ),
        "InnholdstypeId": first(INNHOLDSTYPE),
        "InnholdstypeNavn": _name(codes, INNHOLDSTYPE, first(INNHOLDSTYPE)),
        "Behandlerinnsyn": _name(codes, BEHANDLERINNSYN, row.behandlerinnsyn_id),
        "KlassifiseringKode": klass[0][0] if klass else None,
        "KlassifiseringNavn": klass[0][1] if klass else None,
        "KreverForskrivning": row.krever_forskrivning,
        "Organisasjonsnummer": int(row.organisasjonsnummer),
        "Organisasjonsnavn": row.organisasjonsnavn,
        "AntattTid": row.antatt_tid,
        # Ours: the list forms of the list-valued properties (the flat fields above hold the first).
        "KanLeggesTilAvInnbygger": row.kan_legges_til_av_innbygger,
        "KunAnonymTilgang": row.kun_anonym_tilgang,
        "SprakListe": [{"SprakKode": c.kode, "SprakNavn": c.navn} for c in sprak],
        "FagomradeListe": [{"FagomradeType": i, "FagomradeNavn": _name(codes, FAGOMRADE, i)} for i in values.get(FAGOMRADE, [])],
        "MalgruppeListe": [{"MalgruppeTypeId": i, "MalgruppeNavn": _name(codes, MALGRUPPE, i)} for i in values.get(MALGRUPPE, [])],
        "InnholdstypeListe": [
            {"InnholdstypeId": i, "InnholdstypeNavn": _name(codes, INNHOLDSTYPE, i)} for i in values.get(INNHOLDSTYPE, [])
        ],
        "KlassifiseringListe": [{"KlassifiseringKode": k, "KlassifiseringNavn": n} for k, n in klass],
    }
