"""The six SettInnbyggersPersonvernInnstilling examples of seed 003, sent verbatim, against the default data.

Every request body below is copied character for character from the seed, with its copy-paste artefacts:
typographic quotes around the typePi values (“samtykke”) and, in the first example, a trailing comma before
the closing brace. helsebro repairs exactly these two before parsing and says so in ``X-Helsebro-Warning``
(``helsebro.personvern.service``). The seed's response example spells ``returkode`` with a lower-case k;
SPEC section 4 and the seed's own response table say ``returKode``, which is what helsebro answers.
"""

from __future__ import annotations

import orjson
import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.casing import lower_keys
from helsebro.personvern import bodies
from helsebro.personvern.tables import pvk_historikk, pvk_innstilling
from tests.support import EPJ_CLIENT

SET = "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"
STATUS = "/personvern/Personverninnstillinger/SjekkInnbyggersPiStatus/v2"
SEED_CITIZEN = "12048645510"
NFS_CONSENT = "3fe2a80a-4200-42e2-817b-da8a6236708a"
PDMR_RESERVATION = "ecc56090-124b-4405-8137-2a616c683ffc"
RF_RESTRICTION = "3f7457b8-821c-45a8-ae04-d3e4a0dac0f0"
WARNING = "X-Helsebro-Warning"

# Copied from seeds/003 verbatim.
SEED_NEW_CONSENT = """\
{
"innbyggerFnr":"12048645510",
"definisjonGuid":"3FE2A80A-4200-42E2-817B-DA8A6236708A",
"definisjonNavn":"Samtykke til oppbevaring av biomateriale",
"partKode":"NFS",
"typePi": “samtykke”,
"aktiv": true,
}
"""

SEED_WITHDRAW_CONSENT = """\
{
"innbyggerFnr":"12048645510",
"definisjonGuid":"3FE2A80A-4200-42E2-817B-DA8A6236708A",
"definisjonNavn":"Samtykke til oppbevaring av biomateriale",
"partKode":"NFS",
"typePi": “samtykke”,
"aktiv": false
}
"""

SEED_NEW_RESERVATION = """\
{
"innbyggerFnr":"12048645510",
"definisjonGuid":"ecc56090-124b-4405-8137-2a616c683ffc",
"definisjonNavn":"Reservasjon mot registrering av helseopplysninger",
"partKode":"PDMR",
"typePi": “reservasjon”,
"aktiv": true
}
"""

SEED_DELETE_RESERVATION = """\
{
"innbyggerFnr":"12048645510",
"definisjonGuid":"ecc56090-124b-4405-8137-2a616c683ffc",
"definisjonNavn":"Reservasjon mot registrering av helseopplysninger",
"partKode":"PDMR",
"typePi": “reservasjon”,
"aktiv": false
}
"""

SEED_NEW_ACCESS_RESTRICTION = """\
{
"innbyggerFnr":"12048645510",
"definisjonGuid":"3F7457B8-821C-45A8-AE04-D3E4A0DAC0F0",
"definisjonNavn":"Begrensning av helsepersonells tilgang til legemiddelliste",
"partKode":"RF",
"typePi": “tilgangsbegrensning”,
"aktiv": true,
"TbInnbyggerMetadata":
{
"detaljertAngivelse":
{
"navngittHelseperson": [
{
"nummer": "4128168",
"navn": "Linda Ingrid Telle"
},
{
"nummer":"1234567",
"navn":"Per Olsen"
}
]
}
}
}
"""

SEED_DELETE_ACCESS_RESTRICTION = """\
{
"innbyggerFnr":"12048645510",
"definisjonGuid":"3F7457B8-821C-45A8-AE04-D3E4A0DAC0F0",
"definisjonNavn":"Begrensning av helsepersonells tilgang til legemiddelliste",
"partKode":"RF",
"typePi": “tilgangsbegrensning”,
"aktiv": false
}
"""

SEED_RESPONSE_EXAMPLE = """\
{
“returkode”: “ok”,
"instansEndret":"ikkeEndret",
}
"""


EXAMPLES = (
    SEED_NEW_CONSENT,
    SEED_WITHDRAW_CONSENT,
    SEED_NEW_RESERVATION,
    SEED_DELETE_RESERVATION,
    SEED_NEW_ACCESS_RESTRICTION,
    SEED_DELETE_ACCESS_RESTRICTION,
)


@pytest.fixture(scope="module")
def write_auth(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.get('Personverninnstillinger_skriv', EPJ_CLIENT)}"}


@pytest.fixture(scope="module")
def read_auth(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.get('Personverninnstillinger_les', EPJ_CLIENT)}"}


def send(client, auth: dict[str, str], example: str):
    """POST the example's text as it stands, byte for byte (UTF-8), as a client pasting it would."""
    return client.post(SET, content=example.encode("utf-8"), headers={**auth, "Content-Type": "application/json"})


def expect(response, instans: str) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"returKode": "ok", "instansEndret": instans}


def status(client, auth: dict[str, str], guid: str, part: str) -> dict:
    body = {"innbyggerFnr": SEED_CITIZEN, "definisjonGuid": guid, "partKode": part}
    response = client.post(STATUS, json=body, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def restriction_of(engine) -> dict | None:
    with db.read(engine) as conn:
        row = conn.execute(
            sa.select(pvk_innstilling.c.aktiv, pvk_innstilling.c.metadata).where(
                (pvk_innstilling.c.innbygger_fnr == SEED_CITIZEN) & (pvk_innstilling.c.definisjon_guid == RF_RESTRICTION)
            )
        ).first()
    return None if row is None else {"aktiv": row.aktiv, "metadata": row.metadata}


def history_count(engine) -> int:
    with db.read(engine) as conn:
        query = sa.select(sa.func.count()).select_from(pvk_historikk).where(pvk_historikk.c.innbygger_fnr == SEED_CITIZEN)
        return conn.execute(query).scalar_one()


def test_the_examples_are_not_strict_json_as_printed():
    """Why helsebro repairs: every example carries typographic quotes, the first a trailing comma too."""
    for example in EXAMPLES:
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(example)
    assert bodies.repair_json(SEED_NEW_CONSENT)[1] == (bodies.REPAIRED_QUOTES, bodies.REPAIRED_TRAILING_COMMA)
    assert bodies.repair_json(SEED_WITHDRAW_CONSENT)[1] == (bodies.REPAIRED_QUOTES,)


def test_seed_consent_examples_in_sequence(client, engine, write_auth, read_auth, fresh_data):
    first = send(client, write_auth, SEED_NEW_CONSENT)
    expect(first, "endret")
    assert "typographic quotes" in first.headers[WARNING] and "trailing comma" in first.headers[WARNING]
    assert status(client, read_auth, NFS_CONSENT, "NFS")["aktiv"] is True

    expect(send(client, write_auth, SEED_NEW_CONSENT), "ikkeEndret")  # "allerede hadde angitt verdi"

    withdrawn = send(client, write_auth, SEED_WITHDRAW_CONSENT)
    expect(withdrawn, "endret")
    assert "typographic quotes" in withdrawn.headers[WARNING] and "trailing comma" not in withdrawn.headers[WARNING]
    assert status(client, read_auth, NFS_CONSENT, "NFS")["aktiv"] is False

    expect(send(client, write_auth, SEED_WITHDRAW_CONSENT), "ikkeEndret")
    assert history_count(engine) == 1 + 2  # the HN consent of the default data, then two changes


def test_seed_withdrawal_of_a_consent_never_given_is_ikke_endret(client, engine, write_auth, fresh_data):
    before = history_count(engine)
    expect(send(client, write_auth, SEED_WITHDRAW_CONSENT), "ikkeEndret")  # "det fantes ingen instans"
    assert history_count(engine) == before


def test_seed_reservation_examples_in_sequence(client, write_auth, read_auth, fresh_data):
    expect(send(client, write_auth, SEED_NEW_RESERVATION), "endret")
    assert status(client, read_auth, PDMR_RESERVATION, "PDMR")["aktiv"] is True
    expect(send(client, write_auth, SEED_DELETE_RESERVATION), "endret")
    assert status(client, read_auth, PDMR_RESERVATION, "PDMR")["aktiv"] is False


def test_seed_access_restriction_examples_in_sequence(client, engine, write_auth, fresh_data):
    named = [{"nummer": "4128168", "navn": "Linda Ingrid Telle"}, {"nummer": "1234567", "navn": "Per Olsen"}]
    expect(send(client, write_auth, SEED_NEW_ACCESS_RESTRICTION), "endret")
    assert restriction_of(engine) == {"aktiv": True, "metadata": {"detaljertAngivelse": {"navngittHelseperson": named}}}

    expect(send(client, write_auth, SEED_NEW_ACCESS_RESTRICTION), "ikkeEndret")

    # "Eventuelle tidligere satte HPR-nummer blir overskrevet": a different list replaces the whole list.
    other = SEED_NEW_ACCESS_RESTRICTION.replace('"1234567"', '"565513636"').replace('"Per Olsen"', '"Venstre Morfar"')
    expect(send(client, write_auth, other), "endret")
    replaced = [named[0], {"nummer": "565513636", "navn": "Venstre Morfar"}]
    assert restriction_of(engine) == {"aktiv": True, "metadata": {"detaljertAngivelse": {"navngittHelseperson": replaced}}}

    expect(send(client, write_auth, SEED_DELETE_ACCESS_RESTRICTION), "endret")
    assert restriction_of(engine) == {"aktiv": False, "metadata": None}


def test_answer_matches_the_seed_response_example_except_its_casing(client, write_auth, fresh_data):
    send(client, write_auth, SEED_NEW_CONSENT)
    answer = send(client, write_auth, SEED_NEW_CONSENT)  # "samtykket var allerede registrert"
    repaired, _ = bodies.repair_json(SEED_RESPONSE_EXAMPLE)
    assert lower_keys(answer.json()) == lower_keys(orjson.loads(repaired))
    assert list(answer.json()) == ["returKode", "instansEndret"]
