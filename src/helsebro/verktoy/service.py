"""Rules of the Verktøykatalog read API (seed 000): filters, paging, search. No HTTP in here.

Query parameters arrive as ``{lower-cased name: [values]}`` (see ``helsebro.casing``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from helsebro.verktoy import errors
from helsebro.verktoy.catalog import FAGOMRADE, MALGRUPPE, SPRAK, Snapshot, Tool, fold

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50
DEFAULT_ROW_COUNT = 50
MAX_ROW_COUNT = 50
SEARCH_MIN, SEARCH_MAX = 3, 256

Params = dict[str, list[str]]

# Query parameter (as documented) -> the code table its values come from.
_ENUM_FILTERS = {"Fagomrader": FAGOMRADE, "Malgrupper": MALGRUPPE, "Sprak": SPRAK}


@dataclass(frozen=True)
class ListQuery:
    enums: dict[str, frozenset[int]]  # code table -> wanted ids (empty: no filter)
    klassifiseringer: frozenset[str]
    kan_legges_til_av_innbygger: bool | None
    kun_anonym_tilgang: bool | None
    page: int
    page_size: int


# The forms .NET's Guid.Parse accepts (N, D, B, P), ASCII hex only. uuid.UUID alone is looser: it also
# takes "urn:uuid:" prefixes, hyphens anywhere and non-ASCII digits.
_D = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID = re.compile(rf"[0-9a-fA-F]{{32}}|{_D}|\{{{_D}\}}|\({_D}\)")
# An int as .NET's Int32.Parse reads it: optional whitespace and sign, ASCII digits, 32-bit range.
_INT = re.compile(r"[\t\n\v\f\r ]*[+-]?[0-9]+[\t\n\v\f\r ]*")
_INT32 = range(-(2**31), 2**31)


def parse_tool_id(value: str) -> str:
    if not _GUID.fullmatch(value.strip()):
        raise errors.invalid_id(value)
    return str(uuid.UUID(hex=re.sub(r"[^0-9a-fA-F]", "", value)))


def parse_image_id(value: str) -> int:
    image_id = _int_or_none(value)
    if image_id is None:
        raise errors.invalid_id(value)
    return image_id


def parse_list_query(params: Params, snapshot: Snapshot) -> ListQuery:
    enums = {}
    for parameter, table in _ENUM_FILTERS.items():
        known = snapshot.codes.get(table, {})
        wanted = set()
        for raw in params.get(parameter.lower(), []):
            code = _int_or_none(raw)
            if code is None or code not in known:
                raise errors.enum_undefined(parameter, raw)
            wanted.add(code)
        enums[table] = frozenset(wanted)
    klassifiseringer = frozenset(v.strip() for v in params.get("klassifiseringer", []) if v.strip())

    size_raw = _first(params, "antallverktoy")
    page_size = DEFAULT_PAGE_SIZE if size_raw is None else _int_or_none(size_raw)
    if page_size is None or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise errors.invalid_page_size(str(size_raw))
    # The seed's own example spells it "Siderefereanse"; accept both.
    page_raw = _first(params, "sidereferanse") or _first(params, "siderefereanse")
    page = 1 if page_raw is None else _int_or_none(page_raw)
    if page is None or page < 1:
        raise errors.invalid_parameter("Sidereferanse", str(page_raw), "et sidenummer fra 1")
    return ListQuery(
        enums=enums,
        klassifiseringer=klassifiseringer,
        kan_legges_til_av_innbygger=_bool(params, "KanLeggesTilAvInnbygger"),
        kun_anonym_tilgang=_bool(params, "KunAnonymTilgang"),
        page=page,
        page_size=page_size,
    )


def list_tools(snapshot: Snapshot, query: ListQuery) -> list[Tool]:
    """Filters on different fields AND, values within one list OR; stable order; one page."""
    matching = [tool for tool in snapshot.tools if _matches(tool, query)]
    start = (query.page - 1) * query.page_size
    return matching[start : start + query.page_size]


def _matches(tool: Tool, query: ListQuery) -> bool:
    for table, wanted in query.enums.items():
        if wanted and not wanted & tool.values[table]:
            return False
    if query.klassifiseringer and not query.klassifiseringer & tool.klassifiseringer:
        return False
    if query.kan_legges_til_av_innbygger is not None and tool.kan_legges_til_av_innbygger != query.kan_legges_til_av_innbygger:
        return False
    if query.kun_anonym_tilgang is not None and tool.kun_anonym_tilgang != query.kun_anonym_tilgang:
        return False
    return True


def parse_search(params: Params) -> tuple[str, int]:
    term = (_first(params, "sokeord") or "").strip()
    if not term:
        raise errors.search_term_missing()
    if not SEARCH_MIN <= len(term) <= SEARCH_MAX:
        raise errors.search_term_length()
    count_raw = _first(params, "rowcount")
    count = DEFAULT_ROW_COUNT if count_raw is None else _int_or_none(count_raw)
    if count is None or count < 1:
        raise errors.invalid_parameter("RowCount", str(count_raw), f"et heltall fra 1 til {MAX_ROW_COUNT}")
    return term, min(count, MAX_ROW_COUNT)


def search(snapshot: Snapshot, term: str, row_count: int) -> list[Tool]:
    """Tools with a word in Navn or Sokeord that begins with the term (case-insensitive, æøå included)."""
    folded = fold(term)
    found = [t for t in snapshot.tools if any(start.startswith(folded) for start in t.word_starts)]
    return found[:row_count]


def _first(params: Params, name: str) -> str | None:
    """The first value of a single-valued parameter; an empty value counts as not given."""
    values = params.get(name)
    return values[0] if values and values[0].strip() else None


def _int_or_none(raw: str) -> int | None:
    if not _INT.fullmatch(raw):
        return None
    value = int(raw)
    return value if value in _INT32 else None


def _bool(params: Params, parameter: str) -> bool | None:
    raw = _first(params, parameter.lower())
    if raw is None or raw.strip() == "":
        return None
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise errors.invalid_parameter(parameter, raw, "true eller false")
    return lowered == "true"
