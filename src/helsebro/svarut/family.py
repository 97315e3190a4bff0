"""KS Fiks SvarUt as the assembly sees it: its routes under /svarut and, as KS's own client calls them, at
the root (/api/v3/...); its delivery jobs; its test data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa

from helsebro import formats
from helsebro.family import Family, JobHandler
from helsebro.rebase import prefixed
from helsebro.settings import Settings
from helsebro.svarut import blobs, delivery, letters, operator_routes, routes, routes_v2, tables, testdata


def _job_handlers(settings: Settings, engine: sa.Engine) -> Mapping[str, JobHandler]:
    svarut = delivery.Delivery(engine, blobs.store_for(settings, engine), dt.timedelta(seconds=settings.svarut_step_seconds))
    return {letters.OUTBOX_KIND: svarut.handle}


FAMILY = Family(
    name=delivery.FAMILY_NAME,
    port_name="svarut",
    title="KS Fiks SvarUt",
    prefixes=("/svarut", "/api/v3", "/api/v2"),
    own_port_strip="/svarut",
    errors=formats.FIKS,
    # v3's routes are written with /svarut, v2's from /api/v2 (KS's host layout); both are served at both.
    routers=(routes.router, prefixed(routes_v2.router, "/svarut")),
    operator_routers=(operator_routes.router,),
    # Emptied by the loader itself; listed for the metadata.
    kept_tables=(
        tables.svarut_integrasjon,
        tables.svarut_konto,
        tables.svarut_konto_integrasjon,
        tables.svarut_forsendelse,
        tables.svarut_dokument,
        tables.svarut_status_historikk,
        tables.svarut_hendelse,
        tables.svarut_eksponert,
        tables.svarut_forsendelsestype,
        tables.svarut_mottakersystem,
        tables.fastlege,
        tables.krr,
        tables.svarinn_mottaker,
        tables.svarut_blob,
        tables.svarut_blob_chunk,
    ),
    load_testdata=testdata.load_defaults,
    job_handlers=_job_handlers,
    # Channels an injected delivery fault may make fail (helsebro.steering, svar "levering").
    extra={"delivery_channels": delivery.FAILABLE},
)
