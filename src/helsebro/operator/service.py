"""The operator API's use cases: one transaction each, registry rules from ``registries.admin``, answers in
the wire format. No HTTP in here; blocking (routes run these in the thread pool).

Writes log what happened with a keyed hash of the fødselsnummer, never the number (DESIGN, data rules).
"""

from __future__ import annotations

import sqlalchemy as sa

from helsebro import db
from helsebro.logs import fnr_hash, get_logger
from helsebro.operator import errors
from helsebro.operator import schemas as wire
from helsebro.registries import admin

log = get_logger(__name__)


# --- citizens --------------------------------------------------------------------------------------------


def create_citizen(engine: sa.Engine, body: wire.NyInnbygger, actor: str) -> wire.Innbygger:
    with errors.translated(), db.write(engine) as conn:
        fnr = admin.create_citizen(conn, body.to_admin(), actor=actor)
        profile = admin.citizen_profile(conn, fnr)
    log.info("operator created citizen", citizen=fnr_hash(fnr), consent=body.helsenorge_samtykke, actor=actor)
    return wire.Innbygger.of(profile)


def get_citizen(engine: sa.Engine, fnr: str) -> wire.Innbygger:
    with errors.translated(), db.read(engine) as conn:
        return wire.Innbygger.of(admin.citizen_profile(conn, fnr))


def list_citizens(engine: sa.Engine, navn: str | None, limit: int, offset: int) -> wire.InnbyggerListe:
    with errors.translated(), db.read(engine) as conn:
        page = admin.list_citizens(conn, navn, limit, offset)
    return wire.InnbyggerListe(
        innbyggere=[wire.InnbyggerKort.of(c) for c in page.items], totalt=page.total, limit=page.limit, offset=page.offset
    )


def update_citizen(engine: sa.Engine, fnr: str, body: wire.InnbyggerEndring, actor: str) -> wire.Innbygger:
    with errors.translated(), db.write(engine) as conn:
        admin.update_citizen(conn, fnr, body.to_admin(), actor=actor)
        profile = admin.citizen_profile(conn, fnr)
    log.info("operator changed citizen", citizen=fnr_hash(fnr), fields=sorted(body.model_fields_set), actor=actor)
    return wire.Innbygger.of(profile)


def delete_citizen(engine: sa.Engine, fnr: str, actor: str) -> None:
    with errors.translated(), db.write(engine) as conn:
        admin.delete_citizen(conn, fnr)
    log.info("operator deleted citizen", citizen=fnr_hash(fnr), actor=actor)


# --- parental responsibility and powers of attorney ------------------------------------------------------


def add_parental_responsibility(engine: sa.Engine, forelder_fnr: str, body: wire.NyttForeldreansvar) -> wire.Foreldreansvar:
    with errors.translated(), db.write(engine) as conn:
        admin.add_parental_responsibility(conn, forelder_fnr, body.barn_fnr)
    log.info("operator added parental responsibility", parent=fnr_hash(forelder_fnr), child=fnr_hash(body.barn_fnr))
    return wire.Foreldreansvar(forelder_fnr=forelder_fnr, barn_fnr=body.barn_fnr)


def remove_parental_responsibility(engine: sa.Engine, forelder_fnr: str, barn_fnr: str) -> None:
    with errors.translated(), db.write(engine) as conn:
        admin.remove_parental_responsibility(conn, forelder_fnr, barn_fnr)
    log.info("operator removed parental responsibility", parent=fnr_hash(forelder_fnr), child=fnr_hash(barn_fnr))


def add_power_of_attorney(engine: sa.Engine, body: wire.NyFullmakt) -> wire.Fullmakt:
    with errors.translated(), db.write(engine) as conn:
        fullmakt_id = admin.add_power_of_attorney(conn, body.to_admin())
        created = admin.get_power_of_attorney(conn, fullmakt_id)
    log.info("operator added power of attorney", id=fullmakt_id)
    return wire.Fullmakt.of(created)


def get_power_of_attorney(engine: sa.Engine, fullmakt_id: int) -> wire.Fullmakt:
    with errors.translated(), db.read(engine) as conn:
        return wire.Fullmakt.of(admin.get_power_of_attorney(conn, fullmakt_id))


def change_power_of_attorney(engine: sa.Engine, fullmakt_id: int, body: wire.FullmaktEndring) -> wire.Fullmakt:
    with errors.translated(), db.write(engine) as conn:
        changed = admin.change_power_of_attorney(conn, fullmakt_id, **body.to_admin())
    log.info("operator changed power of attorney", id=fullmakt_id)
    return wire.Fullmakt.of(changed)


def remove_power_of_attorney(engine: sa.Engine, fullmakt_id: int) -> None:
    with errors.translated(), db.write(engine) as conn:
        admin.remove_power_of_attorney(conn, fullmakt_id)
    log.info("operator removed power of attorney", id=fullmakt_id)


# --- health personnel ------------------------------------------------------------------------------------


def create_health_person(engine: sa.Engine, body: wire.NyttHelsepersonell) -> wire.Helsepersonell:
    with errors.translated(), db.write(engine) as conn:
        person = admin.create_health_person(conn, body.to_admin())
    log.info("operator created health person", hpr=person.hpr_nummer)
    return wire.Helsepersonell.of(person)


def get_health_person(engine: sa.Engine, hpr_nummer: str) -> wire.Helsepersonell:
    with errors.translated(), db.read(engine) as conn:
        return wire.Helsepersonell.of(admin.get_health_person(conn, hpr_nummer))


def list_health_personnel(engine: sa.Engine, navn: str | None, limit: int, offset: int) -> wire.HelsepersonellListe:
    with errors.translated(), db.read(engine) as conn:
        page = admin.list_health_personnel(conn, navn, limit, offset)
    return wire.HelsepersonellListe(
        helsepersonell=[wire.Helsepersonell.of(p) for p in page.items], totalt=page.total, limit=page.limit, offset=page.offset
    )


def update_health_person(engine: sa.Engine, hpr_nummer: str, body: wire.HelsepersonellEndring) -> wire.Helsepersonell:
    with errors.translated(), db.write(engine) as conn:
        person = admin.update_health_person(conn, hpr_nummer, body.to_admin(hpr_nummer))
    log.info("operator changed health person", hpr=hpr_nummer)
    return wire.Helsepersonell.of(person)


# --- organisations ---------------------------------------------------------------------------------------


def create_organisation(engine: sa.Engine, body: wire.NyOrganisasjon) -> wire.Organisasjon:
    with errors.translated(), db.write(engine) as conn:
        organisation = admin.create_organisation(conn, body.to_admin())
    log.info("operator created organisation", orgnr=organisation.orgnr)
    return wire.Organisasjon.of(organisation)


def get_organisation(engine: sa.Engine, orgnr: str) -> wire.Organisasjon:
    with errors.translated(), db.read(engine) as conn:
        return wire.Organisasjon.of(admin.get_organisation(conn, orgnr))


def list_organisations(engine: sa.Engine, navn: str | None, limit: int, offset: int) -> wire.OrganisasjonListe:
    with errors.translated(), db.read(engine) as conn:
        page = admin.list_organisations(conn, navn, limit, offset)
    return wire.OrganisasjonListe(
        organisasjoner=[wire.Organisasjon.of(o) for o in page.items], totalt=page.total, limit=page.limit, offset=page.offset
    )


def update_organisation(engine: sa.Engine, orgnr: str, body: wire.OrganisasjonEndring) -> wire.Organisasjon:
    with errors.translated(), db.write(engine) as conn:
        organisation = admin.update_organisation(conn, orgnr, body.to_admin(orgnr))
    log.info("operator changed organisation", orgnr=orgnr)
    return wire.Organisasjon.of(organisation)
