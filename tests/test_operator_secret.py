"""HELSEBRO_OPERATOR_SECRET: on a shared server the operator client's published secret is replaced."""

from __future__ import annotations

import uvicorn
from typer.testing import CliRunner

from helsebro.auth.clients import get_client
from helsebro.auth.passwords import verify_secret
from helsebro.cli import app
from helsebro.db import create_engine
from helsebro.testdata import loader

runner = CliRunner()
DEFAULT = "helsebro-operator"


def operator_hash(engine) -> str:  # noqa: ANN001
    with engine.connect() as conn:
        client = get_client(conn, loader.OPERATOR_CLIENT)
    assert client is not None
    return client.secret_hash


def test_the_default_data_takes_the_operators_secret_from_the_setting(engine, monkeypatch):
    monkeypatch.setenv("HELSEBRO_OPERATOR_SECRET", "bare-for-oss")
    try:
        loader.reset(engine)
        stored = operator_hash(engine)
        assert verify_secret("bare-for-oss", stored) and not verify_secret(DEFAULT, stored)
    finally:
        monkeypatch.delenv("HELSEBRO_OPERATOR_SECRET")
        loader.reset(engine)
    assert verify_secret(DEFAULT, operator_hash(engine))


def test_a_database_loaded_before_the_setting_gets_the_new_secret(engine):
    try:
        assert loader.apply_operator_secret(engine, "nytt-passord")
        assert verify_secret("nytt-passord", operator_hash(engine))
        assert not loader.apply_operator_secret(engine, "nytt-passord")  # already so: nothing to do
    finally:
        loader.reset(engine)


def test_the_token_endpoint_takes_the_new_secret_only(client, engine):
    form = {"grant_type": "client_credentials", "scope": "helsebro:operator"}
    try:
        loader.apply_operator_secret(engine, "nytt-passord")
        assert client.post("/helseid/connect/token", data=form, auth=(loader.OPERATOR_CLIENT, "nytt-passord")).status_code == 200
        assert client.post("/helseid/connect/token", data=form, auth=(loader.OPERATOR_CLIENT, DEFAULT)).status_code == 401
    finally:
        loader.reset(engine)


def test_serve_warns_when_others_can_reach_the_published_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("HELSEBRO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HELSEBRO_HOST", "127.0.0.1")
    monkeypatch.delenv("HELSEBRO_OPERATOR_SECRET", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setenv("HELSEBRO_PORT", "8080")  # serve writes its host and port into the environment (for its workers)
    shared = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert shared.exit_code == 0, shared.output
    assert "HELSEBRO_OPERATOR_SECRET" in shared.stderr
    local = runner.invoke(app, ["serve", "--host", "127.0.0.1"])
    assert local.exit_code == 0 and "HELSEBRO_OPERATOR_SECRET" not in local.stderr
    monkeypatch.setenv("HELSEBRO_OPERATOR_SECRET", "bare-for-oss")
    protected = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert protected.exit_code == 0 and "HELSEBRO_OPERATOR_SECRET" not in protected.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'helsebro.sqlite'}")
    assert verify_secret("bare-for-oss", operator_hash(engine))  # serve gave the existing database the secret
