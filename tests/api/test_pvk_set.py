"""SettInnbyggersPersonvernInnstilling: every rule and error code, what a change writes (the setting, its
history, the DigitaltAktiv change feed), and that an error or a no-op writes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro._time import utcnow
from helsebro.casing import lower_keys
from helsebro.digitaltaktiv import changes
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring
from helsebro.identifiers import FnrKind, check_digits_ok, make_fnr
from helsebro.personvern import fields, inputs, service
from helsebro.personvern.errors import category_of
from helsebro.personvern.tables import pvk_definisjon, pvk_historikk, pvk_innstilling
from helsebro.registries.tables import foreldreansvar, fullmakt, innbygger
from tests import pvkbroker
from tests.support import EPJ_CLIENT

SET = "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"
SEED_CITIZEN = "12048645510"
NFS_CONSENT = "3fe2a80a-4200-42e2-817b-da8a6236708a"
PDMR_RESERVATION = "ecc56090-124b-4405-8137-2a616c683ffc"
RF_RESTRICTION = "3f7457b8-821c-45a8-ae04-d3e4a0dac0f0"
HN_CONSENT = "5b0e3c1d-8a47-4f6e-9b2d-7c1a0e4f3d58"
WRITE_SCOPE = "Personverninnstillinger_skriv"
PDF_PROOF = base64.b64encode(b"%PDF-1.7 signert samtykke").decode()


def consent(**changes: Any) -> dict[str, Any]:
    """A valid NFS consent for the seed citizen, which the default data does not have: a change."""
    body = {
        "innbyggerFnr": SEED_CITIZEN,
        "definisjonGuid": NFS_CONSENT.upper(),
        "definisjonNavn": "Samtykke til oppbevaring av biomateriale",
        "partKode": "NFS",
        "typePi": "samtykke",
        "aktiv": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}  # ... removes a property


def restriction(people: list[dict[str, str]] | None, **changes: Any) -> dict[str, Any]:
    body = {
        "innbyggerFnr": SEED_CITIZEN,
        "definisjonGuid": RF_RESTRICTION,
        "definisjonNavn": "Begrensning av helsepersonells tilgang til legemiddelliste",
        "partKode": "RF",
        "typePi": "tilgangsbegrensning",
        "aktiv": True,
    }
    if people is not None:
        body["TbInnbyggerMetadata"] = {"detaljertAngivelse": {"navngittHelseperson": people}}
    body.update(changes)
    return body


LINDA = {"nummer": "4128168", "navn": "Linda Ingrid Telle"}
PER = {"nummer": "1234567", "navn": "Per Olsen"}
MORFAR = {"nummer": "565513636", "navn": "Venstre Morfar"}


@pytest.fixture(scope="module")
def auth(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.get(WRITE_SCOPE, EPJ_CLIENT)}"}


def put(client, auth: dict[str, str], body: Any):
    return client.post(SET, json=body, headers=auth)


def expect_changed(response, instans: str = "endret") -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"returKode": "ok", "instansEndret": instans}


def expect_error(response, status: int, code: str, message_part: str = "") -> None:
    """PVK business errors (EPVK-, and the server's own 500 EPVK-100500) as PVKBroker reads them
    (case-sensitive, every field required); token and scope errors in the Helsenorge form."""
    assert response.status_code == status, response.text
    if not code.startswith("EPVK-"):
        assert set(response.json()) == {"Code", "Message"} and response.json()["Code"] == code
        return
    parsed = pvkbroker.parse_error(response.text)
    assert parsed is not None and set(response.json()) == {"code", "message", "errorCategory"}, response.text
    assert parsed["code"] == code and parsed["errorCategory"] == category_of(code)
    assert message_part in parsed["message"]


def snapshot(engine) -> tuple:
    """Everything a write could touch: settings, history and the DigitaltAktiv change feed."""
    with db.read(engine) as conn:
        settings = conn.execute(
            sa.select(
                pvk_innstilling.c.innbygger_fnr,
                pvk_innstilling.c.definisjon_guid,
                pvk_innstilling.c.aktiv,
                pvk_innstilling.c.metadata,
                pvk_innstilling.c.tidspunkt,
            ).order_by(pvk_innstilling.c.sekvensnummer)
        ).all()
        history = conn.execute(sa.select(sa.func.count()).select_from(pvk_historikk)).scalar_one()
        feed = conn.execute(sa.select(digitaltaktiv_endring).order_by(digitaltaktiv_endring.c.fnr)).all()
    return [tuple(r) for r in settings], history, [tuple(r) for r in feed]


def setting_of(engine, fnr: str, guid: str):
    with db.read(engine) as conn:
        return conn.execute(
            sa.select(pvk_innstilling).where((pvk_innstilling.c.innbygger_fnr == fnr) & (pvk_innstilling.c.definisjon_guid == guid))
        ).first()


def history_of(engine, fnr: str, guid: str) -> list:
    with db.read(engine) as conn:
        return conn.execute(
            sa.select(pvk_historikk)
            .where((pvk_historikk.c.innbygger_fnr == fnr) & (pvk_historikk.c.definisjon_guid == guid))
            .order_by(pvk_historikk.c.id)
        ).all()


def feed_fnrs(engine) -> set[str]:
    with db.read(engine) as conn:
        return set(conn.execute(sa.select(digitaltaktiv_endring.c.fnr)).scalars())


def empty_feed(engine) -> None:
    with db.write(engine) as conn:
        conn.execute(sa.delete(digitaltaktiv_endring))


def as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# -- changes and no-ops ---------------------------------------------------------------------------


def test_new_setting_is_stored_and_a_repeat_is_ikke_endret(client, engine, auth, fresh_data):
    expect_changed(put(client, auth, consent()))
    row = setting_of(engine, SEED_CITIZEN, NFS_CONSENT)
    assert row.aktiv is True and row.metadata is None
    before = snapshot(engine)
    expect_changed(put(client, auth, consent()), "ikkeEndret")
    assert snapshot(engine) == before  # a no-op writes nothing, not even history


def test_withdrawing_a_consent_never_given_creates_nothing(client, engine, auth, fresh_data):
    before = snapshot(engine)
    expect_changed(put(client, auth, consent(aktiv=False)), "ikkeEndret")
    assert snapshot(engine) == before
    assert setting_of(engine, SEED_CITIZEN, NFS_CONSENT) is None


def test_withdraw_and_give_again_keeps_one_row(client, engine, auth, fresh_data):
    expect_changed(put(client, auth, consent()))
    first = setting_of(engine, SEED_CITIZEN, NFS_CONSENT)
    expect_changed(put(client, auth, consent(aktiv=False)))
    expect_changed(put(client, auth, consent(aktiv=False)), "ikkeEndret")
    expect_changed(put(client, auth, consent()))
    again = setting_of(engine, SEED_CITIZEN, NFS_CONSENT)
    assert again.sekvensnummer == first.sekvensnummer and again.aktiv is True
    assert (first.versjon, again.versjon) == (1, 3)  # the wire's sekvensnummer: one more per change
    assert [(h.gammel_aktiv, h.ny_aktiv) for h in history_of(engine, SEED_CITIZEN, NFS_CONSENT)] == [
        (None, True),
        (True, False),
        (False, True),
    ]


def test_access_restriction_list_is_replaced_whole(client, engine, auth, fresh_data):
    expect_changed(put(client, auth, restriction([LINDA, PER])))
    expect_changed(put(client, auth, restriction([PER, LINDA])), "ikkeEndret")  # same people, other order
    expect_changed(put(client, auth, restriction([MORFAR])))
    row = setting_of(engine, SEED_CITIZEN, RF_RESTRICTION)
    assert row.metadata == {"detaljertAngivelse": {"navngittHelseperson": [MORFAR]}}
    expect_changed(put(client, auth, restriction([{**MORFAR, "navn": "Morfar Venstre"}])))  # a new name is a change
    expect_changed(put(client, auth, restriction(None, aktiv=False)))
    assert setting_of(engine, SEED_CITIZEN, RF_RESTRICTION).metadata is None
    expect_changed(put(client, auth, restriction([LINDA], aktiv=False)), "ikkeEndret")  # metadata of a removal is not kept


def test_reservation_with_own_time_limits(client, engine, auth, fresh_data):
    limits = {"tidsbegrensning": {"fraTidspunkt": "2026-01-01T00:00:00+01:00", "tilTidspunkt": "2027-01-01T00:00:00Z"}}
    body = {
        "innbyggerFnr": SEED_CITIZEN,
        "definisjonGuid": PDMR_RESERVATION,
        "partKode": "PDMR",
        "typePi": "reservasjon",
        "aktiv": True,
        "TbInnbyggerMetadata": limits,
    }
    expect_changed(put(client, auth, body))
    stored = setting_of(engine, SEED_CITIZEN, PDMR_RESERVATION).metadata
    assert stored == {"tidsbegrensning": {"fraTidspunkt": "2025-12-31T23:00:00Z", "tilTidspunkt": "2027-01-01T00:00:00Z"}}
    expect_changed(put(client, auth, body), "ikkeEndret")
    expect_changed(put(client, auth, {**body, "TbInnbyggerMetadata": None}))  # limits dropped: a change


def test_tidspunkt_becomes_the_time_of_the_setting(client, engine, auth, fresh_data):
    expect_changed(put(client, auth, consent(tidspunkt="2023-12-07T08:05:39Z")))
    row = setting_of(engine, SEED_CITIZEN, NFS_CONSENT)
    assert as_utc(row.tidspunkt) == dt.datetime(2023, 12, 7, 8, 5, 39, tzinfo=dt.UTC)
    assert as_utc(history_of(engine, SEED_CITIZEN, NFS_CONSENT)[0].tidspunkt) == as_utc(row.tidspunkt)


def test_without_tidspunkt_the_time_of_the_call_is_used(client, engine, auth, fresh_data):
    before = utcnow()
    expect_changed(put(client, auth, consent()))
    assert before <= as_utc(setting_of(engine, SEED_CITIZEN, NFS_CONSENT).tidspunkt) <= utcnow()


# -- history --------------------------------------------------------------------------------------


def test_history_rows_say_who_when_old_new_and_proof(client, engine, auth, fresh_data):
    expect_changed(put(client, auth, restriction([LINDA], signertBevisMimeType="application/pdf", signertBevisInnhold=PDF_PROOF)))
    expect_changed(put(client, auth, restriction([PER])))
    first, second = history_of(engine, SEED_CITIZEN, RF_RESTRICTION)
    assert (first.client_id, first.gammel_aktiv, first.ny_aktiv) == (EPJ_CLIENT, None, True)
    assert first.gammel_metadata is None
    assert first.ny_metadata == {"detaljertAngivelse": {"navngittHelseperson": [LINDA]}}
    assert (first.signert_bevis_mime_type, first.signert_bevis_innhold) == ("application/pdf", PDF_PROOF)
    assert (second.client_id, second.gammel_aktiv, second.ny_aktiv) == (EPJ_CLIENT, True, True)
    assert second.gammel_metadata == first.ny_metadata
    assert second.ny_metadata == {"detaljertAngivelse": {"navngittHelseperson": [PER]}}
    assert second.signert_bevis_mime_type is None and second.signert_bevis_innhold is None


def test_proof_with_line_breaks_is_kept_as_received(client, engine, auth, fresh_data):
    wrapped = PDF_PROOF[:8] + "\r\n" + PDF_PROOF[8:]
    expect_changed(put(client, auth, consent(signertBevisMimeType="application/pdf", signertBevisInnhold=wrapped)))
    assert history_of(engine, SEED_CITIZEN, NFS_CONSENT)[0].signert_bevis_innhold == wrapped


def test_a_proof_alone_is_no_change(client, engine, auth, fresh_data):
    expect_changed(put(client, auth, consent()))
    before = snapshot(engine)
    proof = {"signertBevisMimeType": "application/pdf", "signertBevisInnhold": PDF_PROOF}
    expect_changed(put(client, auth, consent(**proof)), "ikkeEndret")
    assert snapshot(engine) == before


# -- the Helsenorge consent feeds DigitaltAktiv -----------------------------------------------------


def hn_consent(fnr: str, aktiv: bool) -> dict[str, Any]:
    return {"innbyggerFnr": fnr, "definisjonGuid": HN_CONSENT, "partKode": "HN", "typePi": "samtykke", "aktiv": aktiv}


def valid_principals_of(conn, holder: str) -> set[str]:
    today = utcnow().date()
    valid = (fullmakt.c.gyldig_fra <= today) & (fullmakt.c.gyldig_til.is_(None) | (fullmakt.c.gyldig_til >= today))
    query = sa.select(fullmakt.c.fullmaktsgiver_fnr).where(valid & (fullmakt.c.fullmektig_fnr == holder))
    return set(conn.execute(query).scalars())


def a_parent_with_children(engine) -> tuple[str, set[str]]:
    with db.read(engine) as conn:
        parent = conn.execute(sa.select(foreldreansvar.c.forelder_fnr).order_by(foreldreansvar.c.forelder_fnr)).scalars().first()
        children = set(conn.execute(sa.select(foreldreansvar.c.barn_fnr).where(foreldreansvar.c.forelder_fnr == parent)).scalars())
    return parent, children


def two_citizens_other_than_the_seed(engine) -> list[str]:
    with db.read(engine) as conn:
        query = sa.select(innbygger.c.fnr).where(innbygger.c.fnr != SEED_CITIZEN).order_by(innbygger.c.fnr).limit(2)
        return list(conn.execute(query).scalars())


def current_hn(engine, fnr: str) -> bool:
    row = setting_of(engine, fnr, HN_CONSENT)
    return bool(row and row.aktiv)


def test_hn_consent_change_feeds_digitaltaktiv_for_citizen_and_children(client, engine, auth, fresh_data):
    parent, children = a_parent_with_children(engine)
    assert children
    empty_feed(engine)
    expect_changed(put(client, auth, hn_consent(parent, not current_hn(engine, parent))))
    with db.read(engine) as conn:
        principals = valid_principals_of(conn, parent)
    assert feed_fnrs(engine) == {parent} | children | principals


def test_hn_consent_change_feeds_digitaltaktiv_for_those_who_gave_power_of_attorney(client, engine, auth, fresh_data):
    """The seed citizen acts for a giver of a valid power of attorney; one that has expired does not count."""
    giver, former_giver = two_citizens_other_than_the_seed(engine)
    today = utcnow().date()
    with db.write(engine) as conn:
        conn.execute(
            sa.insert(fullmakt),
            [
                {
                    "fullmaktsgiver_fnr": giver,
                    "fullmektig_fnr": SEED_CITIZEN,
                    "gyldig_fra": today - dt.timedelta(days=1),
                    "gyldig_til": None,
                },
                {
                    "fullmaktsgiver_fnr": former_giver,
                    "fullmektig_fnr": SEED_CITIZEN,
                    "gyldig_fra": today - dt.timedelta(days=30),
                    "gyldig_til": today - dt.timedelta(days=1),
                },
            ],
        )
    empty_feed(engine)
    expect_changed(put(client, auth, hn_consent(SEED_CITIZEN, False)))
    assert feed_fnrs(engine) == {SEED_CITIZEN, giver}


def test_hn_no_op_and_other_parts_do_not_touch_the_feed(client, engine, auth, fresh_data):
    empty_feed(engine)
    assert current_hn(engine, SEED_CITIZEN)
    expect_changed(put(client, auth, hn_consent(SEED_CITIZEN, True)), "ikkeEndret")
    expect_changed(put(client, auth, consent()))
    assert feed_fnrs(engine) == set()
    expect_changed(put(client, auth, hn_consent(SEED_CITIZEN, False)))
    assert feed_fnrs(engine) == {SEED_CITIZEN}


def test_a_failure_inside_the_transaction_changes_nothing(client, engine, auth, fresh_data, monkeypatch):
    """The feed is written in the same transaction as the setting: if it fails, the setting is not changed."""

    def broken(conn, fnrs):
        raise RuntimeError("feed down")

    monkeypatch.setattr(changes, "record", broken)  # PVK reaches it through registries.hooks
    before = snapshot(engine)
    expect_error(put(client, auth, hn_consent(SEED_CITIZEN, False)), 500, "EPVK-100500", "Feil internt")
    assert snapshot(engine) == before
    assert current_hn(engine, SEED_CITIZEN)


def test_concurrent_identical_writes_change_once(engine, fresh_data):
    """Writers racing to create the same setting: one creates it, the others find it already so."""
    change = inputs.parse_setting_change(lower_keys(consent()), utcnow())

    def write_once(_: int) -> str:
        with db.write(engine) as conn:
            return service.set_setting(conn, EPJ_CLIENT, change, utcnow())

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write_once, range(8)))
    assert sorted(results) == ["endret"] + ["ikkeEndret"] * 7
    assert len(history_of(engine, SEED_CITIZEN, NFS_CONSENT)) == 1


# -- binding: case, forms ---------------------------------------------------------------------------


def test_property_names_and_guid_are_case_insensitive(client, engine, auth, fresh_data):
    body = {
        "INNBYGGERFNR": SEED_CITIZEN,
        "DefinisjonGuid": "{" + NFS_CONSENT.upper() + "}",
        "partkode": "nfs",
        "TypePi": "Samtykke",
        "AKTIV": True,
    }
    expect_changed(put(client, auth, body))
    expect_changed(put(client, auth, consent(definisjonGuid=NFS_CONSENT.replace("-", ""))), "ikkeEndret")
    people = [{"NUMMER": "4128168", "Navn": "Linda Ingrid Telle"}]
    tb = restriction(None, TbInnbyggerMetadata=None)
    tb.pop("TbInnbyggerMetadata")
    tb["tbinnbyggermetadata"] = {"DetaljertAngivelse": {"NAVNGITTHELSEPERSON": people}}
    expect_changed(put(client, auth, tb))
    assert setting_of(engine, SEED_CITIZEN, RF_RESTRICTION).metadata == {"detaljertAngivelse": {"navngittHelseperson": [LINDA]}}


def test_path_is_case_insensitive_as_real_clients_spell_it(client, auth, fresh_data):
    path = "/personvern/PersonvernInnstillinger/SettInnbyggersPersonvernInnstilling/v2"
    expect_changed(client.post(path, json=consent(), headers=auth))


def test_prefixed_and_alias_scopes_work(client, tokens, fresh_data):
    for scope in ("nhn:helsenorge.eksternapi/Personverninnstillinger_skriv", "nhn:helsenorge.eksternapi/personverninnstilling_write"):
        headers = {"Authorization": f"Bearer {tokens.get(scope, EPJ_CLIENT)}"}
        assert put(client, headers, consent()).status_code == 200


def test_definisjon_navn_is_not_compared(client, auth, fresh_data):
    expect_changed(put(client, auth, consent(definisjonNavn="et annet navn")))
    expect_changed(put(client, auth, consent(definisjonNavn=...)), "ikkeEndret")


# -- JSON body: strict, or the seed's two artefacts repaired ----------------------------------------


def post_text(client, auth: dict[str, str], text: str):
    return client.post(SET, content=text.encode("utf-8"), headers={**auth, "Content-Type": "application/json"})


def test_strict_json_gets_no_warning(client, auth, fresh_data):
    response = put(client, auth, consent())
    assert "X-Helsebro-Warning" not in response.headers


def test_typographic_quotes_inside_a_json_string_are_kept(client, engine, auth, fresh_data):
    text = (
        '{"innbyggerFnr": "12048645510", "definisjonGuid": "%s", "definisjonNavn": "“Bio”", "partKode": "NFS",'
        ' "typePi": "samtykke", "aktiv": true}' % NFS_CONSENT
    )
    response = post_text(client, auth, text)
    expect_changed(response)
    assert "X-Helsebro-Warning" not in response.headers


def test_repair_warning_also_on_an_error_answer(client, auth, fresh_data):
    text = '{"innbyggerFnr": "12048645510", "definisjonGuid": "%s", "partKode": "NFS", "typePi": “samtykk”, "aktiv": true,}'
    response = post_text(client, auth, text % NFS_CONSENT)
    expect_error(response, 400, "EPVK-101505", "samtykk")
    assert "typographic quotes" in response.headers["X-Helsebro-Warning"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "nonsense",
        "{'innbyggerFnr': '12048645510'}",  # single quotes are not one of the two repairs
        '{"innbyggerFnr": "12048645510" "aktiv": true}',  # a missing comma neither
        '{"aktiv": true,,}',
        '{"aktiv": NaN}',
        "[1, 2, 3]",
        "null",
        '"text"',
        '{"typePi": “samtykke}',  # an unclosed typographic quote
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(client, engine, auth, text):
    before = snapshot(engine)
    expect_error(post_text(client, auth, text), 400, "EPVK-101501")
    assert snapshot(engine) == before


def test_a_body_that_is_not_utf8_is_refused(client, auth):
    response = client.post(SET, content=b'{"innbyggerFnr": "\xff"}', headers={**auth, "Content-Type": "application/json"})
    expect_error(response, 400, "EPVK-101501", "UTF-8")


def test_no_body_at_all(client, auth):
    expect_error(client.post(SET, headers=auth), 400, "EPVK-101501", "mangler")


# -- errors: each with its code, and nothing changed ------------------------------------------------


def unknown_valid_fnr(engine) -> str:
    number = make_fnr(dt.date(1990, 5, 17), 123, FnrKind.FNR)
    assert number is not None
    with db.read(engine) as conn:
        assert conn.execute(sa.select(innbygger.c.fnr).where(innbygger.c.fnr == number)).first() is None
    return number


WRONG_CHECK_DIGITS = "17059012399"  # a real birth date, check digits wrong, not in the registry
FUTURE = (utcnow() + dt.timedelta(hours=1)).isoformat()

ERRORS = [
    # (body, status, code, part of the message)
    (consent(innbyggerFnr=...), 400, "EPVK-101502", "innbyggerFnr"),
    (consent(innbyggerFnr=""), 400, "EPVK-101502", "innbyggerFnr"),
    (consent(innbyggerFnr=12048645510), 400, "EPVK-101503", "innbyggerFnr"),
    (consent(innbyggerFnr="1204864551"), 400, "EPVK-101504", "11 sifre"),
    (consent(innbyggerFnr="1204864551x"), 400, "EPVK-101504", "11 sifre"),
    (consent(innbyggerFnr=WRONG_CHECK_DIGITS), 400, "EPVK-101504", "kontrollsifrene"),
    (consent(innbyggerFnr="99999999999"), 400, "EPVK-101504", "fødselsdato"),
    (consent(definisjonGuid=...), 400, "EPVK-101502", "definisjonGuid"),
    (consent(definisjonGuid="not-a-guid"), 400, "EPVK-101500", "ikke en GUID"),
    (consent(definisjonGuid="00000000-0000-4000-8000-000000000000"), 400, "EPVK-101500", "definisjonGuid"),
    (consent(partKode=...), 400, "EPVK-101502", "partKode"),
    (consent(partKode="PDMR"), 400, "EPVK-101500", "partKode"),
    (consent(typePi=...), 400, "EPVK-101502", "typePi"),
    (consent(typePi="fullmakt"), 400, "EPVK-101505", "fullmakt"),
    (consent(typePi="reservasjon"), 400, "EPVK-101500", "typePi"),
    (consent(aktiv=...), 400, "EPVK-101502", "aktiv"),
    (consent(aktiv="true"), 400, "EPVK-101503", "aktiv"),
    (consent(aktiv=1), 400, "EPVK-101503", "aktiv"),
    (consent(definisjonNavn=5), 400, "EPVK-101503", "definisjonNavn"),
    (consent(tidspunkt="i går"), 400, "EPVK-101503", "tidspunkt"),
    (consent(tidspunkt=""), 400, "EPVK-101503", "tidspunkt"),
    (consent(tidspunkt=FUTURE), 400, "EPVK-101509", "frem i tid"),
    (consent(signertBevisMimeType="application/pdf"), 400, "EPVK-101510", "begge"),
    (consent(signertBevisInnhold=PDF_PROOF), 400, "EPVK-101510", "begge"),
    (consent(signertBevisMimeType="application/pdf", signertBevisInnhold="ikke base64!"), 400, "EPVK-101511", "base64"),
    (consent(signertBevisMimeType="application/pdf", signertBevisInnhold="YWJj="), 400, "EPVK-101511", "base64"),
    (consent(signertBevisMimeType="application/pdf", signertBevisInnhold=""), 400, "EPVK-101511", "base64"),
    (consent(signertBevisMimeType="pdf", signertBevisInnhold=PDF_PROOF), 400, "EPVK-101511", "MIME"),
    # TbInnbyggerMetadata by type
    (consent(TbInnbyggerMetadata={"detaljertAngivelse": {"navngittHelseperson": [LINDA]}}), 400, "EPVK-101506", "tilgangsbegrensning"),
    (consent(TbInnbyggerMetadata={"annet": 1}), 400, "EPVK-101506", "tidsbegrensning"),
    (consent(aktiv=False, TbInnbyggerMetadata={"annet": 1}), 400, "EPVK-101506", "tidsbegrensning"),
    (consent(TbInnbyggerMetadata="tekst"), 400, "EPVK-101507", "JSON-objekt"),
    (consent(TbInnbyggerMetadata={"tidsbegrensning": {}}), 400, "EPVK-101507", "fraTidspunkt"),
    (
        consent(TbInnbyggerMetadata={"tidsbegrensning": {"fraTidspunkt": "2027-01-01T00:00:00Z", "tilTidspunkt": "2026-01-01T00:00:00Z"}}),
        400,
        "EPVK-101507",
        "før",
    ),
    (consent(TbInnbyggerMetadata={"tidsbegrensning": {"tilTidspunkt": "snart"}}), 400, "EPVK-101503", "tilTidspunkt"),
    (restriction(None), 400, "EPVK-101507", "påkrevd"),
    (restriction([]), 400, "EPVK-101507", "minst én"),
    (restriction([LINDA, LINDA]), 400, "EPVK-101507", "flere ganger"),
    (restriction([{"navn": "Uten Nummer"}]), 400, "EPVK-101507", "nummer"),
    (restriction([{"nummer": 4128168, "navn": "Tall"}]), 400, "EPVK-101507", "nummer"),
    (restriction([{"nummer": "4128168", "navn": 7}]), 400, "EPVK-101507", "navn"),
    (restriction(["4128168"]), 400, "EPVK-101507", "JSON-objekt"),
    (restriction(None, TbInnbyggerMetadata={"detaljertAngivelse": []}), 400, "EPVK-101507", "detaljertAngivelse"),
    (restriction([{"nummer": "7777777", "navn": "Ukjent"}]), 400, "EPVK-101508", "7777777"),
]


@pytest.mark.parametrize(("body", "status", "code", "message"), ERRORS)
def test_errors_have_their_code_and_change_nothing(client, engine, auth, body, status, code, message):
    before = snapshot(engine)
    expect_error(put(client, auth, body), status, code, message)
    assert snapshot(engine) == before


def test_wrong_check_digits_number_is_not_in_registry():
    assert not check_digits_ok(WRONG_CHECK_DIGITS)
    assert not check_digits_ok(SEED_CITIZEN)  # yet the seed citizen works: the registry knows it


def test_valid_number_unknown_to_the_registry(client, engine, auth):
    before = snapshot(engine)
    response = put(client, auth, consent(innbyggerFnr=unknown_valid_fnr(engine)))
    assert response.json() == {
        "code": "EPVK-101518",
        "message": "Fant ingen innbygger med angitt fødselsnummer",
        "errorCategory": "forretningsregel",
    }
    assert response.status_code == 400
    assert snapshot(engine) == before


def test_definition_outside_its_active_period(client, engine, auth, fresh_data):
    with db.write(engine) as conn:
        conn.execute(
            sa.update(pvk_definisjon).where(pvk_definisjon.c.guid == NFS_CONSENT).values(aktiv_til=dt.date.today() - dt.timedelta(days=1))
        )
    before = snapshot(engine)
    expect_error(put(client, auth, consent()), 400, "EPVK-101512", NFS_CONSENT)
    assert snapshot(engine) == before


def test_tidspunkt_a_little_ahead_is_tolerated(client, auth, fresh_data):
    ahead = (utcnow() + fields.FUTURE_TOLERANCE / 2).isoformat()
    expect_changed(put(client, auth, consent(tidspunkt=ahead)))


def test_a_removal_checks_its_metadata_too(client, engine, auth):
    before = snapshot(engine)
    expect_error(put(client, auth, restriction([{"nummer": "7777777"}], aktiv=False)), 400, "EPVK-101508")
    assert snapshot(engine) == before
