"""Health personnel in the HPR: create, change, look up and list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from helsebro.identifiers import fnr_problem
from helsebro.registries import service as registry
from helsebro.registries.admin.checks import DEFAULT_PAGE_SIZE, check_window, page, text
from helsebro.registries.admin.errors import AlreadyExists, InvalidFnr, InvalidHpr, InvalidInput, NotFound
from helsebro.registries.admin.models import Authorisation, HealthPersonData, Page
from helsebro.registries.tables import helsepersonell


def create_health_person(conn: sa.Connection, data: HealthPersonData) -> registry.HealthPerson:
    hpr = _checked_hpr(data.hpr_nummer)
    values = _health_person_values(conn, data, hpr)
    if registry.get_health_person(conn, hpr) is not None:
        raise AlreadyExists("Det finnes allerede helsepersonell med dette HPR-nummeret")
    conn.execute(sa.insert(helsepersonell).values(hpr_nummer=hpr, **values))
    return get_health_person(conn, hpr)


def update_health_person(conn: sa.Connection, hpr_nummer: str, data: HealthPersonData) -> registry.HealthPerson:
    """Replace everything but the HPR number, which names the person."""
    get_health_person(conn, hpr_nummer)
    if data.hpr_nummer != hpr_nummer:
        raise InvalidHpr("HPR-nummeret kan ikke endres")
    values = _health_person_values(conn, data, hpr_nummer)
    conn.execute(sa.update(helsepersonell).where(helsepersonell.c.hpr_nummer == hpr_nummer).values(**values))
    return get_health_person(conn, hpr_nummer)


def get_health_person(conn: sa.Connection, hpr_nummer: str) -> registry.HealthPerson:
    hpr = _checked_hpr(hpr_nummer)
    person = registry.get_health_person(conn, hpr)
    if person is None:
        raise NotFound("Fant ikke helsepersonell med dette HPR-nummeret")
    return person


def list_health_personnel(
    conn: sa.Connection, navn: str | None = None, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
) -> Page[registry.HealthPerson]:
    check_window(limit, offset)
    rows = conn.execute(sa.select(helsepersonell))
    found = [registry.health_person_from(r) for r in rows]
    return page(found, navn, lambda p: p.navn, lambda p: (p.etternavn, p.fornavn, p.hpr_nummer), limit, offset)


_HPR = re.compile(r"[1-9][0-9]{0,8}")


def _checked_hpr(value: str) -> str:
    """HPR numbers: 1-9 digits, no check digit (SPEC section 0); no leading zero, so one number has one spelling."""
    if not (isinstance(value, str) and value.isascii() and _HPR.fullmatch(value)):
        raise InvalidHpr("Ugyldig HPR-nummer: 1-9 sifre, uten innledende null")
    return value


def _health_person_values(conn: sa.Connection, data: HealthPersonData, hpr: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "fornavn": text(data.fornavn, "fornavn", helsepersonell.c.fornavn, required=True),
        "etternavn": text(data.etternavn, "etternavn", helsepersonell.c.etternavn, required=True),
        "autorisasjoner": _checked_authorisations(data.autorisasjoner),
        "fnr": data.fnr,
    }
    if data.fnr is not None:
        problem = fnr_problem(data.fnr)
        if problem:
            raise InvalidFnr(f"Ugyldig fødselsnummer: {problem}")
        other = registry.get_health_person_by_fnr(conn, data.fnr)
        if other is not None and other.hpr_nummer != hpr:
            raise AlreadyExists("Fødselsnummeret tilhører allerede annet helsepersonell")
    return values


_AUTHORISATION_CODE_MAX, _AUTHORISATION_NAME_MAX = 20, 100


def _checked_authorisations(authorisations: Sequence[Authorisation]) -> list[dict[str, str]]:
    checked: list[dict[str, str]] = []
    for index, item in enumerate(authorisations):
        kode, navn = (item.kode or "").strip(), (item.navn or "").strip()
        if not kode or not navn:
            raise InvalidInput(f"autorisasjoner[{index}] må ha kode og navn")
        if len(kode) > _AUTHORISATION_CODE_MAX or len(navn) > _AUTHORISATION_NAME_MAX:
            raise InvalidInput(
                f"autorisasjoner[{index}]: kode kan ha høyst {_AUTHORISATION_CODE_MAX} tegn, navn høyst {_AUTHORISATION_NAME_MAX}"
            )
        if any(c["kode"] == kode for c in checked):
            raise InvalidInput(f"autorisasjoner: koden {kode} står mer enn én gang")
        checked.append({"kode": kode, "navn": navn})
    return checked
