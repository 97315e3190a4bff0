from tests.support import SEED_TOOL


def test_catalog_get_with_token(client, tokens):
    response = client.get(f"/verktoy/v1/SelvstendigVerktoy/{SEED_TOOL}", headers=tokens.bearer())
    assert response.status_code == 200
    assert response.json()["VerktoyId"] == SEED_TOOL


def test_health_check_answers_without_a_token_and_names_the_version(client):
    from helsebro import __version__

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}
    assert "/healthz" not in client.get("/openapi.json").json()["paths"]  # not part of any API
