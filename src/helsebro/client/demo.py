"""Every family's client for helsebro's demo clients, with their TEST ONLY keys: for trying helsebro and for
tests. Never use these keys anywhere else; for your own client, build the family clients yourself."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from helsebro.client.auth import DPoP, HelseId
from helsebro.client.digitaltaktiv import DigitaltAktivClient
from helsebro.client.maskinporten import Maskinporten
from helsebro.client.operator import OperatorClient
from helsebro.client.personvern import PersonvernClient
from helsebro.client.pts import PtsClient
from helsebro.client.svarut import SvarUtClient
from helsebro.client.verktoy import VerktoyClient
from helsebro.testdata import loader

VERKTOY_CLIENT = "helsebro-demo-verktoy"
EPJ_CLIENT = "helsebro-demo-epj"
KOMMUNE_CLIENT = "helsebro-demo-kommune"
# The demo SvarUt integration (helsebro.svarut.testdata), granted on the demo account.
DEMO_KONTO_ID = "7d3c9a52-4b1e-4f0a-9c6d-2e8b5a1f0c37"
DEMO_INTEGRASJON_ID = "c4f1e8b2-6a3d-4e5f-8b9c-0d1e2f3a4b5c"
DEMO_INTEGRASJON_PASSORD = "helsebro-demo-integrasjon"


@dataclass
class DemoClients:
    verktoy: VerktoyClient
    digitaltaktiv: DigitaltAktivClient
    personvern: PersonvernClient
    pts: PtsClient
    svarut: SvarUtClient
    operator: OperatorClient
    vendor: HelseId  # helsebro-demo-verktoy
    epj: HelseId  # helsebro-demo-epj
    http: httpx.Client

    def close(self) -> None:
        self.operator.close()
        self.http.close()

    def __enter__(self) -> DemoClients:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def demo_clients(base_url: str, *, dpop: bool = True, timeout: float = 60.0) -> DemoClients:
    """Clients for a helsebro at ``base_url``: Verktøy as the demo tool vendor, DigitaltAktiv, PVK and PTS as
    the demo EPJ (PTS always with DPoP; the others with DPoP when ``dpop``), SvarUt as the demo municipality."""
    base = base_url.rstrip("/")
    http = httpx.Client(timeout=timeout)
    issuer = base + "/helseid"
    vendor = HelseId(VERKTOY_CLIENT, loader.demo_private_key(VERKTOY_CLIENT), issuer=issuer, dpop=DPoP() if dpop else None, http=http)
    epj = HelseId(EPJ_CLIENT, loader.demo_private_key(EPJ_CLIENT), issuer=issuer, dpop=DPoP() if dpop else None, http=http)
    epj_dpop = epj if dpop else HelseId(EPJ_CLIENT, loader.demo_private_key(EPJ_CLIENT), issuer=issuer, dpop=DPoP(), http=http)
    maskinporten = Maskinporten(KOMMUNE_CLIENT, loader.demo_private_key(KOMMUNE_CLIENT), issuer=base + "/maskinporten", http=http)
    return DemoClients(
        verktoy=VerktoyClient(base, vendor.auth(["verktoykatalog_read", "verktoysendtilinnbygger"]), http=http),
        digitaltaktiv=DigitaltAktivClient(base, epj.auth(["digitaltaktiv", "helsenorgeaktivsjekken"]), http=http),
        personvern=PersonvernClient(base, epj.auth(["Personverninnstillinger_skriv", "Personverninnstillinger_les"]), http=http),
        pts=PtsClient(base + "/pts", epj_dpop, http=http),
        svarut=SvarUtClient(base + "/svarut/api", maskinporten, DEMO_INTEGRASJON_ID, DEMO_INTEGRASJON_PASSORD, http=http),
        operator=OperatorClient(base),
        vendor=vendor,
        epj=epj,
        http=http,
    )
