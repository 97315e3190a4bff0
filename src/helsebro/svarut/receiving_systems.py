"""Forsendelsestyper and receiving systems (SvarInn ``mottakersystem``), as v2 looks them up and as the test
data sets them. No HTTP in here.

A receiving system is registered for an organisation of Enhetsregisteret and a forsendelsestype, at a
security level (``niva``): letters of that type to that organisation are fetched through SvarInn
(``delivery.receives_through_svarinn``). Besides the registered ones, every organisation that receives all
its letters through SvarInn (``svarinn_mottaker``) has one default system per SvarUt account it owns (the
account is the receiving end), or one named after the organisation when it has none, for the default type.

``GET /v2/forsendelsestyper`` answers the registered types and every type a receiving system is registered for.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from helsebro.registries.admin import AlreadyExists, InvalidInput, NotFound
from helsebro.registries.tables import organisasjon
from helsebro.svarut import errors
from helsebro.svarut.schemas import java_length
from helsebro.svarut.schemas_v2 import FORSENDELSETYPE_PATTERN
from helsebro.svarut.tables import svarinn_mottaker, svarut_forsendelsestype, svarut_konto, svarut_mottakersystem
from helsebro.svarut.testdata_admin import known_organisation

DEFAULT_FORSENDELSESTYPE = "Standard"
DEFAULT_NIVA = 4
_NAMESPACE = uuid.UUID("5b0c3a52-8f0e-4c8e-9a57-6b1f2d3c4e5f")  # ids of the default systems, stable per orgnr
_TYPE = re.compile(FORSENDELSETYPE_PATTERN)
_ORGNR = re.compile(r"^[0-9]{9}$")


@dataclass(frozen=True)
class Mottakersystem:
    id: str
    navn: str
    organisasjonsnummer: str
    forsendelseType: str
    niva: int

    def wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "navn": self.navn,
            "organisasjonsnummer": self.organisasjonsnummer,
            "forsendelseType": self.forsendelseType,
            "niva": self.niva,
        }


# -- the v2 look-ups ---------------------------------------------------------------------------------------


def query_problems(
    organisasjonsnummer: str | None, forsendelse_type: str | None, niva: str | None
) -> tuple[int | None, list[tuple[str, str]]]:
    """The query parameters of GET /v2/mottakersystem against the spec's constraints; ``niva`` as a number."""
    problems: list[tuple[str, str]] = []
    if organisasjonsnummer is not None and not _ORGNR.fullmatch(organisasjonsnummer):
        problems.append(("organisasjonsnummer", "må være 9 sifre"))
    if forsendelse_type is not None and not (1 <= java_length(forsendelse_type) <= 100 and _TYPE.fullmatch(forsendelse_type)):
        problems.append(("forsendelseType", f"må ha 1-100 tegn og samsvare med mønsteret {FORSENDELSETYPE_PATTERN}"))
    level = None
    if niva is not None:
        if re.fullmatch(r"-?[0-9]{1,10}", niva) and 0 <= int(niva) <= 9:
            level = int(niva)
        else:
            problems.append(("niva", "må være et heltall fra 0 til 9"))
    return level, problems


def find(conn: sa.Connection, organisasjonsnummer: str | None, forsendelse_type: str | None, niva: str | None) -> dict[str, list[dict]]:
    level, problems = query_problems(organisasjonsnummer, forsendelse_type, niva)
    if problems:
        raise errors.validation(problems)
    found = [
        s
        for s in all_systems(conn, organisasjonsnummer)
        if (forsendelse_type is None or s.forsendelseType == forsendelse_type) and (level is None or s.niva == level)
    ]
    return {"mottakersystemer": [s.wire() for s in found]}


def all_systems(conn: sa.Connection, orgnr: str | None = None) -> list[Mottakersystem]:
    m = svarut_mottakersystem.c
    registered = sa.select(svarut_mottakersystem).order_by(m.orgnr, m.forsendelse_type, m.navn, m.id)
    if orgnr is not None:
        registered = registered.where(m.orgnr == orgnr)
    systems = [Mottakersystem(str(r.id), r.navn, r.orgnr, r.forsendelse_type, r.niva) for r in conn.execute(registered)]
    return systems + _defaults(conn, orgnr)


def _defaults(conn: sa.Connection, orgnr: str | None) -> list[Mottakersystem]:
    query = (
        sa.select(svarinn_mottaker.c.orgnr, organisasjon.c.navn)
        .select_from(svarinn_mottaker.outerjoin(organisasjon, organisasjon.c.orgnr == svarinn_mottaker.c.orgnr))
        .order_by(svarinn_mottaker.c.orgnr)
    )
    if orgnr is not None:
        query = query.where(svarinn_mottaker.c.orgnr == orgnr)
    receivers = conn.execute(query).all()
    accounts: dict[str, list[sa.Row]] = {}
    if receivers:
        for account in conn.execute(
            sa.select(svarut_konto.c.konto_id, svarut_konto.c.navn, svarut_konto.c.orgnr)
            .where(svarut_konto.c.orgnr.in_([r.orgnr for r in receivers]))
            .order_by(svarut_konto.c.navn, svarut_konto.c.konto_id)
        ):
            accounts.setdefault(account.orgnr, []).append(account)
    systems = []
    for receiver in receivers:
        own = accounts.get(receiver.orgnr) or []
        if own:
            systems += [Mottakersystem(str(a.konto_id), a.navn, receiver.orgnr, DEFAULT_FORSENDELSESTYPE, DEFAULT_NIVA) for a in own]
        else:
            name = f"SvarInn {receiver.navn or receiver.orgnr}"
            systems.append(
                Mottakersystem(str(uuid.uuid5(_NAMESPACE, receiver.orgnr)), name, receiver.orgnr, DEFAULT_FORSENDELSESTYPE, DEFAULT_NIVA)
            )
    return systems


def forsendelsestyper(conn: sa.Connection) -> dict[str, list[str]]:
    registered = [row.navn for row in conn.execute(sa.select(svarut_forsendelsestype.c.navn))]
    used = [row.forsendelse_type for row in conn.execute(sa.select(svarut_mottakersystem.c.forsendelse_type).distinct())]
    defaults = [DEFAULT_FORSENDELSESTYPE] if conn.execute(sa.select(svarinn_mottaker.c.orgnr).limit(1)).first() else []
    return {"forsendelsestyper": sorted(set(registered) | set(used) | set(defaults))}


# -- test data (operator API and CLI) ------------------------------------------------------------------------


def check_type(navn: object) -> str:
    if not isinstance(navn, str) or not (1 <= java_length(navn) <= 100 and _TYPE.fullmatch(navn)):
        raise InvalidInput(
            f"forsendelsestype må ha 1-100 tegn og samsvare med mønsteret {FORSENDELSETYPE_PATTERN}, f.eks. Byggesak eller plan.regulering"
        )
    return navn


def add_type(conn: sa.Connection, navn: str) -> str:
    check_type(navn)
    if conn.execute(sa.select(svarut_forsendelsestype.c.navn).where(svarut_forsendelsestype.c.navn == navn)).first() is not None:
        raise AlreadyExists("Forsendelsestypen finnes fra før")
    conn.execute(sa.insert(svarut_forsendelsestype).values(navn=navn))
    return navn


def remove_type(conn: sa.Connection, navn: str) -> None:
    if not conn.execute(sa.delete(svarut_forsendelsestype).where(svarut_forsendelsestype.c.navn == navn)).rowcount:
        raise NotFound("Forsendelsestypen finnes ikke")


def list_types(conn: sa.Connection) -> list[str]:
    return [row.navn for row in conn.execute(sa.select(svarut_forsendelsestype.c.navn).order_by(svarut_forsendelsestype.c.navn))]


def add_system(
    conn: sa.Connection, navn: str, orgnr: str, forsendelse_type: str, niva: int, system_id: str | None = None
) -> Mottakersystem:
    known_organisation(conn, orgnr)  # the same check and message as for SvarInn receivers
    check_type(forsendelse_type)
    if not isinstance(navn, str) or not 1 <= len(navn) <= 200:
        raise InvalidInput("navn må ha 1-200 tegn")
    if not isinstance(niva, int) or isinstance(niva, bool) or not 0 <= niva <= 9:
        raise InvalidInput("niva må være et heltall fra 0 til 9")
    new_id = str(uuid.UUID(system_id)) if system_id else str(uuid.uuid4())
    m = svarut_mottakersystem.c
    if conn.execute(sa.select(m.id).where(m.id == new_id)).first() is not None:
        raise AlreadyExists("Et mottakersystem med denne id-en finnes fra før")
    conn.execute(sa.insert(svarut_mottakersystem).values(id=new_id, navn=navn, orgnr=orgnr, forsendelse_type=forsendelse_type, niva=niva))
    return Mottakersystem(new_id, navn, orgnr, forsendelse_type, niva)


def remove_system(conn: sa.Connection, system_id: str) -> None:
    try:
        key = str(uuid.UUID(system_id))
    except ValueError:
        raise NotFound("Mottakersystemet finnes ikke") from None
    if not conn.execute(sa.delete(svarut_mottakersystem).where(svarut_mottakersystem.c.id == key)).rowcount:
        raise NotFound("Mottakersystemet finnes ikke")
