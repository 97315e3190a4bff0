"""A full writer queue (HELSEBRO_WRITE_QUEUE; 0 refuses every write) answers 503 with Retry-After in the
family's own error format, and writes nothing."""

from __future__ import annotations

import sqlalchemy as sa
from starlette.testclient import TestClient

from helsebro import db
from helsebro.app import create_app
from helsebro.personvern.tables import pvk_historikk
from tests.api.test_pvk_set import SET, WRITE_SCOPE, consent
from tests.conftest import PUBLIC_URL, make_settings
from tests.support import EPJ_CLIENT, TokenHelper


def history_count(engine: sa.Engine) -> int:
    with db.read(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(pvk_historikk)).scalar_one()


def test_a_full_writer_queue_answers_503_in_each_familys_format(database_url, engine, tokens):
    token = tokens.get(WRITE_SCOPE, EPJ_CLIENT)
    busy = create_app(make_settings(database_url, write_queue=0))
    with TestClient(busy, base_url=PUBLIC_URL, raise_server_exceptions=False) as client:
        before = history_count(engine)
        response = client.post(SET, json=consent(), headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "1"
        # PVK's 5xx in the camelCase form PVKBroker parses, with the queue's own message.
        assert response.json() == {
            "code": "EPVK-100500",
            "message": "For mange samtidige skriveforespørsler; prøv igjen om litt",
            "errorCategory": "teknisk",
        }
        assert history_count(engine) == before

        # The token endpoint writes the client assertion's jti (replay protection): RFC 6749's code.
        response = TokenHelper(client, PUBLIC_URL).request("verktoykatalog_read")
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "1"
        assert response.json()["error"] == "temporarily_unavailable"
