"""PVK (personverninnstillinger) as the assembly sees it."""

from __future__ import annotations

from helsebro.family import Family
from helsebro.personvern import consent, errors, routes, service, tables
from helsebro.registries import hooks

# The registries' test-data admin shows and sets the Helsenorge consent through this registration.
hooks.register(hooks.ConsentKeeper(given=consent.operator_consent_given, set=service.set_helsenorge_consent, forget=service.forget_citizen))

FAMILY = Family(
    name="pvk",
    port_name="helsenorge",
    title="Helsenorge PVK",
    prefixes=("/personvern",),
    errors=errors.FORMAT,
    routers=(routes.router,),
    case_insensitive=True,
    tables=(tables.pvk_historikk, tables.pvk_innstilling, tables.pvk_definisjon),
)
