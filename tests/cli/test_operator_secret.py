"""HELSEBRO_OPERATOR_SECRET: on a shared server the operator client's published secret is replaced; and
``helsebro operator-secret rotate`` replaces it again while the server runs."""

from __future__ import annotations

import re

import sqlalchemy as sa
from starlette.testclient import TestClient
from typer.testing import CliRunner

from helsebro import db
from helsebro.auth import operator_secret
from helsebro.auth.clients import get_client
from helsebro.auth.passwords import verify_secret
from helsebro.auth.tables import server_secrets
from helsebro.cli import app
from helsebro.cli import main as cli
from helsebro.db import create_engine
from helsebro.testdata import loader

runner = CliRunner()
DEFAULT = "helsebro-operator"
TOKEN_FORM = {"grant_type": "client_credentials", "scope": "helsebro:operator"}


def operator_hash(engine) -> str:
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
    monkeypatch.setattr(cli, "_run_uvicorn", lambda *args, **kwargs: None)  # everything serve does but listen
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


def forget_rotation(engine) -> None:
    with db.write(engine) as conn:
        conn.execute(sa.delete(server_secrets).where(server_secrets.c.name == operator_secret.ROTATED))
    loader.reset(engine)


def logged_in_browser(client) -> TestClient:
    browser = TestClient(client.app, base_url=str(client.base_url), raise_server_exceptions=False)
    form = browser.get("/operator/logg-inn")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    data = {"csrf": csrf, "klient_id": loader.OPERATOR_CLIENT, "hemmelighet": DEFAULT}
    assert browser.post("/operator/logg-inn", data=data, follow_redirects=False).status_code == 303
    return browser


def test_a_rotated_secret_works_at_once_ends_sessions_and_outlives_the_setting_and_resets(client, engine):
    browser = logged_in_browser(client)
    assert browser.get("/operator/klienter", follow_redirects=False).status_code == 200
    try:
        with db.write(engine) as conn:
            new = operator_secret.rotate(conn, loader.OPERATOR_CLIENT)
        assert len(new) >= 32 and new != DEFAULT
        assert client.post("/helseid/connect/token", data=TOKEN_FORM, auth=(loader.OPERATOR_CLIENT, new)).status_code == 200
        assert client.post("/helseid/connect/token", data=TOKEN_FORM, auth=(loader.OPERATOR_CLIENT, DEFAULT)).status_code == 401
        assert browser.get("/operator/klienter", follow_redirects=False).status_code == 303  # logged out by the rotation
        assert not loader.apply_operator_secret(engine, "bare-for-oss")  # HELSEBRO_OPERATOR_SECRET at a start
        loader.reset(engine)
        assert verify_secret(new, operator_hash(engine))
    finally:
        browser.close()
        forget_rotation(engine)
    assert verify_secret(DEFAULT, operator_hash(engine))


def test_the_rotate_command_prints_a_new_secret_or_takes_one_from_stdin(tmp_path, monkeypatch):
    monkeypatch.setenv("HELSEBRO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HELSEBRO_DATABASE_URL", raising=False)
    monkeypatch.delenv("HELSEBRO_OPERATOR_SECRET", raising=False)
    made = runner.invoke(app, ["operator-secret", "rotate"])
    assert made.exit_code == 0, made.output
    engine = create_engine(f"sqlite:///{tmp_path / 'helsebro.sqlite'}")
    printed = made.stdout.strip()
    assert verify_secret(printed, operator_hash(engine)) and "its sessions have ended" in made.stderr
    given = runner.invoke(app, ["operator-secret", "rotate", "--stdin"], input="eget-passord\n")
    assert given.exit_code == 0 and given.stdout == "", given.output
    assert verify_secret("eget-passord", operator_hash(engine))
    monkeypatch.setenv("HELSEBRO_OPERATOR_SECRET", "gammelt")  # every command applies the setting: not over a rotation
    assert runner.invoke(app, ["clients", "list"]).exit_code == 0
    assert verify_secret("eget-passord", operator_hash(engine))
    assert runner.invoke(app, ["operator-secret", "rotate", "--stdin"], input="").exit_code == 2
    engine.dispose()
