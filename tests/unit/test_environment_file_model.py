"""The environment file's checks without a database: each problem names the file, the entry and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from joserfc.jwk import ECKey

from helsebro.testdata import environment_file
from helsebro.testdata.environment_file import EnvironmentFileError

KEY = ECKey.generate_key("P-256", parameters={"kid": "k1"}, private=True)


def problems(data: object) -> list[str]:
    with pytest.raises(EnvironmentFileError) as refused:
        environment_file.parse(data, "env.yaml")
    return refused.value.problems


def client(**changes: object) -> dict:
    return {
        "client_id": "min-epj",
        "orgnr": "921000006",
        "scopes": ["verktoysendtilinnbygger"],
        "jwks": {"keys": [KEY.as_dict(private=False)]},
        **changes,
    }


def test_an_unknown_top_level_key_is_refused() -> None:
    assert problems({"klienter": []}) == ["env.yaml: klienter: Extra inputs are not permitted"]


def test_entries_carry_more_fields() -> None:
    parsed = environment_file.parse(
        {
            "clients": [client(kontaktperson="Kari")],
            "verktoy": [{"VerktoyId": "6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B", "Navn": "x", "eier": "min-epj", "AntattTid": 5}],
        },
        "env.yaml",
    )
    assert parsed.verktoy[0].VerktoyId == "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    assert parsed.verktoy[0].model_extra == {"AntattTid": 5}


def test_each_problem_names_the_entry_and_the_field() -> None:
    found = problems(
        {
            "clients": [client(), client(client_id="min-sak", issuer="maskinporten", scopes=["ks:fiks", "digitaltaktiv"])],
            "pvk_definitions": [
                {"definisjonGuid": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "definisjonNavn": "x", "partKode": "P", "typePi": "ja"}
            ],
            "citizens": [{"fnr": "1234567890", "fornavn": "Kari", "etternavn": "Nordmann"}],
        }
    )
    assert found == [
        "env.yaml: clients[1] (min-sak): scopes: a Maskinporten client has only Maskinporten scopes (ks:fiks), not digitaltaktiv",
        "env.yaml: pvk_definitions[0] (a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d): typePi: must be one of samtykke, reservasjon, tilgangsbegrensning",
        "env.yaml: citizens[0]: fnr: a fødselsnummer has 11 digits",  # never the number
    ]


def test_a_client_needs_a_credential_and_no_private_key() -> None:
    assert problems({"clients": [client(jwks=None)]}) == [
        "env.yaml: clients[0] (min-epj): give the client jwks, jwks_uri, secret or certificates"
    ]
    assert problems({"clients": [client(jwks={"keys": [KEY.as_dict(private=True)]})]}) == [
        "env.yaml: clients[0] (min-epj): jwks: holds a private key: give the public key only"
    ]


def test_an_id_given_twice_is_refused() -> None:
    assert problems({"clients": [client(), client(client_id="MIN-EPJ")]}) == [
        "env.yaml: clients[1] (MIN-EPJ): client_id: given twice in the file"
    ]


def test_a_guidance_service_in_the_file_names_its_id() -> None:
    service = {"navn": "Brukerstøtte", "orgnr": "921000006"}
    assert problems({"guidance_services": [service]}) == ["env.yaml: guidance_services[0]: id: Field required"]
    assert problems({"guidance_services": [{**service, "id": "x", "url": "ftp://x"}]}) == [
        "env.yaml: guidance_services[0] (x): id: not a UUID (e.g. 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b)",
        "env.yaml: guidance_services[0] (x): url: String should match pattern '^https?://[^/\\s]+'",
    ]
    upper = {**service, "id": "D4E5F6A7-B8C9-4D0E-9F1A-3B4C5D6E7F80"}
    assert environment_file.parse({"guidance_services": [upper]}, "env.yaml").guidance_services[0].id == upper["id"].lower()
    assert problems({"guidance_services": [upper, {**upper, "id": upper["id"].lower()}]}) == [
        "env.yaml: guidance_services[1] (d4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80): id: given twice in the file"
    ]


def test_a_file_that_is_no_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "env.json"
    path.write_text("{clients: [")
    with pytest.raises(EnvironmentFileError) as refused:
        environment_file.read(path)
    assert refused.value.problems[0].startswith(f"{path}: not valid JSON")
