"""schemathesis with KS's own SvarUt v3 specs (reference/fiks-svarut: forsendelse-send-api-v3.json and
forsendelse-status-api-v3.json, KS's schemas, not helsebro's document) against a real ``helsebro serve``
process, on SQLite and on PostgreSQL: no answer is a 5xx, every status code and content type is one KS's spec
allows, and every body matches KS's schema for it, at both of helsebro's bases: ``/api`` (the root, where
KS's client sends) and ``/svarut/api``.

Every case carries a good Maskinporten token and the demo integration's headers (KS documents them outside the
OpenAPI files) and, in half of the cases, names the demo account for ``kontoId`` so the fuzzing reaches past
the 404s into the rules. ``errorJson``: KS's stored spec types it as a string; KS's client since 4.8.0 reads
``Map<String, String>`` and so helsebro sends an object (or leaves it out): error bodies are checked against
ErrorMessage without it, and it as that map (support_svarut.check_error_json). Bounded:
HELSEBRO_SCHEMATHESIS_EXAMPLES examples per operation, derandomized, no shrinking.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.e2e.conftest import LiveServer

# The same bounds, checks and response adapter as the v2 run.
from tests.e2e.test_svarut_v2_schemathesis import CHECKS, CONFIG, MAX_EXAMPLES, _as_httpx
from tests.support_svarut import INTEGRASJON, KONTO, PASSORD, REFERENCE, FiksSpecs, jwt_grant, token_form

pytestmark = pytest.mark.server

FILES = {"send": "forsendelse-send-api-v3.json", "status": "forsendelse-status-api-v3.json"}
DOCUMENTS = {name: json.loads((REFERENCE / file).read_text(encoding="utf-8")) for name, file in FILES.items()}
SPECS = FiksSpecs(DOCUMENTS)
BASES = ("/api", "/svarut/api")

_headers: dict[str, dict[str, str]] = {}


def headers_for(server: LiveServer) -> dict[str, str]:
    if server.base_url not in _headers:
        token = httpx.post(
            server.base_url + "/maskinporten/token", data=token_form(jwt_grant(aud=server.base_url + "/maskinporten")), timeout=30
        )
        assert token.status_code == 200, token.text
        _headers[server.base_url] = {
            "Authorization": f"Bearer {token.json()['access_token']}",
            "IntegrasjonId": INTEGRASJON,
            "IntegrasjonPassord": PASSORD,
        }
    return _headers[server.base_url]


def _make_test(name: str) -> Callable:
    schema = schemathesis.openapi.from_dict(DOCUMENTS[name], config=CONFIG)

    @schema.parametrize()
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def test(case, live_server: LiveServer) -> None:
        if case.path_parameters and len(repr(case.query) + repr(case.body)) % 2 == 0:
            case.path_parameters["kontoId"] = KONTO  # chosen by the case itself, so runs repeat
        case.headers = {**(case.headers or {}), **headers_for(live_server)}
        for base in BASES:
            response = case.call(base_url=live_server.base_url + base, timeout=60)
            case.validate_response(response, checks=CHECKS)
            answer = _as_httpx(response)
            if answer.request.method != "POST":  # the coverage phase tries other methods
                assert response.status_code == 405 and json.loads(response.content)["status"] == 405, response.text
                continue
            SPECS.check_response(answer, name)
            assert response.status_code != 401, response.text  # the good token and integration get past the guard

    test.__name__ = f"test_ks_v3_{name}_spec_holds"
    return test


for _name in DOCUMENTS:
    globals()[f"test_ks_v3_{_name}_spec_holds"] = _make_test(_name)
