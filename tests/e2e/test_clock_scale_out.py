"""Two API processes on one PostgreSQL database share the server clock: moved on A, B follows it (at once when
it meets a token stamped on the moved clock, else within its refresh interval), and a token expires on both when the shared clock passes its exp, while a token A issues
on the moved clock is good on B."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import postgres_database
from tests.e2e.conftest import start_server

pytestmark = pytest.mark.server

OPERATOR_FORM = {
    "grant_type": "client_credentials",
    "client_id": "helsebro-operator",
    "client_secret": "helsebro-operator",
    "scope": "helsebro:operator",
}
CLIENT_FORM = {
    "grant_type": "client_credentials",
    "client_id": "helsebro-demo-secret",
    "client_secret": "helsebro-demo-secret",
    "scope": "verktoykatalog_read",
}
CATALOG = "/verktoy/v1/SelvstendigVerktoy"


@pytest.fixture()
def two_apis(tmp_path_factory) -> Iterator[tuple[str, str]]:
    # B reads the clock only every minute on its own: what B shows right after the move, it read on demand.
    env = {"HELSEBRO_CLOCK_REFRESH_SECONDS": "60", "HELSEBRO_EMBEDDED_WORKER": "false"}
    for url in postgres_database(tmp_path_factory):
        shared = {
            **env,
            "HELSEBRO_DATABASE_URL": url,
            "HELSEBRO_SECRET": "clock-scale-out",
            "HELSEBRO_PUBLIC_URL": "http://helsebro.invalid",
        }  # one issuer, as behind a load balancer
        dir_a, dir_b = tmp_path_factory.mktemp("api-a"), tmp_path_factory.mktemp("api-b")
        for a in start_server(Path(dir_a), shared):  # A migrates and loads the data; then B starts
            for b in start_server(Path(dir_b), shared):
                yield a.base_url, b.base_url


def token(base: str, form: dict[str, str]) -> str:
    response = httpx.post(base + "/helseid/connect/token", data=form)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_two_api_processes_share_the_moved_clock(two_apis):
    a, b = two_apis
    held = token(b, CLIENT_FORM)  # issued by B on real time
    assert httpx.get(a + CATALOG, headers={"Authorization": f"Bearer {held}"}).status_code == 200

    moved = httpx.post(
        a + "/operator/api/v1/klokke/fram", json={"varighet": "PT2H"}, headers={"Authorization": f"Bearer {token(a, OPERATOR_FORM)}"}
    )
    assert moved.status_code == 200, moved.text
    # The operator token comes from A (on the moved clock): B reads the shared clock when it sees a token
    # stamped after its own copy, so it is good on B at once.
    op_a = {"Authorization": f"Bearer {token(a, OPERATOR_FORM)}"}
    shown = httpx.get(b + "/operator/api/v1/klokke", headers=op_a)
    assert shown.status_code == 200, shown.text
    assert shown.json()["forskyvningSekunder"] >= 7199

    for base in (a, b):  # the held token's exp is passed on both
        refused = httpx.get(base + CATALOG, headers={"Authorization": f"Bearer {held}"})
        assert refused.status_code == 401 and "expired" in refused.headers["www-authenticate"]
    fresh = token(a, CLIENT_FORM)  # issued on the moved clock: good on B too
    assert httpx.get(b + CATALOG, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200

    back = httpx.post(b + "/operator/api/v1/klokke/sanntid", headers={"Authorization": f"Bearer {token(b, OPERATOR_FORM)}"})
    assert back.status_code == 409 and back.json()["Code"] == "OP-000420"  # B refuses going back, as A would
