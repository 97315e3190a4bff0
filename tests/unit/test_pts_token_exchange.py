"""Token exchange (RFC 8693) as a grant, called directly (no HTTP): the user token's checks, the claims of the
exchanged token, and the OAuth errors. A scratch SQLite database holds the demo clients and the registry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from helsebro import migrate
from helsebro.auth import grants, user_tokens
from helsebro.auth.client_auth import ASSERTION_TYPE
from helsebro.auth.client_side import client_assertion, dpop_proof
from helsebro.auth.clients import get_client
from helsebro.auth.dpop import NonceSource
from helsebro.auth.jwts import InvalidToken, unverified_parts
from helsebro.auth.keys import KeyStore
from helsebro.auth.minting import sign
from helsebro.auth.replay import ReplayCache
from helsebro.db import create_engine
from helsebro.errors import OAuthError
from helsebro.settings import Settings
from helsebro.testdata import loader
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT, demo_key

ISSUER = "http://helsebro.test/helseid"
TOKEN_URL = ISSUER + "/connect/token"
PTS_SCOPE = "nhn:pts/api"


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Iterator[grants.TokenContext]:
    path: Path = tmp_path_factory.mktemp("exchange") / "db.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    loader.reset(engine)
    settings = Settings(public_url="http://helsebro.test", database_url=f"sqlite:///{path}", secret="unit")
    yield grants.TokenContext(
        settings=settings,
        engine=engine,
        keys=KeyStore(engine, 3600),
        replay=ReplayCache(engine),
        nonces=NonceSource(lambda: "unit"),
        issuer=ISSUER,
        token_endpoint=TOKEN_URL,
    )
    engine.dispose()


def issue_user_token(ctx: grants.TokenContext, hpr: str = "565513636", client_id: str = EPJ_CLIENT, scopes: list[str] | None = None) -> str:
    with ctx.engine.connect() as conn:
        client = get_client(conn, client_id)
        assert client is not None
        return user_tokens.issue(
            conn,
            ctx.keys,
            client=client,
            client_claims=grants.client_claims(client),
            hpr_number=hpr,
            scopes=scopes or [PTS_SCOPE],
            issuer=ISSUER,
            secret="unit",
            lifetime=600,
            now=int(time.time()),
        )


def request(
    ctx: grants.TokenContext, subject: str | None, *, dpop: ECKey | None = None, client_id: str = EPJ_CLIENT, **form: Any
) -> grants.TokenRequest:
    values = {
        "grant_type": grants.TOKEN_EXCHANGE,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(client_id, demo_key(client_id), ISSUER),
        "subject_token": subject,
        "subject_token_type": grants.ACCESS_TOKEN_TYPE,
        "audience": "nhn:pts",
        **form,
    }
    proof = dpop_proof(dpop, "POST", TOKEN_URL) if dpop else None
    return grants.TokenRequest({k: v for k, v in values.items() if v is not None}, None, proof, [TOKEN_URL], int(time.time()))


def _decode(ctx: grants.TokenContext, token: str) -> dict[str, Any]:
    header, _ = unverified_parts(token)
    return dict(jwt.decode(token, ctx.keys.verification_key(header["kid"]), algorithms=["RS256"]).claims)


def refused(ctx: grants.TokenContext, token_request: grants.TokenRequest) -> OAuthError:
    with pytest.raises(OAuthError) as caught:
        grants.handle(ctx, token_request)
    return caught.value


# -- the user token ---------------------------------------------------------------------------------------------


def test_user_token_verifies_and_names_the_professional(context):
    verified = user_tokens.verify(issue_user_token(context), context.keys, issuer=ISSUER, now=int(time.time()), skew=5)
    assert verified[user_tokens.HPR_NUMBER] == "565513636" and len(verified[user_tokens.PID]) == 11
    assert verified["aud"] == "nhn:pts" and verified["client_id"] == EPJ_CLIENT


def test_user_token_for_an_unknown_professional_or_an_ungranted_scope_is_refused(context):
    with pytest.raises(user_tokens.UserTokenError, match="no health professional"):
        issue_user_token(context, hpr="999999999")
    with pytest.raises(user_tokens.UserTokenError, match="not granted"):
        issue_user_token(context, client_id=VERKTOY_CLIENT)


def test_verify_refuses_another_issuer_and_another_alg(context):
    token = issue_user_token(context)
    with pytest.raises(InvalidToken, match="iss must be"):
        user_tokens.verify(token, context.keys, issuer="http://elsewhere/helseid", now=int(time.time()), skew=5)
    kid, _ = context.keys.signing_key()
    attacker = ECKey.generate_key("P-256", private=True)
    es256 = jwt.encode({"alg": "ES256", "kid": kid}, _decode(context, token), attacker)
    with pytest.raises(InvalidToken, match="alg 'ES256' is not accepted"):
        user_tokens.verify(es256, context.keys, issuer=ISSUER, now=int(time.time()), skew=5)


# -- the grant --------------------------------------------------------------------------------------------------


def test_exchange_keeps_the_professional_and_binds_to_the_dpop_key(context):
    key = ECKey.generate_key("P-256", private=True)
    subject = issue_user_token(context)
    response = grants.handle(context, request(context, subject, dpop=key))
    assert response["token_type"] == "DPoP" and response["issued_token_type"] == grants.ACCESS_TOKEN_TYPE
    assert 0 < response["expires_in"] <= 600  # capped by the user token's exp
    issued, user = _decode(context, response["access_token"]), _decode(context, subject)
    assert issued["aud"] == "nhn:pts" and issued["scope"] == [PTS_SCOPE] and "jkt" in issued["cnf"]
    for name in ("sub", "name", user_tokens.HPR_NUMBER, user_tokens.PID):
        assert issued[name] == user[name]
    assert issued["client_id"] == EPJ_CLIENT and issued[grants.ORGNR_PARENT] == "910000020"
    assert issued["act"] == {"sub": EPJ_CLIENT} and issued[grants.CLIENT_AMR] == "private_key_jwt"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"subject_token": None}, "invalid_request"),
        ({"subject_token_type": None}, "invalid_request"),
        ({"audience": None}, "invalid_request"),
        ({"audience": "nhn:unknown"}, "invalid_target"),
        ({"scope": "verktoykatalog_read"}, "invalid_target"),
    ],
)
def test_request_errors(context, form, error):
    subject = issue_user_token(context)
    assert refused(context, request(context, subject, **{"subject_token": subject, **form})).error == error


def test_a_broken_subject_token_is_invalid_grant(context):
    assert refused(context, request(context, "not.a.token")).error == "invalid_grant"
    user = _decode(context, issue_user_token(context))
    expired = sign(context.keys, {**user, "exp": int(time.time()) - 60})
    assert "expired" in refused(context, request(context, expired)).description
    anonymous = sign(context.keys, {k: v for k, v in user.items() if k != user_tokens.HPR_NUMBER})
    assert user_tokens.HPR_NUMBER in refused(context, request(context, anonymous)).description


def test_a_client_without_the_scope_is_refused(context):
    subject = issue_user_token(context)
    assert refused(context, request(context, subject, client_id=VERKTOY_CLIENT)).error == "invalid_target"


def test_the_exchange_audience_can_be_helsenorge_too(context):
    subject = issue_user_token(context)
    response = grants.handle(context, request(context, subject, audience="nhn:helsenorge.eksternapi"))
    issued = _decode(context, response["access_token"])
    assert issued["aud"] == "nhn:helsenorge.eksternapi" and PTS_SCOPE not in issued["scope"]
