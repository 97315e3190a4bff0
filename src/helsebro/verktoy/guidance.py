"""Updating a guidance service (Veiledningstjeneste, seed 000). No HTTP in here."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from helsebro import db
from helsebro.verktoy import errors
from helsebro.verktoy.tables import kodeverk, veiledningstjeneste

APNINGSTID = "apningstid"


def update(engine: sa.Engine, service_id: str, body: Any, caller_orgnr: str | None) -> dict[str, Any]:
    """PUT /verktoy/v1/Veiledningstjeneste/{id}: the id comes from the path; a body ``Id`` is ignored."""
    if not isinstance(body, dict):
        raise errors.request_missing()
    telefon = _optional_text(body, "telefon", "Telefon", 40)
    url = _optional_url(body)
    with db.write(engine) as conn:
        row = conn.execute(sa.select(veiledningstjeneste).where(veiledningstjeneste.c.id == service_id)).first()
        if row is None:
            raise errors.guidance_service_not_found()
        if row.orgnr != caller_orgnr:
            raise errors.not_guidance_service_owner()
        apningstider = _opening_hours(conn, body.get("apningstider"))
        conn.execute(
            sa.update(veiledningstjeneste)
            .where(veiledningstjeneste.c.id == service_id)
            .values(telefon=telefon, url=url, apningstider=apningstider)
        )
    return {"Id": service_id, "Navn": row.navn, "Telefon": telefon, "Url": url, "Apningstider": apningstider}


def _optional_text(body: dict, key: str, name: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise errors.invalid_parameter(name, repr(value)[:50], f"tekst på høyst {limit} tegn")
    return value


def _optional_url(body: dict) -> str | None:
    value = _optional_text(body, "url", "Url", 2000)
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise errors.invalid_parameter("Url", value[:50], "en http- eller https-adresse")
    return value


def _opening_hours(conn: sa.Connection, value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.invalid_parameter("Apningstider", repr(value)[:50], "en liste med verdier")
    known = set(conn.execute(sa.select(kodeverk.c.id).where(kodeverk.c.kodeverk == APNINGSTID)).scalars())
    result = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item not in known:
            raise errors.enum_undefined("Apningstider", repr(item))
        if item not in result:
            result.append(item)
    return result
