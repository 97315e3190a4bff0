"""What helsebro's operator API asks of a token, shared by its routes and the token inspector."""

from __future__ import annotations

from helsebro.auth.guard import AuthFailure
from helsebro.auth.scopes import HELSENORGE_AUDIENCE, OPERATOR_SCOPE, PTS_AUDIENCE

# The APIs helsebro issues client tokens for: a valid token for one of them is forbidden at the operator API, not unknown.
CLIENT_API_AUDIENCES = (HELSENORGE_AUDIENCE, PTS_AUDIENCE)


def operator_token_required() -> AuthFailure:
    return AuthFailure(403, "insufficient_scope", f"an operator token (scope {OPERATOR_SCOPE}) is required", scope=OPERATOR_SCOPE)
