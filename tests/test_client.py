"""The typed Python client (helsebro.client) against a real server over HTTP, on SQLite and PostgreSQL: every
family through the client, each family's errors as its own exception type, token caching, DPoP binding, and
DPoP nonces demanded by the server (HELSEBRO_DPOP_NONCE=all, on a server of its own)."""

from __future__ import annotations

import datetime as dt
import io
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from helsebro.client import (
    BearerToken,
    Document,
    DPoP,
    HelseId,
    HelsenorgeError,
    LoginError,
    OperatorError,
    ProfessionalLogin,
    PtsClient,
    PtsProblem,
    SvarUtError,
    TokenError,
    VerktoyClient,
)
from helsebro.client.auth import client_assertion
from helsebro.client.demo import DEMO_KONTO_ID, DemoClients, demo_clients
from helsebro.client.personvern import TypePi
from helsebro.client.svarut import MultipartBody
from helsebro.identifiers import FnrKind, make_fnr
from helsebro.testdata import loader
from tests.e2e.conftest import LiveServer, live_server, start_server  # noqa: F401  (live_server: the fixture)
from tests.support_login import log_in

pytestmark = pytest.mark.server

SEED_TOOL = "08ead360-0d65-448c-ba9e-8a08f0921c90"  # owned by helsebro-demo-verktoy
SEED_TOOL_2 = "95d2290a-ecbc-4525-9593-f35d4ee4e42d"
SENDER_ORGNR = "913748263"
NFS = ("3fe2a80a-4200-42e2-817b-da8a6236708a", "NFS", "samtykke")  # NFS biomateriale samtykke
HN_CONSENT = ("5b0e3c1d-8a47-4f6e-9b2d-7c1a0e4f3d58", "HN", "samtykke")  # drives DigitaltAktiv
LETTER_DONE = {"VARSLET", "LEST"}


@pytest.fixture()
def clients(live_server: LiveServer) -> Iterator[DemoClients]:
    with demo_clients(live_server.base_url) as made:
        yield made


def new_citizen(clients: DemoClients, active: bool = True) -> str:
    born = dt.date(1980, 1, 1) + dt.timedelta(days=uuid.uuid4().int % 9000)
    return clients.operator.create_citizen("Klient", "Testesen", fodselsdato=born, helsenorge_samtykke=active)["fnr"]


def unknown_fnr(clients: DemoClients) -> str:
    for individual in range(900, 999):
        fnr = make_fnr(dt.date(1961, 3, 14), individual, FnrKind.TENOR)
        if fnr is None:
            continue
        with pytest.raises(OperatorError) as missing:
            clients.operator.get_citizen(fnr)
        assert missing.value.status == 404 and missing.value.code == "OP-000404"
        return fnr
    raise AssertionError("no free number")


def person_letter(fnr: str, *names: str) -> dict:
    return {
        "tittel": "Vedtak om tildeling av omsorgsbolig",
        "mottaker": {
            "navn": "Klient Testesen",
            "digitalId": fnr,
            "adresse": {"adresselinje1": "Storgata 1", "postnummer": "0150", "poststed": "OSLO"},
        },
        "avgivendeSystem": "helsebro-client-test",
        "dokumenter": [{"filnavn": name, "mimeType": "application/pdf"} for name in names],
    }


# -- HelseID: tokens --------------------------------------------------------------------------------------------


def test_tokens_are_private_key_jwt_dpop_bound_and_cached(clients: DemoClients, live_server: LiveServer):
    first = clients.epj.token(["digitaltaktiv"])
    assert clients.epj.token("digitaltaktiv") is first  # cached, whichever way the scopes are written
    renewed = clients.epj.token(["digitaltaktiv"], fresh=True)
    assert renewed.access_token != first.access_token and clients.epj.token(["digitaltaktiv"]) is renewed

    keys = KeySet.import_key_set(httpx.get(live_server.base_url + "/helseid/.well-known/openid-configuration/jwks").json())
    claims = jwt.decode(first.access_token, keys).claims
    assert first.token_type == "DPoP" and first.dpop_bound
    assert claims["client_id"] == "helsebro-demo-epj" and claims["cnf"]["jkt"] == clients.epj.dpop.thumbprint  # type: ignore[union-attr]

    bearer = HelseId("helsebro-demo-verktoy", loader.demo_private_key("helsebro-demo-verktoy"), issuer=live_server.base_url + "/helseid")
    assert bearer.token("verktoykatalog_read").token_type == "Bearer"
    assert bearer.token_endpoint == live_server.base_url + "/helseid/connect/token"  # from discovery
    with pytest.raises(ValueError, match="DPoP"):
        PtsClient(live_server.base_url + "/pts", bearer)

    wrong_key = HelseId("helsebro-demo-verktoy", loader.demo_private_key("helsebro-demo-epj"), issuer=live_server.base_url + "/helseid")
    with pytest.raises(TokenError) as refused:
        wrong_key.token("verktoykatalog_read")
    assert refused.value.status in (400, 401) and refused.value.error == "invalid_client"


# -- Verktøy ------------------------------------------------------------------------------------------------------


def test_catalog_list_get_search_image(clients: DemoClients):
    page = clients.verktoy.list_tools(antall_verktoy=5)
    assert 1 <= len(page) <= 5 and all({"VerktoyId", "Navn", "LenkeType", "Sokeord"} <= set(tool) for tool in page)
    second = clients.verktoy.list_tools(antall_verktoy=5, sidereferanse=2)
    assert not {t["VerktoyId"] for t in page} & {t["VerktoyId"] for t in second}

    one = clients.verktoy.get_tool(page[0]["VerktoyId"])
    assert one == page[0]
    found = clients.verktoy.search_tools("smerte")
    assert {"VerktoyId": "f0c7e3a9-6b28-4d15-8f4e-1a9d5c3b7e62", "Navn": "Å leve med langvarige smerter"} in found
    image = clients.verktoy.image(5)
    assert image.content_type == "image/png" and image.data.startswith(b"\x89PNG") and image.etag

    with pytest.raises(HelsenorgeError) as too_many:
        clients.verktoy.list_tools(antall_verktoy=51)
    assert (too_many.value.status, too_many.value.code) == (400, "VK-001206")
    with pytest.raises(HelsenorgeError) as unknown:
        clients.verktoy.get_tool(str(uuid.uuid4()))
    assert (unknown.value.status, unknown.value.code) == (404, "VK-001126")


def test_send_v2_creates_a_task_once(clients: DemoClients):
    fnr = new_citizen(clients)
    sent = clients.verktoy.send_v2(SEED_TOOL, fnr, SENDER_ORGNR, "Poliklinikk for angstlidelser", melding="Her er kurset.")
    assert uuid.UUID(sent["PseudoId"])
    with pytest.raises(HelsenorgeError) as again:
        clients.verktoy.send_v2(SEED_TOOL, fnr, SENDER_ORGNR, "Poliklinikk for angstlidelser")
    assert (again.value.status, again.value.code) == (400, "VER-000232")  # an open task exists

    inactive = new_citizen(clients, active=False)
    with pytest.raises(HelsenorgeError) as not_active:
        clients.verktoy.send_v2(SEED_TOOL, inactive, SENDER_ORGNR, "Poliklinikk for angstlidelser")
    assert not_active.value.code == "VER-000228" and "digitalt aktiv" in not_active.value.message


def test_send_v1_then_the_citizen_asks_behandler(clients: DemoClients, live_server: LiveServer):
    fnr = new_citizen(clients)
    clients.verktoy.send_v1(SEED_TOOL, fnr, behandler_hpr="565513636", melding="Fra fastlegen")
    with pytest.raises(HelsenorgeError) as unknown_hpr:
        clients.verktoy.send_v1(SEED_TOOL_2, fnr, behandler_hpr="999999999")
    assert (unknown_hpr.value.status, unknown_hpr.value.code) == (400, "PVF-000239")

    with httpx.Client(base_url=live_server.base_url, timeout=30) as browser:
        citizen_token = log_in(browser, fnr, base_url=live_server.base_url)["access_token"]
    as_citizen = VerktoyClient(live_server.base_url, BearerToken(citizen_token))
    assert as_citizen.behandler(SEED_TOOL) == {"Id": "565513636", "IdType": "HPR", "Navn": "Venstre Morfar"}
    with pytest.raises(HelsenorgeError) as never_sent:
        as_citizen.behandler(SEED_TOOL_2)
    assert never_sent.value.code == "VER-000261"


def test_guidance_service_update_only_for_its_owner(clients: DemoClients):
    own, others = "2b7d4e9a-61c3-4f0b-8a5e-3d9c1f7b2e40", "7c1e5a3f-9d2b-4e86-b4a0-6f8e2c5d1a97"
    phone = f"+47 22 {uuid.uuid4().int % 100:02d} 00 01"
    updated = clients.verktoy.update_guidance_service(own, telefon=phone, url="https://support.example.no/", apningstider=[1, 2])
    assert (updated["Telefon"], updated["Url"], updated["Apningstider"]) == (phone, "https://support.example.no/", [1, 2])
    with pytest.raises(HelsenorgeError) as refused:
        clients.verktoy.update_guidance_service(others, telefon=phone, url="https://support.example.no/", apningstider=[1])
    assert (refused.value.status, refused.value.code) == (403, "SEC-110001")


# -- DigitaltAktiv and PVK ----------------------------------------------------------------------------------------


def test_digitaltaktiv_status_and_feed_follow_pvk_consent(clients: DemoClients):
    start = clients.digitaltaktiv.status_changes()["offset"]
    fnr = new_citizen(clients)
    assert clients.digitaltaktiv.aktivsjekk([fnr])["erAktivListe"][fnr] == {
        "erDigitaltAktivSelv": True,
        "erDigitaltAktivViaAndre": False,
        "tildeltFullmakt": False,
    }
    assert clients.digitaltaktiv.digitalt_aktiv_omraade(fnr) == {"fnr": fnr, "digitaltAktiv": True}

    after_creation = clients.digitaltaktiv.status_changes(start)
    assert fnr in after_creation["fnr"]

    # The citizen withdraws the Helsenorge consent through PVK: no longer active, and in the feed again.
    answer = clients.personvern.set_setting(fnr, HN_CONSENT[0], HN_CONSENT[1], "samtykke", False)
    assert answer == {"returKode": "ok", "instansEndret": "endret"}
    assert clients.digitaltaktiv.aktivsjekk([fnr])["erAktivListe"][fnr]["erDigitaltAktivSelv"] is False
    seen = [f for page in clients.digitaltaktiv.follow_changes(after_creation["offset"]) for f in page["fnr"]]
    assert fnr in seen

    with pytest.raises(HelsenorgeError) as bad_offset:
        clients.digitaltaktiv.status_changes("not-a-time")
    assert (bad_offset.value.status, bad_offset.value.code) == (400, "DA-000400")


def test_pvk_set_and_read(clients: DemoClients):
    fnr = new_citizen(clients)
    guid, part = NFS[:2]
    type_pi: TypePi = "samtykke"
    proof = (b"%PDF-1.7\nsignert\n", "application/pdf")
    first = clients.personvern.set_setting(fnr, guid, part, type_pi, True, signert_bevis=(proof[1], proof[0]))
    assert first == {"returKode": "ok", "instansEndret": "endret"}
    assert clients.personvern.set_setting(fnr, guid, part, type_pi, True)["instansEndret"] == "ikkeEndret"

    status = clients.personvern.check_status(fnr, guid, part)
    assert status["aktiv"] is True and status["innbyggerFnr"] == fnr and status["sistEndretTidspunkt"]
    assert [s["definisjonGuid"] for s in clients.personvern.settings_for_part(fnr, part)] == [guid]

    citizens: list[str] = []
    reference = 0
    for _ in range(1000):
        page = clients.personvern.active_for_definition(guid, part, reference)
        citizens += [p["innbyggerFnr"] for p in page["personvernInnstillinger"]]
        reference = page["pagingReference"]
        if reference == 0:
            break
    assert fnr in citizens

    with pytest.raises(HelsenorgeError) as nobody:
        clients.personvern.set_setting(unknown_fnr(clients), guid, part, type_pi, True)
    assert (nobody.value.status, nobody.value.code, nobody.value.error_category) == (400, "EPVK-101518", "forretningsregel")


# -- PTS ------------------------------------------------------------------------------------------------------------


def test_pts_restrictions_with_dpop(clients: DemoClients):
    fnr = new_citizen(clients)
    requisition = str(uuid.uuid4())
    created = clients.pts.create_safety_restriction(fnr, "Rekvisisjon", requisition, "NORU", delay_days=14)
    assert created["offId"] == fnr and created["confidentialObjectId"] == {"type": "Rekvisisjon", "value": requisition}
    assert created["accessRestrictions"][0]["confidentialityCode"] == "NORU" and created["createdBy"] == "helsebro-demo-epj"
    assert [a["id"] for a in clients.pts.search_safety(fnr)] == [created["id"]]
    assert clients.pts.get_restriction("patient-safety", created["id"])["id"] == created["id"]

    shield = clients.pts.create_privacy_restriction(fnr, "Shield", "Hard", hpr_numbers=["4128168"])
    assert shield["status"] == "Active" and [r["id"] for r in clients.pts.search_privacy(fnr)] == [shield["id"]]
    decision = clients.pts.access_check(fnr, "Rekvisisjon", requisition, hpr_number="4128168")
    assert decision["allowed"] is False and [(r["area"], r["rule"]) for r in decision["reasons"]] == [("patient-privacy", "Shield/Hard")]
    assert clients.pts.revoke_privacy_restriction(shield["id"])["status"] == "Revoked"
    assert [h["action"] for h in clients.pts.get_restriction("patient-privacy", shield["id"])["history"]] == ["Created", "Revoked"]

    with pytest.raises(PtsProblem) as problem:
        clients.pts.create_safety_restriction(fnr, "Rekvisisjon", str(uuid.uuid4()), "NORU")
    assert problem.value.status == 400 and problem.value.response is not None
    assert problem.value.response.headers["content-type"].startswith("application/problem+json")
    assert "DelayDeliveryUntil or DelayDays must have values for confidentialityCode NORU" in str(problem.value.detail) + str(
        problem.value.errors
    )


def test_pts_through_token_exchange(clients: DemoClients, live_server: LiveServer):
    user_token = live_server.cli("token", "--scope", "nhn:pts/api", "--hpr", "565513636").stdout.strip()
    pts = PtsClient.with_token_exchange(live_server.base_url + "/pts", clients.epj, user_token, http=clients.http)
    fnr = new_citizen(clients)
    requisition, report = str(uuid.uuid4()), str(uuid.uuid4())
    pts.create_safety_restriction(fnr, "Rekvisisjon", requisition, "NORU", delay_days=14)
    answered = dt.datetime.now(dt.UTC).replace(microsecond=0)
    child = pts.associate_parent(fnr, {"type": "Svarrapport", "value": report}, {"type": "Rekvisisjon", "value": requisition}, answered)
    derived = child["accessRestrictions"][0]
    assert derived["cause"] == "Derived" and dt.datetime.fromisoformat(str(derived["delayDeliveryUntil"])) == answered + dt.timedelta(
        days=14
    )
    decision = pts.access_check(fnr, "Svarrapport", report)  # the professional comes from the exchanged token
    assert decision["allowed"] is False and decision["reasons"][0]["area"] == "patient-safety"


def test_professional_login_userinfo_refresh_pts_and_logout(clients: DemoClients, live_server: LiveServer):
    scopes = ["openid", "profile", "offline_access", "helseid://scopes/identity/pid", "helseid://scopes/hpr/hpr_number", "nhn:pts/api"]
    login = ProfessionalLogin(clients.epj, "http://localhost:3000/callback", scopes)
    tokens = login.log_in_as("565513636")
    assert tokens.access.dpop_bound and tokens.id_token and tokens.refresh_token
    assert login.userinfo()["helseid://claims/hpr/hpr_details"]["hpr_number"] == "565513636"
    first_refresh = tokens.refresh_token
    assert login.refresh().refresh_token != first_refresh
    pts = PtsClient.with_token_exchange(live_server.base_url + "/pts", clients.epj, login.current_access_token, http=clients.http)
    pts.create_safety_restriction(new_citizen(clients), "Rekvisisjon", str(uuid.uuid4()), "NORU", delay_days=14)
    kept = login.tokens
    login.log_out("http://localhost:3000/logget-ut")
    login.tokens = kept
    with pytest.raises(TokenError) as ended:
        login.refresh()
    assert ended.value.error == "invalid_grant" and "logged out" in (ended.value.error_description or "")


def test_professional_login_refuses_a_response_from_another_issuer(clients: DemoClients):
    login = ProfessionalLogin(clients.epj, "http://localhost:3000/callback", "openid")
    started = login.start(login_hint="hpr:565513636")
    location = clients.http.get(started.authorization_url, follow_redirects=False).headers["location"]
    with pytest.raises(LoginError) as mixed_up:
        login.finish(started, location.replace("iss=", "iss=https%3A%2F%2Fangriper.example&x="))
    assert mixed_up.value.error == "invalid_issuer"
    with pytest.raises(LoginError) as wrong_state:
        login.finish(started, location.replace(f"state={started.state}", "state=annen"))
    assert wrong_state.value.error == "invalid_state"


# -- SvarUt --------------------------------------------------------------------------------------------------------


def test_multipart_body_length_is_exact(tmp_path: Path):
    big = tmp_path / "stor.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"x" * 700_000)
    stream = io.BytesIO(b"skipped%PDF-1.7\nfra en strom\n")
    stream.seek(7)  # a stream counts from where it stands
    documents = [Document("stor.pdf", big), Document("liten.pdf", b"%PDF-1.7\n"), Document("strom.pdf", stream)]
    body = MultipartBody(person_letter("12048645510", "stor.pdf", "liten.pdf", "strom.pdf"), documents)
    pieces = list(body)
    assert max(len(p) for p in pieces) <= 256 * 1024 + 200  # streamed in pieces, never the whole file at once
    assert len(b"".join(pieces)) == body.length()
    assert b"".join(pieces).count(b"%PDF-1.7") == 3 and b"skipped" not in b"".join(pieces)


def wait_for_statuses(clients: DemoClients, ids: list[str], done: set[str], seconds: float = 45) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while True:
        statuses = {s["id"]: s["status"] for s in clients.svarut.status(DEMO_KONTO_ID, ids)}
        if all(statuses.get(i) in done for i in ids) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.5)


def test_svarut_person_letters_streamed_delivered_and_searched(clients: DemoClients, tmp_path: Path):
    fnr = "12048645510"  # in KRR with a Helsenorge inbox (a new citizen is in no register: print)
    on_disk = tmp_path / "vedtak.pdf"
    on_disk.write_bytes(b"%PDF-1.7\n% vedtak\n" + b"0" * 300_000)
    from_file = clients.svarut.send_person(DEMO_KONTO_ID, person_letter(fnr, "vedtak.pdf"), [Document("vedtak.pdf", on_disk)])
    with on_disk.open("rb") as opened:
        from_stream = clients.svarut.send_person(DEMO_KONTO_ID, person_letter(fnr, "vedtak.pdf"), [Document("vedtak.pdf", opened)])
    key = str(uuid.uuid4())
    letter = person_letter(fnr, "a.pdf", "b.pdf")
    files = [Document("a.pdf", b"%PDF-1.7\na\n"), Document("b.pdf", b"%PDF-1.7\nb\n")]
    from_bytes = clients.svarut.send_person(DEMO_KONTO_ID, letter, files, idempotency_key=key)
    assert clients.svarut.send_person(DEMO_KONTO_ID, letter, files, idempotency_key=key) == from_bytes  # nothing sent twice
    ids = [from_file, from_stream, from_bytes]
    assert len(set(ids)) == 3

    # The server's embedded worker delivers: the citizen has a Helsenorge inbox (SENDT_DIGITALT -> VARSLET).
    assert wait_for_statuses(clients, ids, LETTER_DONE) == {i: "VARSLET" for i in ids}

    with pytest.raises(SvarUtError) as mismatch:
        clients.svarut.send_person(DEMO_KONTO_ID, person_letter(fnr, "vedtak.pdf"), [Document("annet.pdf", b"%PDF-1.7\n")])
    error = mismatch.value
    assert error.status == 400 and error.error_code == "DOKUMENT_UGYLDIG" and error.error_id and "annet.pdf" in error.message
    assert error.body["path"] == f"/svarut/api/v3/kontoer/{DEMO_KONTO_ID}/forsendelser/person"


# -- operator API ----------------------------------------------------------------------------------------------------


def test_operator_basics(clients: DemoClients):
    fnr = new_citizen(clients, active=False)
    citizen = clients.operator.get_citizen(fnr)
    assert citizen["fnr"] == fnr and citizen["helsenorgeSamtykke"] is False and citizen["navn"] == "Klient Testesen"
    assert clients.operator.update_citizen(fnr, helsenorgeSamtykke=True)["helsenorgeSamtykke"] is True
    listed = clients.operator.list_citizens(navn="Testesen", limit=500)
    assert fnr in {c["fnr"] for c in listed["innbyggere"]} and listed["totalt"] >= 1

    hpr = str(900_000_000 + uuid.uuid4().int % 99_999_999)
    person = clients.operator.create_health_person(hpr, "Helse", "Personell", autorisasjoner=[{"kode": "LE", "navn": "Lege"}])
    assert person["hprNummer"] == hpr and clients.operator.get_health_person(hpr)["navn"] == "Helse Personell"

    with pytest.raises(OperatorError) as refused:
        clients.operator.create_citizen("Uten", "Dato")  # neither fnr nor fodselsdato
    assert refused.value.status == 400 and refused.value.code and refused.value.code.startswith("OP-")


# -- DPoP nonces -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nonce_server(tmp_path_factory) -> Iterator[LiveServer]:
    yield from start_server(tmp_path_factory.mktemp("nonce"), {"HELSEBRO_DPOP_NONCE": "all"})


def test_dpop_nonce_is_fetched_once_and_then_sent(nonce_server: LiveServer):
    calls: list[tuple[str, int]] = []
    token, api = "/helseid/connect/token", "/digitaltaktiv/helsenorgeaktivsjekken/v1"
    with demo_clients(nonce_server.base_url) as clients:
        clients.http.event_hooks["response"] = [lambda r: calls.append((r.request.url.path, r.status_code))]
        first = clients.digitaltaktiv.aktivsjekk(["12048645510"])
        assert first["erAktivListe"]["12048645510"]["erDigitaltAktivSelv"] is True
        # The token endpoint demanded a nonce once and the client retried with it; the API (same server)
        # took the same nonce at once.
        assert calls == [(token, 400), (token, 200), (api, 200)], calls

        calls.clear()
        clients.personvern.check_status("12048645510", *NFS[:2])  # a new token (other scopes), another API
        clients.pts.search_safety("12048645510")
        assert [status for _, status in calls] == [200, 200, 200, 200], calls  # the remembered nonce is sent at once

        # The server's nonce moved on (it rotates): the API demands the new one, the client retries once with it.
        dpop = clients.epj.dpop
        assert dpop is not None
        dpop.set_nonce(nonce_server.base_url, "stale.nonce")
        calls.clear()
        assert clients.digitaltaktiv.aktivsjekk(["12048645510"])["erAktivListe"]
        assert calls == [(api, 401), (api, 200)], calls
        assert dpop.nonce_for(nonce_server.base_url) != "stale.nonce"

    # Without DPoP (Bearer tokens) the server asks for no nonce.
    with demo_clients(nonce_server.base_url, dpop=False) as bearer:
        assert bearer.verktoy.list_tools(antall_verktoy=1)


def test_nonce_server_refuses_a_proof_without_nonce(nonce_server: LiveServer):
    """The control for the test above: a proof without the nonce is refused, so the retry did the work."""
    dpop = DPoP()
    endpoint = nonce_server.base_url + "/helseid/connect/token"
    helseid = HelseId(
        "helsebro-demo-epj", loader.demo_private_key("helsebro-demo-epj"), issuer=nonce_server.base_url + "/helseid", dpop=dpop
    )
    form = {
        "grant_type": "client_credentials",
        "scope": "digitaltaktiv",
        "client_id": "helsebro-demo-epj",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    form["client_assertion"] = client_assertion("helsebro-demo-epj", helseid.key, helseid.issuer)
    response = httpx.post(endpoint, data=form, headers={"DPoP": dpop.proof("POST", endpoint)})
    assert response.status_code == 400 and response.json()["error"] == "use_dpop_nonce" and response.headers["DPoP-Nonce"]
