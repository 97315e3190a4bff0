"""The SvarUt harness for delivery tests: the API without a worker of its own (the tests run workers when they
choose) and without step delays, and a helper that delivers everything pending."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from helsebro.app import create_app
from helsebro.jobs import outbox
from helsebro.jobs.factory import build_worker
from tests.conftest import PUBLIC_URL, make_settings
from tests.support_svarut import SvarUt, load_specs, load_svarut_data


@pytest.fixture(scope="module")
def svarut(database_url: str, engine: sa.Engine, tmp_path_factory) -> Iterator[SvarUt]:
    specs = load_specs()
    load_svarut_data(engine)
    data_dir = tmp_path_factory.mktemp("svarut-delivery")
    settings = make_settings(database_url, data_dir=data_dir, embedded_worker=False, svarut_step_seconds=0)
    app = create_app(settings, engine)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as client:
        yield SvarUt(client, engine, app, data_dir, specs)
    load_svarut_data(engine)


def settings_of(svarut: SvarUt):
    return svarut.app.state.services.settings


def deliver(svarut: SvarUt, **overrides: Any) -> None:
    """Run a worker with the default handlers until nothing is pending (bounded, so a bug cannot hang the run)."""
    worker = build_worker(settings_of(svarut).model_copy(update=overrides), svarut.engine)
    worker.run(until_idle=True, max_seconds=30)
    assert outbox.next_wake(svarut.engine, worker.kinds) is None, "the worker stopped with work left"
