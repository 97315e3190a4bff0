"""SvarUt's test data in the operator API (ours): KRR entries, SvarInn receivers and the GP register.

Its own router, authorised like the rest of the operator API (an operator token; see
``helsebro.operator.routes``); included in the app next to that router. The rules live in
``svarut.testdata_admin`` (shared with ``helsebro svarut``); this module only translates. A change only
affects letters accepted after it. Changes are logged with a keyed hash of the fødselsnummer, never the number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from helsebro import db, services
from helsebro.logs import fnr_hash, get_logger
from helsebro.operator import errors
from helsebro.operator.routes import BASE, Limit, Offset, OperatorRoute
from helsebro.operator.schemas import OperatorFeil
from helsebro.svarut import operator_schemas as wire
from helsebro.svarut import receiving_systems
from helsebro.svarut import testdata_admin as admin

T = TypeVar("T")
log = get_logger(__name__)

TAG = "Operatør: SvarUt"
PREFIX = BASE + "/svarut"

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OperatorFeil, "description": "Ugyldig forespørsel (OP-000400, OP-000410 fødselsnummer, OP-000413 orgnr)"},
    401: {"model": OperatorFeil, "description": "Mangler eller ugyldig token (SEC-110000)"},
    403: {"model": OperatorFeil, "description": "Ikke et operatør-token (SEC-110001)"},
    404: {"model": OperatorFeil, "description": "Finnes ikke (OP-000404)"},
    "4XX": {"model": OperatorFeil, "description": "Alle feil har formen {Code, Message}"},
}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": OperatorFeil, "description": "Finnes allerede (OP-000409)"}}

# FastAPI's own JSONResponse so the OpenAPI shows the response models (as the other operator routers).
router = APIRouter(prefix=PREFIX, route_class=OperatorRoute, tags=[TAG], responses=_ERRORS, default_response_class=JSONResponse)

Fnr = Annotated[str, Path(description="Fødselsnummer (11 sifre) til en innbygger i folkeregisteret")]
Orgnr = Annotated[str, Path(description="Organisasjonsnummer (9 sifre)")]


def _write(request: Request, change: Callable[..., T]) -> T:
    with errors.translated(), db.write(services.of(request).engine) as conn:
        return change(conn)


def _read(request: Request, query: Callable[..., T]) -> T:
    with errors.translated(), db.read(services.of(request).engine) as conn:
        return query(conn)


def _actor(request: Request) -> str:
    return request.state.principal.client_id or "helsebro-operator"


# --- KRR ---------------------------------------------------------------------------------------------------


@router.get("/krr", response_model=wire.KrrListe, summary="List KRR-oppføringer, sortert på fødselsnummer")
def list_krr(request: Request, limit: Limit = 50, offset: Offset = 0) -> wire.KrrListe:
    page = _read(request, lambda conn: admin.list_krr(conn, limit, offset))
    return wire.KrrListe(oppforinger=[wire.KrrOppforing.of(r) for r in page.items], totalt=page.total, limit=page.limit, offset=page.offset)


@router.get("/krr/{fnr}", response_model=wire.KrrOppforing, summary="Hent innbyggerens KRR-oppføring (404: ikke i KRR)")
def get_krr(request: Request, fnr: Fnr) -> wire.KrrOppforing:
    return wire.KrrOppforing.of(_read(request, lambda conn: admin.get_krr(conn, fnr)))


@router.put(
    "/krr/{fnr}",
    response_model=wire.KrrOppforing,
    responses={201: {"model": wire.KrrOppforing, "description": "Innbyggeren var ikke i KRR fra før"}},
    summary="Sett innbyggerens KRR-oppføring: reservasjon, digital postkasse, varslingsstatus",
    description="Erstatter hele oppføringen. Bestemmer hvor neste brev til innbyggeren går (`kanal` i svaret): "
    "digital postkasse → SDP; ellers KAN_VARSLES → innboksen på Helsenorge/Altinn; reservert eller "
    "KAN_IKKE_VARSLES → papir. Brev som allerede er akseptert, beholder kanalen sin.",
)
def put_krr(request: Request, response: Response, fnr: Fnr, body: wire.KrrEndring) -> wire.KrrOppforing:
    record, created = _write(request, lambda conn: admin.put_krr(conn, fnr, body.to_admin()))
    if created:
        response.status_code = 201
        response.headers["Location"] = f"{PREFIX}/krr/{fnr}"
    log.info("operator set KRR entry", citizen=fnr_hash(fnr), created=created, kanal=admin.channel_of(record), actor=_actor(request))
    return wire.KrrOppforing.of(record)


@router.delete("/krr/{fnr}", status_code=204, response_class=Response, summary="Ta innbyggeren ut av KRR (brev går da på papir)")
def delete_krr(request: Request, fnr: Fnr) -> Response:
    _write(request, lambda conn: admin.delete_krr(conn, fnr))
    log.info("operator removed KRR entry", citizen=fnr_hash(fnr), actor=_actor(request))
    return Response(status_code=204)


# --- SvarInn receivers -------------------------------------------------------------------------------------


@router.get("/svarinn", response_model=wire.SvarInnMottakerListe, summary="List organisasjoner som tar imot gjennom SvarInn")
def list_svarinn(request: Request, limit: Limit = 50, offset: Offset = 0) -> wire.SvarInnMottakerListe:
    page = _read(request, lambda conn: admin.list_svarinn(conn, limit, offset))
    return wire.SvarInnMottakerListe(
        mottakere=[wire.SvarInnMottaker.of(r) for r in page.items], totalt=page.total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/svarinn",
    status_code=201,
    response_model=wire.SvarInnMottaker,
    responses=_CONFLICT,
    summary="La en organisasjon ta imot gjennom SvarInn (ellers får den brev i Altinn)",
)
def add_svarinn(request: Request, response: Response, body: wire.NySvarInnMottaker) -> wire.SvarInnMottaker:
    receiver = _write(request, lambda conn: admin.add_svarinn(conn, body.orgnr))
    response.headers["Location"] = f"{PREFIX}/svarinn/{receiver.orgnr}"
    log.info("operator added SvarInn receiver", orgnr=receiver.orgnr, actor=_actor(request))
    return wire.SvarInnMottaker.of(receiver)


@router.delete(
    "/svarinn/{orgnr}", status_code=204, response_class=Response, summary="Organisasjonen får brev i Altinn i stedet for SvarInn"
)
def remove_svarinn(request: Request, orgnr: Orgnr) -> Response:
    _write(request, lambda conn: admin.remove_svarinn(conn, orgnr))
    log.info("operator removed SvarInn receiver", orgnr=orgnr, actor=_actor(request))
    return Response(status_code=204)


# --- the GP register ---------------------------------------------------------------------------------------


@router.get("/fastleger/{fnr}", response_model=wire.Fastlege, summary="Hent innbyggerens fastlege (HER-id) i fastlegeregisteret")
def get_gp(request: Request, fnr: Fnr) -> wire.Fastlege:
    her_id = _read(request, lambda conn: admin.get_gp(conn, fnr))
    return wire.Fastlege(fnr=fnr, her_id=her_id)


@router.put(
    "/fastleger/{fnr}",
    response_model=wire.Fastlege,
    responses={201: {"model": wire.Fastlege, "description": "Innbyggeren hadde ingen fastlege fra før"}},
    summary="Sett innbyggerens fastlege (for nhn-brev med mottakertype FASTLEGE)",
)
def set_gp(request: Request, response: Response, fnr: Fnr, body: wire.FastlegeEndring) -> wire.Fastlege:
    created = _write(request, lambda conn: admin.set_gp(conn, fnr, body.her_id))
    if created:
        response.status_code = 201
        response.headers["Location"] = f"{PREFIX}/fastleger/{fnr}"
    log.info("operator set GP", citizen=fnr_hash(fnr), created=created, actor=_actor(request))
    return wire.Fastlege(fnr=fnr, her_id=body.her_id)


@router.delete("/fastleger/{fnr}", status_code=204, response_class=Response, summary="Fjern innbyggerens fastlege")
def remove_gp(request: Request, fnr: Fnr) -> Response:
    _write(request, lambda conn: admin.remove_gp(conn, fnr))
    log.info("operator removed GP", citizen=fnr_hash(fnr), actor=_actor(request))
    return Response(status_code=204)


# --- v2: forsendelsestyper and receiving systems -------------------------------------------------------------


@router.get("/forsendelsestyper", response_model=wire.Forsendelsestyper, summary="List registrerte forsendelsestyper")
def list_forsendelsestyper(request: Request) -> wire.Forsendelsestyper:
    return wire.Forsendelsestyper(forsendelsestyper=_read(request, receiving_systems.list_types))


@router.post(
    "/forsendelsestyper",
    status_code=201,
    response_model=wire.Forsendelsestyper,
    responses=_CONFLICT,
    summary="Registrer en forsendelsestype (vises i v2 GET /forsendelsestyper)",
)
def add_forsendelsestype(request: Request, response: Response, body: wire.NyForsendelsestype) -> wire.Forsendelsestyper:
    _write(request, lambda conn: receiving_systems.add_type(conn, body.navn))
    response.headers["Location"] = f"{PREFIX}/forsendelsestyper/{body.navn}"
    log.info("operator added forsendelsestype", navn=body.navn, actor=_actor(request))
    return wire.Forsendelsestyper(forsendelsestyper=_read(request, receiving_systems.list_types))


@router.delete("/forsendelsestyper/{navn}", status_code=204, response_class=Response, summary="Fjern en forsendelsestype")
def remove_forsendelsestype(request: Request, navn: str) -> Response:
    _write(request, lambda conn: receiving_systems.remove_type(conn, navn))
    log.info("operator removed forsendelsestype", navn=navn, actor=_actor(request))
    return Response(status_code=204)


@router.get(
    "/mottakersystemer",
    response_model=wire.Mottakersystemer,
    summary="List mottakersystemer: de registrerte, og SvarInn-mottakernes standardsystemer (som v2 GET /mottakersystem)",
)
def list_mottakersystemer(request: Request) -> wire.Mottakersystemer:
    systems = _read(request, receiving_systems.all_systems)
    return wire.Mottakersystemer(mottakersystemer=[wire.Mottakersystem.of(s) for s in systems])


@router.post(
    "/mottakersystemer",
    status_code=201,
    response_model=wire.Mottakersystem,
    responses=_CONFLICT,
    summary="Registrer et mottakersystem: brev av forsendelsestypen til organisasjonen hentes gjennom SvarInn",
)
def add_mottakersystem(request: Request, response: Response, body: wire.NyttMottakersystem) -> wire.Mottakersystem:
    system = _write(
        request,
        lambda conn: receiving_systems.add_system(conn, body.navn, body.organisasjonsnummer, body.forsendelse_type, body.niva, body.id),
    )
    response.headers["Location"] = f"{PREFIX}/mottakersystemer/{system.id}"
    log.info("operator added receiving system", orgnr=system.organisasjonsnummer, actor=_actor(request))
    return wire.Mottakersystem.of(system)


@router.delete("/mottakersystemer/{system_id}", status_code=204, response_class=Response, summary="Fjern et registrert mottakersystem")
def remove_mottakersystem(request: Request, system_id: str) -> Response:
    _write(request, lambda conn: receiving_systems.remove_system(conn, system_id))
    log.info("operator removed receiving system", actor=_actor(request))
    return Response(status_code=204)
