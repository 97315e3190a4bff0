"""DigitaltAktiv: the change feed (seed 001) and the two checks (SPEC section 3), over a small hand-made
family written straight into the registries."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.digitaltaktiv import changes, feed
from helsebro.digitaltaktiv.tables import digitaltaktiv_endring
from helsebro.identifiers import FnrKind, make_fnr
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.personvern.tables import pvk_innstilling
from helsebro.registries.tables import foreldreansvar, fullmakt, innbygger

FEED = "/DigitaltAktiv/api/v1/DigitaltAktivStatusEndringer"
CHECK = "/digitaltaktiv/helsenorgeaktivsjekken/v1"
OLD_CHECK = "/digitaltaktiv/v1/DigitaltAktivOmraade"
SEED_CITIZEN = "12048645510"
SEED_OFFSET_FORMAT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{5}Z$")
TODAY = dt.date.today()


def _number(born: dt.date, individual: int) -> str:
    for i in range(individual, individual + 50):
        number = make_fnr(born, i, FnrKind.TENOR)
        if number:
            return number
    raise AssertionError("no number")


# A family made for these tests: an active parent with a young child, a parent without consent, an adult
# child of the active parent, a dead person whose consent row is still active, and an elderly person who
# has given a power of attorney to the active parent.
PARENT = _number(dt.date(1980, 5, 17), 100)
OTHER_PARENT = _number(dt.date(1982, 2, 1), 110)
CHILD = _number(TODAY - dt.timedelta(days=365 * 8), 600)
ADULT_CHILD = _number(dt.date(2001, 1, 1), 620)
DEAD = _number(dt.date(1930, 3, 3), 120)
ELDER = _number(dt.date(1940, 7, 7), 130)
FAMILY = [PARENT, OTHER_PARENT, CHILD, ADULT_CHILD, DEAD, ELDER]


@pytest.fixture()
def family(engine, fresh_data):
    with db.write(engine) as conn:
        conn.execute(
            sa.insert(innbygger),
            [
                {"fnr": f, "fornavn": "Test", "etternavn": name, "dodsdato": TODAY if f == DEAD else None}
                for f, name in zip(FAMILY, ["Forelder", "Annen", "Barn", "Voksenbarn", "Død", "Eldre"])
            ],
        )
        conn.execute(
            sa.insert(foreldreansvar),
            [{"forelder_fnr": p, "barn_fnr": c} for p in (PARENT, OTHER_PARENT) for c in (CHILD, ADULT_CHILD)],
        )
        conn.execute(sa.insert(fullmakt).values(fullmaktsgiver_fnr=ELDER, fullmektig_fnr=PARENT, gyldig_fra=TODAY - dt.timedelta(days=1)))
        conn.execute(
            sa.insert(pvk_innstilling),
            [
                {"innbygger_fnr": f, "definisjon_guid": HELSENORGE_CONSENT, "aktiv": True, "tidspunkt": dt.datetime.now(dt.UTC)}
                for f in (PARENT, DEAD)
            ],
        )
    return FAMILY


@pytest.fixture(scope="module")
def feed_headers(tokens) -> dict[str, str]:
    return tokens.bearer("digitaltaktiv", "helsebro-demo-epj")


@pytest.fixture(scope="module")
def check_headers(tokens) -> dict[str, str]:
    return tokens.bearer("helsenorgeaktivsjekken", "helsebro-demo-epj")


def get_feed(client, headers, offset: str | None = None) -> dict:
    response = client.get(FEED, params={"offset": offset} if offset is not None else None, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


# -- the feed -----------------------------------------------------------------------------------------------


def test_empty_offset_returns_every_change_with_a_server_offset_in_the_seed_format(client, feed_headers):
    body = get_feed(client, feed_headers)
    assert set(body) == {"offset", "fnr"}
    assert SEED_OFFSET_FORMAT.match(body["offset"])
    assert SEED_CITIZEN in body["fnr"]
    assert len(body["fnr"]) == len(set(body["fnr"])) >= 200  # the default population, each once
    assert set(get_feed(client, feed_headers, "")["fnr"]) == set(body["fnr"])  # empty offset = missing offset


def test_the_returned_offset_gives_only_later_changes(client, feed_headers, engine, fresh_data):
    first = get_feed(client, feed_headers)
    assert get_feed(client, feed_headers, first["offset"])["fnr"] == []
    with db.write(engine) as conn:
        changes.record(conn, [SEED_CITIZEN, "01010112345", SEED_CITIZEN])
    second = get_feed(client, feed_headers, first["offset"])
    assert sorted(second["fnr"]) == ["01010112345", SEED_CITIZEN]
    assert second["offset"] >= first["offset"]
    assert get_feed(client, feed_headers, second["offset"])["fnr"] == []


def test_changes_older_than_three_months_are_never_returned_and_are_purged(client, feed_headers, engine, fresh_data):
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=100)
    with db.write(engine) as conn:
        conn.execute(sa.update(digitaltaktiv_endring).where(digitaltaktiv_endring.c.fnr == SEED_CITIZEN).values(endret=old))
    assert SEED_CITIZEN not in get_feed(client, feed_headers)["fnr"]
    assert SEED_CITIZEN not in get_feed(client, feed_headers, "2000-01-01T00:00:00.00000Z")["fnr"]
    assert feed.purge(engine) == 1
    with db.read(engine) as conn:
        assert conn.execute(sa.select(digitaltaktiv_endring).where(digitaltaktiv_endring.c.fnr == SEED_CITIZEN)).first() is None


@pytest.mark.parametrize(
    "offset",
    [
        "2026-11-23T10:15:30.12345Z",
        "2026-11-23T10:15:30Z",
        "2026-11-23T10:15:30.1234567Z",
        "2026-11-23T11:15:30+01:00",
        "2026-11-23T10:15:30",
        "2026-11-23",
    ],
)
def test_offsets_in_iso_8601_forms_are_accepted(client, feed_headers, offset):
    assert SEED_OFFSET_FORMAT.match(get_feed(client, feed_headers, offset)["offset"])


def test_offset_with_an_unescaped_plus_is_read_as_a_zone(client, feed_headers):
    response = client.get(FEED + "?offset=2026-11-23T11:15:30+01:00", headers=feed_headers)
    assert response.status_code == 200


@pytest.mark.parametrize("offset", ["garbage", "2026-13-01T00:00:00Z", "yesterday", "1700000000"])
def test_an_unreadable_offset_is_DA_000400(client, feed_headers, offset):
    response = client.get(FEED, params={"offset": offset}, headers=feed_headers)
    assert response.status_code == 400
    assert response.json()["Code"] == "DA-000400"
    assert set(response.json()) == {"Code", "Message"}


def test_feed_paths_and_query_names_are_case_insensitive(client, feed_headers):
    response = client.get("/digitaltaktiv/api/v1/digitaltaktivstatusendringer?OFFSET=2026-11-23", headers=feed_headers)
    assert response.status_code == 200


def test_feed_needs_a_token_and_the_scope(client, tokens):
    assert client.get(FEED).json() == {"Code": "SEC-110000", "Message": "Token is expired or invalid"}
    response = client.get(FEED, headers=tokens.bearer("helsenorgeaktivsjekken", "helsebro-demo-epj"))
    assert (response.status_code, response.json()["Code"]) == (403, "SEC-110001")


# -- helsenorgeaktivsjekken ---------------------------------------------------------------------------------


def check(client, headers, numbers, omraade="Helsehjelp"):
    return client.post(CHECK, json={"fnrListe": numbers, "omraade": omraade}, headers=headers)


def test_the_check_tells_selv_via_andre_and_fullmakt(client, check_headers, family):
    unknown = _number(dt.date(1999, 9, 9), 200)
    response = check(client, check_headers, [*family, unknown])
    assert response.status_code == 200, response.text
    got = response.json()["erAktivListe"]

    def status(selv: bool, via: bool, fullmakt_given: bool) -> dict:
        return {"erDigitaltAktivSelv": selv, "erDigitaltAktivViaAndre": via, "tildeltFullmakt": fullmakt_given}

    assert got[PARENT] == status(True, False, False)
    assert got[OTHER_PARENT] == status(False, False, False)
    assert got[CHILD] == status(False, True, False)  # a minor, with an active parent
    assert got[ADULT_CHILD] == status(False, False, False)  # parents do not act for adults
    assert got[DEAD] == status(False, False, False)  # consent row still active, but dead
    assert got[ELDER] == status(False, True, True)  # gave a fullmakt to the active parent
    assert got[unknown] == status(False, False, False)


def test_the_documented_example_shape(client, check_headers):
    """NHN_Documentation's HelsenorgeAktivSjekken example: the string enum in, the three booleans out."""
    response = client.post(CHECK, json={"fnrListe": [SEED_CITIZEN], "omraade": "Helsehjelp"}, headers=check_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "erAktivListe": {SEED_CITIZEN: {"erDigitaltAktivSelv": True, "erDigitaltAktivViaAndre": False, "tildeltFullmakt": False}}
    }


@pytest.mark.parametrize(("volven", "name", "thirteen_active"), [(3, "Helsehjelp", False), (6, "Ungdom", True)])
def test_volven_numbers_mean_the_same_as_the_names(client, check_headers, family, young, volven, name, thirteen_active):
    by_number = check(client, check_headers, [*family, *young], volven).json()
    assert by_number == check(client, check_headers, [*family, *young], name).json()
    assert by_number["erAktivListe"][AGED_13]["erDigitaltAktivSelv"] is thirteen_active


def _years_ago(years: int, extra_days: int) -> dt.date:
    try:
        day = TODAY.replace(year=TODAY.year - years)
    except ValueError:  # 29 February
        day = TODAY.replace(year=TODAY.year - years, day=28)
    return day - dt.timedelta(days=extra_days)


# Young citizens who have given the Helsenorge consent themselves, no parents registered.
AGED_12 = _number(_years_ago(12, 30), 640)
AGED_13 = _number(_years_ago(13, 1), 660)
AGED_15 = _number(_years_ago(15, 300), 680)
AGED_16 = _number(_years_ago(16, 0), 700)  # sixteen today
YOUNG = [AGED_12, AGED_13, AGED_15, AGED_16]


@pytest.fixture()
def young(engine, fresh_data):
    with db.write(engine) as conn:
        conn.execute(sa.insert(innbygger), [{"fnr": f, "fornavn": "Ung", "etternavn": "Testesen"} for f in YOUNG])
        conn.execute(
            sa.insert(pvk_innstilling),
            [
                {"innbygger_fnr": f, "definisjon_guid": HELSENORGE_CONSENT, "aktiv": True, "tidspunkt": dt.datetime.now(dt.UTC)}
                for f in YOUNG
            ],
        )
    return YOUNG


def test_in_helsehjelp_a_child_under_16_is_never_active_themselves(client, check_headers, young):
    got = check(client, check_headers, young, "Helsehjelp").json()["erAktivListe"]
    assert {f: got[f]["erDigitaltAktivSelv"] for f in young} == {AGED_12: False, AGED_13: False, AGED_15: False, AGED_16: True}


def test_in_ungdom_a_citizen_from_13_may_be_active_themselves(client, check_headers, young):
    got = check(client, check_headers, young, "Ungdom").json()["erAktivListe"]
    assert {f: got[f]["erDigitaltAktivSelv"] for f in young} == {AGED_12: False, AGED_13: True, AGED_15: True, AGED_16: True}


def test_a_power_of_attorney_not_yet_valid_or_expired_does_not_count(client, check_headers, engine, family):
    with db.write(engine) as conn:
        conn.execute(sa.update(fullmakt).values(gyldig_til=TODAY - dt.timedelta(days=1), gyldig_fra=TODAY - dt.timedelta(days=9)))
    got = check(client, check_headers, [ELDER]).json()["erAktivListe"][ELDER]
    assert got == {"erDigitaltAktivSelv": False, "erDigitaltAktivViaAndre": False, "tildeltFullmakt": False}


def test_the_check_reads_property_names_case_insensitively(client, check_headers):
    response = client.post(CHECK, json={"FNRLISTE": [SEED_CITIZEN], "Omraade": "ungdom"}, headers=check_headers)
    assert response.json()["erAktivListe"][SEED_CITIZEN]["erDigitaltAktivSelv"] is True


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"fnrListe": [], "omraade": 3}, "DA-000401"),
        ({"omraade": 3}, "DA-000401"),
        ({"fnrListe": ["1234"], "omraade": 3}, "DA-000402"),
        ({"fnrListe": [12048645510], "omraade": 3}, "DA-000402"),
        ({"fnrListe": [SEED_CITIZEN], "omraade": 4}, "DA-000404"),
        ({"fnrListe": [SEED_CITIZEN]}, "DA-000404"),
        ({"fnrListe": [SEED_CITIZEN], "omraade": "3"}, "DA-000404"),
        ({"fnrListe": [SEED_CITIZEN], "omraade": "Voksne"}, "DA-000404"),
        ({"fnrListe": [SEED_CITIZEN], "omraade": 1}, "DA-000404"),
        ({"fnrListe": [SEED_CITIZEN], "omraade": True}, "DA-000404"),
        ({"fnrListe": [SEED_CITIZEN] * 1001, "omraade": 3}, "DA-000403"),
        ([SEED_CITIZEN], "DA-000401"),
    ],
)
def test_bad_check_requests_are_400_with_a_code(client, check_headers, body, code):
    response = client.post(CHECK, json=body, headers=check_headers)
    assert response.status_code == 400
    assert response.json()["Code"] == code


def test_a_check_without_a_body_or_with_broken_json_is_400(client, check_headers):
    assert client.post(CHECK, headers=check_headers).json()["Code"] == "DA-000401"
    broken = client.post(CHECK, content=b'{"fnrListe": [', headers={**check_headers, "content-type": "application/json"})
    assert (broken.status_code, broken.json()["Code"]) == (400, "DA-000401")


def test_exactly_1000_numbers_are_allowed(client, check_headers):
    response = check(client, check_headers, [f"{n:011d}" for n in range(1000)])
    assert response.status_code == 200
    assert len(response.json()["erAktivListe"]) == 1000


def test_the_check_needs_its_own_scope(client, tokens):
    response = check(client, tokens.bearer("digitaltaktiv", "helsebro-demo-epj"), [SEED_CITIZEN])
    assert (response.status_code, response.json()["Code"]) == (403, "SEC-110001")


# -- DigitaltAktivOmraade -----------------------------------------------------------------------------------


def test_the_older_check_says_digitalt_aktiv_for_selv_and_via_andre(client, feed_headers, family):
    for fnr, expected in ((PARENT, True), (CHILD, True), (ELDER, True), (OTHER_PARENT, False), (DEAD, False)):
        response = client.post(OLD_CHECK, json={"fnr": fnr, "omraade": 1}, headers=feed_headers)
        assert response.json() == {"fnr": fnr, "digitaltAktiv": expected}


@pytest.mark.parametrize("body", [{"fnr": "123", "omraade": 1}, {"fnr": SEED_CITIZEN}, {"fnr": SEED_CITIZEN, "omraade": 0}])
def test_the_older_check_refuses_bad_input(client, feed_headers, body):
    response = client.post(OLD_CHECK, json=body, headers=feed_headers)
    assert response.status_code == 400 and response.json()["Code"].startswith("DA-")


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (OLD_CHECK, {"omraade": 1}, "Fødselsnummer mangler: et fødselsnummer er en streng med 11 sifre"),
        (OLD_CHECK, {"fnr": 12048645510, "omraade": 1}, "Ugyldig fødselsnummer (et tall): et fødselsnummer er en streng med 11 sifre"),
        (OLD_CHECK, {"fnr": SEED_CITIZEN}, "omraade mangler (gyldige verdier: et positivt heltall)"),
        (CHECK, {"fnrListe": [SEED_CITIZEN]}, "omraade mangler (gyldige verdier: Helsehjelp, Ungdom (Volven 7618: 3, 6))"),
        (CHECK, {"fnrListe": [None], "omraade": 3}, "Fødselsnummer mangler: et fødselsnummer er en streng med 11 sifre"),
        (CHECK, {"fnrListe": ["1" * 40], "omraade": 3}, "Ugyldig fødselsnummer (40 tegn): et fødselsnummer er en streng med 11 sifre"),
    ],
)
def test_a_missing_or_mistyped_value_is_named_in_words(client, feed_headers, check_headers, path, body, message):
    # These said "Ugyldig fødselsnummer 'NoneType'" and "Ugyldig omraade None": Python's words, not the API's.
    response = client.post(path, json=body, headers=feed_headers if path == OLD_CHECK else check_headers)
    assert response.status_code == 400
    assert response.json()["Message"] == message


def test_the_server_purges_old_changes_by_itself(engine, database_url):
    from starlette.testclient import TestClient

    from helsebro.app import create_app
    from tests.conftest import PUBLIC_URL, make_settings

    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    with db.write(engine) as conn:
        changes.record(conn, ["99999999999"])
        conn.execute(sa.update(digitaltaktiv_endring).where(digitaltaktiv_endring.c.fnr == "99999999999").values(endret=old))
    app = create_app(make_settings(database_url, housekeeping_seconds=0.05), engine)
    with TestClient(app, base_url=PUBLIC_URL):
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        while dt.datetime.now() < deadline:
            with db.read(engine) as conn:
                if conn.execute(sa.select(digitaltaktiv_endring).where(digitaltaktiv_endring.c.fnr == "99999999999")).first() is None:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the old change was not purged")
