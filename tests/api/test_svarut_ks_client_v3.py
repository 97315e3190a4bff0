"""SvarUt v3 sends exactly as KS's own JVM client (ks-no/fiks-svarut-klient, SendKlientV3.kt) builds them, under
/svarut/api/v3 and at the root /api/v3 where that client sends (its BASE_PATH "/api/v3" replaces any path in
the base URL).

What the client puts on the wire, read from SendKlientV3.kt and BaseKlient.kt:
- a Jetty ``MultiPartRequestContent``: the part ``forsendelse`` (no filename) with a ``StringRequestContent``,
  whose content type is Jetty's default ``text/plain;charset=UTF-8``; then one part per document named
  ``filer_<n>`` (n its index; the one NHN document is ``filer_1``) with ``filename`` the document's filnavn and
  its mimeType as Content-Type. (Issue 12 says part names ``filer``; the client's code says ``filer_<n>``.)
- the forsendelse written by a plain Jackson ``ObjectMapper`` (no NON_NULL inclusion) from models generated
  from KS's spec: every property of the model is there, unset ones as explicit JSON ``null``.
- an error is read into ``ErrorMessage`` (timestamp Long, status Int, errorId UUID, ..., errorJson
  ``Map<String, String>?``); a body Jackson cannot bind becomes "Klarte ikke å parse feilmelding".
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

import pytest

from tests.support_svarut import (  # noqa: F401
    KONTO,
    Part,
    multipart,
    nhn_letter,
    organisation_letter,
    pdf,
    person_letter,
    print_letter,
    svarut,
)

JETTY_TEXT = "text/plain;charset=UTF-8"
BASES = ["/svarut/api/v3", "/api/v3"]
MODELS = {"person": "PersonForsendelse", "organisasjon": "OrganisasjonForsendelse", "print": "PrintForsendelse", "nhn": "NhnForsendelse"}


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def with_explicit_nulls(value: Any, schema: dict, components: dict) -> Any:
    """The value as Jackson writes the generated model: every declared property, null when unset."""
    schema = _resolve(schema, components)
    if isinstance(value, dict) and "properties" in schema:
        return {
            name: with_explicit_nulls(value[name], sub, components) if name in value else None for name, sub in schema["properties"].items()
        } | {k: v for k, v in value.items() if k not in schema["properties"]}
    if isinstance(value, list) and "items" in schema:
        return [with_explicit_nulls(item, schema["items"], components) for item in value]
    return value


def ks_client_body(svarut, kind: str, letter: dict, files: list[tuple[str, str, bytes]]) -> tuple[str, bytes, bytes]:
    """(content type, body, the forsendelse JSON) as SendKlientV3 sends them. files: (filnavn, mimeType, data)."""
    components = svarut.specs.documents["send"]["components"]["schemas"]
    forsendelse = with_explicit_nulls(letter, components[MODELS[kind]], components)
    # Jackson: compact, UTF-8, non-ASCII as is.
    raw = json.dumps(forsendelse, ensure_ascii=False, separators=(",", ":")).encode()
    first = 1 if kind == "nhn" else 0  # buildMultipartBodyNhn: addDokument(..., 1)
    parts = [Part("forsendelse", raw, content_type=JETTY_TEXT)]
    parts += [Part(f"filer_{first + i}", data, filename=name, content_type=mime) for i, (name, mime, data) in enumerate(files)]
    content_type, body = multipart(parts, boundary="JettyHttpClientBoundary" + secrets.token_hex(8))
    return content_type, body, raw


LETTERS = {
    "person": (
        person_letter("vedtak.pdf", "vedlegg.pdf"),
        [("vedtak.pdf", "application/pdf", pdf("v")), ("vedlegg.pdf", "application/pdf", pdf("w"))],
    ),
    "organisasjon": (organisation_letter("melding.pdf"), [("melding.pdf", "application/pdf", pdf("m"))]),
    "print": (print_letter("brev.pdf"), [("brev.pdf", "application/pdf", pdf("b"))]),
    "nhn": (nhn_letter(), [("epikrise.pdf", "application/pdf", pdf("e"))]),
}


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("kind", list(LETTERS))
def test_a_send_as_ks_client_makes_it(svarut, kind, base):
    letter, files = LETTERS[kind]
    content_type, body, raw = ks_client_body(svarut, kind, letter, files)
    assert b":null" in raw  # the explicit nulls are really there
    response = svarut.client.post(
        f"{base}/kontoer/{KONTO}/forsendelser/{kind}", headers={**svarut.headers(), "Content-Type": content_type}, content=body
    )
    svarut.specs.check_response(response, "send")
    assert response.status_code == 200, response.text
    letter_id = uuid.UUID(response.json()["id"])  # SendForsendelseResponse.id: UUID
    found = svarut.client.post(f"{base}/kontoer/{KONTO}/forsendelser/status/sok", headers=svarut.headers(), json={"id": [str(letter_id)]})
    svarut.specs.check_response(found, "status")
    assert [s["id"] for s in found.json()["statuser"]] == [str(letter_id)]


def read_error_message(text: str) -> dict:
    """BaseKlient.toErrorMessage: Jackson into ErrorMessage, unknown properties ignored; a member of the wrong
    type is a DatabindException, which the client turns into "Klarte ikke å parse feilmelding"."""
    body = json.loads(text)
    types = {"timestamp": int, "status": int, "error": str, "path": str, "originalPath": str, "message": str, "errorCode": str}
    for name, kind in types.items():
        assert body.get(name) is None or isinstance(body[name], kind), f"Klarte ikke å parse feilmelding: {name}"
    if body.get("errorId") is not None:
        uuid.UUID(body["errorId"])
    detail = body.get("errorJson")
    assert detail is None or (isinstance(detail, dict) and all(isinstance(v, str) for v in detail.values())), (
        "Klarte ikke å parse feilmelding: errorJson is no Map<String, String>"
    )
    return body


@pytest.mark.parametrize("base", BASES)
def test_a_refused_send_reads_as_ks_clients_error_message(svarut, base):
    letter, files = LETTERS["person"]
    bad = {**letter, "tittel": "", "mottaker": {**letter["mottaker"], "digitalId": "123"}}
    content_type, body, _ = ks_client_body(svarut, "person", bad, files)
    response = svarut.client.post(
        f"{base}/kontoer/{KONTO}/forsendelser/person", headers={**svarut.headers(), "Content-Type": content_type}, content=body
    )
    assert response.status_code == 400, response.text
    error = read_error_message(response.text)
    assert error["errorCode"] == "VALIDERING_FEILET" and error["status"] == 400
    assert set(error["errorJson"]) == {"forsendelse.tittel", "forsendelse.mottaker.digitalId"}, error


def test_an_error_without_details_has_no_error_json(svarut):
    response = svarut.client.post(
        f"/api/v3/kontoer/{KONTO}/forsendelser/status/sok",
        headers=svarut.headers(),
        content=b"{",
    )
    assert response.status_code == 400
    error = read_error_message(response.text)
    assert "errorJson" not in error, error
