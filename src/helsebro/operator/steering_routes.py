"""HTTP face of steering the test environment (ours): the server clock (``/klokke``). Rules live in
``helsebro.steering``; this module only translates. Resetting the test data (``/tilbakestill``, in
``operator.environment_routes``) sets the clock back to real time too (``testdata.loader.reset``).

Included into the operator API's router (``operator.routes``), so it shares its token check, its error body
and its place in the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from helsebro import services
from helsebro.errors import HelsenorgeError
from helsebro.operator.routes import _ERRORS as OPERATOR_ERRORS
from helsebro.operator.routes import BASE, OperatorRoute
from helsebro.operator.schemas import OperatorFeil
from helsebro.steering import clock

CLOCK = "Operatør: klokke og testdata"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Klokke(BaseModel):
    """The server clock every time rule reads (tokens, deadlines, horizons, delays, delivery steps)."""

    tid: dt.datetime = Field(description="Tjenerens klokke nå (UTC)")
    sannTid: dt.datetime = Field(description="Den virkelige tiden nå (UTC)")
    forskyvningSekunder: float = Field(description="Hvor langt tjenerens klokke er foran den virkelige (når den går)")
    fryst: bool = Field(description="Står klokka stille?")
    versjon: int = Field(description="Øker for hver flytting")
    utfort: dict[str, int] = Field(
        default_factory=dict,
        description="Etter en flytting: det som forfalt i mellomtiden og ble gjort nå, per jobb (expired_tasks, purged_changes, pts_reset)",
    )


class Fram(_In):
    varighet: str = Field(
        description="ISO 8601-varighet i uker, dager og mindre (P15D, PT2H30M) eller sekunder (3600)",
        examples=["P15D"],
        max_length=40,
    )


class Til(_In):
    tid: dt.datetime = Field(description="Tidspunkt med tidssone", examples=["2027-03-01T08:00:00Z"])


class Frys(_In):
    tid: dt.datetime | None = Field(None, description="Frys ved dette tidspunktet; utelatt: nå")


def _view(reading: clock.Reading) -> Klokke:
    return Klokke(
        tid=reading.now,
        sannTid=reading.real,
        forskyvningSekunder=(reading.now - reading.real).total_seconds(),
        fryst=reading.state.frozen_at is not None,
        versjon=reading.version,
        utfort=reading.ran,
    )


def _refused(exc: clock.ClockRefused) -> HelsenorgeError:
    return HelsenorgeError(400, "OP-000400", exc.message) if exc.invalid else HelsenorgeError(409, "OP-000420", exc.message)


def _moved(request: Request, move, *args: Any) -> Klokke:  # noqa: ANN001
    try:
        reading = move(services.of(request).engine, *args)
    except clock.ClockRefused as exc:
        raise _refused(exc) from None
    return _view(reading)


_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": OperatorFeil, "description": "Klokka kan ikke gå bakover forbi lagrede data (OP-000420)"},
}

router = APIRouter(prefix=BASE, tags=[CLOCK], route_class=OperatorRoute, responses=OPERATOR_ERRORS)


@router.get("/klokke", response_model=Klokke, summary="Vis tjenerens klokke")
def show_clock(request: Request) -> Klokke:
    return _view(clock.read(services.of(request).engine))


@router.post(
    "/klokke/fram",
    response_model=Klokke,
    responses=_REFUSED,
    summary="Flytt klokka fram med en varighet",
    description="Det som forfaller i mellomtiden (oppgaver som utløper tre måneder etter fristen, endringer "
    "DigitaltAktiv glemmer etter tre måneder, PTS' planlagte tilbakestilling) skjer med én gang, én gang; "
    "SvarUt-leveranser som venter blir forfalt for arbeiderne. Tokens utløper når klokka passerer `exp`.",
)
def advance_clock(request: Request, body: Fram) -> Klokke:
    try:
        by = clock.parse_duration(body.varighet)
    except clock.ClockRefused as exc:
        raise _refused(exc) from None
    return _moved(request, clock.advance, by)


@router.post("/klokke/til", response_model=Klokke, responses=_REFUSED, summary="Flytt klokka fram til et tidspunkt")
def move_clock_to(request: Request, body: Til) -> Klokke:
    return _moved(request, clock.move_to, body.tid)


@router.post("/klokke/frys", response_model=Klokke, responses=_REFUSED, summary="Frys klokka (nå eller ved et senere tidspunkt)")
def freeze_clock(request: Request, body: Frys | None = None) -> Klokke:
    return _moved(request, clock.freeze, body.tid if body else None)


@router.post("/klokke/slipp", response_model=Klokke, summary="La en fryst klokke gå igjen fra der den står")
def release_clock(request: Request) -> Klokke:
    return _moved(request, clock.release)


@router.post(
    "/klokke/sanntid",
    response_model=Klokke,
    responses=_REFUSED,
    summary="Tilbake til sann tid",
    description="Bare når den virkelige tiden har tatt igjen klokka; ellers ville tiden gå bakover forbi "
    "lagrede data (409 OP-000420): tilbakestill testdataene i stedet, som også setter klokka til sann tid.",
)
def real_time(request: Request) -> Klokke:
    return _moved(request, clock.back_to_real_time)
