"""SvarUt delivery faults (/operator/api/v1/feil, svar "levering"): a channel that fails makes its letters take
the way SPEC section 6 gives a recipient without that channel: a digital channel falls back to print
(SENDT_PRINT, PRINTET), or to IKKE_LEVERT with kunDigitalLevering; failed print ends in MANUELT_HANDTERT.
Counted faults count letters, across workers. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.jobs.tables import outbox as outbox_table
from helsebro.svarut import status
from helsebro.svarut.tables import svarut_forsendelse
from helsebro.svarut.testdata import krr_roles
from tests.api.test_operator_auth import operator_token
from tests.support_delivery import deliver, svarut  # noqa: F401  (svarut is a fixture)
from tests.support_svarut import nhn_letter, pdf, person_letter, print_letter

FAULTS = "/operator/api/v1/feil"
ROLES = krr_roles()


@pytest.fixture(autouse=True)
def clean(svarut) -> Iterator[None]:
    with db.write(svarut.engine) as conn:
        conn.execute(sa.delete(outbox_table))
    yield
    svarut.client.delete(FAULTS, headers=op(svarut))


def op(svarut) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token(svarut.client)}"}


def fail_channel(svarut, channel: str, **more) -> dict:
    made = svarut.client.post(FAULTS, json={"familie": "svarut", "svar": "levering", "kanal": channel, **more}, headers=op(svarut))
    assert made.status_code == 201, made.text
    return made.json()


def to_person(fnr: str, **overrides) -> dict:
    metadata = person_letter(**overrides)
    metadata["mottaker"] = {**metadata["mottaker"], "digitalId": fnr}
    return metadata


def delivered(svarut, letter_id: str) -> tuple[str, list[str]]:
    with db.read(svarut.engine) as conn:
        kanal = conn.execute(sa.select(svarut_forsendelse.c.kanal).where(svarut_forsendelse.c.id == letter_id)).scalar_one()
        return kanal, [name for name, _ in status.history(conn, letter_id)]


def test_a_failing_digital_mailbox_sends_the_letter_to_print(svarut):
    fail_channel(svarut, "SDP")
    letter_id = svarut.send_ok("person", to_person(ROLES["digipost"][0]), [("vedtak.pdf", pdf())])
    deliver(svarut)
    assert delivered(svarut, letter_id) == ("PRINT", ["MOTTATT", "AKSEPTERT", "SENDT_PRINT", "PRINTET"])
    assert svarut.status({"id": [letter_id]}).json()["statuser"][0]["status"] == "PRINTET"


def test_digital_only_letters_end_not_delivered(svarut):
    fail_channel(svarut, "SDP")
    letter_id = svarut.send_ok("person", to_person(ROLES["digipost"][1], kunDigitalLevering=True), [("vedtak.pdf", pdf())])
    deliver(svarut)
    assert delivered(svarut, letter_id) == ("IKKE_LEVERT", ["MOTTATT", "AKSEPTERT", "IKKE_LEVERT"])


def test_failing_print_leaves_the_letter_to_manual_handling(svarut):
    fail_channel(svarut, "PRINT")
    letter_id = svarut.send_ok("print", print_letter(), [("brev.pdf", pdf())])
    deliver(svarut)
    assert delivered(svarut, letter_id) == ("MANUELL", ["MOTTATT", "AKSEPTERT", "MANUELT_HANDTERT"])
    assert svarut.status({"id": [letter_id]}).json()["statuser"][0]["status"] == "MANUELT_HANDTERT"


def test_a_failing_health_network_falls_back_to_print(svarut):
    fail_channel(svarut, "NHN")
    letter_id = svarut.send_ok("nhn", nhn_letter(), [("epikrise.pdf", pdf())])
    deliver(svarut)
    assert delivered(svarut, letter_id) == ("PRINT", ["MOTTATT", "AKSEPTERT", "SENDT_PRINT", "PRINTET"])


def test_a_counted_delivery_fault_fails_that_many_letters(svarut):
    made = fail_channel(svarut, "SDP", antall=1)
    first = svarut.send_ok("person", to_person(ROLES["digipost"][0]), [("vedtak.pdf", pdf())])
    deliver(svarut)
    second = svarut.send_ok("person", to_person(ROLES["digipost"][0]), [("vedtak.pdf", pdf())])
    deliver(svarut)
    assert delivered(svarut, first)[0] == "PRINT"
    assert delivered(svarut, second) == ("SDP", ["MOTTATT", "AKSEPTERT", "SENDT_SDP", "LEVERT_SDP"])
    shown = svarut.client.get(f"{FAULTS}/{made['id']}", headers=op(svarut)).json()
    assert (shown["gjenstar"], shown["aktiv"]) == (0, False)


def test_a_delivery_fault_leaves_the_api_and_other_channels_alone(svarut):
    fail_channel(svarut, "PRINT")
    letter_id = svarut.send_ok("person", to_person(ROLES["digipost"][0]), [("vedtak.pdf", pdf())])  # the send answers as always
    deliver(svarut)
    assert delivered(svarut, letter_id)[0] == "SDP"
