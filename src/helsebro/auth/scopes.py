"""Scopes and audiences as HelseID issues them for the APIs helsebro serves."""

from __future__ import annotations

HELSENORGE_AUDIENCE = "nhn:helsenorge.eksternapi"
PTS_AUDIENCE = "nhn:pts"
HELSENORGE_PREFIX = HELSENORGE_AUDIENCE + "/"

# Bare Helsenorge scopes (seed 000, SPEC sections 3 and 4).
HELSENORGE_SCOPES = (
    "verktoysendtilinnbygger",
    "verktoykatalog_read",
    "verktoyadminveiledning",
    "digitaltaktiv",
    "helsenorgeaktivsjekken",
    "Personverninnstillinger_skriv",
    "Personverninnstillinger_les",
)
PTS_SCOPE = "nhn:pts/api"
# helsebro's own operator API (test data set-up): granted only to operator clients, never to API clients.
OPERATOR_AUDIENCE = "helsebro:operator"
OPERATOR_SCOPE = "helsebro:operator"
# KS Fiks through Maskinporten (SPEC section 1, seed 004). KS's APIs use no Maskinporten audience restriction;
# helsebro stamps this audience so the guard can tell a Fiks token from the other APIs' tokens.
FIKS_SCOPE = "ks:fiks"
FIKS_AUDIENCE = "ks:fiks"
MASKINPORTEN_SCOPES = (FIKS_SCOPE,)

# HelseID's identity scopes (professional login): what the login tokens and userinfo say about the person.
# HelseID spells the HPR scope helseid://scopes/hpr/hpr_number; .../identity/hpr_number is taken as the same.
OPENID = "openid"
OFFLINE_ACCESS = "offline_access"
PID_SCOPE = "helseid://scopes/identity/pid"
HPR_SCOPE = "helseid://scopes/hpr/hpr_number"
SECURITY_LEVEL_SCOPE = "helseid://scopes/identity/security_level"
ASSURANCE_LEVEL_SCOPE = "helseid://scopes/identity/assurance_level"
IDENTITY_SCOPES = (OPENID, "profile", OFFLINE_ACCESS, PID_SCOPE, HPR_SCOPE, SECURITY_LEVEL_SCOPE, ASSURANCE_LEVEL_SCOPE)

# Names real PVK clients are seen using for the same permissions (SPEC section 4).
_ALIASES = {
    "personverninnstilling_write": "personverninnstillinger_skriv",
    "personverninnstilling_read": "personverninnstillinger_les",
    "helseid://scopes/identity/hpr_number": HPR_SCOPE,
}


def canonical(scope: str) -> str:
    """One spelling per permission: prefix dropped, lower case, known aliases folded."""
    lowered = scope.lower()
    if lowered.startswith(HELSENORGE_PREFIX):
        lowered = lowered[len(HELSENORGE_PREFIX) :]
    return _ALIASES.get(lowered, lowered)


def audience_of(scope: str) -> str | None:
    """The API audience a scope belongs to, or None for plain OpenID scopes."""
    if canonical(scope) == PTS_SCOPE:
        return PTS_AUDIENCE
    if canonical(scope) == OPERATOR_SCOPE:
        return OPERATOR_AUDIENCE
    if canonical(scope) == FIKS_SCOPE:
        return FIKS_AUDIENCE
    if canonical(scope) in {canonical(s) for s in HELSENORGE_SCOPES}:
        return HELSENORGE_AUDIENCE
    return None


def is_identity_scope(scope: str) -> bool:
    return canonical(scope) in IDENTITY_SCOPES


def is_known_scope(scope: str) -> bool:
    """A scope a HelseID client may be registered with: an API scope or an identity scope."""
    return audience_of(scope) is not None or is_identity_scope(scope)


def scope_list(value: object) -> list[str]:
    """The ``scope`` claim as a list, whether issued as a JSON array or a space-separated string."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []
