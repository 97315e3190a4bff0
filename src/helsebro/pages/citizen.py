"""The citizen's pages (SPEC section 8): "Mine oppgaver", "Mine brev" and "Mine personverninnstillinger".

Server-rendered, plain HTML forms, no JavaScript needed. The pages are an OpenID Connect client of
helsebro's own citizen login (client ``helsebro-innbygger-web``): authorization code with PKCE S256,
the code exchanged in-process through the same code the token endpoint runs. Two signed, HttpOnly,
SameSite=Lax cookies carry the state: one for the login on its way (state, nonce, PKCE verifier), one
for the session (fnr, name, expiry, a session id the CSRF tokens are tied to). Task rules live in
``helsebro.verktoy.tasks``, letter rules in ``helsebro.svarut.delivery``; this module only translates HTTP.
Nothing here logs a fødselsnummer.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from fastapi import APIRouter, Form, Request
from joserfc import jwt
from joserfc.errors import JoseError
from starlette.responses import RedirectResponse, Response, StreamingResponse

from helsebro import _time, db, services
from helsebro._time import utcnow
from helsebro.auth.citizen_login import LEVEL4, exchange_code
from helsebro.auth.clients import get_client
from helsebro.auth.issuers import AUTHORIZE_PATH, HELSENORGE_LOGIN
from helsebro.auth.keys import SIGNING_ALG
from helsebro.errors import OAuthError
from helsebro.pages.signed_cookies import SignedCookies
from helsebro.pages.templating import templates
from helsebro.personvern.tables import pvk_definisjon, pvk_innstilling
from helsebro.responses import content_disposition
from helsebro.svarut import blobs, delivery, signing
from helsebro.verktoy import tasks
from helsebro.verktoy.tables import TaskStatus

router = APIRouter(prefix="/innbygger", include_in_schema=False)

CLIENT_ID = "helsebro-innbygger-web"
CALLBACK_PATH = "/innbygger/callback"  # registered for the client as a path: "on this server"
TASKS_PATH = "/innbygger/oppgaver"
PRIVACY_PATH = "/innbygger/personvern"
LETTERS_PATH = "/innbygger/brev"
LOGGED_OUT_PATH = "/innbygger/logget-ut"
_LETTER_PAGE = re.compile(r"/innbygger/brev/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # back after a step-up login
SCOPE = "openid profile"  # profile: the id_token carries the citizen's name

SESSION_COOKIE = "helsebro_innbygger"
LOGIN_COOKIE = "helsebro_innlogging"
COOKIE_PATH = "/innbygger"
# Lax: the cookies must come along on the login's top-level redirect back to the callback; not on cross-site posts.
_cookies = SignedCookies("helsebro.innbygger", COOKIE_PATH, "lax")
SESSION_SECONDS = 3600
LOGIN_SECONDS = 600  # time to pick a citizen on the login page

# Personal pages: never cached, never framed, no scripts; forms only post back to this server.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

try:
    _OSLO: dt.tzinfo = ZoneInfo("Europe/Oslo")
except ZoneInfoNotFoundError:  # no tz database on this host: dates in UTC are off by at most a day's edge
    _OSLO = dt.UTC


# -- Norwegian texts -----------------------------------------------------------------------------------------

STATUS_TEXT = {
    TaskStatus.OPEN: "Ny",
    TaskStatus.ACCEPTED: "Tatt i bruk",
    TaskStatus.DECLINED: "Avslått",
    TaskStatus.DONE: "Utført",
    TaskStatus.EXPIRED: "Utløpt",
}
PVK_TYPE_TEXT = {"samtykke": "Samtykke", "reservasjon": "Reservasjon", "tilgangsbegrensning": "Tilgangsbegrensning"}

# The action as the URL names it → the rule in tasks; the receipt shown after it.
ACTIONS = {"ta-i-bruk": tasks.ACCEPT, "avsla": tasks.DECLINE, "utfort": tasks.MARK_DONE}
_RECEIPTS = {
    "ta-i-bruk": "Du har tatt i bruk «{name}». Bruk lenken «Gå til verktøyet» for å komme i gang.",
    "avsla": "Du har avslått «{name}».",
    "utfort": "«{name}» er markert som utført.",
}

# Error pages: (title, message).
LOGIN_INVALID = ("Innloggingen kan ikke fullføres", "Innloggingen er utløpt eller ugyldig. Prøv å logge inn på nytt.")
FORM_INVALID = ("Skjemaet er ugyldig", "Skjemaet er utløpt eller ugyldig. Gå tilbake til siden og prøv igjen.")
NO_SUCH_ACTION = ("Siden finnes ikke", "Denne handlingen finnes ikke.")
NO_SUCH_LETTER = ("Fant ikke brevet", "Brevet finnes ikke i innboksen din.")
SIGNING_ACTIONS = {"signer": True, "avvis": False}
SIGNING_CLOSED = ("Kan ikke signeres", "Signeringsoppdraget er ikke lenger åpent (det er utløpt, signert eller avvist).")
NOT_THE_SIGNER = ("Kan ikke signeres", "Brevet er delt med deg; bare mottakeren kan signere det.")
SIGNING_RECEIPTS = {"SIGNERT_AV_MOTTAKER": "Du har signert dokumentet.", "AVVIST_AV_MOTTAKER": "Du har avvist signeringsoppdraget."}
SIGNING_TEXT = {
    "VENTER_SIGNERING": "Venter på din signatur",
    "SIGNERT_AV_MOTTAKER": "Signert av deg",
    "AVVIST_AV_MOTTAKER": "Avvist av deg",
    "UTLOPT": "Utløpt",
    "AVVIST_AV_SVARUT": "Avvist av SvarUt",
}
# The same, for a citizen the letter is shared with (eksponertFor): the signature is the recipient's.
SIGNING_TEXT_SHARED = {
    **SIGNING_TEXT,
    "VENTER_SIGNERING": "Venter på mottakerens signatur",
    "SIGNERT_AV_MOTTAKER": "Signert av mottakeren",
    "AVVIST_AV_MOTTAKER": "Avvist av mottakeren",
}
NO_SUCH_DOCUMENT = ("Fant ikke dokumentet", "Dokumentet finnes ikke i dette brevet.")


# -- session and login state (signed cookies) ---------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    fnr: str
    name: str
    expires: int
    sid: str  # random per login: the CSRF tokens are tied to it
    acr: str = ""  # the login's security level (the ID token's acr): Level4 opens letters that krevNiva4Innlogging


def current_session(request: Request) -> Session | None:
    """The logged-in citizen, or None (no cookie, a tampered one, or expired)."""
    value = _cookies.read(request, SESSION_COOKIE, "session")
    if value is None:
        return None
    try:
        return Session(
            fnr=str(value["fnr"]), name=str(value["navn"]), expires=value["exp"], sid=str(value["sid"]), acr=str(value.get("acr", ""))
        )
    except KeyError:
        return None


def csrf_token(request: Request, session: Session) -> str:
    key = hashlib.sha256(("helsebro.innbygger.csrf\x00" + services.of(request).secret).encode()).digest()
    return hmac.new(key, session.sid.encode(), hashlib.sha256).hexdigest()


def _csrf_ok(request: Request, session: Session, token: str) -> bool:
    return bool(token) and hmac.compare_digest(token, csrf_token(request, session))


# -- logging in ----------------------------------------------------------------------------------------------


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _start_login(request: Request, next_path: str = TASKS_PATH, acr_values: str | None = None) -> Response:
    """Sends the browser to the citizen login, remembering state, nonce, verifier and where to go after.
    ``acr_values``: the level the login must be at (Level4 for a letter that krevNiva4Innlogging)."""
    base = services.of(request).base_url
    verifier, challenge = _pkce_pair()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": base + CALLBACK_PATH,
            "scope": SCOPE,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **({"acr_values": acr_values} if acr_values else {}),
        }
    )
    response = RedirectResponse(HELSENORGE_LOGIN.url(base) + AUTHORIZE_PATH + "?" + query, status_code=303, headers=_PAGE_HEADERS)
    pending = {"state": state, "nonce": nonce, "verifier": verifier, "next": next_path}
    _cookies.write(request, response, LOGIN_COOKIE, "login", pending, LOGIN_SECONDS)
    if acr_values is None:
        _cookies.delete(response, SESSION_COOKIE)  # whatever session cookie there was is no good
    # (a step-up keeps the session: a citizen who turns back from the level 4 login is still logged in)
    return response


class LoginFailed(Exception):
    """The callback cannot finish the login. ``message`` is Norwegian, for the citizen."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _finish_login(svc: services.Services, code: str, pending: dict[str, Any]) -> tuple[str, str, str]:
    """Exchanges the code as client helsebro-innbygger-web (in-process) and returns (pid, name, acr)."""
    with db.read(svc.engine) as conn:
        client = get_client(conn, CLIENT_ID)
    if client is None or not client.enabled:
        raise LoginFailed(f"Innbyggersidene er ikke satt opp: klienten {CLIENT_ID} mangler.")
    issuer = HELSENORGE_LOGIN.url(svc.base_url)
    form = {"code": code, "code_verifier": pending["verifier"], "redirect_uri": CALLBACK_PATH}
    try:
        issued = exchange_code(
            svc.engine, client, form, keys=svc.keys, issuer=issuer, secret=svc.secret, lifetime=svc.settings.access_token_seconds
        )
    except OAuthError as exc:
        raise LoginFailed(f"Innloggingen kunne ikke fullføres ({exc.description}).") from exc
    claims = _verified_id_token(svc, issued["id_token"], issuer, pending["nonce"])
    return str(claims["pid"]), str(claims.get("name") or ""), str(claims.get("acr") or "")


def _signing_key(svc: services.Services, token: Any) -> Any:
    """The login's key named by the token's ``kid`` (the key set is looked up by id, as the JWKS is)."""
    key = svc.keys.verification_key(str(token.headers().get("kid", "")))
    if key is None:
        raise ValueError("unknown signing key")
    return key


def _verified_id_token(svc: services.Services, id_token: str, issuer: str, nonce: str) -> dict[str, Any]:
    try:
        claims = dict(jwt.decode(id_token, lambda token: _signing_key(svc, token), algorithms=[SIGNING_ALG]).claims)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": CLIENT_ID},
            nonce={"essential": True, "value": nonce},
            pid={"essential": True},
            exp={"essential": True},
        ).validate(claims)
    except (JoseError, ValueError) as exc:
        raise LoginFailed("Innloggingen kunne ikke fullføres: ugyldig ID-token.") from exc
    return claims


# -- pages ---------------------------------------------------------------------------------------------------


def _page(request: Request, name: str, context: dict[str, Any], session: Session | None, status_code: int = 200) -> Response:
    common = {"session": session, "csrf": csrf_token(request, session) if session else ""}
    return templates.TemplateResponse(request, name, {**common, **context}, status_code=status_code, headers=_PAGE_HEADERS)


def _error_page(request: Request, session: Session | None, status_code: int, title: str, message: str) -> Response:
    return _page(request, "innbygger_feil.html", {"title": title, "message": message}, session, status_code)


def _login_failed(request: Request, message: str) -> Response:
    return _error_page(request, None, 400, LOGIN_INVALID[0], message)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=_PAGE_HEADERS)


@router.get("/")
def start(request: Request) -> Response:
    """The citizen pages' front door: the task list when logged in, else the login."""
    if current_session(request) is None:
        return _start_login(request)
    return _redirect(TASKS_PATH)


@router.get("/callback")
def callback(request: Request, code: str = "", state: str = "", error: str = "", error_description: str = "") -> Response:
    pending = _cookies.read(request, LOGIN_COOKIE, "login")
    if pending is None or not state or not hmac.compare_digest(state, str(pending.get("state", ""))):
        # No login of ours is on its way (cookie missing, tampered, too old) or the state is not its own.
        return _login_failed(request, LOGIN_INVALID[1])
    if error or not code:
        reason = error_description or error or "ingen kode"
        return _error_page(request, None, 400, "Innloggingen ble avbrutt", f"Innloggingen ble ikke fullført ({reason}).")
    try:
        fnr, name, acr = _finish_login(services.of(request), code, pending)
    except LoginFailed as exc:
        return _login_failed(request, exc.message)
    next_path = str(pending.get("next") or TASKS_PATH)
    own_page = next_path in (TASKS_PATH, PRIVACY_PATH, LETTERS_PATH) or _LETTER_PAGE.fullmatch(next_path)
    response = _redirect(next_path if own_page else TASKS_PATH)  # only our own pages
    session = {"fnr": fnr, "navn": name, "sid": secrets.token_urlsafe(16), "acr": acr}
    _cookies.write(request, response, SESSION_COOKIE, "session", session, SESSION_SECONDS)
    _cookies.delete(response, LOGIN_COOKIE)  # the login state is used up: the callback cannot be replayed
    return response


@router.get("/oppgaver")
def my_tasks(request: Request, kvittering: str = "", oppgave: str = "") -> Response:
    """Mine oppgaver: every task sent to the citizen, newest first; a receipt after an action."""
    session = current_session(request)
    if session is None:
        return _start_login(request, TASKS_PATH)
    found = tasks.tasks_of(services.of(request).engine, session.fnr, _time.today())
    context = {
        "tasks": [_task_view(task) for task in found],
        "receipt": _receipt(found, kvittering, oppgave),
        "current": "oppgaver",
    }
    return _page(request, "innbygger_oppgaver.html", context, session)


@router.post("/oppgaver/{task_id}/{action}")
def act_on_task(request: Request, task_id: str, action: str, csrf: Annotated[str, Form()] = "") -> Response:
    """Ta i bruk, Avslå, Marker som utført: then back to the list with a receipt (POST-redirect-GET)."""
    session = current_session(request)
    if session is None:
        return _start_login(request, TASKS_PATH)
    if action not in ACTIONS:
        return _error_page(request, session, 404, *NO_SUCH_ACTION)
    if not _csrf_ok(request, session, csrf):
        return _error_page(request, session, 400, *FORM_INVALID)
    try:
        task = tasks.change_status(services.of(request).engine, task_id, session.fnr, ACTIONS[action], _time.today())
    except tasks.TaskNotFound as exc:
        return _error_page(request, session, 404, "Fant ikke oppgaven", exc.message)
    except tasks.TransitionRefused as exc:
        return _error_page(request, session, 409, "Oppgaven kan ikke endres", exc.message)
    return _redirect(f"{TASKS_PATH}?{urlencode({'kvittering': action, 'oppgave': task.id})}#kvittering")


@router.get("/personvern")
def my_privacy_settings(request: Request) -> Response:
    """Mine personverninnstillinger: the citizen's active PVK settings, read-only."""
    session = current_session(request)
    if session is None:
        return _start_login(request, PRIVACY_PATH)
    settings = active_privacy_settings(services.of(request).engine, session.fnr)
    return _page(request, "innbygger_personvern.html", {"settings": settings, "current": "personvern"}, session)


@router.get("/brev")
def my_letters(request: Request) -> Response:
    """Mine brev: SvarUt letters delivered to the citizen's Helsenorge/Altinn inbox, newest first."""
    session = current_session(request)
    if session is None:
        return _start_login(request, LETTERS_PATH)
    with db.read(services.of(request).engine) as conn:
        letters = delivery.inbox(conn, session.fnr)
    return _page(request, "innbygger_brev.html", {"letters": [_letter_view(letter) for letter in letters], "current": "brev"}, session)


@router.get("/brev/{letter_id}")
def open_letter(request: Request, letter_id: str, kvittering: str = "") -> Response:
    """One letter with its documents. Opening it is reading it: the sender sees LEST (once). A letter with a
    signing assignment offers to sign or decline the document while the assignment waits."""
    session = current_session(request)
    if session is None:
        return _start_login(request, LETTERS_PATH)
    letter = _read_letter(request, letter_id, session)
    if letter is None:
        return _error_page(request, session, 404, *NO_SUCH_LETTER)
    if _needs_level4(letter, session):
        return _step_up(request, letter)
    with db.read(services.of(request).engine) as conn:
        signing_state, assignment = signing.current(conn, letter.id, utcnow())
    context = {
        "letter": _letter_view(letter),
        "current": "brev",
        "signing": _signing_view(signing_state, assignment, letter),
        "receipt": SIGNING_RECEIPTS.get(kvittering),
    }
    return _page(request, "innbygger_brevet.html", context, session)


@router.post("/brev/{letter_id}/signering/{action}")
def respond_to_signing(request: Request, letter_id: str, action: str, csrf: Annotated[str, Form()] = "") -> Response:
    """Signer or Avvis the letter's signing assignment, then back to the letter with a receipt."""
    session = current_session(request)
    if session is None:
        return _start_login(request, LETTERS_PATH)
    if action not in SIGNING_ACTIONS:
        return _error_page(request, session, 404, *NO_SUCH_ACTION)
    if not _csrf_ok(request, session, csrf):
        return _error_page(request, session, 400, *FORM_INVALID)
    try:
        letter_id = str(uuid.UUID(letter_id))
    except ValueError:
        return _error_page(request, session, 404, *NO_SUCH_LETTER)
    with db.write(services.of(request).engine) as conn:
        letter = delivery.inbox_letter(conn, letter_id, session.fnr)
        if letter is None:
            return _error_page(request, session, 404, *NO_SUCH_LETTER)
        if _needs_level4(letter, session):
            return _step_up(request, letter)
        if not letter.mottaker:  # eksponertFor gives access to the documents, not the recipient's signature
            return _error_page(request, session, 403, *NOT_THE_SIGNER)
        outcome = signing.respond(conn, letter_id, SIGNING_ACTIONS[action], utcnow())
    if outcome is None:
        return _error_page(request, session, 409, *SIGNING_CLOSED)
    return _redirect(f"{LETTERS_PATH}/{letter_id}?{urlencode({'kvittering': outcome})}#kvittering")


@router.get("/brev/{letter_id}/dokumenter/{posisjon}")
def letter_document(request: Request, letter_id: str, posisjon: int) -> Response:
    """A document of the letter, streamed from the blob store with its own content type. Only a PDF is shown
    in the browser; anything else is a download in a sandbox, so a letter's HTML can never run on our origin."""
    session = current_session(request)
    if session is None:
        return _start_login(request, LETTERS_PATH)
    letter = _read_letter(request, letter_id, session)
    if letter is not None and _needs_level4(letter, session):
        return _step_up(request, letter)
    document = next((d for d in letter.dokumenter if d.posisjon == posisjon), None) if letter else None
    if document is None:
        return _error_page(request, session, 404, *NO_SUCH_DOCUMENT)
    svc = services.of(request)
    inline = document.mime_type == "application/pdf"
    headers = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": "frame-ancestors 'none'" if inline else "sandbox; default-src 'none'",
        "Content-Disposition": content_disposition("inline" if inline else "attachment", document.filnavn),
        "Content-Length": str(document.storrelse),
    }
    store = blobs.store_for(svc.settings, svc.engine)
    return StreamingResponse(store.read(document.blob_key), media_type=document.mime_type, headers=headers)


def _read_letter(request: Request, letter_id: str, session: Session) -> delivery.InboxLetter | None:
    """The citizen's own letter, marked LEST in the same transaction (not while it waits for a level 4
    login); None for anything else."""
    try:
        letter_id = str(uuid.UUID(letter_id))
    except ValueError:
        return None
    with db.write(services.of(request).engine) as conn:
        letter = delivery.inbox_letter(conn, letter_id, session.fnr)
        if letter is not None and not _needs_level4(letter, session):
            delivery.mark_read(conn, letter_id, session.fnr)
    return letter


def _needs_level4(letter: delivery.InboxLetter, session: Session) -> bool:
    """krevNiva4Innlogging: "det kreves nivå 4-innlogging ved nedlasting eller signering"."""
    return letter.krever_niva4 and session.acr != LEVEL4


def _step_up(request: Request, letter: delivery.InboxLetter) -> Response:
    """A new login at level 4, back to the letter after it."""
    return _start_login(request, f"{LETTERS_PATH}/{letter.id}", LEVEL4)


@router.post("/logg-ut")
def log_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    session = current_session(request)
    if session is not None and not _csrf_ok(request, session, csrf):
        return _error_page(request, session, 400, *FORM_INVALID)
    response = _redirect(LOGGED_OUT_PATH)
    _cookies.delete(response, SESSION_COOKIE)
    return response


@router.get("/logget-ut")
def logged_out(request: Request) -> Response:
    return _page(request, "innbygger_logget_ut.html", {}, None)


# -- what the templates show ---------------------------------------------------------------------------------


def norwegian_date(value: dt.date | dt.datetime) -> str:
    """dd.mm.åååå; a point in time is shown as the date in Norway."""
    if isinstance(value, dt.datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(_OSLO).date()
    return value.strftime("%d.%m.%Y")


def _task_view(task: tasks.Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "tool_name": task.tool_name,
        "tool_url": task.tool_url,
        "sender": task.sender_name,
        "organisation": task.sender_organisation,
        "message": task.message,
        "deadline": norwegian_date(task.deadline),
        "deadline_iso": task.deadline.isoformat(),
        "status": task.status,
        "status_text": STATUS_TEXT[TaskStatus(task.status)],
        "can_accept": task.can_accept,
        "can_decline": task.can_decline,
        "can_mark_done": task.can_mark_done,
    }


def _letter_view(letter: delivery.InboxLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "title": letter.tittel,
        "sender": letter.avsender,
        "received": norwegian_date(letter.mottatt),
        "received_iso": letter.mottatt.isoformat(),
        "read": letter.lest,
        "shared": not letter.mottaker,
        "level4": letter.krever_niva4,
        "deleted": letter.dokumenter_slettet,
        "documents": [
            {
                "url": f"{LETTERS_PATH}/{letter.id}/dokumenter/{d.posisjon}",
                "name": d.filnavn,
                "type": d.mime_type,
                "size": _size_text(d.storrelse),
            }
            for d in letter.dokumenter
        ],
    }


def _signing_view(state: str | None, assignment: signing.Assignment | None, letter: delivery.InboxLetter) -> dict[str, Any] | None:
    if state is None or assignment is None:
        return None
    document = next((d.filnavn for d in letter.dokumenter if d.posisjon == assignment.posisjon), "")
    return {
        "status": state,
        "status_text": (SIGNING_TEXT if letter.mottaker else SIGNING_TEXT_SHARED).get(state, state),
        "open": state == signing.VENTER_SIGNERING and letter.mottaker,
        "document": document,
        "type": assignment.signatur_type,
        "expires": norwegian_date(assignment.utloper),
        "expires_iso": assignment.utloper.isoformat(),
    }


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _receipt(found: list[tasks.Task], action: str, task_id: str) -> str | None:
    """The confirmation after an action, for one of the citizen's own tasks only."""
    if action not in _RECEIPTS:
        return None
    for task in found:
        if task.id == task_id:
            return _RECEIPTS[action].format(name=task.tool_name)
    return None


# -- reading PVK settings ------------------------------------------------------------------------------------
# A plain read of the PVK tables for this page. It belongs in personvern/service.py once that family's
# service settles (being reworked in parallel); it holds no rule, only what is active now.


def active_privacy_settings(engine: sa.Engine, fnr: str) -> list[dict[str, str]]:
    query = (
        sa.select(pvk_definisjon.c.navn, pvk_definisjon.c.type_pi, pvk_definisjon.c.part_kode, pvk_innstilling.c.tidspunkt)
        .join(pvk_definisjon, pvk_definisjon.c.guid == pvk_innstilling.c.definisjon_guid)
        .where(pvk_innstilling.c.innbygger_fnr == fnr, pvk_innstilling.c.aktiv.is_(True))
        .order_by(pvk_definisjon.c.part_kode, pvk_definisjon.c.navn)
    )
    with db.read(engine) as conn:
        rows = conn.execute(query).all()
    return [
        {
            "name": row.navn,
            "type": PVK_TYPE_TEXT.get(row.type_pi, row.type_pi),
            "part": row.part_kode,
            "since": norwegian_date(row.tidspunkt),
        }
        for row in rows
    ]
