"""SvarUt at the root of the main port, as KS's own client calls it.

KS's JVM client (ks-no/fiks-svarut-klient, BaseKlient.kt / SendKlientV3.kt / StatusKlientV3.kt) takes a host
as its base URL and sets absolute paths ``/api/v3/kontoer/{kontoId}/forsendelser/...`` (Jetty's
``Request.path()`` replaces any path in the base URL). Those paths must reach the same routes, with the same
rules, as ``/svarut/api/v3/...``.
"""

from __future__ import annotations

from tests.support_svarut import KONTO, KONTO_UTEN_TILGANG, letter_parts, multipart, pdf, person_letter, svarut  # noqa: F401


def test_a_letter_sent_at_the_root_is_found_under_both_paths(svarut):
    content_type, body = multipart(letter_parts(person_letter(), [("vedtak.pdf", pdf("rot"))]))
    sent = svarut.client.post(
        f"/api/v3/kontoer/{KONTO}/forsendelser/person", headers={**svarut.headers(), "Content-Type": content_type}, content=body
    )
    svarut.specs.check_response(sent, "send")
    assert sent.status_code == 200, sent.text
    letter_id = sent.json()["id"]
    for base in ("/api/v3", "/svarut/api/v3"):
        found = svarut.client.post(f"{base}/kontoer/{KONTO}/forsendelser/status/sok", headers=svarut.headers(), json={"id": [letter_id]})
        svarut.specs.check_response(found, "status")
        assert found.status_code == 200, found.text
        assert [s["id"] for s in found.json()["statuser"]] == [letter_id]


def test_refusals_at_the_root_are_fiks_error_messages(svarut):
    no_token = svarut.client.post(f"/api/v3/kontoer/{KONTO}/forsendelser/status/sok", json={"id": []})
    assert no_token.status_code == 401
    assert no_token.json()["errorCode"] == "SEC-110000"
    assert no_token.json()["path"] == f"/api/v3/kontoer/{KONTO}/forsendelser/status/sok"
    not_granted = svarut.client.post(
        f"/api/v3/kontoer/{KONTO_UTEN_TILGANG}/forsendelser/status/sok", headers=svarut.headers(), json={"id": []}
    )
    assert not_granted.status_code == 403, not_granted.text
    svarut.specs.check_response(not_granted, "status")
    unknown = svarut.client.get("/api/v3/finnes-ikke")
    assert unknown.status_code == 404
    assert set(unknown.json()) >= {"timestamp", "status", "error", "errorId", "path", "message", "errorCode"}


def test_the_root_copies_stay_out_of_the_docs(svarut):
    paths = svarut.client.get("/openapi.json").json()["paths"]
    assert "/svarut/api/v3/kontoer/{kontoId}/forsendelser/person" in paths
    assert not any(p.startswith("/api/v3") for p in paths)
