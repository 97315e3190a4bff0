"""The professional login driven by authlib (a third-party OAuth/OIDC client library), against a running
``helsebro serve`` on SQLite and PostgreSQL, without a browser: discovery, PAR with private_key_jwt, the
authorize redirect with ``login_hint=hpr:N``, the code for DPoP-bound tokens, the ID token checked by
authlib's own OpenID Connect rules, userinfo, refresh, token exchange, a PTS call, and logout ending it all."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc.jwk import ECKey

from tests.e2e.helseid_authlib import PROFESSIONAL, REDIRECT, authlib_session, push, redeem, the_rest_of_the_story


def test_authlib_drives_par_login_hint_tokens_userinfo_refresh_exchange_pts_and_logout(live_server):
    metadata = httpx.get(live_server.base_url + "/helseid/.well-known/openid-configuration").json()
    session = authlib_session(metadata)
    url, kept = push(session, metadata, login_hint=f"hpr:{PROFESSIONAL}")
    back = httpx.get(url, follow_redirects=False)
    assert back.status_code == 302, back.text
    location = back.headers["location"]
    assert location.startswith(REDIRECT + "?") and parse_qs(urlsplit(location).query)["iss"] == [metadata["issuer"]]  # RFC 9207
    key = ECKey.generate_key("P-256", private=True)
    tokens = redeem(session, metadata, location, kept, key)
    the_rest_of_the_story(live_server.base_url, session, metadata, tokens, kept, key, PROFESSIONAL)
