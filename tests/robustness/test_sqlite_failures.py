"""SQLite that cannot be written: a read-only database file, and a full disk. Writes answer 503 in the family's
format with a message that says which (helsebro.outages), reads go on, and the file is intact afterwards with
nothing half-written. SQLite only: PostgreSQL's outages are in test_database_outages.py.

As root (CI) file modes do not stop a write, so the read-only file is opened read-only (``mode=ro``, the error
SQLite gives for a file it may not write); the full disk is a page limit (``max_page_count``, the error SQLite
gives when the disk is full: SQLITE_FULL).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from helsebro import migrate
from helsebro.app import create_app
from helsebro.db import create_engine
from helsebro.outages import DISK_FULL, READ_ONLY
from helsebro.registries.tables import innbygger
from helsebro.testdata import loader
from tests.conftest import PUBLIC_URL, make_settings
from tests.robustness.families import OPERATOR_FORM, assert_helsenorge_error

CITIZENS = "/operator/api/v1/innbyggere"


@pytest.fixture()
def database_file(tmp_path: Path) -> Path:
    path = tmp_path / "helsebro.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    loader.reset(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def client_for(url: str, engine: sa.Engine) -> TestClient:
    return TestClient(create_app(make_settings(url), engine), base_url=PUBLIC_URL, raise_server_exceptions=False)


def citizen(index: int) -> dict:
    return {
        "fodselsdato": f"19{50 + index % 40}-0{1 + index % 9}-1{index % 9}",
        "fornavn": "Full",
        "etternavn": "Disk" + "x" * 80 + str(index),
    }


def count_citizens(path: Path) -> int:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            return conn.execute(sa.select(sa.func.count()).select_from(innbygger)).scalar()
    finally:
        engine.dispose()


def test_a_read_only_database_file_refuses_writes_clearly_and_still_reads(database_file: Path):
    before = count_citizens(database_file)
    url = f"sqlite:///file:{database_file}?mode=ro&uri=true"
    engine = create_engine(url)
    with client_for(url, engine) as client:
        token = client.post("/helseid/connect/token", data=OPERATOR_FORM)
        # The token service writes too (its jti): a read-only file refuses it in the OAuth format.
        assert token.status_code == 503 and token.json()["error"] == "temporarily_unavailable", token.text
        assert READ_ONLY in token.json()["error_description"]
        assert token.headers["retry-after"]
        catalog_page = client.get("/verktoy/v1/SelvstendigVerktoy")  # reads still reach the database: the token is refused, not the file
        assert_helsenorge_error(catalog_page, 401)
    engine.dispose()
    assert count_citizens(database_file) == before


def test_a_full_disk_refuses_writes_clearly_and_leaves_nothing_half_written(database_file: Path):
    before = count_citizens(database_file)
    url = f"sqlite:///{database_file}"
    engine = create_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _cap(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 8}")  # a few pages left, then the disk is full

    created, refused = 0, None
    with client_for(url, engine) as client:
        token = client.post("/helseid/connect/token", data=OPERATOR_FORM).raise_for_status().json()["access_token"]
        for index in range(2000):  # bounded: a few pages hold far fewer citizens
            response = client.post(CITIZENS, json=citizen(index), headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 201:
                refused = response
                break
            created += 1
        assert refused is not None, "the capped database never filled up"
        body = assert_helsenorge_error(refused, 503)
        assert body == {"Code": "HB-000503", "Message": DISK_FULL} and refused.headers["retry-after"]
        assert client.get(CITIZENS, params={"limit": "1"}, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    engine.dispose()
    assert count_citizens(database_file) == before + created  # every acknowledged citizen, and no half of the refused one
