"""``helsebro token``: a token from the built-in HelseID through the same grant code the endpoint runs."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from helsebro import _time, db
from helsebro.auth import client_auth, grants, user_tokens
from helsebro.auth.client_side import client_assertion, dpop_proof, load_private_key
from helsebro.auth.clients import get_client
from helsebro.auth.dpop import NonceSource
from helsebro.auth.issuers import HELSEID
from helsebro.auth.keys import KeyStore
from helsebro.auth.replay import ReplayCache
from helsebro.auth.scopes import canonical
from helsebro.cli.key_files import TokenCommandError, read_private_jwk
from helsebro.errors import OAuthError
from helsebro.services import server_secret
from helsebro.settings import Settings
from helsebro.testdata import files as demo_files


def default_client_for(scopes: list[str]) -> str:
    """The first demo client (with a key in the package) granted every scope asked for."""
    wanted = {canonical(s) for s in scopes}
    for entry in demo_files.read_json("clients.json")["clients"]:
        if entry.get("key_file") and wanted <= {canonical(s) for s in entry["scopes"]}:
            return entry["client_id"]
    raise TokenCommandError(f"no demo client holds all of {' '.join(scopes)}; name one with --client")


def fetch(
    settings: Settings,
    engine: sa.Engine,
    scopes: list[str],
    client_id: str | None,
    key_file: Path | None,
    dpop_key_file: Path | None,
    hpr: str | None = None,
    details: dict | None = None,
) -> dict:
    """``details``: the organisations to name (authorization_details in the client assertion)."""
    client_id = client_id or default_client_for(scopes)
    with db.read(engine) as conn:
        if get_client(conn, client_id) is None:
            raise TokenCommandError(f"unknown client {client_id!r} (see: helsebro clients list)")
    if hpr:
        return user_token(settings, engine, scopes, client_id, hpr, dpop_key_file)
    form = {"grant_type": "client_credentials", "scope": " ".join(scopes)}
    return _grant(settings, engine, client_id, key_file, dpop_key_file, form, details)


def exchanged(
    settings: Settings,
    engine: sa.Engine,
    scopes: list[str],
    client_id: str | None,
    key_file: Path | None,
    dpop_key_file: Path | None,
    hpr: str,
    audience: str | None = None,
    details: dict | None = None,
) -> dict:
    """The professional's user token exchanged at the token endpoint (RFC 8693), as the client would do it:
    a token naming the acting professional, for the API named by ``audience`` and/or the scopes."""
    client_id = client_id or default_client_for(scopes)
    subject = fetch(settings, engine, scopes, client_id, key_file, None, hpr)["access_token"]
    form = {
        "grant_type": grants.TOKEN_EXCHANGE,
        "subject_token": subject,
        "subject_token_type": grants.ACCESS_TOKEN_TYPE,
        "scope": " ".join(scopes),
    }
    if audience:
        form["audience"] = audience
    return _grant(settings, engine, client_id, key_file, dpop_key_file, form, details)


def _grant(
    settings: Settings,
    engine: sa.Engine,
    client_id: str,
    key_file: Path | None,
    dpop_key_file: Path | None,
    form: dict[str, str],
    details: dict | None = None,
) -> dict:
    """Run one grant through the token endpoint's code, authenticated with the client's private_key_jwt."""
    try:
        jwk = read_private_jwk(key_file, "--key") if key_file else demo_files.demo_private_key(client_id)
    except FileNotFoundError as exc:
        raise TokenCommandError(f"no private key for {client_id!r}: pass --key FILE") from exc
    base = settings.base_url()
    endpoint = HELSEID.token_endpoint(base)
    secret = settings.secret or server_secret(engine)
    nonces = NonceSource(lambda: secret)
    now = int(_time.real_epoch())  # the nonce, as a client sees it
    proof = None
    if dpop_key_file:
        nonce = nonces.current(now) if settings.dpop_nonce != "off" else None
        proof = dpop_proof(load_private_key(read_private_jwk(dpop_key_file, "--dpop-key")), "POST", endpoint, nonce=nonce)
    form = {
        **form,
        "client_assertion_type": client_auth.ASSERTION_TYPE,
        "client_assertion": client_assertion(
            client_id, load_private_key(jwk), HELSEID.url(base), extra_claims={"authorization_details": details} if details else None
        ),
    }
    context = grants.TokenContext(
        settings=settings,
        engine=engine,
        keys=KeyStore(engine, settings.access_token_seconds),
        replay=ReplayCache(engine),
        nonces=nonces,
        issuer=HELSEID.url(base),
        token_endpoint=endpoint,
    )
    try:
        return grants.handle(context, grants.TokenRequest(form, None, proof, [endpoint], int(_time.epoch()), now))
    except OAuthError as exc:
        raise TokenCommandError(f"{exc.error}: {exc.description}") from exc


def user_token(settings: Settings, engine: sa.Engine, scopes: list[str], client_id: str, hpr: str, dpop_key_file: Path | None) -> dict:
    """A health professional's user token, as HelseID issues it to the client after the professional's login
    (helsebro has no HelseID login page: this stands in for it). Exchange it for a PTS token at the token
    endpoint (grant_type token-exchange)."""
    jkt = load_private_key(read_private_jwk(dpop_key_file, "--dpop-key")).thumbprint() if dpop_key_file else None
    keys = KeyStore(engine, settings.access_token_seconds)
    secret = settings.secret or server_secret(engine)
    try:
        with db.read(engine) as conn:
            client = get_client(conn, client_id)
            assert client is not None
            token = user_tokens.issue(
                conn,
                keys,
                client=client,
                client_claims=grants.client_claims(client),
                hpr_number=hpr,
                scopes=scopes,
                issuer=HELSEID.url(settings.base_url()),
                secret=secret,
                lifetime=settings.access_token_seconds,
                now=int(_time.epoch()),
                jkt=jkt,
            )
    except user_tokens.UserTokenError as exc:
        raise TokenCommandError(str(exc)) from exc
    return {
        "access_token": token,
        "token_type": "DPoP" if jkt else "Bearer",
        "expires_in": settings.access_token_seconds,
        "scope": " ".join(scopes),
    }
