"""What the operator's pages show, read with SQLAlchemy Core: clients, the catalog, SvarUt letters with their
status timeline, the DigitaltAktiv change feed and the PTS audit. No HTTP in here, no rules.

A fødselsnummer never leaves this module whole: every number is masked here (first six digits, then
``*****``), and free text that may hold one (a letter's title, a PTS path) has any run of eleven digits
masked too. Secrets and their hashes are never read into a view.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from helsebro._time import as_utc
from helsebro.auth.clients import list_clients
from helsebro.digitaltaktiv import status as digitaltaktiv_status
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring
from helsebro.identifiers import mask_fnr, mask_numbers
from helsebro.pts import audit
from helsebro.registries.tables import innbygger
from helsebro.svarut import exposure
from helsebro.svarut import status as svarut_status
from helsebro.svarut.tables import svarut_dokument, svarut_forsendelse, svarut_konto
from helsebro.verktoy.tables import (
    TaskStatus,
    grafisk_element,
    kodeverk,
    verktoy,
    verktoy_egenskap,
    verktoy_klassifisering,
    verktoy_oppgave,
    verktoy_sokeord,
)

PAGE_SIZE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int  # 1-based
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _offset(page: int, size: int = PAGE_SIZE) -> int:
    return (max(page, 1) - 1) * size


# -- API clients ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientView:
    client_id: str
    name: str
    orgnr: str
    orgnr_child: str | None
    scopes: tuple[str, ...]
    key_kinds: tuple[str, ...]  # "jwk", "secret": how the client may authenticate
    keys: tuple[str, ...]  # the public keys' kty and kid, for telling them apart
    enabled: bool
    description: str
    multi_tenant: bool = False
    child_organisations: tuple[str, ...] = ()  # the single-tenant client's underenheter it may name


def clients(conn: sa.Connection) -> list[ClientView]:
    views = []
    for client in list_clients(conn):
        public_keys = [k for k in (client.jwks or {}).get("keys", []) if isinstance(k, dict)]
        kinds = (("jwk",) if public_keys else ()) + (("secret",) if client.secret_hash else ())
        views.append(
            ClientView(
                client_id=client.client_id,
                name=client.name,
                orgnr=client.orgnr,
                orgnr_child=client.orgnr_child,
                scopes=client.scopes,
                key_kinds=kinds,
                keys=tuple(_key_text(k) for k in public_keys),
                enabled=client.enabled,
                description=client.description,
                multi_tenant=client.multi_tenant,
                child_organisations=client.child_organisations,
            )
        )
    return views


def _key_text(jwk: dict[str, Any]) -> str:
    """Public facts of a key only (never ``d`` or the like): its type, curve or algorithm, and kid."""
    kind = str(jwk.get("kty", "?"))
    detail = jwk.get("crv") or jwk.get("alg")
    kid = jwk.get("kid")
    return kind + (f" {detail}" if detail else "") + (f", kid {kid}" if kid else "")


# -- the catalog ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolView:
    id: str
    name: str
    organisation: str
    orgnr: str
    owner: str | None
    citizen_can_add: bool
    anonymous_only: bool
    needs_prescription: bool
    changed: dt.datetime
    image_id: int | None
    open_tasks: int
    tasks: int


@dataclass(frozen=True)
class ToolDetail:
    tool: ToolView
    ingress: str
    description: str
    url: str
    purpose: str | None
    responsible: str
    developed_by: str
    created: dt.datetime
    estimated_minutes: int | None
    properties: dict[str, list[str]]  # code table name -> names, main value first
    classifications: list[tuple[str, str]]
    keywords: list[str]
    tasks_by_status: dict[str, int]


def _task_counts() -> sa.Subquery:
    return (
        sa.select(
            verktoy_oppgave.c.verktoy_id,
            sa.func.count().label("tasks"),
            sa.func.sum(sa.case((verktoy_oppgave.c.status == TaskStatus.OPEN, 1), else_=0)).label("open_tasks"),
        )
        .group_by(verktoy_oppgave.c.verktoy_id)
        .subquery()
    )


def _tool_query() -> sa.Select:
    counts = _task_counts()
    return sa.select(verktoy, counts.c.tasks, counts.c.open_tasks).outerjoin(counts, counts.c.verktoy_id == verktoy.c.id)


def _tool_view(row: Any) -> ToolView:
    return ToolView(
        id=str(row.id),
        name=row.navn,
        organisation=row.organisasjonsnavn,
        orgnr=row.organisasjonsnummer,
        owner=row.eier_client_id,
        citizen_can_add=row.kan_legges_til_av_innbygger,
        anonymous_only=row.kun_anonym_tilgang,
        needs_prescription=row.krever_forskrivning,
        changed=as_utc(row.endret_dato),
        image_id=row.grafisk_element_id,
        open_tasks=int(row.open_tasks or 0),
        tasks=int(row.tasks or 0),
    )


def tools(conn: sa.Connection) -> list[ToolView]:
    """Every tool, by name (the database's order is good enough for a list an operator scans)."""
    return [_tool_view(row) for row in conn.execute(_tool_query().order_by(verktoy.c.navn, verktoy.c.id))]


def tool(conn: sa.Connection, tool_id: str) -> ToolDetail | None:
    row = conn.execute(_tool_query().where(verktoy.c.id == tool_id)).first()
    if row is None:
        return None
    names = {(r.kodeverk, r.id): r.navn for r in conn.execute(sa.select(kodeverk.c.kodeverk, kodeverk.c.id, kodeverk.c.navn))}
    properties: dict[str, list[str]] = {}
    for prop in conn.execute(
        sa.select(verktoy_egenskap)
        .where(verktoy_egenskap.c.verktoy_id == tool_id)
        .order_by(verktoy_egenskap.c.kodeverk, verktoy_egenskap.c.position)
    ):
        properties.setdefault(prop.kodeverk, []).append(names.get((prop.kodeverk, prop.verdi), str(prop.verdi)))
    classifications = [
        (r.kode, r.navn)
        for r in conn.execute(
            sa.select(verktoy_klassifisering)
            .where(verktoy_klassifisering.c.verktoy_id == tool_id)
            .order_by(verktoy_klassifisering.c.position)
        )
    ]
    keywords = list(
        conn.execute(
            sa.select(verktoy_sokeord.c.ord).where(verktoy_sokeord.c.verktoy_id == tool_id).order_by(verktoy_sokeord.c.position)
        ).scalars()
    )
    by_status = {
        r.status: r.n
        for r in conn.execute(
            sa.select(verktoy_oppgave.c.status, sa.func.count().label("n"))
            .where(verktoy_oppgave.c.verktoy_id == tool_id)
            .group_by(verktoy_oppgave.c.status)
        )
    }
    return ToolDetail(
        tool=_tool_view(row),
        ingress=row.ingress,
        description=row.beskrivelse,
        url=row.url,
        purpose=names.get(("formal", row.formal_id)),
        responsible=row.faglig_ansvarlig,
        developed_by=row.utviklet_av,
        created=as_utc(row.opprettet_dato),
        estimated_minutes=row.antatt_tid,
        properties=properties,
        classifications=classifications,
        keywords=keywords,
        tasks_by_status=by_status,
    )


def tool_image(conn: sa.Connection, image_id: int) -> tuple[str, bytes, str] | None:
    """(content type, bytes, sha256) of a catalog image."""
    row = conn.execute(
        sa.select(
            grafisk_element.c.content_type,
            grafisk_element.c.data,
            grafisk_element.c.sha256,
        ).where(grafisk_element.c.id == image_id)
    ).first()
    return (row.content_type, bytes(row.data), row.sha256) if row else None


# -- SvarUt letters ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterView:
    id: str
    title: str
    kind: str  # person, organisasjon, nhn, print: the endpoint it came through
    recipient: str  # masked wherever it is a person
    account: str
    status: str
    status_changed: dt.datetime
    sent: dt.datetime


@dataclass(frozen=True)
class DocumentView:
    position: int
    name: str
    mime_type: str
    size: int


@dataclass(frozen=True)
class LetterDetail:
    letter: LetterView
    channel: str | None
    account_id: str
    integration_id: str
    documents: list[DocumentView]
    timeline: list[tuple[str, dt.datetime]] = field(default_factory=list)
    exposed_to: list[str] = field(default_factory=list)  # eksponertFor, each fødselsnummer masked
    requires_level4: bool = False  # v2 krevNiva4Innlogging (a v3 letter has no such flag)


def _recipient(kind: str, metadata: Any) -> str:
    """Who the letter is for, as the sender named them; a fødselsnummer masked."""
    metadata = metadata if isinstance(metadata, dict) else {}
    mottaker = metadata.get("mottaker") if isinstance(metadata.get("mottaker"), dict) else {}
    name = str(mottaker.get("navn") or "")
    if kind == "person":
        return _joined(name, mask_fnr(str(mottaker.get("digitalId") or "")))
    if kind == "organisasjon":
        return _joined(
            name,
            f"org.nr. {mottaker.get('digitalId')}" if mottaker.get("digitalId") else "",
        )
    if kind == "nhn":
        pasient = metadata.get("pasient") if isinstance(metadata.get("pasient"), dict) else {}
        patient = mask_fnr(str(pasient.get("fodselsnummer") or ""))
        if metadata.get("mottakertype") == "HER_ID":
            return _joined(
                f"HER-id {metadata.get('mottakerHerId')}",
                f"pasient {patient}" if patient else "",
            )
        return _joined("Pasientens fastlege", f"pasient {patient}" if patient else "")
    # v3 nests the postal address (mottaker.adresse); v2 has it on the recipient itself.
    adresse = mottaker.get("adresse") if isinstance(mottaker.get("adresse"), dict) else mottaker
    return _joined(name, str(adresse.get("poststed") or ""))


def _joined(*parts: str) -> str:
    return mask_numbers(", ".join(p for p in parts if p))


def _letter_query() -> sa.Select:
    return sa.select(
        svarut_forsendelse.c.id,
        svarut_forsendelse.c.kind,
        svarut_forsendelse.c.metadata,
        svarut_forsendelse.c.status,
        svarut_forsendelse.c.status_endret,
        svarut_forsendelse.c.created_at,
        svarut_forsendelse.c.kanal,
        svarut_forsendelse.c.konto_id,
        svarut_forsendelse.c.integrasjon_id,
        svarut_konto.c.navn.label("konto_navn"),
    ).join(svarut_konto, svarut_konto.c.konto_id == svarut_forsendelse.c.konto_id)


def _letter_view(row: Any) -> LetterView:
    metadata = row.metadata if isinstance(row.metadata, dict) else {}
    return LetterView(
        id=str(row.id),
        title=mask_numbers(str(metadata.get("tittel") or "")),
        kind=row.kind,
        recipient=_recipient(row.kind, metadata),
        account=row.konto_navn,
        status=row.status,
        status_changed=as_utc(row.status_endret),
        sent=as_utc(row.created_at),
    )


def letters(conn: sa.Connection, status: str | None, page: int) -> Page[LetterView]:
    """Letters, the latest status change first; ``status`` keeps those in that status only."""
    where = [svarut_forsendelse.c.status == status] if status else []
    total = conn.execute(sa.select(sa.func.count()).select_from(svarut_forsendelse).where(*where)).scalar_one()
    rows = conn.execute(
        _letter_query()
        .where(*where)
        .order_by(svarut_forsendelse.c.status_endret.desc(), svarut_forsendelse.c.id)
        .limit(PAGE_SIZE)
        .offset(_offset(page))
    )
    return Page([_letter_view(row) for row in rows], total, page)


def letter_status_counts(conn: sa.Connection) -> dict[str, int]:
    rows = conn.execute(sa.select(svarut_forsendelse.c.status, sa.func.count().label("n")).group_by(svarut_forsendelse.c.status))
    return {row.status: row.n for row in rows}


def letter(conn: sa.Connection, letter_id: str) -> LetterDetail | None:
    row = conn.execute(_letter_query().where(svarut_forsendelse.c.id == letter_id)).first()
    if row is None:
        return None
    documents = [
        DocumentView(d.posisjon, mask_numbers(d.filnavn), d.mime_type, d.storrelse)
        for d in conn.execute(
            sa.select(
                svarut_dokument.c.posisjon,
                svarut_dokument.c.filnavn,
                svarut_dokument.c.mime_type,
                svarut_dokument.c.storrelse,
            )
            .where(svarut_dokument.c.forsendelse_id == letter_id)
            .order_by(svarut_dokument.c.posisjon)
        )
    ]
    return LetterDetail(
        letter=_letter_view(row),
        channel=row.kanal,
        account_id=str(row.konto_id),
        integration_id=str(row.integrasjon_id),
        documents=documents,
        timeline=svarut_status.history(conn, letter_id),
        exposed_to=[mask_numbers(ident) for ident in exposure.idents(row.metadata)],
        requires_level4=isinstance(row.metadata, dict) and row.metadata.get("krevNiva4Innlogging") is True,
    )


# -- the DigitaltAktiv change feed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeView:
    masked_fnr: str
    name: str | None  # None: the citizen is gone from the register
    changed: dt.datetime
    status: digitaltaktiv_status.Status


def changes(conn: sa.Connection, page: int, today: dt.date) -> Page[ChangeView]:
    """The feed's rows, newest first, each with the citizen's DigitaltAktiv status as it is now (the feed
    records that a status may have changed, not what it became)."""
    total = conn.execute(sa.select(sa.func.count()).select_from(digitaltaktiv_endring)).scalar_one()
    rows = conn.execute(
        sa.select(
            digitaltaktiv_endring.c.fnr,
            digitaltaktiv_endring.c.endret,
            innbygger.c.fornavn,
            innbygger.c.mellomnavn,
            innbygger.c.etternavn,
        )
        .outerjoin(innbygger, innbygger.c.fnr == digitaltaktiv_endring.c.fnr)
        .order_by(digitaltaktiv_endring.c.endret.desc(), digitaltaktiv_endring.c.fnr)
        .limit(PAGE_SIZE)
        .offset(_offset(page))
    ).all()
    now = digitaltaktiv_status.statuses(conn, [row.fnr for row in rows], today)
    items = [
        ChangeView(
            masked_fnr=mask_fnr(row.fnr),
            name=" ".join(p for p in (row.fornavn, row.mellomnavn, row.etternavn) if p) if row.fornavn is not None else None,
            changed=as_utc(row.endret),
            status=now[row.fnr],
        )
        for row in rows
    ]
    return Page(items, total, page)


# -- the PTS audit -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditView:
    id: int
    time: dt.datetime
    client_id: str | None
    orgnr_parent: str | None
    hpr_number: str | None
    method: str
    path: str
    api_version: str | None
    person: str  # masked
    status: int


def audit_entries(conn: sa.Connection, page: int) -> Page[AuditView]:
    total, entries = audit.list_entries(conn, limit=PAGE_SIZE, offset=_offset(page))
    return Page([_audit_view(e) for e in entries], total, page)


def _audit_view(entry: audit.AuditEntry) -> AuditView:
    return AuditView(
        id=entry.id,
        time=entry.time,
        client_id=entry.client_id,
        orgnr_parent=entry.orgnr_parent,
        hpr_number=entry.hpr_number,
        method=entry.method,
        path=mask_numbers(entry.path),
        api_version=entry.api_version,
        person=mask_fnr(entry.off_id),
        status=entry.status,
    )


STATUSES: Sequence[str] = svarut_status.STATUSES
