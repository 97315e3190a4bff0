"""What NORPREG/PVKBroker_cs (a real PVK client, C#) sends and how it reads the answers, in Python.

Its models (``src/Pvk/ApiCaller/PvkApiModel.cs``) are read with System.Text.Json and
``PropertyNamingPolicy = JsonNamingPolicy.CamelCase``: names match case-sensitively, unknown properties are
ignored, a ``required`` member that is missing throws, and so does a JSON null or a wrong type for a
non-nullable member. PVKBroker catches the exception and gets ``null`` (``ResponseParser``). The parsers here
do the same: they return None where PVKBroker's would. Its requests (``PvkCaller.cs``) are serialized with
``JsonIgnoreCondition.WhenWritingNull`` and ``UnsafeRelaxedJsonEscaping`` in property order, sent as
``StringContent(json, Encoding.UTF8, "application/json")``; the GET query comes from ``FormUrlEncodedContent``.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from typing import Any

BASE = "/personvern/Personverninnstillinger"
SET_PATH = f"{BASE}/SettInnbyggersPersonvernInnstilling/v2"
ACTIVE_PATH = f"{BASE}/HentInnbyggereAktivePiForDefinisjon/v2"
CONTENT_TYPE = "application/json; charset=utf-8"  # what .NET's StringContent(..., Encoding.UTF8, "application/json") sends

# ConfigurationValues.cs
DEFINISJON_GUID = "56a8756c-49f7-4cb9-bfc0-ba282baf0f83"
DEFINISJON_NAVN = "Reservasjon mot oppføring i NORPREG"
PART_KODE = "norpreg"
TYPE_PI = "reservasjon"

# ApiRequestSettInnbygger, in declaration order.
_REQUEST_PROPERTIES = (
    "innbyggerFnr",
    "definisjonGuid",
    "definisjonNavn",
    "partKode",
    "typePi",
    "aktiv",
    "tidspunkt",
    "signertBevisMimeType",
    "signertBevisInnhold",
)


def set_request_body(
    innbygger_fnr: str | None, aktiv: bool | None, tidspunkt: str | None = None, mime_type: str | None = None, content: str | None = None
) -> bytes:
    """The body of CallApiSettInnbyggersPersonvernInnstilling, byte for byte."""
    values = {
        "innbyggerFnr": innbygger_fnr,
        "definisjonGuid": DEFINISJON_GUID,
        "definisjonNavn": DEFINISJON_NAVN,
        "partKode": PART_KODE,
        "typePi": TYPE_PI,
        "aktiv": aktiv,
        "tidspunkt": tidspunkt,
        "signertBevisMimeType": mime_type,
        "signertBevisInnhold": content,
    }
    kept = {name: values[name] for name in _REQUEST_PROPERTIES if values[name] is not None}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode()


def active_query(paging_reference: int) -> str:
    """The query string of CallApiHentInnbyggereAktivePiForDefinisjon (FormUrlEncodedContent)."""
    return urllib.parse.urlencode({"definisjonGuid": DEFINISJON_GUID, "partKode": PART_KODE, "pagingReference": str(paging_reference)})


class _Unreadable(Exception):
    """System.Text.Json's JsonException."""


def _object(text: str) -> dict[str, Any]:
    if not text:
        raise _Unreadable("empty body")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _Unreadable(str(exc)) from exc
    if not isinstance(value, dict):
        raise _Unreadable("not an object")
    return value


def _string(obj: dict[str, Any], name: str, required: bool = True) -> str | None:
    if name not in obj:
        if required:
            raise _Unreadable(f"required {name} missing")
        return None
    value = obj[name]
    if value is None and not required:
        return None
    if not isinstance(value, str):  # a required string that is null, or a number: JsonException
        raise _Unreadable(f"{name} is not a string")
    return value


def _int(obj: dict[str, Any], name: str) -> int:
    value = obj.get(name, ...)
    if value is ... or isinstance(value, bool) or not isinstance(value, int):
        raise _Unreadable(f"{name} missing or not an integer")
    return value


def _datetime(obj: dict[str, Any], name: str) -> dt.datetime | None:
    """A non-nullable DateTime: absent gives default(DateTime), null or a non-date throws."""
    if name not in obj:
        return None
    value = obj[name]
    if not isinstance(value, str):
        raise _Unreadable(f"{name} is not a date")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Unreadable(f"{name} is not ISO 8601") from exc


def parse_error(text: str) -> dict[str, str] | None:
    """ParseApiResponseSettInnbyggerError: ``required`` code, message, errorCategory."""
    try:
        obj = _object(text)
        return {name: _string(obj, name) for name in ("code", "message", "errorCategory")}  # type: ignore[misc]
    except _Unreadable:
        return None


def parse_set_answer(text: str) -> dict[str, str] | None:
    """ParseApiResponseSettInnbygger: ``required`` returKode, instansEndret."""
    try:
        obj = _object(text)
        return {name: _string(obj, name) for name in ("returKode", "instansEndret")}  # type: ignore[misc]
    except _Unreadable:
        return None


def parse_active_answer(text: str) -> dict[str, Any] | None:
    """ParseApiResponseHentInnbyggere: ``required`` pagingReference and personvernInnstillinger, each Pi with
    ``required`` innbyggerFnr and sekvensnummer and DateTime opprettetTidspunkt/sistEndretTidspunkt."""
    try:
        obj = _object(text)
        for name in ("definisjonGuid", "definisjonNavn", "partKode", "typePi"):
            _string(obj, name, required=False)
        settings = obj.get("personvernInnstillinger", ...)
        if not isinstance(settings, list):
            raise _Unreadable("personvernInnstillinger missing or not a list")
        parsed = []
        for item in settings:
            if not isinstance(item, dict):
                raise _Unreadable("Pi is not an object")
            parsed.append(
                {
                    "innbyggerFnr": _string(item, "innbyggerFnr"),
                    "sekvensnummer": _int(item, "sekvensnummer"),
                    "opprettetTidspunkt": _datetime(item, "opprettetTidspunkt"),
                    "sistEndretTidspunkt": _datetime(item, "sistEndretTidspunkt"),
                }
            )
        return {"pagingReference": _int(obj, "pagingReference"), "personvernInnstillinger": parsed}
    except _Unreadable:
        return None
