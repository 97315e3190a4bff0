"""Sending a tool to a citizen: POST /verktoy/system/verktoy/v2 and /verktoy/v1/Verktoy (seed 000, SPEC 2).

The seed's request examples lost their JSON bodies; the bodies here are built from its parameter tables:
v2 with every field, v1 "HPR-nummer kjent ... dato for frist og egen melding er angitt", and v1 "Kun
behandlers fødselsnummer er kjent".
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.personvern.tables import pvk_innstilling
from helsebro.registries.tables import helsepersonell, innbygger
from helsebro.verktoy import sending
from helsebro.verktoy.tables import verktoy, verktoy_oppgave
from tests.support import SEED_TOOL, SEED_TOOL_2, VERKTOY_CLIENT, VERKTOY_CLIENT_2

V2 = "/verktoy/system/verktoy/v2"
V1 = "/verktoy/v1/Verktoy"
CITIZEN = "12048645510"

V2_EXAMPLE = {
    "VerktoyId": SEED_TOOL,
    "InnbyggerFnr": CITIZEN,
    "AvsenderOrgNummer": "913748263",
    "AvsenderNavn": "Poliklinikk for angstlidelser, Helse Vestfjord HF",
    "FristDato": "2026-12-24T00:00:00",
    "Melding": "Hei! Her er kurset vi snakket om i timen.",
}
V1_WITH_HPR = {
    "VerktoyId": SEED_TOOL_2,
    "InnbyggerFnr": CITIZEN,
    "BehandlerHpr": "565513636",
    "FristDato": "2026-12-24T00:00:00",
    "Melding": "Hei! Her er oppfølgingsverktøyet for KOLS.",
}


@pytest.fixture(scope="module")
def send_headers(tokens) -> dict[str, str]:
    return tokens.bearer("verktoysendtilinnbygger", VERKTOY_CLIENT)


@pytest.fixture(scope="module")
def other_vendor(tokens) -> dict[str, str]:
    return tokens.bearer("verktoysendtilinnbygger", VERKTOY_CLIENT_2)


def tasks(engine, tool: str, fnr: str = CITIZEN) -> list:
    with db.read(engine) as conn:
        query = sa.select(verktoy_oppgave).where(verktoy_oppgave.c.verktoy_id == tool, verktoy_oppgave.c.innbygger_fnr == fnr)
        return conn.execute(query).all()


def inactive_citizen(engine) -> str:
    """A citizen in the registry without the Helsenorge consent and without anyone acting for them."""
    from helsebro.digitaltaktiv.status import statuses

    with db.read(engine) as conn:
        consenting = sa.select(pvk_innstilling.c.innbygger_fnr).where(pvk_innstilling.c.definisjon_guid == HELSENORGE_CONSENT)
        candidates = conn.execute(sa.select(innbygger.c.fnr).where(innbygger.c.fnr.not_in(consenting))).scalars().all()
        found = statuses(conn, candidates, dt.date.today())
    return next(f for f in candidates if not found[f].digitalt_aktiv)


def error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["Code"] == code
    assert set(response.json()) == {"Code", "Message"}


# -- v2 ---------------------------------------------------------------------------------------------------


def test_v2_example_creates_a_task_and_answers_the_pseudo_id(client, send_headers, engine, fresh_data):
    response = client.post(V2, json=V2_EXAMPLE, headers=send_headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"PseudoId"}
    uuid.UUID(response.json()["PseudoId"])
    (task,) = tasks(engine, SEED_TOOL)
    assert (task.status, task.api_versjon, task.frist) == ("aapen", 2, dt.date(2026, 12, 24))
    assert (task.avsender_orgnr, task.avsender_navn, task.melding) == ("913748263", V2_EXAMPLE["AvsenderNavn"], V2_EXAMPLE["Melding"])
    assert task.behandler_id is None


def test_pseudo_id_is_stable_per_client_and_citizen_and_differs_between_clients(client, send_headers, other_vendor, engine, fresh_data):
    first = client.post(V2, json=V2_EXAMPLE, headers=send_headers).json()["PseudoId"]
    with db.read(engine) as conn:
        own_other = (
            conn.execute(sa.select(verktoy.c.id).where(verktoy.c.eier_client_id == VERKTOY_CLIENT, verktoy.c.id != SEED_TOOL))
            .scalars()
            .first()
        )
        rival_tool = conn.execute(sa.select(verktoy.c.id).where(verktoy.c.eier_client_id == VERKTOY_CLIENT_2)).scalars().first()
    second = client.post(V2, json={**V2_EXAMPLE, "VerktoyId": own_other}, headers=send_headers).json()["PseudoId"]
    rival = client.post(V2, json={**V2_EXAMPLE, "VerktoyId": rival_tool}, headers=other_vendor).json()["PseudoId"]
    assert first == second
    assert rival != first


def test_a_second_send_while_the_task_is_open_is_VER_000232_and_allowed_once_it_is_not(client, send_headers, engine, fresh_data):
    assert client.post(V2, json=V2_EXAMPLE, headers=send_headers).status_code == 200
    error(client.post(V2, json=V2_EXAMPLE, headers=send_headers), 400, "VER-000232")
    assert len(tasks(engine, SEED_TOOL)) == 1
    with db.write(engine) as conn:
        conn.execute(sa.update(verktoy_oppgave).values(status="utfort"))
    assert client.post(V2, json=V2_EXAMPLE, headers=send_headers).status_code == 200
    assert len(tasks(engine, SEED_TOOL)) == 2


def test_deadline_defaults_to_two_weeks_and_ignores_the_time_of_day(client, send_headers, engine, fresh_data):
    body = {k: v for k, v in V2_EXAMPLE.items() if k != "FristDato"}
    assert client.post(V2, json=body, headers=send_headers).status_code == 200
    assert tasks(engine, SEED_TOOL)[0].frist == dt.date.today() + dt.timedelta(days=14)


def test_a_deadline_with_a_time_keeps_only_the_date(client, send_headers, engine, fresh_data):
    assert client.post(V2, json={**V2_EXAMPLE, "FristDato": "2027-01-15T23:59:59+01:00"}, headers=send_headers).status_code == 200
    assert tasks(engine, SEED_TOOL)[0].frist == dt.date(2027, 1, 15)


def test_property_names_bind_case_insensitively(client, send_headers, engine, fresh_data):
    body = {k.lower(): v for k, v in V2_EXAMPLE.items()}
    assert client.post(V2, json=body, headers=send_headers).status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ("no body", 400, "VER-000202"),
        ({"VerktoyId": "not-a-guid"}, 400, "VER-000209"),
        ({"VerktoyId": str(uuid.UUID(int=1))}, 400, "VER-000207"),
        ({"VerktoyId": SEED_TOOL, "InnbyggerFnr": "1234"}, 400, "VER-000291"),
        ({"AvsenderOrgNummer": "123456789"}, 400, "VER-000292"),
        ({"Melding": "x" * 1501}, 400, "VER-000290"),
        ({"InnbyggerFnr": "01010100000"}, 400, "VER-000228"),  # not in the registry
        ({"FristDato": "snart"}, 400, "VER-000293"),
    ],
)
def test_v2_errors(client, send_headers, engine, change, status, code):
    if change == "no body":
        response = client.post(V2, headers=send_headers)
    else:
        response = client.post(V2, json={**V2_EXAMPLE, **change}, headers=send_headers)
    error(response, status, code)
    assert tasks(engine, SEED_TOOL) == []


def test_v2_error_messages_say_what_is_wrong(client, send_headers, engine):
    missing_id = client.post(V2, json={k: v for k, v in V2_EXAMPLE.items() if k != "VerktoyId"}, headers=send_headers)
    error(missing_id, 400, "VER-000209")
    assert missing_id.json()["Message"] == "Ugyldig verdi for id: VerktoyId mangler"
    broken = client.post(
        V2, content=b'{"VerktoyId": "' + SEED_TOOL.encode() + b'",}', headers={**send_headers, "Content-Type": "application/json"}
    )
    error(broken, 400, "VER-000202")
    assert "ikke gyldig JSON" in broken.json()["Message"]
    # A number nobody can have (wrong check digits, not in the registry) is named as such; a citizen who is
    # in the registry but not active gets the plain message.
    wrong_digits = client.post(V2, json={**V2_EXAMPLE, "InnbyggerFnr": "12048645511"}, headers=send_headers)
    error(wrong_digits, 400, "VER-000228")
    assert "kontrollsifrene i fødselsnummeret stemmer ikke" in wrong_digits.json()["Message"]
    inactive = client.post(V2, json={**V2_EXAMPLE, "InnbyggerFnr": inactive_citizen(engine)}, headers=send_headers)
    assert inactive.json()["Message"] == "Innbygger er ikke digitalt aktiv på helsenorge"
    assert tasks(engine, SEED_TOOL) == []


def test_a_message_of_exactly_1500_characters_is_accepted(client, send_headers, fresh_data):
    assert client.post(V2, json={**V2_EXAMPLE, "Melding": "ø" * 1500}, headers=send_headers).status_code == 200


def test_a_citizen_who_is_not_digitally_active_is_VER_000228(client, send_headers, engine):
    error(client.post(V2, json={**V2_EXAMPLE, "InnbyggerFnr": inactive_citizen(engine)}, headers=send_headers), 400, "VER-000228")


def test_only_the_tool_itself_may_send_it(client, other_vendor, engine):
    error(client.post(V2, json=V2_EXAMPLE, headers=other_vendor), 403, "SEC-110001")
    # Ownership is checked before the rest of the body (SPEC's order): a bad number still gets 403.
    error(client.post(V2, json={**V2_EXAMPLE, "InnbyggerFnr": "x"}, headers=other_vendor), 403, "SEC-110001")
    assert tasks(engine, SEED_TOOL) == []


def test_sending_needs_the_send_scope(client, tokens):
    error(client.post(V2, json=V2_EXAMPLE, headers=tokens.bearer("verktoykatalog_read")), 403, "SEC-110001")
    error(client.post(V2, json=V2_EXAMPLE), 401, "SEC-110000")


# -- v1 ---------------------------------------------------------------------------------------------------


def test_v1_example_with_hpr_records_the_professional(client, send_headers, engine, fresh_data):
    response = client.post(V1, json=V1_WITH_HPR, headers=send_headers)
    assert response.status_code == 200, response.text
    (task,) = tasks(engine, SEED_TOOL_2)
    assert (task.behandler_id, task.behandler_id_type, task.behandler_navn) == ("565513636", "HPR", "Venstre Morfar")
    assert task.api_versjon == 1


def test_v1_example_with_only_the_professionals_fnr(client, send_headers, engine, fresh_data):
    with db.read(engine) as conn:
        person = conn.execute(sa.select(helsepersonell).where(helsepersonell.c.hpr_nummer == "4128168")).one()
    body = {"VerktoyId": SEED_TOOL_2, "InnbyggerFnr": CITIZEN, "BehandlerFnr": person.fnr}
    assert client.post(V1, json=body, headers=send_headers).status_code == 200
    (task,) = tasks(engine, SEED_TOOL_2)
    assert (task.behandler_id, task.behandler_id_type, task.behandler_navn) == (person.fnr, "FNR", "Linda Ingrid Telle")


def test_v1_pseudo_id_is_the_callers_and_matches_v2(client, send_headers, fresh_data):
    v1 = client.post(V1, json=V1_WITH_HPR, headers=send_headers).json()["PseudoId"]
    v2 = client.post(V2, json=V2_EXAMPLE, headers=send_headers).json()["PseudoId"]
    assert v1 == v2  # the caller owns both tools: the same client, the same citizen


def test_v1_same_professional_twice_is_VER_000218_another_professional_may_send(client, send_headers, engine, fresh_data):
    assert client.post(V1, json=V1_WITH_HPR, headers=send_headers).status_code == 200
    error(client.post(V1, json=V1_WITH_HPR, headers=send_headers), 400, "VER-000218")
    assert client.post(V1, json={**V1_WITH_HPR, "BehandlerHpr": "4128168"}, headers=send_headers).status_code == 200
    assert len(tasks(engine, SEED_TOOL_2)) == 2


def test_v1_and_v2_open_tasks_block_each_other(client, send_headers, fresh_data):
    assert client.post(V2, json={**V2_EXAMPLE, "VerktoyId": SEED_TOOL_2}, headers=send_headers).status_code == 200
    error(client.post(V1, json=V1_WITH_HPR, headers=send_headers), 400, "VER-000232")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"BehandlerHpr": "999999999"}, "PVF-000239"),
        ({"BehandlerHpr": None, "BehandlerFnr": "01010100000"}, "PVF-000239"),
        ({"BehandlerHpr": None}, "VER-000294"),
        ({"BehandlerHpr": None, "BehandlerFnr": "123"}, "VER-000291"),
    ],
)
def test_v1_professional_errors(client, send_headers, engine, change, code):
    error(client.post(V1, json={**V1_WITH_HPR, **change}, headers=send_headers), 400, code)
    assert tasks(engine, SEED_TOOL_2) == []


def test_tasks_expire_three_months_after_the_deadline(client, send_headers, engine, fresh_data):
    assert client.post(V2, json={**V2_EXAMPLE, "FristDato": "2026-01-01"}, headers=send_headers).status_code == 200
    assert sending.expire_tasks(engine, dt.date(2026, 4, 2)) == 0  # 91 days after: still open
    assert sending.expire_tasks(engine, dt.date(2026, 4, 5)) == 1
    assert tasks(engine, SEED_TOOL)[0].status == "utlopt"


# -- Veiledningstjeneste ------------------------------------------------------------------------------------

OWN_SERVICE = "2b7d4e9a-61c3-4f0b-8a5e-3d9c1f7b2e40"  # owned by 910000004, the demo vendor's organisation
OTHER_SERVICE = "7c1e5a3f-9d2b-4e86-b4a0-6f8e2c5d1a97"
GUIDANCE = "/verktoy/v1/Veiledningstjeneste/"


@pytest.fixture(scope="module")
def guidance_headers(tokens) -> dict[str, str]:
    return tokens.bearer("verktoyadminveiledning", VERKTOY_CLIENT)


def test_a_guidance_service_is_updated_and_the_body_id_ignored(client, guidance_headers, fresh_data):
    body = {"Id": OTHER_SERVICE, "Telefon": "+47 40 00 00 00", "Url": "https://ny.example.no/hjelp", "Apningstider": [2, 4]}
    response = client.put(GUIDANCE + OWN_SERVICE, json=body, headers=guidance_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "Id": OWN_SERVICE,
        "Navn": "Brukerstøtte for Demo Verktøyleverandør",
        "Telefon": "+47 40 00 00 00",
        "Url": "https://ny.example.no/hjelp",
        "Apningstider": [2, 4],
    }
    again = client.put(GUIDANCE + OWN_SERVICE, json={"telefon": "+47 40 00 00 01"}, headers=guidance_headers)
    assert again.json()["Telefon"] == "+47 40 00 00 01"


def test_guidance_service_errors(client, guidance_headers):
    error(client.put(GUIDANCE + OTHER_SERVICE, json={"Telefon": "1"}, headers=guidance_headers), 403, "SEC-110001")
    error(client.put(GUIDANCE + str(uuid.UUID(int=5)), json={"Telefon": "1"}, headers=guidance_headers), 404, "VK-001128")
    error(client.put(GUIDANCE + OWN_SERVICE, json={"Apningstider": [99]}, headers=guidance_headers), 400, "VER-000204")
    error(client.put(GUIDANCE + OWN_SERVICE, json={"Url": "ftp://x"}, headers=guidance_headers), 400, "VER-000293")
    error(client.put(GUIDANCE + "abc", json={}, headers=guidance_headers), 400, "VER-000209")
    error(client.put(GUIDANCE + OWN_SERVICE, headers=guidance_headers), 400, "VER-000202")


def test_guidance_needs_its_scope(client, tokens):
    error(client.put(GUIDANCE + OWN_SERVICE, json={}, headers=tokens.bearer("verktoykatalog_read")), 403, "SEC-110001")
