"""Every family's client for helsebro's demo clients, with their TEST ONLY keys: for trying helsebro and for
tests. Never use these keys anywhere else; for your own client, build the family clients yourself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import httpx

from helsebro.client.auth import DPoP, HelseId
from helsebro.client.digitaltaktiv import DigitaltAktivClient
from helsebro.client.maskinporten import Maskinporten
from helsebro.client.operator import OperatorClient
from helsebro.client.personvern import PersonvernClient
from helsebro.client.pts import PtsClient
from helsebro.client.svarut import SvarUtClient
from helsebro.client.verktoy import VerktoyClient
from helsebro.testdata import files as demo_files

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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def demo_clients(base_url: str, *, public_url: str | None = None, dpop: bool = True, timeout: float = 60.0) -> DemoClients:
    """Clients for a helsebro at ``base_url``: Verktøy as the demo tool vendor, DigitaltAktiv, PVK and PTS as
    the demo EPJ (PTS always with DPoP; the others with DPoP when ``dpop``), SvarUt as the demo municipality.

    ``public_url``: the server's HELSEBRO_PUBLIC_URL when it differs from ``base_url`` (several API processes
    behind one name): token issuers and assertion audiences are named by it, while every request, token
    requests included, goes to ``base_url``."""
    base = base_url.rstrip("/")
    public = (public_url or base_url).rstrip("/")
    http = httpx.Client(timeout=timeout)

    def helseid(client_id: str, with_dpop: bool) -> HelseId:
        key = demo_files.demo_private_key(client_id)
        return HelseId(
            client_id,
            key,
            issuer=public + "/helseid",
            token_endpoint=base + "/helseid/connect/token",
            dpop=DPoP() if with_dpop else None,
            http=http,
        )

    vendor, epj = helseid(VERKTOY_CLIENT, dpop), helseid(EPJ_CLIENT, dpop)
    epj_dpop = epj if dpop else helseid(EPJ_CLIENT, True)
    maskinporten = Maskinporten(
        KOMMUNE_CLIENT,
        demo_files.demo_private_key(KOMMUNE_CLIENT),
        issuer=public + "/maskinporten",
        token_endpoint=base + "/maskinporten/token",
        http=http,
    )
    return DemoClients(
        verktoy=VerktoyClient(base, vendor.auth(["verktoykatalog_read", "verktoysendtilinnbygger", "verktoyadminveiledning"]), http=http),
        digitaltaktiv=DigitaltAktivClient(base, epj.auth(["digitaltaktiv", "helsenorgeaktivsjekken"]), http=http),
        personvern=PersonvernClient(base, epj.auth(["Personverninnstillinger_skriv", "Personverninnstillinger_les"]), http=http),
        pts=PtsClient(base + "/pts", epj_dpop, http=http),
        svarut=SvarUtClient(base + "/svarut/api", maskinporten, DEMO_INTEGRASJON_ID, DEMO_INTEGRASJON_PASSORD, http=http),
        operator=OperatorClient(base),
        vendor=vendor,
        epj=epj,
        http=http,
    )
