"""Faults and the journal on real servers: two API processes on one PostgreSQL database share the injected
faults (a fault for three calls answers exactly three, whichever process gets them) and the request journal
(calls to B are in the journal A shows); a dropped-connection fault closes the connection without an answer,
in every family, on a real ``helsebro serve`` (SQLite)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import postgres_database
from tests.e2e.conftest import start_server
from tests.e2e.test_clock_scale_out import CATALOG, CLIENT_FORM, OPERATOR_FORM, token

pytestmark = pytest.mark.server

FAULTS, JOURNAL = "/operator/api/v1/feil", "/operator/api/v1/journal"
# Each process reads the stored faults on every call, so which process answers decides nothing.
ENV = {"HELSEBRO_FAULT_REFRESH_SECONDS": "0", "HELSEBRO_EMBEDDED_WORKER": "false"}


@pytest.fixture()
def two_apis(tmp_path_factory) -> Iterator[tuple[str, str]]:
    for url in postgres_database(tmp_path_factory):
        shared = {
            **ENV,
            "HELSEBRO_DATABASE_URL": url,
            "HELSEBRO_SECRET": "steering-scale-out",
            "HELSEBRO_PUBLIC_URL": "http://helsebro.invalid",
        }
        for a in start_server(Path(tmp_path_factory.mktemp("api-a")), shared):
            for b in start_server(Path(tmp_path_factory.mktemp("api-b")), shared):
                yield a.base_url, b.base_url


def op(base: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(base, OPERATOR_FORM)}"}


def journal_until(base: str, count: int, **filters: str) -> list[dict]:
    """The journal as ``base`` shows it, once it holds ``count`` calls (another process writes its calls within
    its flush interval, 0.2 s): bounded, so a missing call fails the test instead of hanging it."""
    deadline = time.monotonic() + 60  # a bound for a loaded machine
    while True:
        shown = httpx.get(base + JOURNAL, params=filters, headers=op(base)).json()["foresporsler"]
        if len(shown) >= count or time.monotonic() > deadline:
            return shown
        time.sleep(0.1)


def test_two_api_processes_share_faults_and_the_journal(two_apis):
    a, b = two_apis
    made = httpx.post(a + FAULTS, json={"familie": "verktoy", "svar": "feil", "antall": 3, "rute": CATALOG}, headers=op(a))
    assert made.status_code == 201, made.text
    client = {"Authorization": f"Bearer {token(b, CLIENT_FORM)}"}
    answers = [httpx.get(base + CATALOG, headers=client).status_code for base in (a, b, a, b, a, b)]
    assert sorted(answers) == [200, 200, 200, 500, 500, 500] and answers[:3] == [500, 500, 500]
    shown = httpx.get(f"{b}{FAULTS}/{made.json()['id']}", headers=op(b)).json()
    assert (shown["gjenstar"], shown["aktiv"]) == (0, False)

    calls = journal_until(a, 6, familie="verktoy")
    assert [c["status"] for c in calls] == list(reversed(answers))
    assert [c["feil"] is not None for c in calls] == [s == 500 for s in reversed(answers)]
    assert {c["klientId"] for c in calls} == {CLIENT_FORM["client_id"]}
    # Cleared on B: gone for A too.
    assert httpx.delete(b + FAULTS, headers=op(b)).json() == {"fjernet": 1}
    assert httpx.get(a + FAULTS, headers=op(a)).json() == {"feil": []}


@pytest.fixture(scope="module")
def one_api(tmp_path_factory) -> Iterator[str]:
    for server in start_server(Path(tmp_path_factory.mktemp("steering-live")), ENV):
        yield server.base_url


@pytest.mark.parametrize(
    ("family", "method", "path"),
    [
        ("helseid", "POST", "/helseid/connect/token"),
        ("maskinporten", "POST", "/maskinporten/token"),
        ("helsenorge-login", "POST", "/helsenorge-login/connect/token"),
        ("verktoy", "GET", CATALOG),
        ("digitaltaktiv", "POST", "/digitaltaktiv/helsenorgeaktivsjekken/v1"),
        ("pvk", "POST", "/personvern/Personverninnstillinger/SjekkInnbyggersPiStatus/v2"),
        ("pts", "POST", "/pts/access-restrictions/patient-safety/_search"),
        ("svarut", "POST", "/api/v3/kontoer/x/forsendelser/status/sok"),
    ],
)
def test_a_dropped_connection_gets_no_answer(one_api, family, method, path):
    made = httpx.post(one_api + FAULTS, json={"familie": family, "svar": "brudd", "antall": 1}, headers=op(one_api))
    assert made.status_code == 201, made.text
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.request(method, one_api + path, timeout=10)
    # Used up: the family answers again (whatever it says to an empty request, it answers).
    assert httpx.request(method, one_api + path, timeout=10).status_code < 600
    (dropped,) = journal_until(one_api, 1, familie=family, status="0")
    assert dropped["feil"] == made.json()["id"] and dropped["sti"] == path
