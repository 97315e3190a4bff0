"""schemathesis with KS's own SvarUt v2 specs (reference/fiks-svarut/v2, KS's schemas, not helsebro's
document) against a real ``helsebro serve`` process, on SQLite and on PostgreSQL: no answer is a 5xx, every
status code and content type is one KS's spec allows, and every body matches KS's schema for it.

The server is the live one of tests/e2e/conftest.py (one per database, shared with the other live tests). The
spec's ``servers`` are KS's hosts: the cases go to ``<live server>/api``, the root path layout of KS's hosts.
Every case carries a good Maskinporten token and the demo integration's headers (KS documents them outside the
OpenAPI files), and names the demo account and a delivered letter of it for ``kontoId`` and ``forsendelseId``
in part of the cases, so the fuzzing reaches past the 404s into the rules. KS's nine documents each define
their own ``Forsendelse``, so each is its own schemathesis schema.

``errorJson``: KS's stored v2 spec types it as a string, KS's client (4.8.0) reads an object; helsebro's error
bodies are checked against ErrorMessage without it (support_svarut_v2.V2Specs.check), everything else as KS
wrote it. Bounded: HELSEBRO_SCHEMATHESIS_EXAMPLES examples per operation, derandomized, no shrinking.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.e2e.conftest import LiveServer
from tests.support_svarut import INTEGRASJON, KONTO, PASSORD, jwt_grant, multipart, pdf, token_form
from tests.support_svarut_v2 import V2_DOCUMENTS, V2_REFERENCE, V2Specs, jetty_parts, til_person

pytestmark = pytest.mark.server

MAX_EXAMPLES = int(os.environ.get("HELSEBRO_SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "generation": {"mode": "all", "deterministic": True, "database": "none", "no-shrink": True},
    }
)
DOCUMENTS = {name: json.loads((V2_REFERENCE / file).read_text(encoding="utf-8")) for name, file in V2_DOCUMENTS.items()}
SPECS = V2Specs(DOCUMENTS)


class Fixture:
    """Per live server: a token, and a delivered letter of the demo account."""

    def __init__(self, server: LiveServer):
        token = httpx.post(
            server.base_url + "/maskinporten/token", data=token_form(jwt_grant(aud=server.base_url + "/maskinporten")), timeout=30
        )
        assert token.status_code == 200, token.text
        self.headers = {
            "Authorization": f"Bearer {token.json()['access_token']}",
            "IntegrasjonId": INTEGRASJON,
            "IntegrasjonPassord": PASSORD,
        }
        content_type, body = multipart(jetty_parts(til_person(), [("vedtak.pdf", pdf("schemathesis"))]))
        sent = httpx.post(
            f"{server.base_url}/api/v2/kontoer/{KONTO}/forsendelser/",
            headers={**self.headers, "Content-Type": content_type},
            content=body,
            timeout=30,
        )
        assert sent.status_code == 200, sent.text
        self.letter = sent.json()["id"]
        self._wait_delivered(server)

    def _wait_delivered(self, server: LiveServer) -> None:
        deadline = time.monotonic() + 180  # a bound for a loaded machine, not a figure
        while time.monotonic() < deadline:
            answer = httpx.post(
                f"{server.base_url}/api/v2/kontoer/{KONTO}/forsendelser/status-sok",
                headers=self.headers,
                json={"forsendelseIds": [self.letter]},
                timeout=30,
            )
            if answer.json()["statuser"][0]["status"] not in ("MOTTATT", "AKSEPTERT"):
                return
            time.sleep(0.3)
        pytest.fail("the letter was not delivered within 180 s")


_fixtures: dict[str, Fixture] = {}


def fixture_for(server: LiveServer) -> Fixture:
    if server.base_url not in _fixtures:
        _fixtures[server.base_url] = Fixture(server)
    return _fixtures[server.base_url]


def _make_test(name: str) -> Callable:
    schema = schemathesis.openapi.from_dict(DOCUMENTS[name], config=CONFIG)

    @schema.parametrize()
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def test(case, live_server: LiveServer) -> None:
        ours = fixture_for(live_server)
        # Half the cases name our own account and letter (chosen by the case itself, so runs repeat).
        if case.path_parameters and len(repr(case.query) + repr(case.body)) % 2 == 0:
            if "kontoId" in case.path_parameters:
                case.path_parameters["kontoId"] = KONTO
            if "forsendelseId" in case.path_parameters:
                case.path_parameters["forsendelseId"] = ours.letter
        case.headers = {**(case.headers or {}), **ours.headers}
        response = case.call(base_url=live_server.base_url + "/api", timeout=60)
        case.validate_response(response, checks=CHECKS)
        answer = _as_httpx(response)
        if not SPECS.has_operation(answer.request.method, answer.request.url.path):  # the coverage phase tries other methods
            assert response.status_code == 405 and json.loads(response.content)["status"] == 405, response.text
            return
        SPECS.check(answer)
        assert response.status_code != 401, response.text  # the good token and integration get past the guard

    test.__name__ = f"test_ks_v2_{name}_spec_holds"
    return test


class _Request:
    def __init__(self, method: str, url: str):
        # The path as the server saw it (percent-decoded), as its ErrorMessage's ``path`` gives it.
        self.method, self.url = method, SimpleNamespace(path=unquote(urlsplit(url).path))


class _as_httpx:
    def __init__(self, response):
        self._response = response
        self.status_code, self.content, self.text = response.status_code, response.content, response.text
        self.headers = httpx.Headers({k: v[0] if isinstance(v, list) else v for k, v in response.headers.items()})
        self.request = _Request(response.request.method, response.request.url)

    def json(self):
        return json.loads(self.content)


for _name in DOCUMENTS:
    globals()[f"test_ks_v2_{_name}_spec_holds"] = _make_test(_name)
