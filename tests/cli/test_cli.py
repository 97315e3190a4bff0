"""The helsebro command line, run in-process against a throwaway SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, thumbprint
from typer.testing import CliRunner

from helsebro import db
from helsebro.auth.clients import get_client
from helsebro.auth.passwords import verify_secret
from helsebro.cli import app
from helsebro.settings import Settings

runner = CliRunner()


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HELSEBRO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HELSEBRO_PUBLIC_URL", "http://helsebro.test")
    return tmp_path


def _engine():
    from helsebro.db import create_engine

    return create_engine(Settings().resolved_database_url())


def test_migrate_creates_the_schema(env):
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "Schema at revision" in result.output
    assert (env / "helsebro.sqlite").exists()


def test_a_first_migrate_says_what_it_does_without_alembics_plugin_noise(tmp_path):
    # A new process with serve's logging, as on a user's first `./scripts/serve`: alembic registers its
    # plugins on import, and each said "setup plugin alembic.autogenerate...".
    script = (
        "from helsebro import logs; logs.configure('info'); "  # first, as serve does: alembic is imported later
        "from helsebro import db, migrate; "
        f"migrate.upgrade(db.create_engine('sqlite:///{tmp_path / 'first.sqlite'}'))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Running upgrade" in result.stderr
    assert "setup plugin" not in result.stderr


def test_token_prints_a_helseid_token_for_a_demo_client(env):
    result = runner.invoke(app, ["token", "--scope", "verktoykatalog_read"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    response = json.loads(runner.invoke(app, ["token", "-s", "verktoykatalog_read", "--json"]).stdout)
    assert response["token_type"] == "Bearer" and response["expires_in"] == 3600
    claims = jwt.decode(token, _public_keys(), algorithms=["RS256"]).claims
    assert claims["iss"] == "http://helsebro.test/helseid"
    assert claims["client_id"] == "helsebro-demo-verktoy"
    assert claims["scope"] == ["verktoykatalog_read"]


def test_token_with_pvk_scope_picks_the_epj_demo_client(env):
    result = runner.invoke(app, ["token", "--scope", "Personverninnstillinger_skriv", "--json"])
    assert result.exit_code == 0, result.output
    token = json.loads(result.stdout)["access_token"]
    payload = jwt.decode(token, _public_keys()).claims
    assert payload["client_id"] == "helsebro-demo-epj"


def _public_keys(database_url: str | None = None) -> KeySet:
    from helsebro.auth.keys import KeyStore
    from helsebro.db import create_engine

    keys = KeyStore(create_engine(database_url) if database_url else _engine(), 3600)
    keys.load()
    return KeySet.import_key_set(keys.public_jwks())


def test_token_for_unknown_client_fails_with_a_message(env):
    result = runner.invoke(app, ["token", "--scope", "verktoykatalog_read", "--client", "nobody"])
    assert result.exit_code == 2
    assert "unknown client" in result.output


def test_token_dpop_key_is_made_when_missing_and_kept(database_url, engine, tmp_path, monkeypatch):
    # The README's "--dpop-key key.jwk.json" on a fresh machine: there is no such file yet (it was a traceback).
    monkeypatch.setenv("HELSEBRO_DATABASE_URL", database_url)
    key_file = tmp_path / "key.jwk.json"
    first = runner.invoke(app, ["token", "-s", "verktoykatalog_read", "--dpop-key", str(key_file), "--json"])
    assert first.exit_code == 0, first.output
    assert "Wrote a new DPoP key" in first.stderr
    jwk = json.loads(key_file.read_text())
    assert jwk["kty"] == "EC" and jwk["d"]
    again = runner.invoke(app, ["token", "-s", "verktoykatalog_read", "--dpop-key", str(key_file), "--json"])
    assert again.exit_code == 0 and "Wrote" not in again.stderr
    assert json.loads(key_file.read_text()) == jwk  # the same key, not a new one
    for result in (first, again):
        response = json.loads(result.stdout)
        assert response["token_type"] == "DPoP"
        claims = jwt.decode(response["access_token"], _public_keys(database_url)).claims
        assert claims["cnf"]["jkt"] == thumbprint({k: v for k, v in jwk.items() if k != "d"})


@pytest.mark.parametrize(
    ("option", "content", "message"),
    [
        ("--dpop-key", "{not json", "not a JSON file"),
        ("--dpop-key", '{"kty": "oct", "k": "c2VjcmV0"}', "not an RSA or EC key"),
        ("--dpop-key", '{"kty": "EC", "crv": "P-256"}', "not a usable private key"),
        ("--key", "[]", "not an RSA or EC key"),
    ],
)
def test_token_names_a_bad_key_file_without_a_traceback(env, option, content, message):
    key_file = env / "bad.jwk.json"
    key_file.write_text(content)
    result = runner.invoke(app, ["token", "-s", "verktoykatalog_read", option, str(key_file)])
    assert result.exit_code == 2, result.output
    assert f"{option} {key_file}: {message}" in " ".join(result.stderr.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_token_with_a_missing_key_file_says_so(env):
    result = runner.invoke(app, ["token", "-s", "verktoykatalog_read", "--key", str(env / "nowhere.jwk.json")])
    assert result.exit_code == 2
    assert "nowhere.jwk.json: no such file" in " ".join(result.stderr.split())


def test_clients_add_with_generated_key_then_token(env):
    key_file = env / "mine.jwk.json"
    result = runner.invoke(
        app,
        [
            "clients",
            "add",
            "my-client",
            "--name",
            "Min klient",
            "--orgnr",
            "910000047",
            "-s",
            "verktoykatalog_read",
            "--generate-key",
            str(key_file),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(key_file.read_text())["d"]  # the private key is the user's
    listing = runner.invoke(app, ["clients", "list"])
    assert "my-client" in listing.output
    token = runner.invoke(app, ["token", "-s", "verktoykatalog_read", "--client", "my-client", "--key", str(key_file)])
    assert token.exit_code == 0, token.output
    assert jwt.decode(token.stdout.strip(), _public_keys()).claims["client_id"] == "my-client"


def test_clients_list_shows_every_client_id_whole_in_80_columns(database_url, engine, monkeypatch):
    monkeypatch.setenv("HELSEBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["clients", "list"])
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    for client_id in ("helsebro-demo-verktoy2", "helsebro-innbygger-web", "helsebro-demo-kommune", "helsebro-operator"):
        assert f"│ {client_id} " in result.stdout  # was "helsebro-demo…" for all but one
    assert "nhn:pts/api" in result.stdout  # one scope a line


def test_clients_add_registers_a_professional_login_client(env):
    args = ["clients", "add", "web-epj", "--name", "Web-EPJ", "--orgnr", "910000047", "-s", "openid", "-s", "offline_access"]
    args += ["-s", "helseid://scopes/hpr/hpr_number", "-s", "nhn:pts/api", "--secret", "hemmelig1"]
    args += ["--redirect-uri", "https://epj.example/signin-oidc", "--post-logout-redirect-uri", "https://epj.example/ut", "--require-par"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with db.read(_engine()) as conn:
        stored = get_client(conn, "web-epj")
    assert stored.redirect_uris == ("https://epj.example/signin-oidc",) and stored.post_logout_redirect_uris == ("https://epj.example/ut",)
    assert stored.require_par and stored.grants("openid")


def test_clients_add_registers_child_organisations_and_multi_tenant_clients(env):
    base = ["--orgnr", "913748263", "-s", "nhn:pts/api", "--generate-key"]
    single = runner.invoke(
        app,
        [
            "clients",
            "add",
            "st-epj",
            "--name",
            "EPJ",
            *base,
            str(env / "st.jwk.json"),
            "--child-organisation",
            "920000002",
            "--child-organisation",
            "920000010",
        ],
    )
    multi = runner.invoke(app, ["clients", "add", "mt-epj", "--name", "SaaS", *base, str(env / "mt.jwk.json"), "--multi-tenant"])
    assert single.exit_code == 0 and multi.exit_code == 0, single.output + multi.output
    with db.read(_engine()) as conn:
        stored_single, stored_multi = get_client(conn, "st-epj"), get_client(conn, "mt-epj")
    assert stored_single.child_organisations == ("920000002", "920000010") and not stored_single.multi_tenant
    assert stored_multi.multi_tenant and stored_multi.child_organisations == ()


def test_token_names_the_organisations_it_acts_for(env):
    key_file = env / "orgs.jwk.json"
    added = runner.invoke(
        app,
        [
            "clients",
            "add",
            "orgs-epj",
            "--name",
            "EPJ",
            "--orgnr",
            "913748263",
            "-s",
            "nhn:pts/api",
            "--generate-key",
            str(key_file),
            "--child-organisation",
            "920000010",
        ],
    )
    assert added.exit_code == 0, added.output
    base = ["token", "-s", "nhn:pts/api", "--client", "orgs-epj", "--key", str(key_file)]
    result = runner.invoke(app, [*base, "--child-organisation", "920000010"])
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.stdout.strip(), _public_keys()).claims
    assert claims["helseid://claims/client/claims/orgnr_child"] == "920000010"
    refused = runner.invoke(app, [*base, "--child-organisation", "920000002"])
    assert refused.exit_code == 2 and "HID-1002" in refused.output


def test_clients_add_stores_the_secret_hashed(env):
    result = runner.invoke(
        app, ["clients", "add", "s-client", "--name", "S", "--orgnr", "910000047", "-s", "verktoykatalog_read", "--secret", "hemmelig"]
    )
    assert result.exit_code == 0, result.output
    with db.read(_engine()) as conn:
        stored = get_client(conn, "s-client")
    assert stored.secret_hash and "hemmelig" not in stored.secret_hash
    assert verify_secret("hemmelig", stored.secret_hash)
    assert not verify_secret("feil", stored.secret_hash)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--orgnr", "123456789", "-s", "verktoykatalog_read", "--secret", "x"], "not a valid organisasjonsnummer"),
        (["--orgnr", "910000047", "-s", "no_such_scope", "--secret", "x"], "unknown scope"),
        (["--orgnr", "910000047", "-s", "verktoykatalog_read"], "give the client a key"),
        (
            ["--orgnr", "910000047", "-s", "nhn:pts/api", "--secret", "x", "--child-organisation", "920000003"],
            "--child-organisation[0]: '920000003' is not a valid",
        ),
        (
            ["--orgnr", "910000047", "-s", "nhn:pts/api", "--secret", "x", "--child-organisation", "910000047"],
            "the client's own organisation",
        ),
        (
            ["--orgnr", "910000047", "-s", "nhn:pts/api", "--secret", "x", "--multi-tenant", "--child-organisation", "920000002"],
            "for a single-tenant client",
        ),
    ],
)
def test_clients_add_refuses_bad_input(env, args, message):
    result = runner.invoke(app, ["clients", "add", "bad", "--name", "B", *args])
    assert result.exit_code == 2
    assert message in result.output
    with db.read(_engine()) as conn:
        assert get_client(conn, "bad") is None


def test_reset_restores_the_default_data(env):
    runner.invoke(app, ["clients", "add", "extra", "--name", "E", "--orgnr", "910000047", "-s", "verktoykatalog_read", "--secret", "x"])
    result = runner.invoke(app, ["reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert "'tools': 34" in result.output
    with db.read(_engine()) as conn:
        assert get_client(conn, "extra") is None
        assert get_client(conn, "helsebro-demo-verktoy") is not None


def test_keys_rotate_keeps_the_old_key_published(env):
    runner.invoke(app, ["migrate"])
    before = {k["kid"] for k in _public_keys().as_dict()["keys"]}
    result = runner.invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    after = {k["kid"] for k in _public_keys().as_dict()["keys"]}
    assert before < after and len(after) == len(before) + 1


def test_openapi_documents_the_catalog_and_token_endpoint(env):
    result = runner.invoke(app, ["openapi"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert "/verktoy/v1/SelvstendigVerktoy" in document["paths"]
    assert "/helseid/connect/token" in document["paths"]
    names = {p["name"] for p in document["paths"]["/verktoy/v1/SelvstendigVerktoy"]["get"]["parameters"]}
    assert {"Fagomrader", "Malgrupper", "Sprak", "AntallVerktoy", "Sidereferanse"} <= names


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    for command in ("serve", "migrate", "reset", "token", "clients", "openapi", "keys"):
        assert command in result.output


def test_token_exchange_gives_a_pts_token_naming_the_professional(database_url, client, tmp_path, monkeypatch):
    """`helsebro token --hpr N --exchange`: what NHN prefers for PTS, for users who call PTS with curl."""
    from helsebro.auth.client_side import dpop_proof, load_private_key
    from tests.api.pts_support import HPR_CLAIM, PROFESSIONAL, SAFETY, SEED_CITIZEN
    from tests.conftest import PUBLIC_URL

    monkeypatch.setenv("HELSEBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("HELSEBRO_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("HELSEBRO_SECRET", "test-secret")
    key_file = tmp_path / "pts.jwk.json"
    args = [
        "token",
        "-s",
        "nhn:pts/api",
        "--hpr",
        PROFESSIONAL,
        "--exchange",
        "--audience",
        "nhn:pts",
        "--dpop-key",
        str(key_file),
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["token_type"] == "DPoP" and response["issued_token_type"].endswith(":access_token")
    claims = jwt.decode(response["access_token"], _public_keys(database_url)).claims
    assert claims[HPR_CLAIM] == PROFESSIONAL and claims["act"]["sub"] == "helsebro-demo-epj"
    token, key = response["access_token"], load_private_key(json.loads(key_file.read_text()))
    proof = dpop_proof(key, "POST", PUBLIC_URL + SAFETY + "/_search", access_token=token)
    found = client.post(SAFETY + "/_search", json={"offId": SEED_CITIZEN}, headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert found.status_code == 200, found.text


def test_token_exchange_needs_a_professional(env):
    result = runner.invoke(app, ["token", "-s", "nhn:pts/api", "--exchange"])
    assert result.exit_code == 2 and "--hpr" in result.stderr


def test_client_assertion_for_curl(env):
    from helsebro.auth.client_side import load_private_key

    result = runner.invoke(app, ["client-assertion"])
    assert result.exit_code == 0, result.output
    from helsebro.testdata import loader

    key = load_private_key(loader.demo_private_key("helsebro-demo-epj"))
    claims = jwt.decode(result.stdout.strip(), key).claims
    assert (
        claims["iss"] == claims["sub"] == "helsebro-demo-epj"
        and claims["aud"] == "http://helsebro.test/helseid"
        and claims["exp"] - claims["iat"] == 60
    )
    unknown = runner.invoke(app, ["client-assertion", "--client", "ingen-slik"])
    assert unknown.exit_code == 2 and "no private key for 'ingen-slik'" in unknown.output
