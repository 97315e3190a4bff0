"""``eksponertFor`` on the citizen pages, in-process: a citizen the letter is shared with sees it in "Mine brev"
once it has reached its recipient (through any channel), opens it (LEST for the sender, in v2 and v3), downloads
its documents until the sender deletes them, and cannot sign for the recipient; anyone else still gets the same
404 as for no letter. v2 and v3 sends alike; SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from helsebro import db
from helsebro.svarut import exposure
from helsebro.svarut.testdata import krr_roles
from tests.api.test_citizen_letters import browser, log_in  # noqa: F401  (browser is a fixture)
from tests.api.test_svarut_v2_letters import now_iso, sign_on_the_page, signing_letter
from tests.conftest import PUBLIC_URL
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_svarut import CITIZEN, organisation_letter, pdf
from tests.support_svarut_v2 import til_organisasjon, til_person, v2  # noqa: F401  (v2 is a fixture)

SHARED_WITH = krr_roles()["innboks"][1]  # a citizen with an inbox, not the recipient
OUTSIDER = krr_roles()["innboks"][2]
WITH_DIGIPOST = krr_roles()["digipost"][0]  # a recipient whose letters go to Digipost, not the inbox
ORGNR = "964107580"
MIGRATION = "0010_svarut_eksponert"


def test_the_citizen_it_is_shared_with_sees_opens_and_reads_it(svarut, v2, browser):
    letter_id = v2.send_ok(til_person(tittel="Vedtak delt med verge", eksponertFor=[SHARED_WITH, ORGNR]))
    with db.read(svarut.engine) as conn:
        assert exposure.is_exposed(conn, letter_id, SHARED_WITH) and exposure.is_exposed(conn, letter_id, ORGNR)
    inbox = log_in(browser, SHARED_WITH)
    assert "Vedtak delt med verge" not in inbox.text  # not before it has reached its recipient
    assert browser.get(f"/innbygger/brev/{letter_id}").status_code == 404
    deliver(svarut)

    inbox = browser.get("/innbygger/brev")
    assert "Vedtak delt med verge" in inbox.text and "Delt med deg" in inbox.text
    assert v2.status_of(letter_id) == "VARSLET"
    page = browser.get(f"/innbygger/brev/{letter_id}")
    assert page.status_code == 200 and "Delt med deg" in page.text
    assert v2.status_of(letter_id) == "LEST" == svarut.status({"id": [letter_id]}).json()["statuser"][0]["status"]
    document = browser.get(f"/innbygger/brev/{letter_id}/dokumenter/0")
    assert document.status_code == 200 and document.content.startswith(b"%PDF-")


def test_the_recipient_still_reads_it_as_before(svarut, v2, browser):
    letter_id = v2.send_ok(til_person(tittel="Vedtak også delt", eksponertFor=[SHARED_WITH]))
    deliver(svarut)
    inbox = log_in(browser, CITIZEN)
    assert "Vedtak også delt" in inbox.text and "Delt med deg" not in inbox.text
    assert browser.get(f"/innbygger/brev/{letter_id}").status_code == 200
    assert v2.status_of(letter_id) == "LEST"


def test_nobody_else_can_see_it(svarut, v2, browser):
    letter_id = v2.send_ok(til_person(tittel="Bare for noen", eksponertFor=[SHARED_WITH]))
    deliver(svarut)
    inbox = log_in(browser, OUTSIDER)
    assert "Bare for noen" not in inbox.text
    assert browser.get(f"/innbygger/brev/{letter_id}").status_code == 404
    assert browser.get(f"/innbygger/brev/{letter_id}/dokumenter/0").status_code == 404
    assert v2.status_of(letter_id) == "VARSLET"


def test_a_letter_that_goes_elsewhere_is_shared_in_the_inbox_once_sent(svarut, v2, browser):
    to_digipost = v2.send_ok(til_person(fnr=WITH_DIGIPOST, tittel="Sendt til Digipost", eksponertFor=[SHARED_WITH]))
    v3_to_org = svarut.send_ok(
        "organisasjon", organisation_letter(tittel="Sendt til virksomheten", eksponertFor=[SHARED_WITH]), [("melding.pdf", pdf())]
    )
    v2_to_org = v2.send_ok(til_organisasjon(tittel="Også til virksomheten", eksponertFor=[SHARED_WITH]))
    deliver(svarut)
    inbox = log_in(browser, SHARED_WITH)
    for title in ("Sendt til Digipost", "Sendt til virksomheten", "Også til virksomheten"):
        assert title in inbox.text
    assert v2.status_of(to_digipost) == "LEVERT_SDP"
    assert browser.get(f"/innbygger/brev/{to_digipost}").status_code == 200
    assert v2.status_of(to_digipost) == "LEST"
    assert browser.get(f"/innbygger/brev/{v3_to_org}/dokumenter/0").status_code == 200
    assert browser.get(f"/innbygger/brev/{v2_to_org}").status_code == 200
    # The recipient with Digipost has no inbox letter: eksponertFor shares it, it does not move it.
    recipient = TestClient(svarut.app, base_url=PUBLIC_URL, raise_server_exceptions=False)
    with recipient:
        assert "Sendt til Digipost" not in log_in(recipient, WITH_DIGIPOST).text


def test_documents_the_sender_deleted_are_gone_for_them_too(svarut, v2, browser):
    letter_id = v2.send_ok(til_person(tittel="Slettes etterpå", eksponertFor=[SHARED_WITH]))
    deliver(svarut)
    assert v2.slett(letter_id).status_code == 204
    log_in(browser, SHARED_WITH)
    page = browser.get(f"/innbygger/brev/{letter_id}")
    assert "Avsenderen har slettet dokumentene" in page.text
    assert browser.get(f"/innbygger/brev/{letter_id}/dokumenter/0").status_code == 404


def test_only_the_recipient_signs(svarut, v2, browser):
    letter_id = v2.send_ok({**signing_letter(), "eksponertFor": [SHARED_WITH]})
    deliver(svarut)
    log_in(browser, SHARED_WITH)
    page = browser.get(f"/innbygger/brev/{letter_id}")
    assert page.status_code == 200 and "Venter på mottakerens signatur" in page.text and "Signer dokumentet" not in page.text
    assert sign_on_the_page(browser, letter_id).status_code == 403
    assert [e["status"] for e in v2.signeringshendelser(letter_id).json()["hendelser"]] == ["VENTER_SIGNERING"]


def test_v2_lest_accepts_their_fnr_and_no_one_elses(svarut, v2):
    letter_id = v2.send_ok(til_person(eksponertFor=[SHARED_WITH]))
    deliver(svarut)
    assert v2.lest(letter_id, {"fnr": OUTSIDER, "tidspunkt": now_iso()}).status_code == 400
    assert v2.lest(letter_id, {"fnr": SHARED_WITH, "tidspunkt": now_iso()}).status_code == 204
    assert v2.status_of(letter_id) == "LEST"


def test_the_migration_keeps_the_eksponertfor_of_letters_stored_before_it(tmp_path):
    import sqlalchemy as sa
    from alembic.script import ScriptDirectory

    from helsebro.db import create_engine
    from helsebro.migrate import alembic_config, upgrade

    revision = ScriptDirectory.from_config(alembic_config()).get_revision(MIGRATION)
    engine = create_engine(f"sqlite:///{tmp_path / 'before.db'}")
    upgrade(engine, revision.down_revision)
    letter = {"tittel": "Fra før", "eksponertFor": [SHARED_WITH, ORGNR, SHARED_WITH]}
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO svarut_konto (konto_id, navn, orgnr, created_at, changed_at) "
                "VALUES (:konto, 'Demo', '910000063', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"konto": "7d3c9a524b1e4f0a9c6d2e8b5a1f0c37"},
        )
        conn.execute(
            sa.text(
                "INSERT INTO svarut_forsendelse (id, konto_id, integrasjon_id, kind, metadata, status, status_endret, body_sha256, "
                "api_versjon, created_at, changed_at) VALUES (:id, :konto, :konto, 'person', :metadata, 'VARSLET', CURRENT_TIMESTAMP, '0', "
                "'v2', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"id": "0f8e6c2a1b3d4e5f8a9b0c1d2e3f4a5b", "konto": "7d3c9a524b1e4f0a9c6d2e8b5a1f0c37", "metadata": json.dumps(letter)},
        )
    upgrade(engine, MIGRATION)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT ident FROM svarut_eksponert ORDER BY ident")).scalars().all()
    engine.dispose()
    assert rows == sorted([SHARED_WITH, ORGNR])
