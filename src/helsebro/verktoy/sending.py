"""Sending a tool to a citizen as a Helsenorge task (SPEC section 2, seed 000). No HTTP in here.

The rules run in the order SPEC lists them, so a request with several faults gets the first one's error.
The whole send is one write transaction. On PostgreSQL it first takes a transaction lock on the (tool,
citizen) pair, so the duplicate check and the insert cannot interleave with another send of the same pair
(SQLite: writers are serial); a partial unique index on open tasks is the last line of defence. A v2 send
is then one query for every check (the tool's owner, the citizen's DigitaltAktiv status, an open task) and
one insert, both statements built once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helsebro import db
from helsebro._time import utcnow
from helsebro.digitaltaktiv import status
from helsebro.identifiers import fnr_problem, has_fnr_shape, is_valid_orgnr
from helsebro.pseudonyms import pseudo_id
from helsebro.registries import service as registries
from helsebro.verktoy import errors
from helsebro.verktoy.service import parse_tool_id
from helsebro.verktoy.tables import TaskStatus, verktoy, verktoy_oppgave

MAX_MESSAGE = 1500
DEFAULT_DEADLINE = dt.timedelta(days=14)
GRACE_AFTER_DEADLINE_DAYS = 92  # "tre måneder etter at fristen har utløpt"


@dataclass(frozen=True)
class Professional:
    id: str
    id_type: str  # "HPR" or "FNR"
    navn: str

    @property
    def key(self) -> str:
        return f"{self.id_type}:{self.id}"


def send_v2(engine: sa.Engine, body: Any, caller: str, secret: str, today: dt.date) -> dict[str, str]:
    """POST /verktoy/system/verktoy/v2. Returns {"PseudoId"} for the client that owns the tool."""
    tool_id = _tool_id(body)
    with db.write(engine) as conn:
        _lock_pair(conn, tool_id, body.get("innbyggerfnr"))
        checked = conn.execute(_V2_CHECKS, {"tool": tool_id, **status.parameters(body.get("innbyggerfnr"), today)}).first()
        owner = _owner(checked, caller)
        fnr = _citizen_fnr(body)
        orgnr = body.get("avsenderorgnummer")
        if not isinstance(orgnr, str) or not is_valid_orgnr(orgnr.strip()):
            raise errors.orgnr_invalid()
        message = _message(body)
        deadline = _deadline(body, today)
        if not (checked.selv or checked.via):
            raise errors.not_digitally_active(None if checked.known else fnr_problem(fnr))
        if checked.sent:
            raise errors.already_sent()
        _insert_task(conn, tool_id, fnr, 2, caller, deadline, message, orgnr=orgnr.strip(), navn=_text(body, "avsendernavn"))
    return {"PseudoId": pseudo_id(secret, owner, fnr)}


def send_v1(engine: sa.Engine, body: Any, caller: str, secret: str, today: dt.date) -> dict[str, str]:
    """POST /verktoy/v1/Verktoy (the old send, naming the professional). PseudoId is for the caller."""
    tool_id = _tool_id(body)
    with db.write(engine) as conn:
        _lock_pair(conn, tool_id, body.get("innbyggerfnr"))
        _owner(conn.execute(_OWNER, {"tool": tool_id}).first(), caller)
        fnr = _citizen_fnr(body)
        message = _message(body)
        deadline = _deadline(body, today)
        professional = _professional(conn, body)
        _require_digitally_active(conn, fnr, today)
        open_keys = _open_tasks(conn, tool_id, fnr)
        if professional.key in open_keys:
            raise errors.already_sent_by_same_professional()
        if "" in open_keys:  # an open v2 task (no professional) for the same tool and citizen
            raise errors.already_sent()
        _insert_task(conn, tool_id, fnr, 1, caller, deadline, message, professional=professional)
    return {"PseudoId": pseudo_id(secret, caller, fnr)}


# -- the rules, one function each --------------------------------------------------------------------------


def _tool_id(body: Any) -> str:
    if not isinstance(body, dict) or not body:
        raise errors.request_missing()
    raw = body.get("verktoyid")
    if raw is None:
        raise errors.tool_id_missing()
    if not isinstance(raw, str):
        raise errors.invalid_id(str(raw))
    return parse_tool_id(raw)


_TOOL = sa.bindparam("tool", type_=verktoy.c.id.type)
_OWNER = sa.select(verktoy.c.eier_client_id).where(verktoy.c.id == _TOOL)
_OPEN_TASK = sa.exists().where(
    verktoy_oppgave.c.verktoy_id == _TOOL, verktoy_oppgave.c.innbygger_fnr == status.FNR, verktoy_oppgave.c.status == TaskStatus.OPEN
)
_V2_CHECKS = sa.select(
    verktoy.c.eier_client_id,
    status.aktiv_selv().label("selv"),
    status.aktiv_via_andre().label("via"),
    status.known().label("known"),
    _OPEN_TASK.label("sent"),
).where(verktoy.c.id == _TOOL)
_PAIR_LOCK = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:pair, 0))")
_INSERT = sa.insert(verktoy_oppgave)


def _lock_pair(conn: sa.Connection, tool_id: str, fnr: Any) -> None:
    """PostgreSQL: sends of one tool to one citizen, whatever the process, take turns until commit (its own
    statement: the checks that follow must see the state the previous holder committed)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_PAIR_LOCK, {"pair": f"verktoy-send:{tool_id}:{fnr}"})


def _owner(row: Any, caller: str) -> str:
    if row is None:
        raise errors.send_tool_unknown()
    if row.eier_client_id != caller:
        raise errors.not_the_tool_itself()
    return row.eier_client_id


def _citizen_fnr(body: dict) -> str:
    fnr = body.get("innbyggerfnr")
    if not isinstance(fnr, str) or not has_fnr_shape(fnr):
        raise errors.fnr_invalid("InnbyggerFnr")
    return fnr


def _message(body: dict) -> str | None:
    message = body.get("melding")
    if message is None or message == "":
        return None
    if not isinstance(message, str):
        raise errors.invalid_parameter("Melding", repr(message), "tekst")
    if len(message) > MAX_MESSAGE:
        raise errors.message_too_long(len(message), MAX_MESSAGE)
    return message


def _deadline(body: dict, today: dt.date) -> dt.date:
    """FristDato: date only ("eventuell angivelse av time, minutt etc. tas ikke hensyn til")."""
    raw = body.get("fristdato")
    if raw is None or raw == "":
        return today + DEFAULT_DEADLINE
    if not isinstance(raw, str):
        raise errors.invalid_parameter("FristDato", repr(raw), "en dato, f.eks. 2026-12-24")
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError as exc:
        raise errors.invalid_parameter("FristDato", raw, "en dato, f.eks. 2026-12-24") from exc


def _text(body: dict, key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _professional(conn: sa.Connection, body: dict) -> Professional:
    hpr, fnr = body.get("behandlerhpr"), body.get("behandlerfnr")
    if isinstance(hpr, int) and not isinstance(hpr, bool):
        hpr = str(hpr)
    if isinstance(hpr, str) and hpr.strip():
        person = registries.get_health_person(conn, hpr.strip())
        if person is None:
            raise errors.professional_not_found("HPR-nummer")
        return Professional(person.hpr_nummer, "HPR", person.navn)
    if fnr is not None and fnr != "":
        if not has_fnr_shape(fnr):
            raise errors.fnr_invalid("BehandlerFnr")
        person = registries.get_health_person_by_fnr(conn, fnr)
        if person is not None:
            return Professional(fnr, "FNR", person.navn)
        citizen = registries.get_citizen(conn, fnr)
        if citizen is None:
            raise errors.professional_not_found("fødselsnummer")
        return Professional(fnr, "FNR", citizen.navn)
    raise errors.professional_missing()


def _require_digitally_active(conn: sa.Connection, fnr: str, today: dt.date) -> None:
    citizen, known = status.status_of(conn, fnr, today)
    if not citizen.digitalt_aktiv:
        raise errors.not_digitally_active(None if known else fnr_problem(fnr))


def _open_tasks(conn: sa.Connection, tool_id: str, fnr: str) -> set[str]:
    query = sa.select(verktoy_oppgave.c.behandler_key).where(
        verktoy_oppgave.c.verktoy_id == tool_id,
        verktoy_oppgave.c.innbygger_fnr == fnr,
        verktoy_oppgave.c.status == TaskStatus.OPEN,
    )
    return set(conn.execute(query).scalars())


def _insert_task(
    conn: sa.Connection,
    tool_id: str,
    fnr: str,
    version: int,
    caller: str,
    deadline: dt.date,
    message: str | None,
    *,
    orgnr: str | None = None,
    navn: str | None = None,
    professional: Professional | None = None,
) -> None:
    try:
        _insert(conn, tool_id, fnr, version, caller, deadline, message, orgnr, navn, professional)
    except sa.exc.IntegrityError as exc:  # lost a race the lock should have prevented: still one task
        raise errors.already_sent() from exc


def _insert(conn, tool_id, fnr, version, caller, deadline, message, orgnr, navn, professional) -> None:  # noqa: ANN001
    conn.execute(
        _INSERT,
        dict(
            id=str(uuid.uuid4()),
            verktoy_id=tool_id,
            innbygger_fnr=fnr,
            api_versjon=version,
            avsender_client_id=caller,
            avsender_orgnr=orgnr,
            avsender_navn=navn,
            behandler_key=professional.key if professional else "",
            behandler_id=professional.id if professional else None,
            behandler_id_type=professional.id_type if professional else None,
            behandler_navn=professional.navn if professional else None,
            frist=deadline,
            melding=message,
            status=TaskStatus.OPEN,
            status_endret=utcnow(),
        ),
    )


def expire_tasks(engine: sa.Engine, today: dt.date) -> int:
    """Tasks not done three months after their deadline expire (the housekeeping job runs this)."""
    last_day = today - dt.timedelta(days=GRACE_AFTER_DEADLINE_DAYS)
    with db.write(engine) as conn:
        return conn.execute(
            sa.update(verktoy_oppgave)
            .where(verktoy_oppgave.c.status.in_((TaskStatus.OPEN, TaskStatus.ACCEPTED)), verktoy_oppgave.c.frist < last_day)
            .values(status=TaskStatus.EXPIRED, status_endret=utcnow())
        ).rowcount
