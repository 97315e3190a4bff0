"""SvarUt's test data as an operator changes it: KRR entries, SvarInn receivers and the GP register (the
registries delivery routes by, ``svarut.delivery``). What the operator API and ``helsebro svarut`` both do,
so both refuse the same things with the same messages. No HTTP in here.

Every function takes the caller's connection (inside ``db.write`` for writes) and checks every rule before it
writes. A refusal raises one of ``registries.admin``'s errors (the operator API and CLI already render
those), with a Norwegian message that never contains a fødselsnummer. A change only affects letters accepted
after it: a letter's channel is decided once, when it is AKSEPTERT.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro.identifiers import is_valid_orgnr
from helsebro.registries import service as registry
from helsebro.registries.admin import AlreadyExists, InvalidInput, InvalidOrgnr, NotFound, Page
from helsebro.registries.admin.checks import check_window, existing_citizen
from helsebro.registries.tables import innbygger, organisasjon
from helsebro.svarut.delivery import DIGITAL_MAILBOXES, KAN_IKKE_VARSLES, KAN_VARSLES, KrrEntry, person_channel
from helsebro.svarut.tables import fastlege, krr, svarinn_mottaker

VARSLINGSSTATUSER = (KAN_VARSLES, KAN_IKKE_VARSLES)
_HER_ID = re.compile(r"[1-9][0-9]{0,19}")


# -- KRR -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KrrRecord:
    fnr: str
    navn: str
    reservert: bool
    digital_postkasse: str | None  # None, "digipost" or "eboks"
    varslingsstatus: str
    endret: dt.datetime


@dataclass(frozen=True)
class KrrChange:
    """A citizen's whole KRR entry (put replaces it)."""

    reservert: bool = False
    digital_postkasse: str | None = None
    varslingsstatus: str = KAN_VARSLES


def list_krr(conn: sa.Connection, limit: int, offset: int) -> Page[KrrRecord]:
    """KRR entries ordered by fødselsnummer."""
    check_window(limit, offset)
    total = conn.execute(sa.select(sa.func.count()).select_from(krr)).scalar_one()
    rows = conn.execute(_krr_query().order_by(krr.c.fnr).limit(limit).offset(offset)).all()
    return Page([_krr_record(r) for r in rows], total, limit, offset)


def get_krr(conn: sa.Connection, fnr: str) -> KrrRecord:
    existing_citizen(conn, fnr)
    row = conn.execute(_krr_query().where(krr.c.fnr == fnr)).first()
    if row is None:
        raise NotFound("Innbyggeren er ikke i KRR (brev går da på papir)")
    return _krr_record(row)


def put_krr(conn: sa.Connection, fnr: str, change: KrrChange) -> tuple[KrrRecord, bool]:
    """Set a citizen's KRR entry. Returns it, and whether it is new."""
    existing_citizen(conn, fnr)
    values = _krr_values(change)
    exists = conn.execute(sa.select(krr.c.fnr).where(krr.c.fnr == fnr)).first() is not None
    if exists:
        conn.execute(sa.update(krr).where(krr.c.fnr == fnr).values(**values))
    else:
        conn.execute(sa.insert(krr).values(fnr=fnr, **values))
    return get_krr(conn, fnr), not exists


def delete_krr(conn: sa.Connection, fnr: str) -> None:
    get_krr(conn, fnr)
    conn.execute(sa.delete(krr).where(krr.c.fnr == fnr))


def channel_of(record: KrrRecord) -> str:
    """Where a letter to this citizen goes now (without kunDigitalLevering): the routing rule itself."""
    return person_channel(KrrEntry(record.reservert, record.digital_postkasse, record.varslingsstatus), kun_digital_levering=False)


def _krr_values(change: KrrChange) -> dict:
    if not isinstance(change.reservert, bool):
        raise InvalidInput("reservert må være true eller false")
    if change.digital_postkasse is not None and change.digital_postkasse not in DIGITAL_MAILBOXES:
        raise InvalidInput(f"digitalPostkasse må være {' eller '.join(DIGITAL_MAILBOXES)}, eller null (ingen)")
    if change.varslingsstatus not in VARSLINGSSTATUSER:
        raise InvalidInput(f"varslingsstatus må være {' eller '.join(VARSLINGSSTATUSER)}")
    return {"reservert": change.reservert, "digital_postkasse": change.digital_postkasse, "varslingsstatus": change.varslingsstatus}


def _krr_query() -> sa.Select:
    return sa.select(krr, innbygger.c.fornavn, innbygger.c.mellomnavn, innbygger.c.etternavn).select_from(
        krr.outerjoin(innbygger, innbygger.c.fnr == krr.c.fnr)
    )


def _krr_record(row: sa.Row) -> KrrRecord:
    navn = " ".join(p for p in (row.fornavn, row.mellomnavn, row.etternavn) if p)
    return KrrRecord(row.fnr, navn, row.reservert, row.digital_postkasse, row.varslingsstatus, row.changed_at)


# -- SvarInn receivers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SvarInnReceiver:
    orgnr: str
    navn: str


def list_svarinn(conn: sa.Connection, limit: int, offset: int) -> Page[SvarInnReceiver]:
    """Organisations that receive their letters through SvarInn, ordered by orgnr."""
    check_window(limit, offset)
    total = conn.execute(sa.select(sa.func.count()).select_from(svarinn_mottaker)).scalar_one()
    rows = conn.execute(
        sa.select(svarinn_mottaker.c.orgnr, organisasjon.c.navn)
        .select_from(svarinn_mottaker.outerjoin(organisasjon, organisasjon.c.orgnr == svarinn_mottaker.c.orgnr))
        .order_by(svarinn_mottaker.c.orgnr)
        .limit(limit)
        .offset(offset)
    ).all()
    return Page([SvarInnReceiver(r.orgnr, r.navn or "") for r in rows], total, limit, offset)


def add_svarinn(conn: sa.Connection, orgnr: str) -> SvarInnReceiver:
    organisation = known_organisation(conn, orgnr)
    if _is_receiver(conn, orgnr):
        raise AlreadyExists("Organisasjonen tar allerede imot gjennom SvarInn")
    conn.execute(sa.insert(svarinn_mottaker).values(orgnr=orgnr))
    return SvarInnReceiver(organisation.orgnr, organisation.navn)


def remove_svarinn(conn: sa.Connection, orgnr: str) -> None:
    _checked_orgnr(orgnr)
    if not _is_receiver(conn, orgnr):
        raise NotFound("Organisasjonen tar ikke imot gjennom SvarInn")
    conn.execute(sa.delete(svarinn_mottaker).where(svarinn_mottaker.c.orgnr == orgnr))


def _checked_orgnr(orgnr: str) -> None:
    if not is_valid_orgnr(orgnr):
        raise InvalidOrgnr("Ugyldig organisasjonsnummer: 9 sifre med gyldig kontrollsiffer (mod 11)")


def known_organisation(conn: sa.Connection, orgnr: str) -> registry.Organisation:
    _checked_orgnr(orgnr)
    organisation = registry.get_organisation(conn, orgnr)
    if organisation is None:
        raise NotFound("Fant ingen organisasjon med dette organisasjonsnummeret i Enhetsregisteret")
    return organisation


def _is_receiver(conn: sa.Connection, orgnr: str) -> bool:
    return conn.execute(sa.select(svarinn_mottaker.c.orgnr).where(svarinn_mottaker.c.orgnr == orgnr)).first() is not None


# -- the GP register (fastlegeregisteret) -------------------------------------------------------------------


def get_gp(conn: sa.Connection, fnr: str) -> str:
    """The HER-id of the citizen's GP."""
    existing_citizen(conn, fnr)
    her_id = conn.execute(sa.select(fastlege.c.her_id).where(fastlege.c.fnr == fnr)).scalar()
    if her_id is None:
        raise NotFound("Innbyggeren har ingen fastlege i fastlegeregisteret")
    return her_id


def set_gp(conn: sa.Connection, fnr: str, her_id: str) -> bool:
    """Give the citizen a GP (by HER-id). Returns whether the citizen had none before."""
    existing_citizen(conn, fnr)
    if not isinstance(her_id, str) or not (her_id.isascii() and _HER_ID.fullmatch(her_id)):
        raise InvalidInput("herId må være et tall på høyst 20 sifre (HER-id har ikke kontrollsiffer)")
    if conn.execute(sa.select(organisasjon.c.orgnr).where(organisasjon.c.her_id == her_id)).first() is not None:
        raise InvalidInput("HER-id-en tilhører en organisasjon i adresseregisteret, ikke en fastlege")
    had = conn.execute(sa.select(fastlege.c.fnr).where(fastlege.c.fnr == fnr)).first() is not None
    if had:
        conn.execute(sa.update(fastlege).where(fastlege.c.fnr == fnr).values(her_id=her_id))
    else:
        conn.execute(sa.insert(fastlege).values(fnr=fnr, her_id=her_id))
    return not had


def remove_gp(conn: sa.Connection, fnr: str) -> None:
    get_gp(conn, fnr)
    conn.execute(sa.delete(fastlege).where(fastlege.c.fnr == fnr))
