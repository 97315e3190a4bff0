"""Client-side helpers for the SvarUt v2 tests: requests shaped exactly as KS's own client builds them
(``ks-no/fiks-svarut-klient``: ``SendKlientV2`` and the other V2 clients over Jetty 12, models written by
Jackson), and KS's nine v2 specs (unmodified, reference/fiks-svarut/v2) to check every answer against.

What KS's client puts on the wire, from its source:
- paths are absolute, ``/api/v2/...`` on the host (Jetty's ``Request.path()``); the send goes to
  ``/api/v2/kontoer/{kontoId}/forsendelser/`` with the trailing slash;
- the send is multipart: the part ``forsendelse`` (no filename) is a ``StringRequestContent``, which Jetty
  sends as ``text/plain;charset=UTF-8``; each file is ``filer_{index}`` with ``filename`` = its
  ``dokumenter[index].filnavn``, an ``InputStreamRequestContent`` (``application/octet-stream``);
- the JSON is the Kotlin data class as Jackson writes it: every property, unset ones as ``null``, the
  booleans with their spec defaults (false), times as ISO strings with offset;
- status-sok and lest send ``application/json``; slett passes ``slettetype``; mottakersystem its three
  optional query parameters; eksternRef ``eksternRef``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import skip_or_fail
from tests.support_svarut import CITIZEN, KONTO, REFERENCE, FiksSpecs, Part, SvarUt, check_error_json, multipart, pdf

V2_DOCUMENTS = {
    "send": "forsendelse-send-api-v2.json",
    "status": "forsendelse-status-api-v2.json",
    "hendelser": "forsendelse-hendelser-api-v2.json",
    "lest": "forsendelse-lest-api-v2.json",
    "metadata": "forsendelse-metadata-api-v2.json",
    "slett": "forsendelse-slett-api-v2.json",
    "typer": "forsendelse-typer-api-v2.json",
    "mottakersystem": "mottakersystem-api-v2.json",
    "eksternref": "forsendelse-eksternref-api-v2.json",
}
V2_REFERENCE = REFERENCE / "v2"
ERROR_KEYS = {"timestamp", "status", "error", "errorId", "path", "originalPath", "message", "errorCode", "errorJson"}


def load_v2_specs() -> V2Specs:
    missing = [name for name in V2_DOCUMENTS.values() if not (V2_REFERENCE / name).exists()]
    if missing:
        skip_or_fail(f"KS's SvarUt v2 specs are not at {V2_REFERENCE}: {missing}")
    return V2Specs({key: json.loads((V2_REFERENCE / name).read_text(encoding="utf-8")) for key, name in V2_DOCUMENTS.items()})


class V2Specs(FiksSpecs):
    def operation(self, method: str, path: str) -> tuple[str, dict]:
        """The document and operation of KS's v2 specs a request path (``/api/v2/...`` or under /svarut) is."""
        tail = path[path.index("/api/v2") + len("/api") :].rstrip("/")
        parts = tail.split("/")
        for name, document in self.documents.items():
            for template, operations in document["paths"].items():
                pattern = template.split("/")
                if (
                    len(pattern) == len(parts)
                    and all(p.startswith("{") or p == q for p, q in zip(pattern, parts))
                    and method.lower() in operations
                ):
                    return name, operations[method.lower()]
        raise AssertionError(f"{method} {path} is no operation of KS's v2 specs")

    def has_operation(self, method: str, path: str) -> bool:
        try:
            self.operation(method, path)
        except AssertionError:
            return False
        return True

    def check(self, response) -> Any:
        """The response, after checking it against KS's v2 spec for its operation."""
        request = response.request
        name, operation = self.operation(request.method, request.url.path)
        outcome = operation["responses"].get(str(response.status_code)) or operation["responses"]["default"]
        if "content" not in outcome:
            assert response.status_code == 204 and not response.content, response.text
            return None
        assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
        body = response.json()
        schema = next(iter(outcome["content"].values()))["schema"]["$ref"].rsplit("/", 1)[1]
        checked = body
        if response.status_code >= 400:
            assert set(body) <= ERROR_KEYS and ERROR_KEYS - {"errorJson"} <= set(body), body
            assert body["status"] == response.status_code and body["path"] == request.url.path, body
            checked = check_error_json(body)
        problems = self.errors(checked, schema, name)
        assert not problems, f"{response.status_code} body breaks KS's {schema}: {problems}\n{body}"
        return body


# -- what KS's client sends -------------------------------------------------------------------------------

# Every property of the v2 Forsendelse data class, as ForsendelseBuilder leaves it when unset.
FORSENDELSE_DEFAULTS: dict[str, Any] = {
    "mottaker": None, "tittel": None, "eksponertFor": None, "avgivendeSystem": None, "avgivendeSystemAktor": None,
    "konteringskode": None, "kunDigitalLevering": False, "kryptert": False, "utskriftskonfigurasjon": None,
    "krevNiva4Innlogging": False, "metadataFraAvleverendeSystem": None, "metadataForImport": None, "svarSendesTil": None,
    "svarPaForsendelse": None, "dokumenter": None, "lenker": None, "forsendelsestype": None, "eksternReferanse": None,
    "korrelasjonsid": None, "svarPaForsendelseLink": False, "signeringUtloper": None, "signaturType": None,
    "taushetsbelagtPost": False,
}  # fmt: skip
ADRESSE_DEFAULTS = {
    k: None for k in ("navn", "digitalId", "adresselinje1", "adresselinje2", "adresselinje3", "poststed", "postnummer", "land")
}
DOKUMENT_DEFAULTS = {
    "filnavn": None, "mimeType": None, "skalSigneres": False, "dokumentType": None, "giroarkSider": None,
    "skalEkskluderesFraUtskrift": False, "ekstraMetadata": None, "inneholderPersonsensitivInformasjon": False,
}  # fmt: skip


def adresse(**fields: Any) -> dict:
    return {**ADRESSE_DEFAULTS, **fields}


def dokument(filnavn: str, mime_type: str = "application/pdf", **fields: Any) -> dict:
    return {**DOKUMENT_DEFAULTS, "filnavn": filnavn, "mimeType": mime_type, **fields}


def forsendelse(mottaker: dict, *documents: dict, tittel: str = "Vedtak om tildeling av omsorgsbolig", **fields: Any) -> dict:
    return {**FORSENDELSE_DEFAULTS, "mottaker": mottaker, "tittel": tittel, "dokumenter": list(documents) or None, **fields}


def til_person(*names: str, fnr: str = CITIZEN, **fields: Any) -> dict:
    mottaker = adresse(navn="Line Danser", digitalId=fnr, adresselinje1="Storgata 1", postnummer="0150", poststed="OSLO")
    return forsendelse(mottaker, *[dokument(n) for n in names or ("vedtak.pdf",)], **{"avgivendeSystem": "helsebro-test", **fields})


def til_organisasjon(*names: str, orgnr: str = "913748263", **fields: Any) -> dict:
    mottaker = adresse(navn="Helse Vestfjord HF", digitalId=orgnr, adresselinje1="Sykehusveien 1", postnummer="8000", poststed="BODØ")
    return forsendelse(
        mottaker, *[dokument(n, dokumentType="U") for n in names or ("melding.pdf",)], **{"tittel": "Melding om vedtak", **fields}
    )


def til_print(*names: str, **fields: Any) -> dict:
    mottaker = adresse(navn="Ola Nordmann", adresselinje1="Fjordveien 2", postnummer="5003", poststed="BERGEN")
    return forsendelse(mottaker, *[dokument(n) for n in names or ("brev.pdf",)], **{"tittel": "Brev i posten", **fields})


def jetty_parts(metadata: dict | bytes, files: list[tuple[str, bytes]]) -> list[Part]:
    """The parts SendKlientV2.buildMultipartBody adds, with the headers Jetty's contents give them."""
    raw = metadata if isinstance(metadata, bytes) else json.dumps(metadata, ensure_ascii=False).encode()
    parts = [Part("forsendelse", raw, content_type="text/plain;charset=UTF-8")]
    parts += [
        Part(f"filer_{index}", data, filename=name, content_type="application/octet-stream") for index, (name, data) in enumerate(files)
    ]
    return parts


class V2Client:
    """SvarUt v2 as KS's client calls it, on the harness's TestClient (``root`` "" or "/svarut")."""

    def __init__(self, svarut: SvarUt, specs: V2Specs, root: str = "/svarut"):
        self.svarut, self.specs, self.root = svarut, specs, root

    def _call(self, method: str, path: str, check: bool = True, headers: dict | None = None, **kwargs: Any):
        all_headers = {**(self.svarut.headers() if headers is None else headers), **kwargs.pop("extra_headers", {})}
        response = self.svarut.client.request(method, self.root + "/api/v2" + path, headers=all_headers, **kwargs)
        if check:
            self.specs.check(response)
        return response

    def send(self, metadata: dict | bytes, files: list[tuple[str, bytes]] | None = None, konto: str = KONTO, **kwargs: Any):
        content_type, body = multipart(jetty_parts(metadata, files or []), boundary="JettyHttpClientBoundary" + secrets.token_hex(8))
        extra = {"Content-Type": content_type, **kwargs.pop("extra_headers", {})}
        return self._call("POST", f"/kontoer/{konto}/forsendelser/", content=body, extra_headers=extra, **kwargs)

    def send_ok(self, metadata: dict, files: list[tuple[str, bytes]] | None = None, **kwargs: Any) -> str:
        if files is None:
            files = [(d["filnavn"], pdf(d["filnavn"])) for d in metadata.get("dokumenter") or []]
        response = self.send(metadata, files, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def statuses(self, ids: list[str], konto: str = KONTO, **kwargs: Any):
        body = json.dumps({"forsendelseIds": ids}).encode()
        return self._call(
            "POST", f"/kontoer/{konto}/forsendelser/status-sok", content=body, extra_headers={"Content-Type": "application/json"}, **kwargs
        )

    def status_of(self, letter_id: str) -> str:
        response = self.statuses([letter_id])
        assert response.status_code == 200, response.text
        return {s["id"]: s["status"] for s in response.json()["statuser"]}[letter_id]

    def hendelser(self, letter_id: str, **kwargs: Any):
        return self._call("GET", f"/forsendelser/{letter_id}/hendelser", **kwargs)

    def signeringshendelser(self, letter_id: str, **kwargs: Any):
        return self._call("GET", f"/forsendelser/{letter_id}/signeringshendelser", **kwargs)

    def lest(self, letter_id: str, lest_av: dict | bytes, **kwargs: Any):
        body = lest_av if isinstance(lest_av, bytes) else json.dumps(lest_av).encode()
        return self._call(
            "POST", f"/forsendelser/{letter_id}/lest", content=body, extra_headers={"Content-Type": "application/json"}, **kwargs
        )

    def metadata(self, letter_id: str, **kwargs: Any):
        return self._call("GET", f"/forsendelser/{letter_id}/metadata", **kwargs)

    def slett(self, letter_id: str, slettetype: str | None = "ORIGINALDOKUMENTER", **kwargs: Any):
        params = {} if slettetype is None else {"slettetype": slettetype}
        return self._call("DELETE", f"/forsendelser/{letter_id}/dokumenter", params=params, **kwargs)

    def forsendelsestyper(self, **kwargs: Any):
        return self._call("GET", "/forsendelsestyper", **kwargs)

    def mottakersystem(self, **params: Any):
        check = params.pop("check", True)
        return self._call("GET", "/mottakersystem", params={k: v for k, v in params.items() if v is not None}, check=check)

    def ekstern_ref(self, ref: str, konto: str = KONTO, metadata: bool = False, **kwargs: Any):
        return self._call("GET", f"/kontoer/{konto}/forsendelser" + ("/metadata" if metadata else ""), params={"eksternRef": ref}, **kwargs)


@pytest.fixture(scope="module")
def v2(svarut) -> Iterator[V2Client]:
    yield V2Client(svarut, load_v2_specs())


def letter_row(svarut: SvarUt, letter_id: str) -> Any:
    from helsebro import db
    from helsebro.svarut.tables import svarut_forsendelse

    with db.read(svarut.engine) as conn:
        return conn.execute(sa.select(svarut_forsendelse).where(svarut_forsendelse.c.id == letter_id)).first()
