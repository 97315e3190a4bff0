"""``helsebro dpop-proof``: its proofs are what PTS accepts (through the real app), bound to the method, URL,
token and nonce they were made for, and bad input ends in one line and exit code 2."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from joserfc.jwk import ECKey, thumbprint
from typer.testing import CliRunner

from helsebro.auth.client_side import load_private_key
from helsebro.auth.dpop import access_token_hash, verify_proof
from helsebro.auth.jwts import InvalidToken
from helsebro.cli import app
from helsebro.testdata import loader
from tests.support import EPJ_CLIENT

runner = CliRunner()
SAFETY = "/pts/v0.5/access-restrictions/patient-safety"


def proof(key_file, method: str, url: str, *extra: str) -> str:
    result = runner.invoke(app, ["dpop-proof", "--key", str(key_file), "--method", method, "--url", url, *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def pts_token(tokens, key_file) -> str:
    """A DPoP-bound PTS token for the key in ``key_file``, from the token endpoint."""
    return tokens.get("nhn:pts/api", EPJ_CLIENT, dpop_key=load_private_key(json.loads(key_file.read_text())))


def restriction(off_id: str, requisition: str) -> dict:
    return {
        "patientSafetyObject": {"person": {"offId": off_id}, "confidentialObjectId": {"type": "Rekvisisjon", "value": requisition}},
        "delayDays": 14,
        "confidentialityCode": "NORU",
        "cause": "Manual",
    }


def test_proofs_from_the_command_create_and_find_a_restriction_in_pts(client, tokens, fresh_data, tmp_path):
    key_file = tmp_path / "pts.jwk.json"
    first = runner.invoke(app, ["dpop-proof", "--key", str(key_file), "--method", "GET", "--url", tokens.base_url + "/pts"])
    assert first.exit_code == 0 and "Wrote a new DPoP key" in first.stderr
    written = json.loads(key_file.read_text())
    assert written["kty"] == "EC" and written["crv"] == "P-256" and written["d"]

    token = pts_token(tokens, key_file)
    off_id, requisition = "9" + str(uuid.uuid4().int)[:10], str(uuid.uuid4())
    # The query is no part of htu: a proof made from the URL curl is given still matches.
    create = proof(key_file, "post", tokens.base_url + SAFETY + "?ignored=1", "--token", token)
    created = client.post(SAFETY, json=restriction(off_id, requisition), headers={"Authorization": f"DPoP {token}", "DPoP": create})
    assert created.status_code == 201, created.text

    search = proof(key_file, "POST", tokens.base_url + SAFETY + "/_search", "--token", token)
    found = client.post(SAFETY + "/_search", json={"offId": off_id}, headers={"Authorization": f"DPoP {token}", "DPoP": search})
    assert found.status_code == 200, found.text
    assert [r["confidentialObjectId"]["value"] for r in found.json()] == [requisition]
    assert json.loads(key_file.read_text()) == written  # the same key every time, not a new one


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [("GET", SAFETY + "/_search", "htm"), ("POST", SAFETY, "htu"), ("POST", "/pts/v0.5/access-check", "htu")],
)
def test_pts_refuses_a_proof_for_another_method_or_url(client, tokens, tmp_path, method, path, reason):
    key_file = tmp_path / "pts.jwk.json"
    proof(key_file, "GET", tokens.base_url + "/")  # writes the key
    token = pts_token(tokens, key_file)
    wrong = proof(key_file, method, tokens.base_url + path, "--token", token)
    response = client.post(SAFETY + "/_search", json={"offId": "12048645510"}, headers={"Authorization": f"DPoP {token}", "DPoP": wrong})
    assert response.status_code == 401
    assert f"DPoP proof {reason}" in response.headers["www-authenticate"]
    right = proof(key_file, "POST", tokens.base_url + SAFETY + "/_search", "--token", token)
    assert (
        client.post(
            SAFETY + "/_search", json={"offId": "12048645510"}, headers={"Authorization": f"DPoP {token}", "DPoP": right}
        ).status_code
        == 200
    )


def test_pts_refuses_a_proof_without_the_token_or_for_another_token(client, tokens, tmp_path):
    key_file = tmp_path / "pts.jwk.json"
    proof(key_file, "GET", tokens.base_url + "/")
    token, other = pts_token(tokens, key_file), pts_token(tokens, key_file)
    url = tokens.base_url + SAFETY + "/_search"
    for made in (proof(key_file, "POST", url), proof(key_file, "POST", url, "--token", other)):
        response = client.post(SAFETY + "/_search", json={"offId": "12048645510"}, headers={"Authorization": f"DPoP {token}", "DPoP": made})
        assert response.status_code == 401 and "ath" in response.headers["www-authenticate"]


def test_the_proof_carries_the_nonce_and_signs_with_an_existing_key(tmp_path):
    # An RSA key the user already has (here a demo client's) is used as it is, not replaced.
    key_file = tmp_path / "rsa.jwk.json"
    jwk = loader.demo_private_key("helsebro-demo-verktoy")
    key_file.write_text(json.dumps(jwk))
    url = "https://api.test.pts.nhn.no/v0.5/access-restrictions/patient-safety/_search"
    made = proof(key_file, "POST", url, "--token", "abc.def.ghi", "--nonce", "1234.n0nce_-")
    checked = verify_proof(made, method="POST", urls=[url], now=int(time.time()), max_age=60, skew=5, access_token="abc.def.ghi")
    assert checked.claims["nonce"] == "1234.n0nce_-"
    assert checked.claims["ath"] == access_token_hash("abc.def.ghi")
    assert checked.jkt == thumbprint({k: v for k, v in jwk.items() if k in ("kty", "n", "e")})
    assert json.loads(key_file.read_text()) == jwk
    with pytest.raises(InvalidToken, match="ath"):
        verify_proof(made, method="POST", urls=[url], now=int(time.time()), max_age=60, skew=5, access_token="another")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "FETCH"], "--method 'FETCH': not an HTTP method"),
        (["--url", "/pts/v0.5/access-restrictions"], "--url '/pts/v0.5/access-restrictions': give the whole request URL"),
        (["--url", "ftp://example.org/x"], "--url 'ftp://example.org/x': give the whole request URL"),
        (["--url", "http://127.0.0.1:port/x"], "--url 'http://127.0.0.1:port/x': not a URL"),
        (["--token", "Bearer abc.def.ghi"], "--token: give the access token alone, without 'Bearer' or 'DPoP'"),
        (["--token", "abc def"], "--token: empty, or has characters an HTTP header value cannot carry"),
        (["--nonce", ""], "--nonce: empty"),
        (["--nonce", 'x"y'], "--nonce: empty, or has characters"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_and_writes_no_key(tmp_path, args, message):
    key_file = tmp_path / "new.jwk.json"
    options = {"--method": "POST", "--url": "http://127.0.0.1:8080/pts"} | dict(zip(args[::2], args[1::2]))
    result = runner.invoke(app, ["dpop-proof", "--key", str(key_file), *[v for pair in options.items() for v in pair]])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().startswith(message) and "\n" not in result.stderr.strip()
    assert not key_file.exists()  # nothing written for a call that cannot work


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a JSON file"),
        ('{"kty": "oct", "k": "c2VjcmV0"}', "not an RSA or EC key"),
        (json.dumps(ECKey.generate_key("P-256").as_dict(private=False)), "not a usable private key"),
    ],
)
def test_a_bad_key_file_is_named_in_one_line(tmp_path, content, message):
    key_file = tmp_path / "bad.jwk.json"
    key_file.write_text(content)
    result = runner.invoke(app, ["dpop-proof", "--key", str(key_file), "--method", "GET", "--url", "http://127.0.0.1:8080/"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().startswith(f"--key {key_file}: {message}") and "\n" not in result.stderr.strip()
    assert key_file.read_text() == content


def test_a_key_that_cannot_be_written_is_one_line(tmp_path):
    key_file = tmp_path / "no-such-dir" / "k.jwk.json"
    result = runner.invoke(app, ["dpop-proof", "--key", str(key_file), "--method", "GET", "--url", "http://127.0.0.1:8080/"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == f"--key {key_file}: cannot write a new key there (No such file or directory)"
