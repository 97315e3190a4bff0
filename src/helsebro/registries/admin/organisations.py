"""Organisations (orgnr, HER-id): create, change, look up and list."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from helsebro.identifiers import is_valid_orgnr
from helsebro.registries import service as registry
from helsebro.registries.admin.checks import DEFAULT_PAGE_SIZE, check_window, page, text
from helsebro.registries.admin.errors import AlreadyExists, InvalidInput, InvalidOrgnr, NotFound
from helsebro.registries.admin.models import OrganisationData, Page
from helsebro.registries.tables import organisasjon


def create_organisation(conn: sa.Connection, data: OrganisationData) -> registry.Organisation:
    orgnr = _checked_orgnr(data.orgnr)
    values = _organisation_values(conn, data, orgnr)
    if registry.get_organisation(conn, orgnr) is not None:
        raise AlreadyExists("Det finnes allerede en organisasjon med dette organisasjonsnummeret")
    conn.execute(sa.insert(organisasjon).values(orgnr=orgnr, **values))
    return get_organisation(conn, orgnr)


def update_organisation(conn: sa.Connection, orgnr: str, data: OrganisationData) -> registry.Organisation:
    get_organisation(conn, orgnr)
    if data.orgnr != orgnr:
        raise InvalidOrgnr("Organisasjonsnummeret kan ikke endres")
    values = _organisation_values(conn, data, orgnr)
    conn.execute(sa.update(organisasjon).where(organisasjon.c.orgnr == orgnr).values(**values))
    return get_organisation(conn, orgnr)


def get_organisation(conn: sa.Connection, orgnr: str) -> registry.Organisation:
    found = registry.get_organisation(conn, _checked_orgnr(orgnr))
    if found is None:
        raise NotFound("Fant ingen organisasjon med dette organisasjonsnummeret")
    return found


def list_organisations(
    conn: sa.Connection, navn: str | None = None, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
) -> Page[registry.Organisation]:
    check_window(limit, offset)
    rows = conn.execute(sa.select(organisasjon.c.orgnr, organisasjon.c.navn, organisasjon.c.her_id))
    found = [registry.Organisation(r.orgnr, r.navn, r.her_id) for r in rows]
    return page(found, navn, lambda o: o.navn, lambda o: (o.navn, o.orgnr), limit, offset)


def _checked_orgnr(value: str) -> str:
    if not is_valid_orgnr(value):
        raise InvalidOrgnr("Ugyldig organisasjonsnummer: 9 sifre med gyldig kontrollsiffer (mod 11)")
    return value


_HER_ID = re.compile(r"[1-9][0-9]*")


def _organisation_values(conn: sa.Connection, data: OrganisationData, orgnr: str) -> dict[str, Any]:
    navn = text(data.navn, "navn", organisasjon.c.navn, required=True)
    her_id = text(data.her_id, "herId", organisasjon.c.her_id, required=False)
    if her_id is not None:
        if not (her_id.isascii() and _HER_ID.fullmatch(her_id)):
            raise InvalidInput("herId må være et tall (HER-id har ikke kontrollsiffer)")
        holder = conn.execute(sa.select(organisasjon.c.orgnr).where(organisasjon.c.her_id == her_id)).scalar()
        if holder is not None and holder != orgnr:
            raise AlreadyExists("HER-id-en tilhører allerede en annen organisasjon")
    return {"navn": navn, "her_id": her_id}
