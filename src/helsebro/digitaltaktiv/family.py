"""DigitaltAktiv as the assembly sees it."""

from __future__ import annotations

from helsebro import formats
from helsebro.digitaltaktiv import changes, feed, routes, tables
from helsebro.family import Family
from helsebro.registries import hooks

# PVK's consent changes and the registries' test-data admin feed the change log through this registration.
hooks.register(changes.STATUS_LOG)

FAMILY = Family(
    name="digitaltaktiv",
    port_name="helsenorge",
    title="Helsenorge DigitaltAktiv",
    prefixes=("/digitaltaktiv",),
    errors=formats.HELSENORGE,
    routers=(routes.router,),
    case_insensitive=True,
    tables=(tables.digitaltaktiv_endring,),
    periodic=(("purged_changes", feed.purge),),
)
