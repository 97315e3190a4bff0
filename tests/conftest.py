"""Shared fixtures: a migrated database with the default data on SQLite and on PostgreSQL, the app, and
helpers that get tokens the way real clients do.

Tests that need PostgreSQL skip with a reason when it is not reachable, unless HELSEBRO_REQUIRE_SERVICES=1
(set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from helsebro import db, migrate
from helsebro.app import create_app
from helsebro.db import create_engine
from helsebro.settings import Settings
from helsebro.testdata import loader
from tests.support import TokenHelper

REQUIRE_SERVICES = os.environ.get("HELSEBRO_REQUIRE_SERVICES") == "1"
# The suite builds many apps and engines in one process (and starts servers that inherit this): small pools
# keep it within PostgreSQL's max_connections (100) however many engines are alive at once.
os.environ.setdefault("HELSEBRO_DATABASE_POOL_SIZE", "2")
# The CLI's messages go through rich, which wraps at the console width (80 without a terminal): a long temporary
# path (pytest-of-root/pytest-248/popen-gw0/...) would be cut in two inside the text a test looks for.
os.environ.setdefault("COLUMNS", "400")
os.environ.setdefault("HELSEBRO_DATABASE_MAX_OVERFLOW", "10")
PG_BASE = os.environ.get("HELSEBRO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PUBLIC_URL = "http://testserver"

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)


# How long each test file took in a full run (seconds, rounded; files under 5 s are left out): the order in
# which xdist hands files to the workers. Longest first, so no long file starts last and runs alone while the
# other worker idles (xdist's own order, by number of tests, put the crash tests last: ~1 minute lost per run).
# Stale figures cost only speed. Refresh from a run with --junitxml: python -m tests.module_seconds JUNIT.xml
MODULE_SECONDS: dict[str, float] = json.loads((Path(__file__).parent / "module_seconds.json").read_text())


def pytest_collection_modifyitems(config, items) -> None:
    if config.pluginmanager.has_plugin("randomly"):  # the flake hunt (-p randomly): its random order stands
        return

    def expected_seconds(item) -> float:
        module = item.nodeid.split("::", 1)[0]
        return MODULE_SECONDS.get(module, 0.0)

    items.sort(key=expected_seconds, reverse=True)  # stable: a file's tests keep their order


def skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (HELSEBRO_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def _postgres_schema_url() -> tuple[str, str]:
    schema = "hb_test_" + secrets.token_hex(4)
    return f"{PG_BASE}?options=-csearch_path%3D{schema}", schema


def postgres_database(tmp_path_factory) -> Iterator[str]:
    """A fresh schema on the local PostgreSQL for this test run; dropped afterwards."""
    try:
        admin = create_engine(PG_BASE)
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        skip_or_fail(f"PostgreSQL not reachable at {PG_BASE}: {type(exc).__name__}")
    url, schema = _postgres_schema_url()
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """Each API test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'helsebro.sqlite'}"
    else:
        yield from postgres_database(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    loader.reset(engine)
    yield engine
    db.close(engine)


@functools.cache
def _scratch_dir() -> Path:
    """Where tests' servers keep files (SvarUt blobs) unless a test gives its own: never the checkout."""
    return Path(tempfile.mkdtemp(prefix="helsebro-tests-"))


def make_settings(database_url: str, **overrides) -> Settings:
    values = {
        "data_dir": _scratch_dir(),
        "public_url": PUBLIC_URL,
        "database_url": database_url,
        "secret": "test-secret",
        "catalog_refresh_seconds": 0.0,
        "embedded_worker": False,  # tests run the delivery worker themselves, when they want it
        # The suite's deliberate wrong operator secrets, all from one test address, must not lock out a later
        # test; tests/api/test_operator_sign_in.py sets small limits of its own.
        "operator_sign_in_failures_per_client": 10_000,
        "operator_sign_in_failures_per_address": 10_000,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def app(settings: Settings, engine: sa.Engine):
    return create_app(settings, engine)


@pytest.fixture(scope="session")
def client(app):
    from starlette.testclient import TestClient

    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def tokens(client) -> TokenHelper:
    return TokenHelper(client, PUBLIC_URL)


@pytest.fixture()
def fresh_data(engine: sa.Engine, app) -> Iterator[None]:
    """Restore the default data after a test that changes it."""
    yield
    loader.reset(engine)
    app.state.services.state["verktoy"].invalidate()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
