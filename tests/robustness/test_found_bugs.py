"""The bugs schemathesis found in helsebro, each pinned by a direct test (the generated inputs that found them
may change as the document changes)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from joserfc.jwk import ECKey

from helsebro.auth.client_side import dpop_proof
from tests.api.pts_support import exchange, user_token
from tests.conftest import PUBLIC_URL
from tests.robustness.families import (
    assert_helsenorge_error,
    assert_problem,
    operator_token,
)

pytestmark = pytest.mark.usefixtures("engine")

# A path segment a client must percent-encode: non-ASCII, a control character, a newline, '?' and '#'.
AWKWARD_SEGMENT = "ø\u00ad\x03\n?#\U000d8b14"


@pytest.fixture(scope="module")
def pts_token(app, tokens) -> tuple[str, ECKey]:
    key = ECKey.generate_key("P-256", private=True)
    response = exchange(tokens, user_token(app), dpop_key=key)
    assert response.status_code == 200, response.text
    return response.json()["access_token"], key


def test_a_dpop_proof_naming_the_encoded_path_is_accepted_for_any_segment(client, pts_token):
    token, key = pts_token
    path = "/pts/v0.5/access-restrictions/patient-safety/" + quote(AWKWARD_SEGMENT, safe="")
    headers = {"Authorization": f"DPoP {token}", "DPoP": dpop_proof(key, "GET", PUBLIC_URL + path, access_token=token)}
    response = client.get(path, headers=headers)
    assert_problem(response, response.status_code)
    assert response.status_code in (400, 404), response.text  # past the guard: an unknown id


def test_a_refusal_quoting_a_non_ascii_path_is_a_401_not_a_500(client, pts_token):
    token, key = pts_token
    path = "/pts/v0.5/access-restrictions/patient-safety/" + quote(AWKWARD_SEGMENT, safe="")
    wrong_htu = dpop_proof(key, "GET", PUBLIC_URL + "/pts/other", access_token=token)
    response = client.get(path, headers={"Authorization": f"DPoP {token}", "DPoP": wrong_htu})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].isascii() and "does not match the request URL" in response.headers["WWW-Authenticate"]


def test_a_fullmakt_id_beyond_the_id_column_is_a_400(client):
    headers = {"Authorization": f"Bearer {operator_token(client)}"}
    for method in ("GET", "DELETE"):
        response = client.request(method, "/operator/api/v1/fullmakter/13970288048136019968", headers=headers)
        assert assert_helsenorge_error(response, 400)["Code"] == "OP-000400"


def test_routes_without_a_model_document_a_json_body_not_a_string(client):
    document = client.get("/openapi.json").json()
    jwks = document["paths"]["/maskinporten/jwk"]["get"]["responses"]["200"]["content"]
    assert [schema.get("schema") for schema in jwks.values()] == [{}]
    send = document["paths"]["/svarut/api/v3/kontoer/{kontoId}/forsendelser/person"]["post"]["responses"]
    assert set(send) == {"200", "default"}  # as in KS's spec: no FastAPI 422
