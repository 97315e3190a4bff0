"""Sending letters: POST /svarut/api/v3/kontoer/{kontoId}/forsendelser/{person|organisasjon|nhn|print}.

Every response is checked against KS's forsendelse-send-api-v3.json. Covered: each kind of letter, what is
stored (letter, files, status, outbox) and that nothing is stored when a send fails, the files against
``dokumenter[].filnavn``, the rules of each kind that need the registries, access (Maskinporten token,
Fiks integration, account), Idempotency-Key, and a 60 MB letter streamed through without being held.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import secrets
import tracemalloc

import httpx
import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.svarut import blobs, receiving, status
from helsebro.svarut.letters import OUTBOX_KIND
from helsebro.svarut.tables import outbox, svarut_dokument, svarut_forsendelse, svarut_status_historikk
from tests.conftest import PUBLIC_URL
from tests.support_svarut import (  # noqa: F401  (svarut is a fixture)
    ANNEN_INTEGRASJON,
    ANNEN_PASSORD,
    CITIZEN,
    INTEGRASJON,
    KONTO,
    KONTO_UTEN_HER_ID,
    KONTO_UTEN_TILGANG,
    PASSORD,
    Part,
    letter_parts,
    multipart,
    new_uuid,
    nhn_letter,
    organisation_letter,
    pdf,
    person_letter,
    print_letter,
    svarut,
)

MB = 1024 * 1024


# -- helpers -------------------------------------------------------------------------------------------


def letter(svarut, letter_id: str):
    with db.read(svarut.engine) as conn:
        return conn.execute(sa.select(svarut_forsendelse).where(svarut_forsendelse.c.id == letter_id)).first()


def files_of(svarut, letter_id: str) -> list:
    with db.read(svarut.engine) as conn:
        query = sa.select(svarut_dokument).where(svarut_dokument.c.forsendelse_id == letter_id).order_by(svarut_dokument.c.posisjon)
        return conn.execute(query).all()


def store(svarut) -> blobs.BlobStore:
    return blobs.store_for(svarut.app.state.services.settings, svarut.engine)


def blob_content(svarut, key: str) -> bytes:
    return b"".join(store(svarut).read(key))


def stored_state(svarut) -> tuple[int, int, int]:
    """(letters, blobs, outbox jobs): what a failed send must leave unchanged."""
    with db.read(svarut.engine) as conn:
        letters = conn.execute(sa.select(sa.func.count()).select_from(svarut_forsendelse)).scalar()
        jobs = conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar()
    keys = set(store(svarut).keys_before(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)))
    return letters, len(keys), jobs


def assert_error(response, status_code: int, error_code: str, mentions: str = "") -> dict:
    assert response.status_code == status_code, response.text
    body = response.json()
    assert body["errorCode"] == error_code, body
    assert mentions in body["message"] + json.dumps(body.get("errorJson") or {}, ensure_ascii=False), body
    return body


def problems_of(response) -> list[dict]:
    """errorJson (field -> message, as KS's client reads it) as a list, in its order."""
    body = assert_error(response, 400, "VALIDERING_FEILET")
    return [{"felt": field, "melding": message} for field, message in body["errorJson"].items()]


# -- each kind of letter -------------------------------------------------------------------------------


def test_person_letter_is_stored_with_its_files_status_and_outbox_job(svarut):
    first, second = pdf("side 1"), pdf("vedlegg", size=300_000)
    letter_id = svarut.send_ok("person", person_letter("vedtak.pdf", "vedlegg.pdf"), [("vedtak.pdf", first), ("vedlegg.pdf", second)])
    row = letter(svarut, letter_id)
    assert row.kind == "person" and row.status == "MOTTATT" and str(row.konto_id) == KONTO
    assert row.metadata == person_letter("vedtak.pdf", "vedlegg.pdf")  # the JSON as received
    stored = files_of(svarut, letter_id)
    assert [(f.filnavn, f.mime_type, f.storrelse) for f in stored] == [
        ("vedtak.pdf", "application/pdf", len(first)),
        ("vedlegg.pdf", "application/pdf", len(second)),
    ]
    assert [f.sha256 for f in stored] == [hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest()]
    assert [blob_content(svarut, f.blob_key) for f in stored] == [first, second]
    with db.read(svarut.engine) as conn:
        history = conn.execute(sa.select(svarut_status_historikk).where(svarut_status_historikk.c.forsendelse_id == letter_id)).all()
        jobs = conn.execute(sa.select(outbox).where(outbox.c.kind == OUTBOX_KIND)).all()
    assert [h.status for h in history] == ["MOTTATT"]
    job = next(j for j in jobs if j.payload["forsendelseId"] == letter_id)
    assert job.payload == {"forsendelseId": letter_id, "kontoId": KONTO, "kind": "person"} and job.done_at is None and job.attempts == 0


def test_organisation_letter_is_accepted(svarut):
    letter_id = svarut.send_ok("organisasjon", organisation_letter(), [("melding.pdf", pdf())])
    assert letter(svarut, letter_id).kind == "organisasjon"


def test_print_letter_is_accepted(svarut):
    letter_id = svarut.send_ok("print", print_letter(), [("brev.pdf", pdf())])
    assert letter(svarut, letter_id).kind == "print"


def test_nhn_letter_to_the_patients_gp_records_the_gp(svarut):
    letter_id = svarut.send_ok("nhn", nhn_letter(), [("epikrise.pdf", pdf())])
    assert [f.filnavn for f in files_of(svarut, letter_id)] == ["epikrise.pdf"]
    with db.read(svarut.engine) as conn:
        jobs = conn.execute(sa.select(outbox.c.payload)).scalars().all()
    assert {"forsendelseId": letter_id, "kontoId": KONTO, "kind": "nhn", "nhnMottakerHerId": "8200001"} in jobs


def test_nhn_letter_to_a_her_id_is_accepted(svarut):
    svarut.send_ok("nhn", nhn_letter(mottakertype="HER_ID", mottakerHerId=8100001), [("epikrise.pdf", pdf())])


def test_letter_without_documents_is_accepted_as_the_schema_allows(svarut):
    metadata = person_letter()
    del metadata["dokumenter"]
    svarut.send_ok("person", metadata, [])


def test_null_properties_count_as_absent(svarut):
    svarut.send_ok("person", person_letter(eksponertFor=None, kryptert=None, lenker=None), [("vedtak.pdf", pdf())])


def test_non_pdf_document_excluded_from_print_is_accepted(svarut):
    metadata = person_letter()
    metadata["dokumenter"].append({"filnavn": "data.csv", "mimeType": "text/csv", "skalEkskluderesFraUtskrift": True})
    svarut.send_ok("person", metadata, [("vedtak.pdf", pdf()), ("data.csv", b"a;b\n1;2\n")])


# -- files against dokumenter[].filnavn ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "mentions"),
    [
        ([("b.pdf", pdf()), ("a.pdf", pdf())], "samme rekkefølge"),
        ([("a.pdf", pdf()), ("c.pdf", pdf())], "'c.pdf'"),
        ([("a.pdf", pdf())], "Forventet 2 filer"),
        ([("a.pdf", pdf()), ("b.pdf", pdf()), ("c.pdf", pdf())], "flere filer"),
    ],
    ids=["order", "name", "too-few", "too-many"],
)
def test_files_must_match_dokumenter_in_count_names_and_order(svarut, files, mentions):
    before = stored_state(svarut)
    response = svarut.send("person", letter_parts(person_letter("a.pdf", "b.pdf"), files))
    assert_error(response, 400, "DOKUMENT_UGYLDIG", mentions)
    assert stored_state(svarut) == before  # not even the first file is left behind


def test_file_part_without_filename_is_refused(svarut):
    parts = letter_parts(person_letter("a.pdf"))
    parts.append(Part("filer_0", pdf(), content_type="application/pdf"))
    assert_error(svarut.send("person", parts), 400, "DOKUMENT_UGYLDIG", "filename")


def test_part_names_of_files_are_ignored(svarut):
    parts = letter_parts(person_letter("a.pdf"))
    parts.append(Part(None, pdf(), filename="a.pdf"))
    assert svarut.send("person", parts).status_code == 200


def test_first_part_must_be_forsendelse(svarut):
    parts = [Part("filer_0", pdf(), filename="a.pdf"), *letter_parts(person_letter("a.pdf"))]
    assert_error(svarut.send("person", parts), 400, "FORSENDELSE_MANGLER")


def test_forsendelse_must_be_json(svarut):
    assert_error(svarut.send("person", letter_parts(b"{tittel:")), 400, "UGYLDIG_JSON")


def test_body_must_be_multipart(svarut):
    response = svarut.client.post(f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/person", headers=svarut.headers(), json=person_letter())
    svarut.specs.check_response(response, "send")
    assert_error(response, 415, "UGYLDIG_CONTENT_TYPE")


def test_truncated_body_is_refused_and_leaves_nothing(svarut):
    before = stored_state(svarut)
    content_type, body = multipart(letter_parts(person_letter("a.pdf"), [("a.pdf", pdf(size=2 * MB))]))
    headers = {**svarut.headers(), "Content-Type": content_type}
    response = svarut.client.post(f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/person", headers=headers, content=body[: len(body) // 2])
    svarut.specs.check_response(response, "send")
    assert_error(response, 400, "UGYLDIG_MULTIPART")
    assert stored_state(svarut) == before


# -- rules of each kind --------------------------------------------------------------------------------


def test_metadata_breaking_the_schema_lists_every_problem(svarut):
    metadata = person_letter(tittel="", konteringskode="ugyldig kode!", lenker=[{"url": "https://a.no", "tekst": "a"}] * 6)
    problems = problems_of(svarut.send("person", letter_parts(metadata, [("vedtak.pdf", pdf())])))
    assert {p["felt"] for p in problems} == {"forsendelse.tittel", "forsendelse.konteringskode", "forsendelse.lenker"}


def test_property_names_are_case_sensitive(svarut):
    metadata = person_letter()
    metadata["Tittel"] = metadata.pop("tittel")
    problems = problems_of(svarut.send("person", letter_parts(metadata, [("vedtak.pdf", pdf())])))
    assert "skal være 'tittel'" in problems[0]["melding"]


def test_print_takes_only_pdf(svarut):
    metadata = print_letter()
    metadata["dokumenter"][0]["mimeType"] = "image/png"
    problems = problems_of(svarut.send("print", letter_parts(metadata, [("brev.pdf", b"\x89PNG")])))
    assert problems == [{"felt": "forsendelse.dokumenter[0].mimeType", "melding": "kun application/pdf godtas for print"}]


def test_print_file_that_is_no_pdf_is_refused(svarut):
    before = stored_state(svarut)
    assert_error(svarut.send("print", letter_parts(print_letter(), [("brev.pdf", b"not a pdf")])), 400, "DOKUMENT_UGYLDIG", "PDF")
    assert stored_state(svarut) == before


def test_print_needs_a_postal_address(svarut):
    metadata = print_letter()
    del metadata["mottaker"]["adresse"]
    assert problems_of(svarut.send("print", letter_parts(metadata, [("brev.pdf", pdf())])))[0]["felt"] == "forsendelse.mottaker.adresse"


def test_nhn_takes_exactly_one_file(svarut):
    parts = letter_parts(nhn_letter(), [("a.pdf", pdf()), ("b.pdf", pdf())])
    assert_error(svarut.send("nhn", parts), 400, "DOKUMENT_UGYLDIG", "flere filer")
    assert_error(svarut.send("nhn", letter_parts(nhn_letter())), 400, "DOKUMENT_UGYLDIG", "Forventet 1")


def test_nhn_file_must_be_a_pdf(svarut):
    assert_error(svarut.send("nhn", letter_parts(nhn_letter(), [("a.txt", b"tekst")])), 400, "DOKUMENT_UGYLDIG", "PDF")


def test_nhn_file_name_must_be_a_valid_filnavn(svarut):
    assert_error(svarut.send("nhn", letter_parts(nhn_letter(), [("a?.pdf", pdf())])), 400, "DOKUMENT_UGYLDIG", "?")


def test_nhn_file_may_be_at_most_18_mb(svarut):
    before = stored_state(svarut)
    response = svarut.send("nhn", letter_parts(nhn_letter(), [("stor.pdf", pdf(size=18 * MB + 1))]))
    assert_error(response, 413, "FOR_STOR", "18 MB")
    assert stored_state(svarut) == before
    svarut.send_ok("nhn", nhn_letter(), [("akkurat.pdf", pdf(size=18 * MB))])


def test_all_files_of_a_letter_together_have_a_limit(svarut, monkeypatch):
    monkeypatch.setattr(receiving, "MAX_LETTER_BYTES", 1 * MB)  # 350 MB in production; the rule is the same
    before = stored_state(svarut)
    parts = letter_parts(person_letter("a.pdf", "b.pdf"), [("a.pdf", pdf(size=600_000)), ("b.pdf", pdf(size=600_000))])
    assert_error(svarut.send("person", parts), 413, "FOR_STOR", "til sammen")
    assert stored_state(svarut) == before


def test_metadata_part_has_a_limit(svarut):
    metadata = person_letter(avgivendeSystem="x" * 100)
    raw = json.dumps(metadata).encode()[:-1] + b', "fyll": "' + b"x" * receiving.MAX_METADATA_BYTES + b'"}'
    assert_error(svarut.send("person", letter_parts(raw)), 413, "FOR_STOR", "metadata")


def test_nhn_needs_the_accounts_own_her_id(svarut):
    problems = problems_of(svarut.send("nhn", letter_parts(nhn_letter(), [("a.pdf", pdf())]), konto=KONTO_UTEN_HER_ID))
    assert problems == [{"felt": "kontoId", "melding": "kontoen har ingen HER-id og kan ikke sende til Norsk Helsenett"}]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mottakertype": "HER_ID", "mottakerHerId": 999999}, "forsendelse.mottakerHerId"),
        ({"mottakertype": "HER_ID"}, "forsendelse.mottakerHerId"),
        ({"pasient": {"fodselsnummer": "01010112345", "fornavn": "Uten", "etternavn": "Fastlege"}}, "forsendelse.pasient.fodselsnummer"),
        ({"mottakertype": "LEGEVAKT"}, "forsendelse.mottakertype"),
    ],
    ids=["unknown-her-id", "her-id-missing", "no-gp", "unknown-type"],
)
def test_nhn_recipient_must_be_found(svarut, overrides, field):
    problems = problems_of(svarut.send("nhn", letter_parts(nhn_letter(**overrides), [("a.pdf", pdf())])))
    assert [p["felt"] for p in problems] == [field]


def test_organisation_recipient_must_be_in_enhetsregisteret(svarut):
    metadata = organisation_letter(mottaker={"navn": "Ukjent AS", "digitalId": "910000071"})
    problems = problems_of(svarut.send("organisasjon", letter_parts(metadata, [("melding.pdf", pdf())])))
    assert problems == [{"felt": "forsendelse.mottaker.digitalId", "melding": "organisasjonsnummeret finnes ikke i Enhetsregisteret"}]


def test_person_recipient_needs_a_valid_or_registered_number(svarut):
    metadata = person_letter(mottaker={"navn": "Feil Nummer", "digitalId": "12048645511"})
    problems = problems_of(svarut.send("person", letter_parts(metadata, [("vedtak.pdf", pdf())])))
    assert problems == [{"felt": "forsendelse.mottaker.digitalId", "melding": "kontrollsifrene i fødselsnummeret stemmer ikke"}]


def test_reply_to_nhn_recipient_must_be_a_known_her_id(svarut):
    reply = {"navn": "Legekontoret", "type": "NHN_MOTTAKER", "digitalId": "123", "adresse": {"adresselinje1": "Vei 1", "poststed": "OSLO"}}
    problems = problems_of(svarut.send("person", letter_parts(person_letter(svarSendesTil=reply), [("vedtak.pdf", pdf())])))
    assert problems == [{"felt": "forsendelse.svarSendesTil.digitalId", "melding": "HER-id finnes ikke i adresseregisteret"}]


# -- access --------------------------------------------------------------------------------------------


def test_no_token_is_401(svarut):
    headers = {"IntegrasjonId": INTEGRASJON, "IntegrasjonPassord": PASSORD}
    assert_error(svarut.send("person", letter_parts(person_letter(), [("vedtak.pdf", pdf())]), headers=headers), 401, "SEC-110000")


def test_helseid_token_is_401(svarut, tokens):
    headers = {**svarut.headers(), **tokens.bearer("verktoykatalog_read")}
    response = svarut.send("person", letter_parts(person_letter(), [("vedtak.pdf", pdf())]), headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["errorCode"] == "SEC-110000"
    assert body["message"] == "token audience must include ks:fiks"  # the reason, not only in WWW-Authenticate


@pytest.mark.parametrize(
    ("integrasjon", "passord", "error_code"),
    [
        (None, None, "INTEGRASJON_MANGLER"),
        (INTEGRASJON, None, "INTEGRASJON_MANGLER"),
        (INTEGRASJON, "feil", "INTEGRASJON_UGYLDIG"),
        ("0d2c7f0e-0000-4000-8000-000000000000", PASSORD, "INTEGRASJON_UGYLDIG"),
        ("ikke-en-uuid", PASSORD, "INTEGRASJON_UGYLDIG"),
        (ANNEN_INTEGRASJON, ANNEN_PASSORD, "INTEGRASJON_ANNEN_ORGANISASJON"),
    ],
    ids=["no-headers", "no-password", "wrong-password", "unknown", "not-a-uuid", "other-organisation"],
)
def test_integration_credentials_must_be_right(svarut, integrasjon, passord, error_code):
    headers = {"Authorization": f"Bearer {svarut.token()}"}
    if integrasjon is not None:
        headers["IntegrasjonId"] = integrasjon
    if passord is not None:
        headers["IntegrasjonPassord"] = passord
    assert_error(svarut.send("person", letter_parts(person_letter(), [("vedtak.pdf", pdf())]), headers=headers), 401, error_code)


def test_unknown_account_is_404(svarut):
    assert_error(svarut.send("person", letter_parts(person_letter(), [("vedtak.pdf", pdf())]), konto=new_uuid()), 404, "KONTO_FINNES_IKKE")


def test_account_id_must_be_a_uuid(svarut):
    assert_error(svarut.send("person", letter_parts(person_letter(), [("vedtak.pdf", pdf())]), konto="konto-1"), 400, "UGYLDIG_PARAMETER")


def test_account_that_has_not_granted_the_integration_is_403(svarut):
    response = svarut.send("person", letter_parts(person_letter(), [("vedtak.pdf", pdf())]), konto=KONTO_UTEN_TILGANG)
    assert_error(response, 403, "KONTO_INGEN_TILGANG")


def test_unknown_kind_of_letter_is_a_fiks_404(svarut):
    content_type, body = multipart(letter_parts(person_letter(), [("vedtak.pdf", pdf())]))
    response = svarut.client.post(
        f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/brevdue", headers={**svarut.headers(), "Content-Type": content_type}, content=body
    )
    svarut.specs.check_response(response, "send")
    assert response.status_code == 404


# -- Idempotency-Key -----------------------------------------------------------------------------------


def test_same_key_and_body_gives_the_same_id_and_stores_nothing_twice(svarut):
    key = "brev-" + secrets.token_hex(8)
    parts = letter_parts(person_letter(), [("vedtak.pdf", pdf("en gang"))])
    first = svarut.send("person", parts, headers=svarut.headers(**{"Idempotency-Key": key}))
    assert first.status_code == 200
    before = stored_state(svarut)
    again = svarut.send("person", parts, headers=svarut.headers(**{"Idempotency-Key": key}))  # a new boundary, same body
    assert again.json() == first.json()
    assert stored_state(svarut) == before


def test_same_key_with_another_body_is_a_conflict(svarut):
    key = "brev-" + secrets.token_hex(8)
    headers = svarut.headers(**{"Idempotency-Key": key})
    assert svarut.send("person", letter_parts(person_letter(), [("vedtak.pdf", pdf("a"))]), headers=headers).status_code == 200
    before = stored_state(svarut)
    assert_error(
        svarut.send("person", letter_parts(person_letter(), [("vedtak.pdf", pdf("b"))]), headers=headers), 409, "IDEMPOTENCY_KEY_KONFLIKT"
    )
    assert_error(
        svarut.send("person", letter_parts(person_letter(tittel="Annen"), [("vedtak.pdf", pdf("a"))]), headers=headers),
        409,
        "IDEMPOTENCY_KEY_KONFLIKT",
    )
    assert stored_state(svarut) == before


def test_without_a_key_every_send_is_a_new_letter(svarut):
    parts = letter_parts(person_letter(), [("vedtak.pdf", pdf())])
    assert svarut.send("person", parts).json() != svarut.send("person", parts).json()


def test_invalid_idempotency_key_is_refused(svarut):
    response = svarut.send(
        "person", letter_parts(person_letter(), [("vedtak.pdf", pdf())]), headers=svarut.headers(**{"Idempotency-Key": "x" * 256})
    )
    assert_error(response, 400, "UGYLDIG_PARAMETER")


def test_concurrent_sends_with_one_key_store_one_letter(svarut):
    key = "samtidig-" + secrets.token_hex(8)
    content_type, body = multipart(letter_parts(person_letter(), [("vedtak.pdf", pdf(size=3 * MB))]))
    headers = {**svarut.headers(**{"Idempotency-Key": key}), "Content-Type": content_type}

    async def send_twice() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=svarut.app), base_url=PUBLIC_URL) as client:
            url = f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/person"
            return await asyncio.gather(*(client.post(url, headers=headers, content=body) for _ in range(2)))

    before = stored_state(svarut)
    responses = asyncio.run(send_twice())
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    letters, blob_count, jobs = stored_state(svarut)
    assert (letters, blob_count, jobs) == (before[0] + 1, before[1] + 1, before[2] + 1)


# -- large letters stream through ----------------------------------------------------------------------


def test_a_60_mb_letter_streams_through_without_being_held_in_memory(svarut):
    size = 60 * MB
    boundary = "stream" + secrets.token_hex(8)
    metadata = json.dumps(person_letter("stor.pdf")).encode()
    digest = hashlib.sha256()

    async def body():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="forsendelse"\r\nContent-Type: application/json\r\n\r\n'.encode()
            + metadata
            + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="filer_0"; filename="stor.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        )
        block = b"%PDF-1.7\n" + secrets.token_bytes(64 * 1024 - 9)
        sent = 0
        while sent < size:
            piece = block[: size - sent]
            digest.update(piece)
            sent += len(piece)
            yield piece
        yield f"\r\n--{boundary}--\r\n".encode()

    async def send() -> httpx.Response:
        headers = {**svarut.headers(), "Content-Type": f"multipart/form-data; boundary={boundary}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=svarut.app), base_url=PUBLIC_URL, timeout=300) as client:
            return await client.post(f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/person", headers=headers, content=body())

    svarut.token()
    tracemalloc.start()
    try:
        response = asyncio.run(send())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    assert peak < 16 * MB, f"peak {peak / MB:.1f} MB for a {size // MB} MB file"
    [stored] = files_of(svarut, response.json()["id"])
    assert stored.storrelse == size and stored.sha256 == digest.hexdigest()
    read_back = hashlib.sha256()
    for chunk in store(svarut).read(stored.blob_key):
        assert len(chunk) <= blobs.CHUNK_SIZE
        read_back.update(chunk)
    assert read_back.hexdigest() == digest.hexdigest()


# -- the blob store's housekeeping ---------------------------------------------------------------------


def test_orphan_blobs_are_swept_and_letters_files_are_kept(svarut):
    letter_id = svarut.send_ok("person", person_letter(), [("vedtak.pdf", pdf("beholdes"))])
    kept = files_of(svarut, letter_id)[0].blob_key
    writer = store(svarut).create()
    writer.write(b"orphan")
    orphan = writer.finish()
    assert blobs.sweep_orphans(svarut.engine, store(svarut), older_than=dt.timedelta(hours=1)) == 0  # too young to tell
    swept = blobs.sweep_orphans(svarut.engine, store(svarut), older_than=dt.timedelta(seconds=-5))
    assert swept >= 1
    remaining = set(store(svarut).keys_before(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)))
    assert orphan.key not in remaining and kept in remaining
    assert blob_content(svarut, kept) == pdf("beholdes")


def test_status_record_is_what_workers_will_use(svarut):
    letter_id = svarut.send_ok("print", print_letter(), [("brev.pdf", pdf())])
    with db.write(svarut.engine) as conn:
        status.record(conn, letter_id, "AKSEPTERT", dt.datetime.now(dt.UTC))
    assert letter(svarut, letter_id).status == "AKSEPTERT"
    with pytest.raises(ValueError), db.write(svarut.engine) as conn:
        status.record(conn, letter_id, "PÅ_VEI", dt.datetime.now(dt.UTC))
