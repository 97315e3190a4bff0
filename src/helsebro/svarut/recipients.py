"""The rules of a letter that need the registries (SPEC sections 6 and 7). No HTTP in here.

- person: ``mottaker.digitalId`` a fødsels- or D-number with valid check digits, or a citizen of the
  population registry (the seeds' own example numbers have wrong check digits and must work);
- organisasjon: ``mottaker.digitalId`` in Enhetsregisteret (the ``organisasjon`` registry);
- ``svarSendesTil`` of type PERSON: a valid or registered fødselsnummer; NHN_MOTTAKER: a known HER-id;
- ``eksponertFor``: 11-digit values valid or registered fødselsnummer;
- nhn: the sending account has its own HER-id; HER_ID names a HER-id of the address register (an
  organisation's, or a GP's from fastlegeregisteret); FASTLEGE needs a GP for the patient in
  fastlegeregisteret, whose HER-id is returned as the letter's NHN recipient.
"""

from __future__ import annotations

import sqlalchemy as sa

from helsebro.identifiers import fnr_problem, is_valid_fnr
from helsebro.registries import service as registries
from helsebro.registries.tables import organisasjon
from helsebro.svarut import errors
from helsebro.svarut.accounts import Account
from helsebro.svarut.schemas import NhnForsendelse, Wire
from helsebro.svarut.tables import fastlege, svarut_forsendelse
from helsebro.svarut.validation import Problems


def check(conn: sa.Connection, kind: str, letter: Wire, account: Account) -> str | None:
    """Raise a 400 listing what the registries contradict. Returns the NHN recipient's HER-id for nhn."""
    problems: Problems = []
    nhn_recipient = None
    if kind == "person":
        problems += _person(conn, "forsendelse.mottaker.digitalId", letter.mottaker.digitalId)  # type: ignore[attr-defined]
    if kind == "organisasjon" and not _organisation_exists(conn, letter.mottaker.digitalId):  # type: ignore[attr-defined]
        problems.append(("forsendelse.mottaker.digitalId", "organisasjonsnummeret finnes ikke i Enhetsregisteret"))
    reply = getattr(letter, "svarSendesTil", None)
    if reply is not None and reply.type == "PERSON":
        problems += _person(conn, "forsendelse.svarSendesTil.digitalId", reply.digitalId)
    if reply is not None and reply.type == "NHN_MOTTAKER" and not her_id_exists(conn, reply.digitalId):
        problems.append(("forsendelse.svarSendesTil.digitalId", "HER-id finnes ikke i adresseregisteret"))
    for index, value in enumerate(getattr(letter, "eksponertFor", None) or []):
        if len(value) == 11:
            problems += _person(conn, f"forsendelse.eksponertFor[{index}]", value)
    if kind == "nhn":
        nhn_recipient, nhn_problems = _nhn(conn, letter, account)  # type: ignore[arg-type]
        problems += nhn_problems
    if problems:
        raise errors.validation(problems)
    return nhn_recipient


def check_v2(conn: sa.Connection, kind: str, letter, account: Account) -> None:  # noqa: ANN001  (schemas_v2.Forsendelse)
    """v2: the same registries as v3 for the recipient, the reply address and eksponertFor; and
    ``svarPaForsendelse`` names a letter this organisation received, or one sent from this account."""
    problems: Problems = []
    digital_id = letter.mottaker.digitalId
    if kind == "person":
        problems += _person(conn, "forsendelse.mottaker.digitalId", digital_id)
    if kind == "organisasjon" and not _organisation_exists(conn, digital_id):
        problems.append(("forsendelse.mottaker.digitalId", "organisasjonsnummeret finnes ikke i Enhetsregisteret"))
    reply = letter.svarSendesTil
    if reply is not None and reply.digitalId is not None and len(reply.digitalId) == 11:
        problems += _person(conn, "forsendelse.svarSendesTil.digitalId", reply.digitalId)
    for index, value in enumerate(letter.eksponertFor or []):
        if len(value) == 11:
            problems += _person(conn, f"forsendelse.eksponertFor[{index}]", value)
    if letter.svarPaForsendelse is not None and not _answerable(conn, letter.svarPaForsendelse, account):
        problems.append(("forsendelse.svarPaForsendelse", "er ingen forsendelse denne kontoen har sendt eller organisasjonen har mottatt"))
    if problems:
        raise errors.validation(problems)


def _answerable(conn: sa.Connection, forsendelse_id: str, account: Account) -> bool:
    f = svarut_forsendelse.c
    row = conn.execute(sa.select(f.konto_id, f.mottaker_id).where(f.id == forsendelse_id.lower())).first()
    return row is not None and (str(row.konto_id) == account.konto_id or row.mottaker_id == account.orgnr)


def her_id_exists(conn: sa.Connection, her_id: str) -> bool:
    in_register = conn.execute(sa.select(organisasjon.c.her_id).where(organisasjon.c.her_id == her_id)).first()
    return in_register is not None or conn.execute(sa.select(fastlege.c.her_id).where(fastlege.c.her_id == her_id)).first() is not None


def gp_her_id(conn: sa.Connection, fnr: str) -> str | None:
    return conn.execute(sa.select(fastlege.c.her_id).where(fastlege.c.fnr == fnr)).scalar()


def _person(conn: sa.Connection, field: str, fnr: str) -> Problems:
    if is_valid_fnr(fnr) or registries.get_citizen(conn, fnr) is not None:
        return []
    return [(field, fnr_problem(fnr) or "fødselsnummeret er ikke gyldig")]


def _organisation_exists(conn: sa.Connection, orgnr: str) -> bool:
    return conn.execute(sa.select(organisasjon.c.orgnr).where(organisasjon.c.orgnr == orgnr)).first() is not None


def _nhn(conn: sa.Connection, letter: NhnForsendelse, account: Account) -> tuple[str | None, Problems]:
    problems: Problems = []
    if not account.her_id:
        problems.append(("kontoId", "kontoen har ingen HER-id og kan ikke sende til Norsk Helsenett"))
    if letter.mottakertype == "HER_ID":
        her_id = str(letter.mottakerHerId)
        if not her_id_exists(conn, her_id):
            problems.append(("forsendelse.mottakerHerId", "HER-id finnes ikke i adresseregisteret"))
        return her_id, problems
    her_id = gp_her_id(conn, letter.pasient.fodselsnummer)
    if her_id is None:
        problems.append(("forsendelse.pasient.fodselsnummer", "pasienten har ingen fastlege i fastlegeregisteret"))
    return her_id, problems
