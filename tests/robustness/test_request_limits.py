"""Request limits (helsebro.limits): bodies over a family's limit are refused with 413 in that family's format
without being read, and headers, query strings and parameter counts are bounded. In process, through the
ASGI interface, so the test can count how much of a body the server pulled; once on SQLite, once on
PostgreSQL. The largest legitimate body (an aktivsjekk of 1,000 numbers) passes:
tests/api/test_digitaltaktiv.py::test_exactly_1000_numbers_are_allowed.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from helsebro.limits import MB, LimitSettings
from tests.conftest import PUBLIC_URL
from tests.robustness.families import (
    PTS_BASE,
    assert_fiks_error,
    assert_helsenorge_error,
    assert_problem,
    helseid_token,
    maskinporten_token,
    operator_token,
)
from tests.support import EPJ_CLIENT, VERKTOY_CLIENT
from tests.support_svarut import INTEGRASJON, KONTO, PASSORD

LIMITS = LimitSettings()
PVK = "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"
SVARUT_SEARCH = f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/status/sok"
SVARUT_LETTER = f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/person"
SVARUT_NHN = f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/nhn"
SVARUT_HEADERS = {"IntegrasjonId": INTEGRASJON, "IntegrasjonPassord": PASSORD}

# (path, limit, content type, the family's error check)
BODY_CASES = {
    "pvk": (PVK, LIMITS.max_body_bytes_helsenorge, "application/json", assert_helsenorge_error),
    "digitaltaktiv": (
        "/digitaltaktiv/helsenorgeaktivsjekken/v1",
        LIMITS.max_body_bytes_helsenorge,
        "application/json",
        assert_helsenorge_error,
    ),
    "verktoy": ("/verktoy/system/verktoy/v2", LIMITS.max_body_bytes_helsenorge, "application/json", assert_helsenorge_error),
    "operator": ("/operator/api/v1/innbyggere", LIMITS.max_body_bytes_helsenorge, "application/json", assert_helsenorge_error),
    "operator_page": ("/operator/logg-inn", LIMITS.max_body_bytes_helsenorge, "application/x-www-form-urlencoded", assert_helsenorge_error),
    "pts": (PTS_BASE + "/_search", LIMITS.max_body_bytes_pts, "application/json", assert_problem),
    "svarut": (SVARUT_SEARCH, LIMITS.max_body_bytes_svarut, "application/json", assert_fiks_error),
    "svarut_nhn_multipart": (SVARUT_NHN, LIMITS.max_multipart_bytes_svarut_nhn, "multipart/form-data; boundary=x", assert_fiks_error),
    "helseid": ("/helseid/connect/token", LIMITS.max_body_bytes_oauth, "application/x-www-form-urlencoded", None),
    "maskinporten": ("/maskinporten/token", LIMITS.max_body_bytes_oauth, "application/x-www-form-urlencoded", None),
}
CHUNK = 64 * 1024


def assert_oauth_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"} and body["error"] == "invalid_request", body
    return body


def assert_pvk_error(response, status: int) -> dict:
    """PVK's business errors: {code, message, errorCategory} (NORPREG's PVKBroker parses them so)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "errorCategory"} and body["code"].startswith("EPVK-"), body
    return body


def check_for(case: str):
    return BODY_CASES[case][3] or assert_oauth_error


class CountingBody:
    """A request body of ``chunks`` chunks that counts how many the server pulled."""

    def __init__(self, chunks: int, first: bytes = b'{"a": "'):
        self.chunks, self.first, self.pulled = chunks, first, 0

    async def __aiter__(self):
        for index in range(self.chunks):
            self.pulled += 1
            yield self.first if index == 0 else b"x" * CHUNK


def post(app, path: str, **kwargs) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL) as client:
            return await client.post(path, **kwargs)

    return asyncio.run(go())


@pytest.mark.parametrize("case", sorted(BODY_CASES))
def test_an_announced_body_over_the_limit_is_refused_before_a_byte_is_read(app, case: str):
    path, limit, content_type, _ = BODY_CASES[case]
    body = CountingBody(1_000_000)  # 64 GB if it were read
    headers = {"Content-Type": content_type, "Content-Length": str(limit + 1), **SVARUT_HEADERS}
    response = post(app, path, content=body, headers=headers)
    message = check_for(case)(response, 413)
    assert str(limit) in json.dumps(message), message
    assert response.headers["connection"] == "close"
    assert body.pulled <= 1, f"{body.pulled} chunks read of a body refused by its Content-Length"


# The token each endpoint checks before it reads the body (PTS wants a DPoP-bound token: its JSON reading is
# the same as SvarUt's status search, and its Content-Length refusal is above).
CHUNKED_CASES = {
    "pvk": lambda client: helseid_token(client, "Personverninnstillinger_skriv", EPJ_CLIENT),
    "digitaltaktiv": lambda client: helseid_token(client, "helsenorgeaktivsjekken", EPJ_CLIENT),
    "verktoy": lambda client: helseid_token(client, "verktoysendtilinnbygger", VERKTOY_CLIENT),
    "operator": operator_token,
    "operator_page": None,
    "svarut": maskinporten_token,
    "helseid": None,
    "maskinporten": None,
}


@pytest.mark.parametrize("case", sorted(CHUNKED_CASES))
def test_a_chunked_body_is_cut_off_at_the_limit(app, client, case: str):
    path, limit, content_type, _ = BODY_CASES[case]
    headers = {"Content-Type": content_type, **SVARUT_HEADERS}
    if CHUNKED_CASES[case] is not None:
        headers["Authorization"] = f"Bearer {CHUNKED_CASES[case](client)}"
    body = CountingBody(1_000_000)
    response = post(app, path, content=body, headers=headers)
    check_for(case)(response, 413)
    assert limit // CHUNK <= body.pulled <= limit // CHUNK + 3, f"{body.pulled} chunks of {CHUNK} bytes read for a limit of {limit}"


def test_svarut_multipart_stops_reading_a_little_past_350_mb():
    """The letter send's cap sits just above KS's 350 MB of files (svarut.receiving refuses those exactly)."""
    from helsebro import formats
    from helsebro.limits import body_limit

    multipart = {b"content-type": b"multipart/form-data; boundary=x"}
    assert 350 * MB < body_limit(LIMITS, formats.FIKS, SVARUT_LETTER, multipart) <= 353 * MB
    assert 18 * MB < body_limit(LIMITS, formats.FIKS, SVARUT_NHN, multipart) <= 21 * MB
    assert body_limit(LIMITS, formats.FIKS, SVARUT_LETTER, {b"content-type": b"application/json"}) == LIMITS.max_body_bytes_svarut


def test_a_body_under_the_limit_still_reaches_the_endpoint(app):
    response = post(app, PVK, content=json.dumps({"innbyggerFnr": "x" * 100_000}).encode(), headers={"Content-Type": "application/json"})
    assert_helsenorge_error(response, 401)  # past the limit, the token is checked as before


@pytest.mark.parametrize(
    ("path", "check"),
    [
        (PVK, assert_helsenorge_error),
        (PTS_BASE + "/_search", assert_problem),
        (SVARUT_SEARCH, assert_fiks_error),
        ("/helseid/connect/token", assert_oauth_error),
    ],
)
def test_headers_query_and_parameters_are_bounded(client, path: str, check):
    check(client.post(path, headers={"X-Stor": "x" * (LIMITS.max_header_bytes + 1)}), 431)
    check(client.post(path, headers={f"X-Mange-{n}": "1" for n in range(LIMITS.max_headers + 1)}), 431)
    check(client.post(path + "?q=" + "x" * LIMITS.max_query_bytes), 414)
    check(client.post(path + "?" + "&".join(["id=1"] * (LIMITS.max_query_params + 1))), 400)


@pytest.mark.parametrize("family", ["pvk", "svarut", "operator"])
def test_deeply_nested_json_is_the_familys_400(client, family: str):
    """Nesting is bounded by the parsers (orjson: 1024 levels; json: the recursion limit), inside the body limit."""
    deep = b"[" * 100_000 + b"]" * 100_000
    if family == "pvk":
        path, check, token = PVK, assert_pvk_error, helseid_token(client, "Personverninnstillinger_skriv", EPJ_CLIENT)
    elif family == "svarut":
        path, check, token = SVARUT_SEARCH, assert_fiks_error, maskinporten_token(client)
    else:
        path, check, token = "/operator/api/v1/innbyggere", assert_helsenorge_error, operator_token(client)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", **SVARUT_HEADERS}
    check(client.post(path, content=deep, headers=headers), 400)
