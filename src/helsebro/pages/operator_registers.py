"""The operator's pages for health personnel (HPR) and organisations under Testdata (ours): list, create and edit,
with the operator API's request models (``operator.schemas``) and use cases (``operator.service``), so a form
meets the same rules and shows the same messages. A health person's fødselsnummer is shown masked and never put
in a form: an edit keeps it unless a new one is typed or it is removed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from helsebro import services
from helsebro.identifiers import mask_fnr
from helsebro.operator import schemas as wire
from helsebro.operator import service
from helsebro.pages import operator_session as sessions
from helsebro.pages.operator import FORM_INVALID, OperatorPageRoute, SignedIn, _page, _redirect
from helsebro.pages.operator_forms import Refused, blank, call, checked

PERSONNEL_PATH = "/operator/testdata/helsepersonell"
ORGANISATIONS_PATH = "/operator/testdata/organisasjoner"
LIST_SIZE = 1000  # the whole register: test data (the API's largest page)

router = APIRouter(include_in_schema=False, route_class=OperatorPageRoute)

Csrf = Annotated[str, Form()]
Text = Annotated[str, Form(max_length=300)]
Lines = Annotated[str, Form(max_length=5000)]


def _engine(request: Request):  # noqa: ANN202
    return services.of(request).engine


def _authorisations(text: str) -> list[dict[str, str]]:
    """``KODE:Navn`` a line (``LE:Lege``), as the API's ``autorisasjoner``."""
    found = []
    for number, line in enumerate(filter(None, (line.strip() for line in text.splitlines())), 1):
        kode, separator, navn = line.partition(":")
        if not separator:
            raise Refused(f"Autorisasjoner, linje {number}: skriv KODE:Navn, f.eks. LE:Lege")
        found.append({"kode": kode.strip(), "navn": navn.strip()})
    return found


def _authorisation_lines(person: wire.Helsepersonell) -> str:
    return "\n".join(f"{a.kode}:{a.navn}" for a in person.autorisasjoner)


# -- health personnel ----------------------------------------------------------------------------------------


async def _personnel_page(
    request: Request, session: sessions.OperatorSession, error: str = "", form: dict[str, str] | None = None, status: int = 200
) -> Response:
    found = await call(service.list_health_personnel, _engine(request), None, LIST_SIZE, 0)
    rows = [
        {"hpr": p.hpr_nummer, "navn": p.navn, "fnr": mask_fnr(p.fnr), "autorisasjoner": _authorisation_lines(p)}
        for p in found.helsepersonell
    ]
    context = {"rows": rows, "total": found.totalt, "error": error, "form": form or {}, "current": "testdata"}
    return _page(request, "operator_helsepersonell.html", context, session, status)


async def _person_page(request: Request, session: sessions.OperatorSession, hpr: str, error: str = "", status: int = 200) -> Response:
    try:
        person = await call(service.get_health_person, _engine(request), hpr)
    except Refused as exc:
        return _page(request, "operator_feil.html", {"title": "Fant ikke helsepersonellet", "message": exc.message}, session, exc.status)
    context = {
        "person": person,
        "fnr": mask_fnr(person.fnr),
        "autorisasjoner": _authorisation_lines(person),
        "error": error,
        "saved": request.query_params.get("lagret") == "1",
        "current": "testdata",
    }
    return _page(request, "operator_helseperson.html", context, session, status)


@router.get(PERSONNEL_PATH)
async def personnel_page(request: Request, session: SignedIn) -> Response:
    return await _personnel_page(request, session)


@router.post(PERSONNEL_PATH)
async def create_person(
    request: Request,
    session: SignedIn,
    csrf: Csrf = "",
    hpr: Text = "",
    fornavn: Text = "",
    etternavn: Text = "",
    fnr: Text = "",
    autorisasjoner: Lines = "",
) -> Response:
    form = {"hpr": hpr, "fornavn": fornavn, "etternavn": etternavn, "autorisasjoner": autorisasjoner}  # never the typed fnr back
    if not sessions.csrf_ok(request, session, csrf):
        return await _personnel_page(request, session, FORM_INVALID, form, 400)
    try:
        data = {
            "hprNummer": hpr.strip(),
            "fornavn": fornavn.strip(),
            "etternavn": etternavn.strip(),
            "fnr": blank(fnr),
            "autorisasjoner": _authorisations(autorisasjoner),
        }
        created = await call(service.create_health_person, _engine(request), checked(wire.NyttHelsepersonell, data))
    except Refused as exc:
        return await _personnel_page(request, session, exc.message, form, exc.status)
    return _redirect(f"{PERSONNEL_PATH}/{created.hpr_nummer}?lagret=1")


@router.get(PERSONNEL_PATH + "/{hpr}")
async def person_page(request: Request, session: SignedIn, hpr: str) -> Response:
    return await _person_page(request, session, hpr)


@router.post(PERSONNEL_PATH + "/{hpr}")
async def update_person(
    request: Request,
    session: SignedIn,
    hpr: str,
    csrf: Csrf = "",
    fornavn: Text = "",
    etternavn: Text = "",
    fnr: Text = "",
    fjern_fnr: Annotated[str, Form(max_length=10)] = "",
    autorisasjoner: Lines = "",
) -> Response:
    if not sessions.csrf_ok(request, session, csrf):
        return await _person_page(request, session, hpr, FORM_INVALID, 400)
    try:
        stored = await call(service.get_health_person, _engine(request), hpr)
        number = None if fjern_fnr == "ja" else (blank(fnr) or stored.fnr)  # the stored number stays unless replaced or removed
        data: dict[str, Any] = {
            "fornavn": fornavn.strip(),
            "etternavn": etternavn.strip(),
            "fnr": number,
            "autorisasjoner": _authorisations(autorisasjoner),
        }
        await call(service.update_health_person, _engine(request), hpr, checked(wire.HelsepersonellEndring, data, keep_none=True))
    except Refused as exc:
        return await _person_page(request, session, hpr, exc.message, exc.status)
    return _redirect(f"{PERSONNEL_PATH}/{hpr}?lagret=1")


# -- organisations -------------------------------------------------------------------------------------------


async def _organisations_page(
    request: Request, session: sessions.OperatorSession, error: str = "", form: dict[str, str] | None = None, status: int = 200
) -> Response:
    found = await call(service.list_organisations, _engine(request), None, LIST_SIZE, 0)
    context = {"rows": found.organisasjoner, "total": found.totalt, "error": error, "form": form or {}, "current": "testdata"}
    return _page(request, "operator_organisasjoner.html", context, session, status)


async def _organisation_page(
    request: Request, session: sessions.OperatorSession, orgnr: str, error: str = "", status: int = 200
) -> Response:
    try:
        organisation = await call(service.get_organisation, _engine(request), orgnr)
    except Refused as exc:
        return _page(request, "operator_feil.html", {"title": "Fant ikke organisasjonen", "message": exc.message}, session, exc.status)
    context = {"organisation": organisation, "error": error, "saved": request.query_params.get("lagret") == "1", "current": "testdata"}
    return _page(request, "operator_organisasjon.html", context, session, status)


@router.get(ORGANISATIONS_PATH)
async def organisations_page(request: Request, session: SignedIn) -> Response:
    return await _organisations_page(request, session)


@router.post(ORGANISATIONS_PATH)
async def create_organisation(
    request: Request, session: SignedIn, csrf: Csrf = "", orgnr: Text = "", navn: Text = "", her_id: Text = ""
) -> Response:
    form = {"orgnr": orgnr, "navn": navn, "her_id": her_id}
    if not sessions.csrf_ok(request, session, csrf):
        return await _organisations_page(request, session, FORM_INVALID, form, 400)
    try:
        body = checked(wire.NyOrganisasjon, {"orgnr": orgnr.strip(), "navn": navn.strip(), "herId": blank(her_id)})
        created = await call(service.create_organisation, _engine(request), body)
    except Refused as exc:
        return await _organisations_page(request, session, exc.message, form, exc.status)
    return _redirect(f"{ORGANISATIONS_PATH}/{created.orgnr}?lagret=1")


@router.get(ORGANISATIONS_PATH + "/{orgnr}")
async def organisation_page(request: Request, session: SignedIn, orgnr: str) -> Response:
    return await _organisation_page(request, session, orgnr)


@router.post(ORGANISATIONS_PATH + "/{orgnr}")
async def update_organisation(
    request: Request, session: SignedIn, orgnr: str, csrf: Csrf = "", navn: Text = "", her_id: Text = ""
) -> Response:
    if not sessions.csrf_ok(request, session, csrf):
        return await _organisation_page(request, session, orgnr, FORM_INVALID, 400)
    try:
        body = checked(wire.OrganisasjonEndring, {"navn": navn.strip(), "herId": blank(her_id)}, keep_none=True)
        await call(service.update_organisation, _engine(request), orgnr, body)
    except Refused as exc:
        return await _organisation_page(request, session, orgnr, exc.message, exc.status)
    return _redirect(f"{ORGANISATIONS_PATH}/{orgnr}?lagret=1")
