"""An environment file as a vendor writes one: its own client keys, tool GUID, PVK definition and SvarUt
account and integration, none of them in helsebro's default data (tests of ``serve --environment``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from joserfc.jwk import RSAKey

ORGNR = "921000006"
HER_ID = "8100099"
EPJ_CLIENT = "min-epj"
SAK_CLIENT = "min-sak"
SECRET_CLIENT = "min-hemmelige"
SECRET = "et-langt-hemmelig-passord"
TOOL = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
GUIDANCE_SERVICE = "d4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80"
PVK_DEFINITION = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
PVK_PART = "MINREG"
KONTO = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
INTEGRASJON = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"
PASSORD = "mitt-hemmelige-passord"
CITIZEN = "13116900216"  # a valid number the default population does not have
HPR = "9144900"
FORSENDELSESTYPE = "Mitt.Vedtak"


@dataclass
class VendorEnvironment:
    path: Path
    epj_key: RSAKey
    sak_key: RSAKey
    data: dict[str, Any]

    def write(self, data: dict[str, Any] | None = None, path: Path | None = None) -> Path:
        target = path or self.path
        target.write_text(yaml.safe_dump(data or self.data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return target


def vendor_environment(directory: Path) -> VendorEnvironment:
    epj_key = RSAKey.generate_key(2048, parameters={"kid": "min-epj-1"}, private=True)
    sak_key = RSAKey.generate_key(2048, parameters={"kid": "min-sak-1"}, private=True)
    data = {
        "organisations": [{"orgnr": ORGNR, "navn": "Min Virksomhet AS", "her_id": HER_ID}],
        "clients": [
            {
                "client_id": EPJ_CLIENT,
                "issuer": "helseid",
                "name": "Min EPJ",
                "orgnr": ORGNR,
                "jwks": {"keys": [epj_key.as_dict(private=False)]},
                "scopes": ["verktoysendtilinnbygger", "Personverninnstillinger_skriv", "Personverninnstillinger_les"],
                "pvk_parts": [PVK_PART],
            },
            {
                "client_id": SAK_CLIENT,
                "issuer": "maskinporten",
                "orgnr": ORGNR,
                "jwks": {"keys": [sak_key.as_dict(private=False)]},
                "scopes": ["ks:fiks"],
            },
            {"client_id": SECRET_CLIENT, "orgnr": ORGNR, "secret": SECRET, "scopes": ["verktoykatalog_read", "verktoyadminveiledning"]},
        ],
        "verktoy": [{"VerktoyId": TOOL, "Navn": "Mitt verktøy", "eier": EPJ_CLIENT, "Sokeord": ["mitt"]}],
        "guidance_services": [
            {
                "id": GUIDANCE_SERVICE,
                "navn": "Brukerstøtte for Min EPJ",
                "orgnr": ORGNR,
                "telefon": "+47 22 00 00 09",
                "apningstider": [1, 2],
            }
        ],
        "pvk_definitions": [
            {"definisjonGuid": PVK_DEFINITION, "definisjonNavn": "Samtykke til Mitt register", "partKode": PVK_PART, "typePi": "samtykke"}
        ],
        "svarut_accounts": [
            {
                "kontoId": KONTO,
                "navn": "Min kommune",
                "orgnr": ORGNR,
                "her_id": HER_ID,
                "integrations": [{"integrasjonId": INTEGRASJON, "passord": PASSORD, "orgnr": ORGNR}],
                "forsendelsestyper": [FORSENDELSESTYPE],
                "mottakersystemer": [{"navn": "Mitt fagsystem", "forsendelseType": FORSENDELSESTYPE, "niva": 3}],
            }
        ],
        "citizens": [{"fnr": CITIZEN, "fornavn": "Kari", "etternavn": "Nordmann", "helsenorgeSamtykke": True}],
        "health_personnel": [{"hpr": HPR, "navn": "Lege Legesen"}],
    }
    environment = VendorEnvironment(directory / "environment.yaml", epj_key, sak_key, data)
    environment.write()
    return environment
