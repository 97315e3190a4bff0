from tests.support import SEED_TOOL


def test_catalog_get_with_token(client, tokens):
    response = client.get(f"/verktoy/v1/SelvstendigVerktoy/{SEED_TOOL}", headers=tokens.bearer())
    assert response.status_code == 200
    assert response.json()["VerktoyId"] == SEED_TOOL
