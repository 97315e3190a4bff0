"""HTTP face of the request journal (ours): ``/operator/api/v1/journal``. Rules live in
``helsebro.steering.journal``; this module only translates. Included into the operator API's router."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from helsebro import services
from helsebro.errors import HelsenorgeError
from helsebro.operator.routes import _ERRORS as OPERATOR_ERRORS
from helsebro.operator.routes import _NOT_FOUND, BASE, Limit, Offset, OperatorRoute
from helsebro.steering import catalogue, journal

JOURNAL = "Operatør: forespørselsjournal"


class Kontroll(BaseModel):
    kontroll: str
    status: str = Field(description="passed, failed eller not applicable")
    avgjorende: bool = Field(description="Kontrollen vakten svarte med")
    en: str
    nb: str


class Avvisning(BaseModel):
    """Why the guard refused the token: its deciding check (the token inspector's names) and the reason."""

    kontroll: str | None = Field(description="f.eks. lifetime, signature, audience, binding, dpop_proof, scope")
    grunn: str | None = Field(description="Vaktens grunn, som i WWW-Authenticate")
    verdikt: list[Kontroll] | None = Field(None, description="Tokenkontrollens linjer for kallet (når de stemmer med vakten)")


class Foresporsel(BaseModel):
    id: int
    tid: dt.datetime = Field(description="Tjenerens klokke da kallet kom")
    familie: str
    metode: str
    sti: str = Field(description="Stien, med fødselsnummer maskert")
    sporring: str | None = Field(description="Spørrestrengen, med hemmeligheter skjult og fødselsnummer maskert")
    klientId: str | None
    organisasjon: str | None
    status: int = Field(description="0: forbindelsen ble brutt uten svar (injisert feil)")
    feilkode: str | None = Field(description="Feilkoden i svaret (Code, errorCode, error eller title)")
    varighetMs: float
    avvisning: Avvisning | None = Field(description="For kall vakten avviste (401/403)")
    feil: str | None = Field(description="Id-en til den injiserte feilen som svarte")
    foresporselInnhold: str | None = Field(description="Forespørselens innhold (bare med HELSEBRO_JOURNAL_BODIES=true), maskert")
    svarInnhold: str | None = Field(description="Svarets innhold (bare med HELSEBRO_JOURNAL_BODIES=true), maskert")


class Journal(BaseModel):
    foresporsler: list[Foresporsel] = Field(description="Nyeste først")
    neste: int | None = Field(description="offset for neste side; null: ingen flere")


def view(entry: journal.Entry, *, verdict: bool = True) -> Foresporsel:
    refusal = None
    if entry.refusal_check or entry.refusal_reason:
        lines = [Kontroll(**line) for line in entry.verdict] if verdict and entry.verdict else None
        refusal = Avvisning(kontroll=entry.refusal_check, grunn=entry.refusal_reason, verdikt=lines)
    return Foresporsel(
        id=entry.id,
        tid=entry.at,
        familie=entry.family,
        metode=entry.method,
        sti=entry.path,
        sporring=entry.query,
        klientId=entry.client_id,
        organisasjon=entry.organisation,
        status=entry.status,
        feilkode=entry.error_code,
        varighetMs=entry.duration_ms,
        avvisning=refusal,
        feil=entry.fault_id,
        foresporselInnhold=entry.request_body,
        svarInnhold=entry.response_body,
    )


def invalid(message: str) -> HelsenorgeError:
    return HelsenorgeError(400, "OP-000400", message)


def parse_filter(
    klient_id: str | None,
    familie: str | None,
    status: str | None,
    fra: dt.datetime | None,
    til: dt.datetime | None,
    feilkode: str | None,
    metode: str | None = None,
    sti: str | None = None,
) -> journal.Filter:
    """The query's filters, checked: an unknown family or a malformed status is refused, not an empty page."""
    texts = {"klientId": klient_id, "familie": familie, "feilkode": feilkode, "metode": metode, "sti": sti}
    for name, text in texts.items():
        if text is not None and any(ord(c) < 32 or ord(c) == 127 for c in text):  # PostgreSQL refuses NUL in text
            raise invalid(f"{name} inneholder et kontrolltegn; ingen klient-id, sti eller feilkode har det")
    if familie is not None and familie not in {f.name for f in catalogue.families()}:
        raise invalid(f"Ukjent familie {familie!r}; en av {', '.join(f.name for f in catalogue.families())}")
    exact, status_class = None, None
    if status is not None:
        text = status.strip().lower()
        if len(text) == 3 and text[0] in "12345" and text[1:] == "xx":
            status_class = int(text[0])
        elif text.isdigit() and (text == "0" or 100 <= int(text) <= 599):
            exact = int(text)
        else:
            raise invalid(f"status {status!r}: skriv en statuskode (401), en klasse (4xx) eller 0 (brutt forbindelse)")
    for name, value in (("fra", fra), ("til", til)):
        if value is not None and value.tzinfo is None:
            raise invalid(f"{name} må ha tidssone (f.eks. 2027-01-15T09:00:00Z)")
    return journal.Filter(
        client_id=klient_id,
        family=familie,
        status=exact,
        status_class=status_class,
        since=fra.astimezone(dt.UTC) if fra else None,
        until=til.astimezone(dt.UTC) if til else None,
        error_code=feilkode,
        method=metode.upper() if metode else None,
        path=sti,
    )


router = APIRouter(prefix=BASE, tags=[JOURNAL], route_class=OperatorRoute, responses=OPERATOR_ERRORS)
Text = Annotated[str | None, Query(max_length=200)]


@router.get(
    "/journal",
    response_model=Journal,
    summary="Forespørselsjournalen: hvert kall til familienes API-er, nyeste først",
    description="Filtre: `klientId`, `familie`, `status` (401, 4xx, 0), `fra`/`til` (tjenerens klokke), `feilkode`, "
    "`metode`, `sti` (begynner med). Tokens, hemmeligheter og passord lagres aldri; fødselsnummer er maskert.",
)
def list_requests(
    request: Request,
    klientId: Text = None,  # noqa: N803  (the wire name)
    familie: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=3)] = None,
    fra: dt.datetime | None = None,
    til: dt.datetime | None = None,
    feilkode: Annotated[str | None, Query(max_length=100)] = None,
    metode: Annotated[str | None, Query(max_length=10)] = None,
    sti: Annotated[str | None, Query(max_length=300)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Journal:
    found = parse_filter(klientId, familie, status, fra, til, feilkode, metode, sti)
    entries, more = journal.query(services.of(request).engine, found, limit, offset)
    return Journal(foresporsler=[view(e, verdict=False) for e in entries], neste=offset + limit if more else None)


@router.get(
    "/journal/{oppforing_id}",
    response_model=Foresporsel,
    responses=_NOT_FOUND,
    summary="Ett kall, med tokenkontrollens verdikt for en avvisning",
)
def get_request(request: Request, oppforing_id: Annotated[int, Path(ge=1, le=2**62)]) -> Foresporsel:
    entry: Any = journal.get(services.of(request).engine, oppforing_id)
    if entry is None:
        raise HelsenorgeError(404, "OP-000404", f"Kallet {oppforing_id} finnes ikke i journalen")
    return view(entry)
