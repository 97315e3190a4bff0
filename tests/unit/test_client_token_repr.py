"""The typed client's token never shows in a repr (which log lines and tracebacks print)."""

from __future__ import annotations

from helsebro.client.auth import AccessToken


def test_the_access_token_is_left_out_of_the_repr():
    token = AccessToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "DPoP", 0.0, "nhn:pts/api", {"access_token": "x"})
    shown = repr(token)
    assert "eyJhbGci" not in shown and "c2lnbmF0dXJl" not in shown
    assert "DPoP" in shown and "nhn:pts/api" in shown
