"""PTS in the operator API (ours): read the audit of PTS calls, and restore the default PTS data.

Its own router, authorised like the rest of the operator API (an operator token; see
``helsebro.operator.routes``); include it in the app next to that router.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from helsebro import db, services
from helsebro.operator.routes import BASE, Limit, Offset, OperatorRoute
from helsebro.operator.schemas import OperatorFeil
from helsebro.pts import audit, schemas, testdata
from helsebro.pts.values import time_text

_ERRORS = {
    401: {"model": OperatorFeil, "description": "Mangler eller ugyldig token (SEC-110000)"},
    403: {"model": OperatorFeil, "description": "Ikke et operatør-token (SEC-110001)"},
    "4XX": {"model": OperatorFeil, "description": "Alle feil har formen {Code, Message}"},
}
TAG = "Operatør: PTS"

router = APIRouter(prefix=BASE + "/pts", route_class=OperatorRoute, tags=[TAG], responses=_ERRORS, default_response_class=JSONResponse)


@router.get("/audit", response_model=schemas.PtsLogg, summary="PTS-revisjonslogg: hvert kall mot PTS, nyeste først")
def audit_log(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    offId: Annotated[str | None, Query(description="Bare kall om denne personen")] = None,  # noqa: N803  (the wire name)
    clientId: Annotated[str | None, Query(description="Bare kall fra denne klienten")] = None,  # noqa: N803
) -> schemas.PtsLogg:
    engine = services.of(request).engine

    def read() -> schemas.PtsLogg:
        with db.read(engine) as conn:
            total, entries = audit.list_entries(conn, limit=limit, offset=offset, off_id=offId, client_id=clientId)
        return schemas.PtsLogg(totalt=total, limit=limit, offset=offset, logg=[_entry(e) for e in entries])

    return read()


@router.post("/reset", response_model=schemas.PtsTilbakestilt, summary="Tilbakestill PTS-dataene til standardsettet (loggen beholdes)")
def reset(request: Request) -> schemas.PtsTilbakestilt:
    counts = testdata.reset_pts(services.of(request).engine)
    return schemas.PtsTilbakestilt(**counts)


def _entry(entry: audit.AuditEntry) -> schemas.PtsLoggpost:
    return schemas.PtsLoggpost(
        id=entry.id,
        tidspunkt=time_text(entry.time) or "",
        clientId=entry.client_id,
        orgnrParent=entry.orgnr_parent,
        orgnrChild=entry.orgnr_child,
        orgnrSupplier=entry.orgnr_supplier,
        hprNummer=entry.hpr_number,
        metode=entry.method,
        rute=entry.route,
        sti=entry.path,
        apiVersjon=entry.api_version,
        offId=entry.off_id,
        status=entry.status,
    )
