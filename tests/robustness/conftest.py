"""The robustness suite's app: the shared one, but with its own data directory, so letters' files written on
SQLite go to a temporary directory and not into ./helsebro-data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helsebro.app import create_app
from tests.conftest import make_settings


@pytest.fixture(scope="session")
def app(database_url: str, engine: sa.Engine, tmp_path_factory):
    return create_app(make_settings(database_url, data_dir=tmp_path_factory.mktemp("robustness-data")), engine)
