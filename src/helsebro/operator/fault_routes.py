"""HTTP face of injected faults (ours): ``/operator/api/v1/feil``. Rules live in ``helsebro.steering.faults``
and ``steering.catalogue``; this module only translates. Included into the operator API's router
(``operator.routes``), so it shares its token check, its error body and its place in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from helsebro import _time, services
from helsebro.errors import HelsenorgeError
from helsebro.operator.routes import _ERRORS as OPERATOR_ERRORS
from helsebro.operator.routes import _NOT_FOUND, BASE, OperatorRoute
from helsebro.operator.schemas import OperatorFeil
from helsebro.steering import catalogue, clock, faults

FAULTS = "Operatør: feilinjeksjon"


class InjisertFeilInn(BaseModel):
    """A fault to inject. It matches calls to ``familie`` (and, when given, one route and/or one client) and
    answers them instead of the route, for the next ``antall`` calls and/or within ``fra``-``til``."""

    model_config = ConfigDict(extra="forbid")

    familie: str = Field(
        max_length=40,
        description="Familien: helseid, maskinporten, verktoy, digitaltaktiv, pvk, pts, svarut, helsenorge-login",
        examples=["verktoy"],
    )
    metode: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = Field(None, description="Bare kall med denne metoden")
    rute: str | None = Field(
        None, max_length=300, description="Bare kall til denne ruten (malen, f.eks. /verktoy/system/verktoy/v2, eller en konkret sti)"
    )
    klientId: str | None = Field(
        None,
        max_length=200,
        description="Bare kall fra denne klienten (tokenets client_id; ved tokenendepunktene klienten forespørselen oppgir)",
    )
    svar: Literal["feil", "forsinkelse", "brudd", "levering"] = Field(
        description="feil: familiens egen feil (Verktøy og DigitaltAktiv PVS-000204 500, PVK EPVK-100500 500, SvarUt Fiks ErrorMessage 503, PTS problem details 503, "
        "tokenendepunkt temporarily_unavailable); forsinkelse: svaret kommer forsinkelseMs senere; brudd: forbindelsen lukkes uten svar; "
        "levering: en leveringskanal feiler (SvarUt)"
    )
    status: int | None = Field(None, ge=100, le=599, description="svar feil: statuskoden (429 eller 500-511); utelatt: familiens egen")
    melding: str | None = Field(None, max_length=300, description="svar feil: meldingen; utelatt: familiens egen")
    forsinkelseMs: int | None = Field(None, ge=1, le=faults.MAX_DELAY_MS, description="svar forsinkelse: millisekunder")
    kanal: str | None = Field(
        None,
        max_length=30,
        description="svar levering: kanalen som feiler (SDP, INNBYGGER_INNBOKS, PRINT, SVARINN, VIRKSOMHET_ALTINN, NHN)",
    )
    antall: int | None = Field(
        None,
        ge=1,
        le=faults.MAX_COUNT,
        description="For de neste så mange kallene (eller brevene); utelatt: til den fjernes eller tiden er ute",
    )
    fra: dt.datetime | None = Field(None, description="Gjelder fra dette tidspunktet (tjenerens klokke, med tidssone)")
    til: dt.datetime | None = Field(None, description="Gjelder til dette tidspunktet (tjenerens klokke, med tidssone)")
    varighet: str | None = Field(
        None,
        max_length=40,
        description="Gjelder så lenge fra nå (ISO 8601, P1D, PT10M, eller sekunder); i stedet for til",
        examples=["PT10M"],
    )


class InjisertFeil(BaseModel):
    id: str
    familie: str
    metode: str | None
    rute: str | None
    klientId: str | None
    svar: str
    status: int | None
    melding: str | None
    forsinkelseMs: int | None
    kanal: str | None
    antall: int | None
    gjenstar: int | None = Field(description="Kall (eller brev) den gjelder for ennå; null: ikke talt")
    fra: dt.datetime | None
    til: dt.datetime | None
    opprettet: dt.datetime | None
    aktiv: bool = Field(description="Treffer den kall nå (ikke brukt opp, innenfor tidsrommet)?")


class InjiserteFeil(BaseModel):
    feil: list[InjisertFeil]


class Fjernet(BaseModel):
    fjernet: int


def view(item: faults.Fault) -> InjisertFeil:
    return InjisertFeil(
        id=item.id,
        familie=item.family,
        metode=item.method,
        rute=item.route,
        klientId=item.client_id,
        svar=item.kind,
        status=item.status,
        melding=item.message,
        forsinkelseMs=item.delay_ms,
        kanal=item.channel,
        antall=item.count,
        gjenstar=item.remaining,
        fra=item.starts_at,
        til=item.ends_at,
        opprettet=item.created_at,
        aktiv=item.active(_time.utcnow()),
    )


def _aware(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise faults.FaultRefused(f"{name} må ha tidssone (f.eks. 2027-01-15T09:00:00Z)")
    return value.astimezone(dt.UTC) if value is not None else None


def definition(body: InjisertFeilInn) -> faults.Fault:
    """The wire body as a fault definition (checked against the catalogue by ``create``)."""
    ends_at = _aware(body.til, "til")
    if body.varighet is not None:
        if ends_at is not None:
            raise faults.FaultRefused("Oppgi til eller varighet, ikke begge")
        try:
            ends_at = (_aware(body.fra, "fra") or _time.utcnow()) + clock.parse_duration(body.varighet)
        except clock.ClockRefused as exc:
            raise faults.FaultRefused(exc.message) from None
    return faults.Fault(
        id="",
        family=body.familie.strip().lower(),
        kind=body.svar,
        method=body.metode,
        route=body.rute,
        client_id=body.klientId,
        status=body.status,
        message=body.melding,
        delay_ms=body.forsinkelseMs,
        channel=body.kanal,
        count=body.antall,
        starts_at=_aware(body.fra, "fra"),
        ends_at=ends_at,
    )


def create(engine: Any, body: InjisertFeilInn) -> faults.Fault:
    return faults.create(engine, catalogue.check(engine, definition(body)))


def refused(exc: faults.FaultRefused) -> HelsenorgeError:
    code = {404: "OP-000404", 409: "OP-000409"}.get(exc.status, "OP-000400")
    return HelsenorgeError(exc.status, code, exc.message)


def _run(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except faults.FaultRefused as exc:
        raise refused(exc) from None


router = APIRouter(prefix=BASE, tags=[FAULTS], route_class=OperatorRoute, responses=OPERATOR_ERRORS)
FaultId = Annotated[str, Path(max_length=36, description="Feilens id")]


@router.post(
    "/feil",
    status_code=201,
    response_model=InjisertFeil,
    responses={409: {"model": OperatorFeil, "description": f"Høyst {faults.MAX_FAULTS} feil om gangen (OP-000409)"}},
    summary="Injiser en feil",
    description="Kall som feilen treffer, får svaret før ruten kjører: ingenting skrives. En definisjon som ikke kan treffe "
    "noe (ukjent familie, rute eller klient) avvises med 400 OP-000400. Feilene deles av alle API-prosesser på databasen.",
)
def create_fault(request: Request, response: Response, body: InjisertFeilInn) -> InjisertFeil:
    created = _run(create, services.of(request).engine, body)
    response.headers["Location"] = f"{BASE}/feil/{created.id}"
    return view(created)


@router.get("/feil", response_model=InjiserteFeil, summary="List injiserte feil (eldste først)")
def list_faults(request: Request) -> InjiserteFeil:
    found = _run(faults.list_all, services.of(request).engine)
    return InjiserteFeil(feil=[view(item) for item in found])


@router.get("/feil/{feil_id}", response_model=InjisertFeil, responses=_NOT_FOUND, summary="Hent en injisert feil")
def get_fault(request: Request, feil_id: FaultId) -> InjisertFeil:
    return view(_run(faults.get, services.of(request).engine, feil_id))


@router.delete("/feil/{feil_id}", status_code=204, responses=_NOT_FOUND, summary="Fjern en injisert feil")
def delete_fault(request: Request, feil_id: FaultId) -> Response:
    _run(faults.remove, services.of(request).engine, feil_id)
    return Response(status_code=204)


@router.delete("/feil", response_model=Fjernet, summary="Fjern alle injiserte feil")
def clear_faults(request: Request) -> Fjernet:
    return Fjernet(fjernet=_run(faults.clear, services.of(request).engine))
