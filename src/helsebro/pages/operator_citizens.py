"""The operator's citizen pages under Testdata (ours): find and create citizens, and on a citizen's page change
their name and address, Helsenorge consent, death, children (parental responsibility), powers of attorney, KRR
entry and GP, or delete them.

Each form is checked by the operator API's own request models (``operator.schemas``, ``svarut.operator_schemas``)
and carried out by its use cases (``operator.service``, ``svarut.testdata_admin``), so it meets the same rules
and shows the same messages. A fødselsnummer is never in a page's address or markup: a citizen is named by an
opaque reference (the number encrypted with a key from the server's secret), and every number shown is masked,
except a new citizen's own number once, on the answer that created it (the operator needs it for their tests).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated, Any

from cryptography.fernet import Fernet, InvalidToken
from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from helsebro import db, services
from helsebro.identifiers import mask_fnr
from helsebro.operator import errors, service
from helsebro.operator import schemas as wire
from helsebro.pages import operator_session as sessions
from helsebro.pages.operator import FORM_INVALID, OperatorPageRoute, SignedIn, _page, _redirect
from helsebro.pages.operator_forms import Refused, blank, call, checked
from helsebro.registries import admin
from helsebro.svarut import operator_schemas as svarut_wire
from helsebro.svarut import testdata_admin as svarut_admin

BASE_PATH = "/operator/testdata/innbyggere"
PAGE_SIZE = 50
POSTKASSER = ("", "digipost", "eboks")
VARSLING = ("KAN_VARSLES", "KAN_IKKE_VARSLES")

router = APIRouter(prefix=BASE_PATH, include_in_schema=False, route_class=OperatorPageRoute)

Text = Annotated[str, Form(max_length=300)]
Csrf = Annotated[str, Form()]


# -- a citizen's reference in addresses and forms ------------------------------------------------------------


def _fernet(request: Request) -> Fernet:
    key = hashlib.sha256(("helsebro.operator.citizen-ref\x00" + services.of(request).secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def ref_of(request: Request, fnr: str) -> str:
    return _fernet(request).encrypt(fnr.encode()).decode()


def fnr_of(request: Request, ref: str) -> str | None:
    try:
        return _fernet(request).decrypt(ref.encode()).decode()
    except (InvalidToken, ValueError):
        return None


# -- helpers -------------------------------------------------------------------------------------------------


def _svarut(request: Request, change: Any) -> Any:
    with errors.translated(), db.write(services.of(request).engine) as conn:
        return change(conn)


def _svarut_read(request: Request, fnr: str) -> tuple[Any, str | None]:
    """The citizen's KRR entry and GP (None when they have none)."""
    with db.read(services.of(request).engine) as conn:
        try:
            krr = svarut_admin.get_krr(conn, fnr)
        except admin.AdminError:
            krr = None
        try:
            gp = svarut_admin.get_gp(conn, fnr)
        except admin.AdminError:
            gp = None
    return krr, gp


# -- the list and a new citizen ------------------------------------------------------------------------------


async def _list_page(
    request: Request, session: sessions.OperatorSession, error: str = "", form: dict[str, Any] | None = None, status: int = 200
) -> Response:
    navn = request.query_params.get("navn", "")[:100] or None
    side = request.query_params.get("side", "1")
    page_number = int(side) if side.isdigit() and 0 < int(side) < 100_000 else 1
    found = await call(service.list_citizens, services.of(request).engine, navn, PAGE_SIZE, (page_number - 1) * PAGE_SIZE)
    rows = [
        {"ref": ref_of(request, c.fnr), "fnr": mask_fnr(c.fnr), "navn": c.navn, "dod": c.dodsdato, "samtykke": c.helsenorge_samtykke}
        for c in found.innbyggere
    ]
    context = {
        "rows": rows,
        "total": found.totalt,
        "navn": navn or "",
        "side": page_number,
        "more": page_number * PAGE_SIZE < found.totalt,
        "error": error,
        "form": form or {},
        "deleted": request.query_params.get("slettet") == "1",
        "current": "testdata",
    }
    return _page(request, "operator_innbyggere.html", context, session, status)


@router.get("")
async def list_page(request: Request, session: SignedIn) -> Response:
    return await _list_page(request, session)


@router.post("")
async def create(
    request: Request,
    session: SignedIn,
    csrf: Csrf = "",
    fornavn: Text = "",
    etternavn: Text = "",
    fodselsdato: Text = "",
    fnr: Text = "",
    samtykke: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {"fornavn": fornavn, "etternavn": etternavn, "fodselsdato": fodselsdato, "samtykke": samtykke}  # never the typed fnr back
    if not sessions.csrf_ok(request, session, csrf):
        return await _list_page(request, session, FORM_INVALID, form, 400)
    data = {
        "fornavn": fornavn.strip(),
        "etternavn": etternavn.strip(),
        "fodselsdato": blank(fodselsdato),
        "fnr": blank(fnr),
        "helsenorgeSamtykke": samtykke == "ja",
    }
    try:
        body = checked(wire.NyInnbygger, data)
        created = await call(service.create_citizen, services.of(request).engine, body, session.client_id)
    except Refused as exc:
        return await _list_page(request, session, exc.message, form, exc.status)
    context = {"fnr": created.fnr, "navn": created.navn, "ref": ref_of(request, created.fnr), "current": "testdata"}
    return _page(request, "operator_innbygger_ny.html", context, session, 201)


# -- one citizen ---------------------------------------------------------------------------------------------


async def _citizen_page(request: Request, session: sessions.OperatorSession, ref: str, error: str = "", status: int = 200) -> Response:
    fnr = fnr_of(request, ref)
    try:
        if fnr is None:
            raise Refused("Fant ikke innbyggeren (ugyldig lenke)", 404)
        citizen = await call(service.get_citizen, services.of(request).engine, fnr)
    except Refused as exc:
        return _page(request, "operator_feil.html", {"title": "Fant ikke innbyggeren", "message": exc.message}, session, exc.status)
    krr, gp = await run_in_threadpool(_svarut_read, request, fnr)

    def person(number: str, navn: str) -> dict[str, str]:
        return {"ref": ref_of(request, number), "fnr": mask_fnr(number), "navn": navn}

    context = {
        "ref": ref,
        "citizen": citizen,
        "fnr": mask_fnr(citizen.fnr),
        "parents": [person(p.fnr, p.navn) for p in citizen.foreldre],
        "children": [person(p.fnr, p.navn) for p in citizen.barn],
        "given": [
            {"id": f.id, "fnr": mask_fnr(f.fullmektig_fnr), "fra": f.gyldig_fra, "til": f.gyldig_til} for f in citizen.fullmakter_gitt
        ],
        "received": [
            {"id": f.id, "fnr": mask_fnr(f.fullmaktsgiver_fnr), "fra": f.gyldig_fra, "til": f.gyldig_til}
            for f in citizen.fullmakter_mottatt
        ],
        "krr": krr,
        "gp": gp,
        "postkasser": POSTKASSER,
        "varsling": VARSLING,
        "error": error,
        "saved": request.query_params.get("lagret") == "1",
        "current": "testdata",
    }
    return _page(request, "operator_innbygger.html", context, session, status)


@router.get("/{ref}")
async def citizen_page(request: Request, session: SignedIn, ref: str) -> Response:
    return await _citizen_page(request, session, ref)


ACTIONS = (
    "navn",
    "samtykke",
    "dod",
    "barn",
    "barn-fjern",
    "fullmakt",
    "fullmakt-fjern",
    "krr",
    "krr-fjern",
    "fastlege",
    "fastlege-fjern",
    "slett",
)


@router.post("/{ref}/{action}")
async def change(request: Request, session: SignedIn, ref: str, action: str) -> Response:
    fnr = fnr_of(request, ref)
    if action not in ACTIONS or fnr is None:
        return _page(
            request, "operator_feil.html", {"title": "Fant ikke siden", "message": "Ukjent innbygger eller handling."}, session, 404
        )
    form = await request.form(max_files=0, max_fields=20, max_part_size=4096)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if not sessions.csrf_ok(request, session, values.get("csrf", "")):
        return await _citizen_page(request, session, ref, FORM_INVALID, 400)
    try:
        await _change(request, session, fnr, action, values)
    except Refused as exc:
        return await _citizen_page(request, session, ref, exc.message, exc.status)
    if action == "slett":
        return _redirect(BASE_PATH + "?slettet=1")
    return _redirect(f"{BASE_PATH}/{ref_of(request, fnr)}?lagret=1")


async def _change(request: Request, session: sessions.OperatorSession, fnr: str, action: str, values: dict[str, str]) -> None:
    engine, actor = services.of(request).engine, session.client_id
    field = values.get
    if action == "navn":  # an empty optional field is cleared, as null in the API
        names = {k: blank(field(k, "")) for k in ("fornavn", "mellomnavn", "etternavn", "adresse", "postnummer", "poststed")}
        await call(service.update_citizen, engine, fnr, checked(wire.InnbyggerEndring, names, keep_none=True), actor)
    elif action == "samtykke":
        await call(
            service.update_citizen, engine, fnr, checked(wire.InnbyggerEndring, {"helsenorgeSamtykke": field("verdi") == "ja"}), actor
        )
    elif action == "dod":  # alive again is dodsdato null; an empty date is refused as the API refuses it
        dodsdato = None if field("levende") == "ja" else field("dodsdato", "").strip()
        await call(service.update_citizen, engine, fnr, checked(wire.InnbyggerEndring, {"dodsdato": dodsdato}, keep_none=True), actor)
    elif action == "barn":
        body = checked(wire.NyttForeldreansvar, {"barnFnr": field("barn_fnr", "").strip()})
        await call(service.add_parental_responsibility, engine, fnr, body)
    elif action == "barn-fjern":
        child = fnr_of(request, field("barn", ""))
        if child is None:
            raise Refused("Fant ikke barnet (ugyldig skjema)", 404)
        await call(service.remove_parental_responsibility, engine, fnr, child)
    elif action == "fullmakt":
        data = {
            "fullmaktsgiverFnr": fnr,
            "fullmektigFnr": field("fullmektig_fnr", "").strip(),
            "gyldigFra": field("gyldig_fra", "").strip(),
            "gyldigTil": blank(field("gyldig_til", "")),
        }
        await call(service.add_power_of_attorney, engine, checked(wire.NyFullmakt, data))
    elif action == "fullmakt-fjern":
        number = field("id", "")
        if not number.isdigit() or not 0 < int(number) < 2**31:
            raise Refused("Fant ikke fullmakten (ugyldig skjema)", 404)
        await call(service.remove_power_of_attorney, engine, int(number))
    elif action == "krr":
        krr_form: dict[str, Any] = {
            "reservert": field("reservert") == "ja",
            "digitalPostkasse": blank(field("digital_postkasse", "")),
            "varslingsstatus": field("varslingsstatus", "KAN_VARSLES"),
        }
        entry = checked(svarut_wire.KrrEndring, krr_form)
        await call(_svarut, request, lambda conn: svarut_admin.put_krr(conn, fnr, entry.to_admin()))
    elif action == "krr-fjern":
        await call(_svarut, request, lambda conn: svarut_admin.delete_krr(conn, fnr))
    elif action == "fastlege":
        gp = checked(svarut_wire.FastlegeEndring, {"herId": field("her_id", "").strip()})
        await call(_svarut, request, lambda conn: svarut_admin.set_gp(conn, fnr, gp.her_id))
    elif action == "fastlege-fjern":
        await call(_svarut, request, lambda conn: svarut_admin.remove_gp(conn, fnr))
    else:  # slett
        await call(service.delete_citizen, engine, fnr, actor)
