"""``helsebro inspect-token`` in-process on the suite's database (SQLite and PostgreSQL): the report as a table,
exit code 0 when helsebro would accept the token, 1 when not, 2 for input it cannot use."""

from __future__ import annotations

import secrets
import time

import pytest
from typer.testing import CliRunner

from helsebro.auth.client_side import dpop_proof
from helsebro.cli import app as cli
from tests.attacks import forge, new_key, parts, with_claims
from tests.conftest import PUBLIC_URL
from tests.support import EPJ_CLIENT

runner = CliRunner()
CATALOG = "/verktoy/v1/SelvstendigVerktoy"


@pytest.fixture()
def env(database_url, engine, monkeypatch):
    """The CLI on the database the suite's app uses, naming the same issuer URL as its tokens."""
    monkeypatch.setenv("HELSEBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("HELSEBRO_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("COLUMNS", "200")


def run(*args: str, stdin: str | None = None):
    return runner.invoke(cli, ["inspect-token", *args], input=stdin)


def flat(text: str) -> str:
    """The printed text without the table's borders and line breaks (a long explanation wraps in its cell)."""
    return " ".join(text.replace("│", " ").split())


def test_a_good_token_is_accepted_with_exit_code_0(env, tokens):
    result = run(tokens.get("verktoykatalog_read"), "--path", CATALOG)
    assert result.exit_code == 0, result.output
    assert f"Accepted: helsebro would let this token in at {CATALOG}." in result.stdout
    assert '"client_id": "helsebro-demo-verktoy"' in result.stdout  # the decoded claims
    assert "has scope verktoykatalog_read" in result.stdout and "failed" not in result.stdout


def test_a_token_for_another_api_is_refused_with_exit_code_1_and_the_reason(env, tokens):
    result = run(tokens.get("verktoykatalog_read"), "--family", "pts")
    assert result.exit_code == 1, result.output
    assert "aud is 'nhn:helsenorge.eksternapi': pts needs 'nhn:pts'" in flat(result.stdout)
    assert "Refused at some endpoint of pts: the API answers 401 invalid_token: token audience must include nhn:pts" in flat(result.stdout)


def test_an_expired_token_says_how_long_ago(env, app, tokens):
    now = int(time.time())
    claims = with_claims(
        parts(tokens.get("verktoykatalog_read"))[1], iat=now - 3600, nbf=now - 3600, exp=now - 180, jti=secrets.token_hex(8)
    )
    result = run(forge(app, claims), "--path", CATALOG)
    assert result.exit_code == 1, result.output
    assert "expired 3 minutes ago" in flat(result.stdout) and "token has expired" in result.stdout


def test_the_token_may_come_from_stdin_with_its_scheme(env, tokens):
    result = run("-", "--path", CATALOG, stdin="Authorization: Bearer " + tokens.get("verktoykatalog_read") + "\n")
    assert result.exit_code == 0, result.output
    assert "sent as 'Authorization: Bearer <token>'" in result.stdout


def test_a_dpop_bound_token_with_its_proof(env, tokens):
    key = new_key()
    token = tokens.get("digitaltaktiv", EPJ_CLIENT, dpop_key=key)
    url = PUBLIC_URL + "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer"
    good = run(token, "--dpop", dpop_proof(key, "GET", url, access_token=token), "--method", "GET", "--url", url)
    assert good.exit_code == 0, good.output
    assert "DPoP proof claims" in good.stdout and "not used before" in good.stdout
    other = PUBLIC_URL + "/DigitaltAktiv/api/v1/Annet"
    wrong = run(token, "--dpop", dpop_proof(key, "GET", other, access_token=token), "--method", "GET", "--url", url)
    assert wrong.exit_code == 1, wrong.output
    assert f"the proof's htu '{other}' does not match the request URL {url}" in flat(wrong.stdout)
    as_bearer = run(token, "--url", url)
    assert as_bearer.exit_code == 1 and "is DPoP-bound (cnf.jkt" in as_bearer.stdout and "but sent as Bearer" in flat(as_bearer.stdout)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["not-a-jwt"], None, "not a signed JWT"),
        (["-"], "  \n", "TOKEN is empty"),
        (["a.b.c", "--family", "helsenorge"], None, "unknown family 'helsenorge'"),
        (["a.b.c", "--path", "/helseid/connect/token"], None, "no token-protected API"),
        (["a.b.c", "--url", "/pts/x"], None, "absolute http(s) URL"),
        (["-", "--dpop", "-"], "x", "only one of TOKEN and --dpop"),
    ],
)
def test_unusable_input_exits_with_2_and_says_why(env, args, stdin, message):
    result = run(*args, stdin=stdin)
    assert result.exit_code == 2, result.output
    assert message in flat(result.output)


def test_a_fodselsnummer_claim_is_never_printed(env, app, tokens):
    fnr = "12048645510"
    claims = with_claims(parts(tokens.get("verktoykatalog_read"))[1], pid=fnr, jti=secrets.token_hex(8))
    result = run(forge(app, claims), "--path", CATALOG)
    assert result.exit_code == 0, result.output
    assert fnr not in result.output and '"pid": "120486*****"' in result.stdout
