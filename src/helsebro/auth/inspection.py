"""The token inspector: why would helsebro refuse this token (and DPoP proof)?

``inspect`` runs the guard's own check functions (``auth.guard``, ``auth.jwts``, ``auth.dpop``) in the guard's
order and reports every check as a line, passed, failed or not applicable, with a plain explanation in
English and Norwegian. The first failure is the one the guard answers with (same status and
``error_description``); the inspector goes on past it where it can, on the unverified claims, so a developer
sees every problem at once. It changes nothing: a proof's jti is looked up, never used up, and keys are only
ever the issuer's, never one the token carries. Nothing here logs; claims that may be a fødselsnummer are
masked before they leave this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool

from helsebro import _time
from helsebro.auth.access import Access, Declared
from helsebro.auth.dpop import Proof
from helsebro.auth.guard import (
    AuthFailure,
    Checked,
    Guard,
    check_audience,
    check_kid,
    check_presentation,
    check_proof_key,
    check_scope,
    issuer_of,
    parse_authorization,
    replayed_proof,
    require_proof,
)
from helsebro.auth.issuers import HELSEID, HELSENORGE_LOGIN, MASKINPORTEN
from helsebro.auth.jwts import (
    ASYMMETRIC_ALGS,
    InvalidToken,
    check_alg,
    check_times,
    unverified_parts,
    verify_signature,
)
from helsebro.auth.operator_access import CLIENT_API_AUDIENCES, operator_token_required
from helsebro.auth.scopes import (
    OPERATOR_SCOPE,
    canonical,
)
from helsebro.identifiers import mask_fnr, mask_numbers

PASSED, FAILED, NOT_APPLICABLE = "passed", "failed", "not applicable"

# -- what each API asks of a token (the scopes are the routes' own constants) -------------------------------


@dataclass(frozen=True)
class Endpoint:
    """What the guard is asked for at a path (or, for a whole family, any of its scopes)."""

    family: str
    audience: str
    scopes: tuple[str | None, ...]  # one for a path; every scope of the family for a family
    require_dpop: bool = False
    path: str | None = None


@dataclass(frozen=True)
class _Route:
    """A declared route: its path as a case-insensitive pattern, its family's base paths, what it asks."""

    pattern: re.Pattern[str]
    family: str
    prefixes: tuple[str, ...]
    access: Access


# Filled by the assembly (``helsebro.families.register_access``) from the routes' own declarations, so the
# inspector explains exactly what the guard enforces. Auth knows no family itself.
_ROUTES: list[_Route] = []
FAMILIES: dict[str, Endpoint] = {}


def register(family: str, prefixes: tuple[str, ...], declared: Iterable[Declared]) -> None:
    """Add a family's declared routes (idempotent per family: registering again replaces them)."""
    _ROUTES[:] = [r for r in _ROUTES if r.family != family]
    scopes: tuple[str | None, ...] = ()
    audience, dpop = None, False
    for route in declared:
        _ROUTES.append(_Route(_pattern(route.path), family, prefixes, route.access))
        audience, dpop = audience or route.access.audience, dpop or route.access.dpop
        if route.access.scope is not None and route.access.scope not in scopes:
            scopes += (route.access.scope,)
    if audience is not None:
        FAMILIES[family] = Endpoint(family, audience, scopes, dpop)


def _pattern(template: str) -> re.Pattern[str]:
    parts = (("[^/]+" if part.startswith("{") else re.escape(part)) for part in template.split("/"))
    return re.compile("/".join(parts) + "/?", re.IGNORECASE)


class UnusableInput(ValueError):
    """Input the inspector cannot work with (an unknown family, a path no token protects, a bad URL)."""


def endpoint_for(path: str | None = None, family: str | None = None) -> Endpoint | None:
    """The requirements at ``path`` (absolute URLs allowed) or of a ``family``; None when neither is given."""
    if path:
        plain = urlsplit(path.strip()).path if "://" in path else path.strip().split("?")[0]
        for route in _ROUTES:
            if route.pattern.fullmatch(plain):
                return Endpoint(route.family, route.access.audience, (route.access.scope,), route.access.dpop, plain)
        # Not a route, but under a family whose every route asks the same (PTS, SvarUt, the operator API).
        lowered = plain.lower()
        for name in FAMILIES:
            asked = {r.access for r in _ROUTES if r.family == name and lowered.startswith(tuple(p.lower() for p in r.prefixes))}
            if len(asked) == 1:
                (access,) = asked
                return Endpoint(name, access.audience, (access.scope,), access.dpop, plain)
        known = ", ".join(sorted({p for r in _ROUTES for p in r.prefixes}))
        raise UnusableInput(f"no token-protected API at {plain!r}; known: {known}")
    if family:
        found = FAMILIES.get(family.strip().lower())
        if found is None:
            raise UnusableInput(f"unknown family {family!r}; one of {', '.join(FAMILIES)}")
        return found
    return None


# -- the report --------------------------------------------------------------------------------------------


@dataclass
class Line:
    name: str
    status: str  # PASSED, FAILED or NOT_APPLICABLE
    en: str
    nb: str
    decisive: bool = False  # the first failure: the one the API answers with


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    header: dict[str, Any] | None = None  # masked for display
    claims: dict[str, Any] | None = None
    proof_header: dict[str, Any] | None = None
    proof_claims: dict[str, Any] | None = None
    endpoint: Endpoint | None = None
    failure: AuthFailure | None = None  # what the guard raises first (None: it lets the token in)
    decodable: bool = False

    @property
    def accepted(self) -> bool:
        return self.failure is None

    def add(self, name: str, status: str, en: str, nb: str) -> Line:
        line = Line(name, status, mask(en), mask(nb))  # they quote the token's iss, kid, htu, ...
        self.lines.append(line)
        return line

    def fail(self, name: str, failure: AuthFailure, en: str, nb: str, *, counts: bool = True) -> None:
        """A failed check; the first one that counts is the guard's answer."""
        line = self.add(name, FAILED, en, nb)
        failure.description = mask(failure.description)
        if counts and self.failure is None:
            self.failure = failure
            line.decisive = True


TITLES = {
    "authorization": ("Authorization", "Authorization"),
    "format": ("JWT format", "JWT-format"),
    "alg": ("Algorithm (alg)", "Algoritme (alg)"),
    "iss": ("Issuer (iss)", "Utsteder (iss)"),
    "kid": ("Key id (kid)", "Nøkkel-ID (kid)"),
    "issuer_trusted": ("Trusted issuer", "Godkjent utsteder"),
    "key": ("Signing key", "Signeringsnøkkel"),
    "signature": ("Signature", "Signatur"),
    "lifetime": ("Lifetime (exp, nbf, iat)", "Gyldighet (exp, nbf, iat)"),
    "audience": ("Audience (aud)", "Målgruppe (aud)"),
    "binding": ("Bearer or DPoP", "Bearer eller DPoP"),
    "dpop_proof": ("DPoP proof", "DPoP-bevis"),
    "proof_format": ("Proof: JWT format", "Bevis: JWT-format"),
    "proof_typ": ("Proof: typ", "Bevis: typ"),
    "proof_alg": ("Proof: alg", "Bevis: alg"),
    "proof_jwk": ("Proof: public key (jwk)", "Bevis: offentlig nøkkel (jwk)"),
    "proof_signature": ("Proof: signature", "Bevis: signatur"),
    "proof_htm": ("Proof: method (htm)", "Bevis: metode (htm)"),
    "proof_htu": ("Proof: URL (htu)", "Bevis: URL (htu)"),
    "proof_iat": ("Proof: time (iat)", "Bevis: tidspunkt (iat)"),
    "proof_jti": ("Proof: jti", "Bevis: jti"),
    "proof_ath": ("Proof: token hash (ath)", "Bevis: token-hash (ath)"),
    "proof_key": ("Proof key = cnf.jkt", "Bevisnøkkel = cnf.jkt"),
    "proof_nonce": ("Proof: server nonce", "Bevis: server-nonce"),
    "proof_replay": ("Proof used once", "Beviset brukt én gang"),
    "scope": ("Scope", "Scope"),
    "operator_token": ("Operator token", "Operatørtoken"),
}


def title(name: str, language: str = "en") -> str:
    en, nb = TITLES.get(name, (name, name))
    return nb if language == "nb" else en


# -- masking: a fødselsnummer never leaves this module whole -------------------------------------------------

_FNR_CLAIMS = {"pid", "helseid://claims/identity/pid", "fnr", "fodselsnummer"}


def mask(value: Any, name: str = "") -> Any:
    """Claims for display: known fødselsnummer claims masked whole, any run of eleven digits elsewhere too."""
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, name) for v in value]
    if isinstance(value, str):
        if name.lower() in _FNR_CLAIMS:
            return mask_fnr(value)
        return mask_numbers(value)
    return value


# -- plain words for times ------------------------------------------------------------------------------------


def _span(seconds: float, language: str) -> str:
    seconds = abs(seconds)
    units = [(86400 * 2, 86400, "days", "døgn"), (5400, 3600, "hours", "timer"), (90, 60, "minutes", "minutter")]
    for limit, size, en, nb in units:
        if seconds >= limit:
            amount = round(seconds / size)
            return f"{amount} {nb if language == 'nb' else en}"
    amount = round(seconds)
    return f"{amount} {'sekunder' if language == 'nb' else 'seconds'}"


def _when(value: Any) -> str:
    try:
        return dt.datetime.fromtimestamp(float(value), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return repr(value)


# -- the inspection --------------------------------------------------------------------------------------------


def _present(raw: str | None, proof: str | None) -> tuple[str | None, bool]:
    """The Authorization header the token stands for, and whether its scheme was assumed: a pasted header
    value as is, a bare token with the scheme a client would use (DPoP when a proof comes along)."""
    if raw is None:
        return None, False
    text = " ".join(raw.split())  # a token pasted over several lines
    if text.lower().startswith("authorization:"):
        text = text.split(":", 1)[1].strip()
    if not text or " " in text or text.lower() in ("bearer", "dpop"):  # a scheme without a token is no token
        return text, False
    return ("DPoP " if proof else "Bearer ") + text, True


async def inspect(
    guard: Guard,
    token: str | None,
    *,
    proof: str | None = None,
    method: str | None = None,
    url: str | None = None,
    path: str | None = None,
    family: str | None = None,
) -> Report:
    """Every check the guard runs on ``token`` (a bare token or an Authorization header value) for the
    endpoint at ``path`` or ``url`` (or any endpoint of ``family``). Raises UnusableInput for a bad target."""
    proof = "".join(proof.split()) if proof else None
    url = url.strip() if url else None
    if url and not urlsplit(url).scheme.startswith("http"):
        raise UnusableInput(f"--url must be an absolute http(s) URL, not {url!r}")
    endpoint = endpoint_for(path or (urlsplit(url).path if url else None), family)
    report = await _inspect(guard, token, proof, method, url, endpoint)
    if endpoint is not None and endpoint.family == "operator":
        await _operator_answer(guard, report, token, proof, method, url, endpoint)
    return report


async def _operator_answer(
    guard: Guard, report: Report, token: str | None, proof: str | None, method: str | None, url: str | None, endpoint: Endpoint
) -> None:
    """The operator API answers a refused token that another helsebro API would take with 403, not 401
    (``operator.routes.authorize``): asked the same way, with that API's audience and no scope."""
    if report.failure is None or report.failure.status != 401:
        return
    for audience in CLIENT_API_AUDIENCES:
        other = await _inspect(guard, token, proof, method, url, Endpoint(endpoint.family, audience, (None,), False, endpoint.path))
        if other.accepted:
            for found in report.lines:
                found.decisive = False
            report.failure = None
            report.fail(
                "operator_token",
                operator_token_required(),
                f"a good token for {audience}, but the operator API takes only operator tokens (scope {OPERATOR_SCOPE}): "
                "it answers 403, not 401",
                f"Et gyldig token for {audience}, men operatør-API-et tar bare operatørtokener (scope {OPERATOR_SCOPE}): "
                "det svarer 403, ikke 401",
            )
            return


async def _inspect(
    guard: Guard, token: str | None, proof: str | None, method: str | None, url: str | None, endpoint: Endpoint | None
) -> Report:
    report = Report(endpoint=endpoint)
    header_value, assumed = _present(token, proof)
    now = _time.epoch()

    # 1. The Authorization header.
    try:
        scheme, bare = parse_authorization(header_value)
    except AuthFailure as failure:
        report.fail(
            "authorization",
            failure,
            f"{failure.description}: paste the access token, or 'Bearer <token>' / 'DPoP <token>'",
            "Lim inn tilgangstokenet, eller 'Bearer <token>' / 'DPoP <token>': " + failure.description,
        )
        return report
    sent = "DPoP" if scheme == "dpop" else "Bearer"
    if assumed:
        report.add(
            "authorization",
            PASSED,
            f"taken as sent with 'Authorization: {sent}'" + (" (a DPoP proof was given)" if proof else ""),
            f"Regnet som sendt med 'Authorization: {sent}'" + (" (et DPoP-bevis var med)" if proof else ""),
        )
    else:
        report.add("authorization", PASSED, f"sent as 'Authorization: {sent} <token>'", f"Sendt som 'Authorization: {sent} <token>'")

    # 2. The token itself: what the guard validates once and caches.
    checked = await _check_token(guard, bare, report, now)
    if checked is None:
        return report
    verified = any(found.name == "signature" and found.status == PASSED for found in report.lines)
    note_en = "" if verified else " (from claims whose signature was not verified)"
    note_nb = "" if verified else " (ut fra krav med signatur som ikke er verifisert)"

    # 3. Audience, presentation, proof and scope: what each endpoint asks.
    if endpoint is None:
        for name in ("audience", "binding", "dpop_proof", "scope"):
            report.add(
                name, NOT_APPLICABLE, "name the API (--path or --family) to check this", "Velg API (sti eller familie) for å sjekke dette"
            )
        return report
    _check_audience(report, checked, endpoint, note_en, note_nb)
    needs_proof = _check_binding(report, checked, scheme, endpoint, note_en, note_nb)
    if needs_proof:
        await _check_proof(guard, report, bare, checked.bound_to or "", proof, method, url, endpoint)
    else:
        report.add(
            "dpop_proof",
            NOT_APPLICABLE,
            "checked only for a DPoP-bound token sent as DPoP",
            "Sjekkes bare for et DPoP-bundet token sendt som DPoP",
        )
    _check_scope(report, checked, endpoint, note_en, note_nb)
    return report


async def _check_token(guard: Guard, token: str, report: Report, now: float) -> Checked | None:
    """The guard's ``_validate`` step by step; the claims go on, unverified, after a failure where they can."""

    def failed(name: str, exc: InvalidToken, en: str, nb: str) -> None:
        report.fail(name, AuthFailure(401, "invalid_token", str(exc)), en, nb)

    try:
        header, unverified = unverified_parts(token)
    except InvalidToken as exc:
        failed(
            "format",
            exc,
            f"{exc}: paste the access_token itself (three base64url parts separated by dots)",
            f"Ikke en signert JWT ({exc}): lim inn selve access_token (tre base64url-deler skilt med punktum)",
        )
        return None
    report.decodable = True
    report.header, report.claims = mask(header), mask(unverified)
    report.add("format", PASSED, "a signed JWT: header, claims and signature", "En signert JWT: header, krav og signatur")

    alg: str | None = None
    try:
        alg = check_alg(header)
        report.add("alg", PASSED, f"alg {alg}: an asymmetric signature", f"alg {alg}: en asymmetrisk signatur")
    except InvalidToken as exc:
        failed("alg", exc, *_alg_texts(header.get("alg")))

    issuer: str | None = None
    try:
        issuer = issuer_of(unverified)
        report.add("iss", PASSED, f"iss is {issuer}", f"iss er {issuer}")
    except InvalidToken as exc:
        failed(
            "iss",
            exc,
            "the token has no iss claim (a string): helsebro cannot tell who issued it",
            "Tokenet mangler kravet iss (tekst): helsebro kan ikke se hvem som utstedte det",
        )

    kid = header.get("kid")
    kid_ok = True
    try:
        check_kid(kid)
        shown = f"kid {kid!r}" if kid is not None else "no kid"
        report.add("kid", PASSED, shown, f"kid {kid!r}" if kid is not None else "Ingen kid")
    except InvalidToken as exc:
        kid_ok = False
        failed("kid", exc, f"kid is {type(kid).__name__}, not a string", f"kid er {type(kid).__name__}, ikke tekst")

    own: bool | None = None
    if issuer is None:
        report.add("issuer_trusted", NOT_APPLICABLE, "no issuer to check", "Ingen utsteder å sjekke")
    else:
        try:
            own = guard.trusted_issuer(issuer)
            report.add("issuer_trusted", PASSED, *_trusted_texts(guard, issuer, own))
        except InvalidToken as exc:
            failed("issuer_trusted", exc, *_untrusted_texts(guard, issuer))

    key = None
    if own is None or not kid_ok:
        report.add("key", NOT_APPLICABLE, "no trusted issuer and key id to look up", "Ingen godkjent utsteder og nøkkel-ID å slå opp")
    else:
        try:
            key = await guard.issuer_key(issuer, own, kid)  # type: ignore[arg-type]
            report.add("key", PASSED, f"{kid!r} is one of {issuer}'s signing keys", f"{kid!r} er en av signeringsnøklene til {issuer}")
        except InvalidToken as exc:
            failed(
                "key",
                exc,
                f"{issuer} has no signing key {kid!r}: the key was rotated away (helsebro keys rotate), or the token "
                "comes from another helsebro database",
                f"{issuer} har ingen signeringsnøkkel {kid!r}: nøkkelen er rotert bort (helsebro keys rotate), eller "
                "tokenet kommer fra en annen helsebro-database",
            )

    claims = unverified
    if key is None or alg is None:
        report.add(
            "signature",
            NOT_APPLICABLE,
            "not checked without an accepted alg and the issuer's key",
            "Ikke sjekket uten godkjent alg og utstederens nøkkel",
        )
    else:
        try:
            claims = verify_signature(token, key, alg)
            own_key = " (the key in the token's own header is ignored)" if _carries_key(header) else ""
            report.add(
                "signature",
                PASSED,
                f"valid, with the issuer's key {kid!r}{own_key}",
                f"Gyldig, med utstederens nøkkel {kid!r}" + (" (nøkkelen i tokenets egen header brukes ikke)" if own_key else ""),
            )
        except InvalidToken as exc:
            failed(
                "signature",
                exc,
                f"{exc}: the token was changed after it was signed, or signed with another key than {issuer}'s {kid!r}",
                f"Signaturen stemmer ikke: tokenet er endret etter signering, eller signert med en annen nøkkel enn {kid!r} hos {issuer}",
            )

    unverified_en = "" if claims is not unverified else " (claims not verified)"
    unverified_nb = "" if claims is not unverified else " (kravene er ikke verifisert)"
    try:
        check_times(claims, int(now), guard.settings.clock_skew_seconds)
        en, nb = _valid_texts(claims, now)
        report.add("lifetime", PASSED, en + unverified_en, nb + unverified_nb)
    except InvalidToken as exc:
        en, nb = _lifetime_texts(str(exc), claims, now)
        failed("lifetime", exc, en + unverified_en, nb + unverified_nb)

    exp = claims.get("exp")
    until = float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else now
    return Checked.of(claims, until=until)


def _carries_key(header: dict[str, Any]) -> bool:
    return any(name in header for name in ("jwk", "jku", "x5c", "x5u"))


def _alg_texts(alg: Any) -> tuple[str, str]:
    accepted = ", ".join(ASYMMETRIC_ALGS)
    if isinstance(alg, str) and alg.lower() == "none":
        return (
            f"alg is none: an unsigned token; helsebro only accepts signed tokens ({accepted})",
            f"alg er none: et usignert token; helsebro godtar bare signerte tokener ({accepted})",
        )
    if isinstance(alg, str) and alg.upper().startswith("HS"):
        return (
            f"alg {alg} is a shared-secret (HMAC) signature: helsebro only accepts {accepted} "
            "(an HMAC keyed with the server's public key is a known forgery)",
            f"alg {alg} er en signatur med delt hemmelighet (HMAC): helsebro godtar bare {accepted}",
        )
    return (f"alg {alg!r} is not accepted: helsebro only accepts {accepted}", f"alg {alg!r} godtas ikke: helsebro godtar bare {accepted}")


def _issuer_names(guard: Guard) -> tuple[list[str], list[str]]:
    return sorted(guard.own_issuers), sorted(guard.external.issuers)


def _trusted_texts(guard: Guard, issuer: str, own: bool) -> tuple[str, str]:
    if not own:
        return (
            f"{issuer} is a configured external issuer (HELSEBRO_EXTERNAL_ISSUERS)",
            f"{issuer} er en konfigurert ekstern utsteder (HELSEBRO_EXTERNAL_ISSUERS)",
        )
    base = guard.settings.base_url()
    names = {HELSEID.url(base): "HelseID", HELSENORGE_LOGIN.url(base): "Helsenorge login", MASKINPORTEN.url(base): "Maskinporten"}
    name = names.get(issuer, "token service")
    return f"{issuer} is this helsebro's own {name}", f"{issuer} er denne helsebroens egen {name}"


def _untrusted_texts(guard: Guard, issuer: str) -> tuple[str, str]:
    own, external = _issuer_names(guard)
    ext_en = ", ".join(external) if external else "none configured"
    ext_nb = ", ".join(external) if external else "ingen konfigurert"
    return (
        f"issuer {issuer!r} is not trusted: this helsebro trusts its own {', '.join(own)} and external issuers: {ext_en}. "
        "A token from a helsebro on another port or HELSEBRO_PUBLIC_URL names that one's URL",
        f"Utsteder {issuer!r} er ikke godkjent: denne helsebroen godtar sine egne {', '.join(own)} og eksterne utstedere: "
        f"{ext_nb}. Et token fra en helsebro på en annen port eller HELSEBRO_PUBLIC_URL har den helsebroens adresse",
    )


def _valid_texts(claims: dict[str, Any], now: float) -> tuple[str, str]:
    exp = claims.get("exp")
    if isinstance(exp, (int, float)):
        return (f"valid until {_when(exp)} (in {_span(exp - now, 'en')})", f"Gyldig til {_when(exp)} (om {_span(exp - now, 'nb')})")
    return "no exp required here", "exp kreves ikke her"


def _lifetime_texts(message: str, claims: dict[str, Any], now: float) -> tuple[str, str]:
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if "has expired" in message:
        return (
            f"expired {_span(now - exp, 'en')} ago (exp {_when(exp)}): get a new token",
            f"Utløpt for {_span(now - exp, 'nb')} siden (exp {_when(exp)}): hent et nytt token",
        )
    if "not valid yet" in message:
        return (
            f"not valid until {_when(nbf)} (nbf, in {_span(nbf - now, 'en')}): check the issuer's clock",
            f"Ikke gyldig før {_when(nbf)} (nbf, om {_span(nbf - now, 'nb')}): sjekk klokken hos utstederen",
        )
    if "issued in the future" in message:
        return (
            f"issued in the future (iat {_when(iat)}, in {_span(iat - now, 'en')}): check the issuer's clock",
            f"Utstedt i fremtiden (iat {_when(iat)}, om {_span(iat - now, 'nb')}): sjekk klokken hos utstederen",
        )
    if "exp is missing" in message:
        return "the token has no exp: access tokens must expire", "Tokenet mangler exp: tilgangstokener må utløpe"
    name = message.split()[0]
    return (f"{message}: {name} is {claims.get(name)!r}", f"{name} må være et endelig antall sekunder, ikke {claims.get(name)!r}")


def _check_audience(report: Report, checked: Checked, endpoint: Endpoint, note_en: str, note_nb: str) -> None:
    where_en = f"this path needs {endpoint.audience!r}" if endpoint.path else f"{endpoint.family} needs {endpoint.audience!r}"
    where_nb = f"denne stien krever {endpoint.audience!r}" if endpoint.path else f"{endpoint.family} krever {endpoint.audience!r}"
    shown = ", ".join(repr(a) for a in sorted(checked.audiences)) or "missing"
    try:
        check_audience(checked, endpoint.audience)
        report.add("audience", PASSED, f"aud includes {endpoint.audience!r}{note_en}", f"aud inneholder {endpoint.audience!r}{note_nb}")
    except AuthFailure as failure:
        report.fail(
            "audience",
            failure,
            f"aud is {shown}: {where_en}{note_en}",
            f"aud er {shown.replace('missing', 'fraværende')}: {where_nb}{note_nb}",
        )


def _check_binding(report: Report, checked: Checked, scheme: str, endpoint: Endpoint, note_en: str, note_nb: str) -> bool:
    try:
        needs_proof = check_presentation(checked, scheme, endpoint.require_dpop)
    except AuthFailure as failure:
        if checked.bound_to:
            en = (
                f"token is DPoP-bound (cnf.jkt {checked.bound_to}) but sent as Bearer: send 'Authorization: DPoP <token>' "
                "with a DPoP proof signed by that key"
            )
            nb = (
                f"Tokenet er DPoP-bundet (cnf.jkt {checked.bound_to}), men sendt som Bearer: send 'Authorization: DPoP <token>' "
                "med et DPoP-bevis signert med den nøkkelen"
            )
        elif scheme == "dpop":
            en = "token is not DPoP-bound (no cnf.jkt) but sent as DPoP: send it as Bearer, or ask the token endpoint with a DPoP proof"
            nb = (
                "Tokenet er ikke DPoP-bundet (ingen cnf.jkt), men sendt som DPoP: send det som Bearer, eller hent tokenet med et DPoP-bevis"
            )
        else:
            en = f"{endpoint.family} only takes DPoP-bound tokens: get the token with a DPoP proof (cnf.jkt) and send it as DPoP"
            nb = f"{endpoint.family} tar bare DPoP-bundne tokener: hent tokenet med et DPoP-bevis (cnf.jkt) og send det som DPoP"
        report.fail("binding", failure, en + note_en, nb + note_nb)
        return False
    if needs_proof:
        report.add(
            "binding",
            PASSED,
            f"DPoP-bound (cnf.jkt {checked.bound_to}) and sent as DPoP{note_en}",
            f"DPoP-bundet (cnf.jkt {checked.bound_to}) og sendt som DPoP{note_nb}",
        )
    else:
        report.add("binding", PASSED, f"a Bearer token sent as Bearer{note_en}", f"Et Bearer-token sendt som Bearer{note_nb}")
    return needs_proof


# verify_proof's checks in its order, each known by what its refusal says.
_PROOF_STEPS: list[tuple[str, tuple[str, ...], str, str]] = [
    ("proof_format", ("not a signed JWT", "JWT header"), "a signed JWT", "En signert JWT"),
    ("proof_typ", ("DPoP proof typ",), "typ dpop+jwt", "typ dpop+jwt"),
    ("proof_alg", ("alg ",), "an asymmetric alg", "En asymmetrisk alg"),
    ("proof_jwk", ("DPoP proof must carry", "DPoP proof jwk"), "carries its public key (jwk)", "Har sin offentlige nøkkel (jwk)"),
    ("proof_signature", ("signature check failed",), "signed by the key in its jwk", "Signert med nøkkelen i jwk"),
    ("proof_htm", ("DPoP proof htm",), "names the request's method", "Har forespørselens metode"),
    ("proof_htu", ("DPoP proof htu",), "names the request's URL", "Har forespørselens URL"),
    ("proof_iat", ("DPoP proof iat", "DPoP proof is issued", "DPoP proof is stale"), "fresh (iat)", "Ferskt (iat)"),
    ("proof_jti", ("DPoP proof jti",), "has a jti", "Har en jti"),
    ("proof_ath", ("DPoP proof ath",), "ath is the hash of this access token", "ath er hashen av dette tilgangstokenet"),
]

_PROOF_HINTS: dict[str, tuple[str, str]] = {
    "proof_format": ("paste the DPoP header's value (a JWT)", "lim inn verdien av DPoP-headeren (en JWT)"),
    "proof_typ": ("the proof's header must say typ dpop+jwt", "beviset må ha typ dpop+jwt i headeren"),
    "proof_alg": (f"sign the proof with one of {', '.join(ASYMMETRIC_ALGS)}", f"signer beviset med en av {', '.join(ASYMMETRIC_ALGS)}"),
    "proof_jwk": (
        "put the public (never the private) RSA or EC key in the header's jwk",
        "legg den offentlige (aldri den private) RSA- eller EC-nøkkelen i headerens jwk",
    ),
    "proof_signature": (
        "sign the proof with the private key of the jwk in its header",
        "signer beviset med den private nøkkelen til jwk i headeren",
    ),
    "proof_htm": ("make a new proof for this request's method", "lag et nytt bevis for forespørselens metode"),
    "proof_htu": ("htu must be the request URL without query and fragment", "htu må være forespørselens URL uten query og fragment"),
    "proof_iat": ("make a new proof for each request, with iat now", "lag et nytt bevis for hver forespørsel, med iat nå"),
    "proof_jti": ("give each proof a new random jti", "gi hvert bevis en ny tilfeldig jti"),
    "proof_ath": (
        "ath must be base64url(SHA-256(access token)) of the token sent with it",
        "ath må være base64url(SHA-256(tilgangstoken)) av tokenet som sendes med",
    ),
}


async def _check_proof(
    guard: Guard,
    report: Report,
    token: str,
    bound_to: str,
    proof_header: str | None,
    method: str | None,
    url: str | None,
    endpoint: Endpoint,
) -> None:
    try:
        proof_value = require_proof(proof_header)
    except AuthFailure as failure:
        report.fail(
            "dpop_proof",
            failure,
            "the token is DPoP-bound but no DPoP proof was given: send a DPoP header with a fresh proof",
            "Tokenet er DPoP-bundet, men det var ikke med noe DPoP-bevis: send DPoP-headeren med et nytt bevis",
        )
        return
    unverified: dict[str, Any] = {}
    try:
        proof_head, unverified = unverified_parts(proof_value)
        report.proof_header, report.proof_claims = mask(proof_head), mask(unverified)
    except InvalidToken:
        pass
    # Without a method or URL, the proof is compared with what it names itself (and those lines say so).
    given_method, given_url = method is not None, bool(url or endpoint.path)
    method = (method or (unverified.get("htm") if isinstance(unverified.get("htm"), str) else "GET")).upper()
    if url:
        urls = [url]
    elif endpoint.path:
        urls = [guard.settings.base_url() + endpoint.path]
    else:
        urls = [unverified["htu"]] if isinstance(unverified.get("htu"), str) else [guard.settings.base_url() + "/"]
    now = int(_time.real_epoch())  # a DPoP proof carries the client's own clock
    proof: Proof | None = None
    try:
        proof = guard.verify_proof(proof_value, token, method, urls, now)
        failed_at, failure = len(_PROOF_STEPS), None
    except AuthFailure as exc:
        failure = exc
        failed_at = next((i for i, (_, needles, *_rest) in enumerate(_PROOF_STEPS) if exc.description.startswith(needles)), -1)
    if failed_at < 0 and failure is not None:
        report.fail("dpop_proof", failure, failure.description, "DPoP-beviset godtas ikke: " + failure.description)
        return
    for index, (name, _, passed_en, passed_nb) in enumerate(_PROOF_STEPS):
        if index < failed_at:
            if name == "proof_htm" and not given_method:
                report.add(
                    name,
                    NOT_APPLICABLE,
                    f"no request method given; the proof names {method}",
                    f"Ingen metode oppgitt; beviset gjelder {method}",
                )
            elif name == "proof_htu" and not given_url:
                report.add(
                    name,
                    NOT_APPLICABLE,
                    f"no request URL given; the proof names {urls[0]}",
                    f"Ingen URL oppgitt; beviset gjelder {urls[0]}",
                )
            else:
                report.add(name, PASSED, passed_en, passed_nb)
        elif index == failed_at and failure is not None:
            hint_en, hint_nb = _PROOF_HINTS[name]
            report.fail(
                name, failure, f"{_plain(failure.description)}: {hint_en}", f"{hint_nb[0].upper()}{hint_nb[1:]} ({failure.description})"
            )
        else:
            report.add(
                name, NOT_APPLICABLE, "not checked: the proof failed an earlier check", "Ikke sjekket: beviset feilet en tidligere sjekk"
            )
    if proof is None:
        for name in ("proof_key", "proof_nonce", "proof_replay"):
            report.add(
                name, NOT_APPLICABLE, "not checked: the proof failed an earlier check", "Ikke sjekket: beviset feilet en tidligere sjekk"
            )
        return
    _after_proof(
        report,
        "proof_key",
        lambda: check_proof_key(proof, bound_to),
        (f"signed by the key the token is bound to ({bound_to})", f"Signert med nøkkelen tokenet er bundet til ({bound_to})"),
        (
            f"the proof is signed by key {proof.jkt}, but the token is bound to {bound_to}: sign with the key the token was issued for",
            f"Beviset er signert med nøkkel {proof.jkt}, men tokenet er bundet til {bound_to}: signer med nøkkelen tokenet ble utstedt for",
        ),
    )
    if guard.settings.dpop_nonce != "all":
        report.add(
            "proof_nonce",
            NOT_APPLICABLE,
            "the APIs demand no nonce (HELSEBRO_DPOP_NONCE is not 'all')",
            "API-ene krever ingen nonce (HELSEBRO_DPOP_NONCE er ikke 'all')",
        )
    else:
        _after_proof(
            report,
            "proof_nonce",
            lambda: guard.check_nonce(proof, now),
            ("carries a current server nonce", "Har en gyldig server-nonce"),
            (
                "the proof must carry the server's nonce: take DPoP-Nonce from the 401 and make a new proof with it",
                "Beviset må ha serverens nonce: ta DPoP-Nonce fra 401-svaret og lag et nytt bevis med den",
            ),
        )
    used = await run_in_threadpool(guard.replay.seen, "dpop", proof.jkt, proof.jti)
    if used:
        report.fail(
            "proof_replay",
            replayed_proof(),
            f"the proof's jti {proof.jti!r} was used before: make a new proof (new jti) for each request",
            f"Beviset med jti {proof.jti!r} er brukt før: lag et nytt bevis (ny jti) for hver forespørsel",
        )
    else:
        report.add("proof_replay", PASSED, "not used before (looked up, not used up)", "Ikke brukt før (slått opp, ikke brukt opp)")


def _after_proof(report: Report, name: str, check: Callable[[], None], passed: tuple[str, str], failed: tuple[str, str]) -> None:
    try:
        check()
        report.add(name, PASSED, *passed)
    except AuthFailure as failure:
        report.fail(name, failure, *failed)


def _plain(description: str) -> str:
    """The guard's words, said of the proof: "the proof's htu '...' does not match the request URL ..."."""
    return "the proof's " + description.removeprefix("DPoP proof ") if description.startswith("DPoP proof h") else description


def _check_scope(report: Report, checked: Checked, endpoint: Endpoint, note_en: str, note_nb: str) -> None:
    has = sorted(checked.principal.scopes) or []
    has_en = ", ".join(has) if has else "no scopes"
    has_nb = ", ".join(has) if has else "ingen scopes"
    if not endpoint.scopes or endpoint.scopes == (None,):
        report.add(
            "scope",
            NOT_APPLICABLE,
            "no scope needed here: Behandler takes a citizen's token from the Helsenorge login",
            "Ingen scope kreves her: Behandler tar et innbyggertoken fra Helsenorge-innloggingen",
        )
        return
    wanted = [s for s in endpoint.scopes if s is not None]
    held = [s for s in wanted if canonical(s) in checked.principal.scopes]
    scope = held[0] if held else wanted[0]
    try:
        check_scope(checked, scope)
        report.add("scope", PASSED, f"has scope {scope}{note_en}", f"Har scope {scope}{note_nb}")
    except AuthFailure as failure:
        if endpoint.path:
            en, nb = f"scope {scope} is missing; the token has: {has_en}", f"Scope {scope} mangler; tokenet har: {has_nb}"
        else:
            en = f"none of {endpoint.family}'s scopes ({', '.join(wanted)}); the token has: {has_en}"
            nb = f"Ingen av scopene til {endpoint.family} ({', '.join(wanted)}); tokenet har: {has_nb}"
        report.fail("scope", failure, en + note_en, nb + note_nb)
