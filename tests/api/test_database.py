"""The schema and the failure behaviour of the data layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from starlette.testclient import TestClient

import helsebro.tables  # noqa: F401
from helsebro.app import create_app
from helsebro.db import create_engine, metadata
from helsebro.migrate import current_revision
from tests.conftest import PUBLIC_URL, make_settings


def test_migrations_produce_exactly_the_declared_schema(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []
    assert current_revision(engine) is not None


def test_database_down_answers_503_in_the_family_format_without_a_stack_trace(tokens, client):
    # A token from the working app; the broken app shares its signing keys through the same secret-free path:
    # we only need the request to reach the catalog, so give the broken app the working app's key store.
    headers = tokens.bearer()
    broken_engine = create_engine("postgresql://nobody@127.0.0.1:1/none")
    broken = create_app(make_settings("postgresql://nobody@127.0.0.1:1/none"), broken_engine)
    broken.state.services.guard.keys = client.app.state.services.keys
    with TestClient(broken, base_url=PUBLIC_URL, raise_server_exceptions=False) as broken_client:
        response = broken_client.get("/verktoy/v1/SelvstendigVerktoy", headers=headers)
    # The database away is 503 with Retry-After (helsebro.outages), in the family's body, never a stack trace.
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {
        "Code": "HB-000503",
        "Message": "Databasen er ikke tilgjengelig akkurat nå; ingenting ble lagret. Prøv igjen om litt",
    }
    assert "Traceback" not in response.text


def test_token_endpoint_with_database_down_is_an_oauth_server_error(tokens):
    broken = create_app(make_settings("postgresql://nobody@127.0.0.1:1/none"), create_engine("postgresql://nobody@127.0.0.1:1/none"))
    with TestClient(broken, base_url=PUBLIC_URL, raise_server_exceptions=False) as broken_client:
        response = broken_client.post(
            "/helseid/connect/token",
            data={"grant_type": "client_credentials", "client_id": "helsebro-demo-secret", "client_secret": "helsebro-demo-secret"},
        )
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"  # RFC 6749 5.2 / 4.1.2.1
    assert response.headers["Retry-After"] == "1"
