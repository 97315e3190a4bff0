"""What v2 does with a letter already sent, over the one letter model both versions share: the status search
in v2's words, ``lest`` from an external system, the documents' metadata, deleting the documents, and the
look-ups by ``eksternReferanse``. No HTTP in here; the caller has checked access (``accounts``).

- status: v2's enum has no FEILET_UNDER_MOTTAK, SLETTET nor the NHN statuses (v3 only): they are reported as
  the nearest v2 status (AVVIST, MANUELT_HANDTERT, SENDT_DIGITALT). Everything else is the same status.
- lest: a letter that has been delivered (any channel) and not read yet becomes LEST at the time given, as
  opening it on the citizen pages does; read already: nothing changes (204 again). Not delivered yet: 409.
  ``fnr`` must be the recipient or in ``eksponertFor`` for a letter to a person; ``tidspunkt`` may not be in
  the future nor before the letter was delivered.
- documents: deletable once the letter is on its way (not while MOTTATT or AKSEPTERT, when delivery needs
  them); deleting is marking the rows and removing the files, once: a second delete changes nothing (204).
  A deleted document is left out of the metadata and cannot be downloaded (410).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro._time import as_utc
from helsebro.identifiers import is_valid_fnr
from helsebro.registries import service as registries
from helsebro.svarut import errors, events, exposure, signing, status, validation_v2
from helsebro.svarut.blobs import BlobStore
from helsebro.svarut.tables import svarut_dokument, svarut_forsendelse

V2_STATUS = {
    "FEILET_UNDER_MOTTAK": "AVVIST",
    "SLETTET": "MANUELT_HANDTERT",
    "SENDT_NHN_MOTTAKER": "SENDT_DIGITALT",
    "LEVERT_NHN_MOTTAKER": "SENDT_DIGITALT",
}
NOT_YET_SENT = ("MOTTATT", "AKSEPTERT")
CLOCK_SKEW = dt.timedelta(minutes=5)  # a client's clock may be a little ahead of ours
SLETTETYPER = ("ORIGINALDOKUMENTER", "ALLE")


def search(engine: sa.Engine, konto_id: str, ids: list[str]) -> dict[str, list[dict[str, str]]]:
    found = status.search(engine, konto_id, ids)
    for entry in found["statuser"]:
        entry["status"] = V2_STATUS.get(entry["status"], entry["status"])
    return found


# -- lest ----------------------------------------------------------------------------------------------


def mark_read(engine: sa.Engine, forsendelse_id: str, raw: bytes, now: dt.datetime) -> None:
    lest = validation_v2.lest_av(raw)
    at = validation_v2.parse_time(lest.tidspunkt)
    if at > now + CLOCK_SKEW:
        raise errors.validation([("tidspunkt", "kan ikke være frem i tid")])
    with db.write(engine) as conn:
        row = conn.execute(
            sa.select(
                svarut_forsendelse.c.status, svarut_forsendelse.c.status_endret, svarut_forsendelse.c.kind, svarut_forsendelse.c.mottaker_id
            ).where(svarut_forsendelse.c.id == forsendelse_id)
        ).first()
        if row.status == "LEST":
            return
        if row.status not in status.DELIVERED:
            raise errors.not_delivered(forsendelse_id, V2_STATUS.get(row.status, row.status))
        problems = _reader_problems(conn, forsendelse_id, row, lest.fnr)
        if at < as_utc(row.status_endret):
            problems.append(("tidspunkt", f"kan ikke være før forsendelsen ble levert ({status.format_time(row.status_endret)})"))
        if problems:
            raise errors.validation(problems)
        if status.transition(conn, forsendelse_id, status.DELIVERED, "LEST", at) and lest.eksterntSystemnavn:
            events.record(conn, forsendelse_id, f"Lest i eksternt system: {lest.eksterntSystemnavn}", at)


def _reader_problems(conn: sa.Connection, forsendelse_id: str, row: Any, fnr: str) -> list[tuple[str, str]]:
    if not (is_valid_fnr(fnr) or registries.get_citizen(conn, fnr) is not None):
        return [("fnr", "er ikke et gyldig fødselsnummer")]
    if row.kind == "person" and fnr != row.mottaker_id and not exposure.is_exposed(conn, forsendelse_id, fnr):
        return [("fnr", "er verken mottakeren av forsendelsen eller i eksponertFor")]
    return []


# -- documents -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    nummer: int  # 1-based, as in SvarUt's download URLs
    filnavn: str
    mime_type: str
    storrelse: int
    sha256: str
    blob_key: str
    slettet: bool


def documents(conn: sa.Connection, forsendelse_id: str) -> list[Document]:
    d = svarut_dokument.c
    rows = conn.execute(sa.select(svarut_dokument).where(d.forsendelse_id == forsendelse_id).order_by(d.posisjon)).all()
    return [Document(r.posisjon + 1, r.filnavn, r.mime_type, r.storrelse, r.sha256, r.blob_key, r.slettet is not None) for r in rows]


def metadata(
    engine: sa.Engine, forsendelse_id: str, download_base: str, signing_base: str, now: dt.datetime
) -> dict[str, list[dict[str, Any]]]:
    """ForsendelseMetadata: the documents not deleted, with what the sender said of each."""
    with db.read(engine) as conn:
        letter = conn.execute(sa.select(svarut_forsendelse.c.metadata).where(svarut_forsendelse.c.id == forsendelse_id)).scalar() or {}
        found = documents(conn, forsendelse_id)
        state, assignment = signing.current(conn, forsendelse_id, now)
    announced = letter.get("dokumenter") or []
    answer = []
    for document in found:
        if document.slettet:
            continue
        said = (
            announced[document.nummer - 1]
            if document.nummer - 1 < len(announced) and isinstance(announced[document.nummer - 1], dict)
            else {}
        )
        can_sign = assignment is not None and assignment.posisjon == document.nummer - 1 and state == signing.VENTER_SIGNERING
        entry: dict[str, Any] = {
            "filnavn": document.filnavn,
            "mimeType": document.mime_type,
            "dokumentType": said.get("dokumentType") or "",
            "storrelse": document.storrelse,
            "sha256Hash": document.sha256,
            "nedlasningUrl": f"{download_base}/{forsendelse_id}/dokumenter/{document.nummer}",
            "kanSigneres": can_sign,
            "ekstraMetadata": [{"key": m["key"], "value": m["value"]} for m in said.get("ekstraMetadata") or [] if isinstance(m, dict)],
            "inneholderPersonsensitivInformasjon": said.get("inneholderPersonsensitivInformasjon") is True,
        }
        if can_sign:
            entry["signeringUrl"] = f"{signing_base}/{forsendelse_id}"
        answer.append(entry)
    return {"dokumenter": answer}


def document_to_download(engine: sa.Engine, forsendelse_id: str, nummer: str) -> Document:
    with db.read(engine) as conn:
        found = {str(d.nummer): d for d in documents(conn, forsendelse_id)}
    document = found.get(nummer)
    if document is None:
        raise errors.document_unknown(forsendelse_id, nummer)
    if document.slettet:
        raise errors.document_deleted(forsendelse_id, document.nummer)
    return document


def delete_documents(engine: sa.Engine, store: BlobStore, forsendelse_id: str, slettetype: str, now: dt.datetime) -> None:
    if slettetype not in SLETTETYPER:
        raise errors.validation([("slettetype", "må være en av ORIGINALDOKUMENTER, ALLE")])
    with db.write(engine) as conn:
        current = conn.execute(sa.select(svarut_forsendelse.c.status).where(svarut_forsendelse.c.id == forsendelse_id)).scalar()
        if current in NOT_YET_SENT:
            raise errors.not_yet_deletable(forsendelse_id, current)
        d = svarut_dokument.c
        keys = [
            row.blob_key for row in conn.execute(sa.select(d.blob_key).where((d.forsendelse_id == forsendelse_id) & d.slettet.is_(None)))
        ]
        if not keys:
            return
        conn.execute(sa.update(svarut_dokument).where((d.forsendelse_id == forsendelse_id) & d.slettet.is_(None)).values(slettet=now))
        what = "Alle dokumenter" if slettetype == "ALLE" else "Originaldokumentene"
        events.record(conn, forsendelse_id, f"{what} er slettet av avsender", now)
    store.delete(keys)  # after the commit: a file is only removed once no row can hand it out


# -- look-ups by eksternReferanse ------------------------------------------------------------------------


def by_external_reference(engine: sa.Engine, konto_id: str, ekstern_ref: str) -> list[Any]:
    f = svarut_forsendelse.c
    with db.read(engine) as conn:
        return conn.execute(
            sa.select(f.id, f.created_at, f.metadata)
            .where((f.konto_id == konto_id) & (f.ekstern_referanse == ekstern_ref))
            .order_by(f.created_at, f.id)
        ).all()


def ids_by_external_reference(engine: sa.Engine, konto_id: str, ekstern_ref: str) -> dict[str, list[str]]:
    return {"forsendelseIds": [str(row.id) for row in by_external_reference(engine, konto_id, ekstern_ref)]}


def metadata_by_external_reference(engine: sa.Engine, konto_id: str, ekstern_ref: str) -> dict[str, list[dict[str, str]]]:
    answer = []
    for row in by_external_reference(engine, konto_id, ekstern_ref):
        entry = {"id": str(row.id), "dato": status.format_time(row.created_at)}
        system = row.metadata.get("avgivendeSystem") if isinstance(row.metadata, dict) else None
        if isinstance(system, str):
            entry["avgivendeSystem"] = system
        answer.append(entry)
    return {"forsendelser": answer}
