"""The operator's Testdata pages (ours): create, edit and delete API clients, tools (with their images), guidance
services, PVK definitions, SvarUt accounts and integrations, and reset the test data.

The work is the operator API's (``operator.kinds_service``), so a form meets the same rules and shows the same
messages. An entry is edited as the environment file's entry of its kind (JSON, what ``GET`` in the operator
API answers); a new client has a form of its own (upload a public JWK, give a JWKS URL, or have a secret made,
shown once). Every form carries the session's CSRF token; a change answers with a redirect (so a reload does
not repeat it), a refusal with the page, the message and the status the API would answer.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from helsebro import services
from helsebro.operator import kinds_service as service
from helsebro.pages import operator_session as sessions
from helsebro.pages.operator import FORM_INVALID, OperatorPageRoute, SignedIn, _page, _redirect
from helsebro.pages.operator_forms import Refused, call, checked
from helsebro.testdata import kinds as rules

BASE_PATH = "/operator/testdata"
MAX_ENTRY_CHARS = 200_000  # an entry as JSON; the pages' body limit (1 MB) bounds the request before

# The page's path segment for each kind (no slashes) and its heading.
KINDS: dict[str, tuple[service.Kind, str]] = {
    "klienter": (service.CLIENTS, "API-klienter"),
    "verktoy": (service.TOOLS, "Verktøy"),
    "veiledningstjenester": (service.GUIDANCE, "Veiledningstjenester"),
    "pvk-definisjoner": (service.PVK_DEFINITIONS, "PVK-definisjoner"),
    "svarut-kontoer": (service.SVARUT_ACCOUNTS, "SvarUt-kontoer"),
    "svarut-integrasjoner": (service.SVARUT_INTEGRATIONS, "SvarUt-integrasjoner"),
}
# What the "new" form starts with: the fields each kind needs, in the environment file's names.
TEMPLATES: dict[str, dict[str, Any]] = {
    "verktoy": {"VerktoyId": "00000000-0000-4000-8000-000000000000", "Navn": "", "eier": "helsebro-demo-verktoy"},
    "veiledningstjenester": {"navn": "", "orgnr": "", "telefon": None, "url": None, "apningstider": [1]},
    "pvk-definisjoner": {
        "definisjonGuid": "00000000-0000-4000-8000-000000000000",
        "definisjonNavn": "",
        "partKode": "",
        "typePi": "samtykke",
    },
    "svarut-kontoer": {"kontoId": "00000000-0000-4000-8000-000000000000", "navn": "", "orgnr": "", "integrations": []},
    "svarut-integrasjoner": {"integrasjonId": "00000000-0000-4000-8000-000000000000", "navn": "", "passord": "", "orgnr": ""},
}
ISSUERS = ("helseid", "maskinporten")

router = APIRouter(prefix=BASE_PATH, include_in_schema=False, route_class=OperatorPageRoute)

Csrf = Annotated[str, Form()]
Entry = Annotated[str, Form(max_length=MAX_ENTRY_CHARS)]


def _engine(request: Request):  # noqa: ANN202
    return services.of(request).engine


def _actor(session: sessions.OperatorSession) -> str:
    return session.client_id


def _pretty(entry: Any) -> str:
    return json.dumps(entry, indent=2, ensure_ascii=False, default=str)


def _parsed(kind: service.Kind, text: str, **extra: Any) -> Any:
    """The form's JSON as the kind's entry, refused with the operator API's words."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise Refused(f"Innholdet er ikke gyldig JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Refused("Innholdet må være ett JSON-objekt (en oppføring i miljøfilens form)")
    return checked(kind.entry, {**data, **extra}, keep_none=True)


def _kind(slug: str) -> service.Kind | None:
    found = KINDS.get(slug)
    return found[0] if found else None


# -- the pages ---------------------------------------------------------------------------------------------


async def _list_page(
    request: Request,
    session: sessions.OperatorSession,
    slug: str,
    error: str = "",
    innhold: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    kind, title = KINDS[slug]
    page = await call(service.list_entries, _engine(request), kind, 1000, 0)
    context = {
        "slug": slug,
        "title": title,
        "kind": kind,
        "entries": page[kind.items],
        "total": page["totalt"],
        "error": error,
        "innhold": _pretty(TEMPLATES.get(slug, {})) if innhold is None else innhold,
        "form": form or {"issuer": "helseid"},
        "issuers": ISSUERS,
        "deleted": request.query_params.get("slettet") == "1",
        "current": "testdata",
    }
    return _page(request, "operator_testdata_liste.html", context, session, status)


async def _entry_page(
    request: Request,
    session: sessions.OperatorSession,
    slug: str,
    item_id: str,
    error: str = "",
    innhold: str | None = None,
    status: int = 200,
) -> Response:
    kind, title = KINDS[slug]
    try:
        entry = await call(service.get_entry, _engine(request), kind, item_id)
    except Refused as exc:
        return _page(request, "operator_feil.html", {"title": "Fant ikke oppføringen", "message": exc.message}, session, exc.status)
    context = {
        "slug": slug,
        "title": title,
        "kind": kind,
        "item_id": item_id,
        "entry": entry,
        "error": error,
        "innhold": _pretty(entry) if innhold is None else innhold,
        "saved": request.query_params.get("lagret") == "1",
        "image_types": ", ".join(rules.IMAGE_TYPES),
        "max_image_kib": rules.MAX_IMAGE_BYTES // 1024,
        "current": "testdata",
    }
    return _page(request, "operator_testdata_post.html", context, session, status)


@router.get("")
async def index(request: Request, session: SignedIn) -> Response:
    context = {
        "kinds": [(slug, title) for slug, (_, title) in KINDS.items()],
        "reset": request.query_params.get("tilbakestilt") == "1",
        "error": "",
        "current": "testdata",
    }
    return _page(request, "operator_testdata.html", context, session)


@router.post("/tilbakestill")
async def reset(request: Request, session: SignedIn, csrf: Csrf = "") -> Response:
    """The default data with the configured environment file on top, as POST /operator/api/v1/tilbakestill."""
    from helsebro.testdata import loader
    from helsebro.testdata.environment_file import EnvironmentFileError

    if not sessions.csrf_ok(request, session, csrf):
        return _page(request, "operator_feil.html", {"title": "Skjemaet er ugyldig", "message": FORM_INVALID}, session, 400)
    try:
        await run_in_threadpool(loader.reset, _engine(request))
    except EnvironmentFileError as exc:
        message = "Miljøfilen ble avvist, ingenting er endret: " + "; ".join(exc.problems)
        return _page(request, "operator_feil.html", {"title": "Tilbakestillingen ble avvist", "message": message}, session, 400)
    service.catalog_changed(services.of(request).state, service.TOOLS)
    response = _redirect(BASE_PATH + "?tilbakestilt=1")
    # The reset wrote the operator's client again; the operator stays logged in while it may still operate.
    await run_in_threadpool(sessions.renew, request, response, session)
    return response


@router.get("/{slug}")
async def list_page(request: Request, session: SignedIn, slug: str) -> Response:
    if _kind(slug) is None:
        return _page(request, "operator_feil.html", {"title": "Fant ikke siden", "message": "Ukjent slags testdata."}, session, 404)
    return await _list_page(request, session, slug)


@router.post("/{slug}")
async def create(request: Request, session: SignedIn, slug: str, csrf: Csrf = "", innhold: Entry = "") -> Response:
    kind = _kind(slug)
    if kind is None or kind is service.CLIENTS:  # a client has its own form (below)
        return _page(request, "operator_feil.html", {"title": "Fant ikke siden", "message": "Ukjent slags testdata."}, session, 404)
    if not sessions.csrf_ok(request, session, csrf):
        return await _list_page(request, session, slug, FORM_INVALID, innhold, 400)
    try:
        created = await call(service.create_entry, _engine(request), kind, _parsed(kind, innhold), _actor(session))
    except Refused as exc:
        return await _list_page(request, session, slug, exc.message, innhold, exc.status)
    service.catalog_changed(services.of(request).state, kind)
    return _redirect(f"{BASE_PATH}/{slug}/{created[kind.id_field]}?lagret=1")


@router.post("/klienter/ny")
async def create_client(
    request: Request,
    session: SignedIn,
    csrf: Csrf = "",
    client_id: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    orgnr: Annotated[str, Form(max_length=20)] = "",
    issuer: Annotated[str, Form(max_length=20)] = "helseid",
    scopes: Annotated[str, Form(max_length=5000)] = "",
    nokkel: Annotated[str, Form(max_length=20)] = "",
    jwks_uri: Annotated[str, Form(max_length=2000)] = "",
    jwk: UploadFile | None = None,
) -> Response:
    """A new client: a public JWK or JWKS uploaded, a JWKS URL fetched now, or a secret made and shown once."""
    form = {
        "client_id": client_id,
        "name": name,
        "orgnr": orgnr,
        "issuer": issuer,
        "scopes": scopes,
        "nokkel": nokkel,
        "jwks_uri": jwks_uri,
    }
    if not sessions.csrf_ok(request, session, csrf):
        return await _list_page(request, session, "klienter", FORM_INVALID, status=400, form=form)
    data: dict[str, Any] = {
        "client_id": client_id.strip(),
        "name": name.strip() or None,
        "orgnr": orgnr.strip(),
        "issuer": issuer,
        "scopes": scopes.split(),
    }
    try:
        if nokkel == "jwk":
            data["jwks"] = await _uploaded_key_set(jwk)
        elif nokkel == "jwks_uri":
            data["jwks_uri"] = jwks_uri.strip()
        elif nokkel == "secret":
            data["genererSecret"] = True
        else:
            raise Refused("Velg hvordan klienten skal autentisere seg: nøkkel (JWK), JWKS-adresse eller hemmelighet")
        created = await call(
            service.create_entry, _engine(request), service.CLIENTS, checked(service.CLIENTS.entry, data, keep_none=True), _actor(session)
        )
    except Refused as exc:
        return await _list_page(request, session, "klienter", exc.message, status=exc.status, form=form)
    if "secret" not in created:
        return _redirect(f"{BASE_PATH}/klienter/{created['client_id']}?lagret=1")
    # Shown this once, on this answer (never stored, never cached: the pages' headers say no-store).
    return _page(
        request,
        "operator_testdata_hemmelighet.html",
        {"client_id": created["client_id"], "secret": created["secret"], "current": "testdata"},
        session,
        201,
    )


async def _uploaded_key_set(upload: UploadFile | None) -> dict[str, Any]:
    if upload is None or not upload.filename:
        raise Refused("jwks: last opp klientens offentlige nøkkel (en JWK eller et JWKS som JSON)")
    raw = await upload.read(64 * 1024 + 1)
    if len(raw) > 64 * 1024:
        raise Refused("jwks: filen er større enn 64 KiB")
    try:
        data = json.loads(raw)
    except ValueError:
        raise Refused("jwks: filen er ikke JSON (en JWK eller et JWKS)") from None
    return data if isinstance(data, dict) and "keys" in data else {"keys": [data]}


@router.get("/{slug}/{item_id}")
async def entry_page(request: Request, session: SignedIn, slug: str, item_id: str) -> Response:
    if _kind(slug) is None:
        return _page(request, "operator_feil.html", {"title": "Fant ikke siden", "message": "Ukjent slags testdata."}, session, 404)
    return await _entry_page(request, session, slug, item_id)


@router.post("/{slug}/{item_id}")
async def update(request: Request, session: SignedIn, slug: str, item_id: str, csrf: Csrf = "", innhold: Entry = "") -> Response:
    kind = _kind(slug)
    if kind is None:
        return _page(request, "operator_feil.html", {"title": "Fant ikke siden", "message": "Ukjent slags testdata."}, session, 404)
    if not sessions.csrf_ok(request, session, csrf):
        return await _entry_page(request, session, slug, item_id, FORM_INVALID, innhold, 400)
    try:
        await call(service.update_entry, _engine(request), kind, item_id, _parsed(kind, innhold), _actor(session))
    except Refused as exc:
        return await _entry_page(request, session, slug, item_id, exc.message, innhold, exc.status)
    service.catalog_changed(services.of(request).state, kind)
    return _redirect(f"{BASE_PATH}/{slug}/{item_id}?lagret=1")


@router.post("/{slug}/{item_id}/slett")
async def delete(request: Request, session: SignedIn, slug: str, item_id: str, csrf: Csrf = "") -> Response:
    kind = _kind(slug)
    if kind is None:
        return _page(request, "operator_feil.html", {"title": "Fant ikke siden", "message": "Ukjent slags testdata."}, session, 404)
    if not sessions.csrf_ok(request, session, csrf):
        return await _entry_page(request, session, slug, item_id, FORM_INVALID, status=400)
    try:
        await call(service.delete_entry, _engine(request), kind, item_id, _actor(session))
    except Refused as exc:
        return await _entry_page(request, session, slug, item_id, exc.message, status=exc.status)
    service.catalog_changed(services.of(request).state, kind)
    return _redirect(f"{BASE_PATH}/{slug}?slettet=1")


@router.post("/verktoy/{item_id}/bilde")
async def set_image(request: Request, session: SignedIn, item_id: str, csrf: Csrf = "", bilde: UploadFile | None = None) -> Response:
    if not sessions.csrf_ok(request, session, csrf):
        return await _entry_page(request, session, "verktoy", item_id, FORM_INVALID, status=400)
    try:
        if bilde is None or not bilde.filename:
            raise Refused("Velg en bildefil (PNG, JPEG eller SVG)")
        data = await bilde.read(rules.MAX_IMAGE_BYTES + 1)  # one byte over is enough to refuse it
        await call(service.set_tool_image, _engine(request), item_id, bilde.content_type or "", data, _actor(session))
    except Refused as exc:
        return await _entry_page(request, session, "verktoy", item_id, exc.message, status=exc.status)
    service.catalog_changed(services.of(request).state, service.TOOLS)
    return _redirect(f"{BASE_PATH}/verktoy/{item_id}?lagret=1")


@router.post("/svarut-kontoer/{konto_id}/{action}")
async def account_access(
    request: Request,
    session: SignedIn,
    konto_id: str,
    action: str,
    csrf: Csrf = "",
    integrasjon_id: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Give an integration access to the account (``tilgang``), or take it away (``tilgang-fjern``)."""
    if action not in ("tilgang", "tilgang-fjern"):
        return _page(request, "operator_feil.html", {"title": "Fant ikke siden", "message": "Ukjent handling."}, session, 404)
    if not sessions.csrf_ok(request, session, csrf):
        return await _entry_page(request, session, "svarut-kontoer", konto_id, FORM_INVALID, status=400)
    use_case = service.grant_integration if action == "tilgang" else service.revoke_integration
    try:
        await call(use_case, _engine(request), konto_id, integrasjon_id.strip(), _actor(session))
    except Refused as exc:
        return await _entry_page(request, session, "svarut-kontoer", konto_id, exc.message, status=exc.status)
    return _redirect(f"{BASE_PATH}/svarut-kontoer/{konto_id}?lagret=1")
