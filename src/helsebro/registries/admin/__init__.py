"""Setting up test data in the registries: what the operator API and CLI do. No HTTP in here.

One module per kind of entry (``citizens``, ``relations``, ``personnel``, ``organisations``), with the
shared rules in ``checks``; this package exposes them all, so callers write ``admin.create_citizen``.

Every function takes the caller's connection (inside ``db.write`` for writes), checks every rule before it
writes anything, and records a DigitaltAktiv change in the same transaction whenever someone's status may
have changed (SPEC sections 3 and 7). The Helsenorge consent (PVK's) and the change log (DigitaltAktiv's) are
reached through ``registries.hooks``, where those families register them: the registries import no family. A refused change raises an ``AdminError``; the caller's transaction
then rolls back, so nothing is half done.

Messages are Norwegian (they reach the API's clients) and never contain a fødselsnummer: they name the role
(``barnet``, ``fullmektig``) instead, so they are safe to log.
"""

from __future__ import annotations

from helsebro.registries.admin.checks import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from helsebro.registries.admin.citizens import (
    citizen_profile,
    create_citizen,
    delete_citizen,
    list_citizens,
    set_death_date,
    set_helsenorge_consent,
    update_citizen,
)
from helsebro.registries.admin.errors import (
    AdminError,
    AlreadyExists,
    InUse,
    InvalidDate,
    InvalidFnr,
    InvalidHpr,
    InvalidInput,
    InvalidOrgnr,
    NotAMinor,
    NotFound,
)
from helsebro.registries.admin.models import (
    KEEP,
    Authorisation,
    CitizenChanges,
    CitizenProfile,
    CitizenSummary,
    HealthPersonData,
    NewCitizen,
    NewPowerOfAttorney,
    OrganisationData,
    Page,
    PersonRef,
    PowerOfAttorney,
)
from helsebro.registries.admin.organisations import create_organisation, get_organisation, list_organisations, update_organisation
from helsebro.registries.admin.personnel import (
    create_health_person,
    get_health_person,
    list_health_personnel,
    update_health_person,
)
from helsebro.registries.admin.relations import (
    add_parental_responsibility,
    add_power_of_attorney,
    change_power_of_attorney,
    get_power_of_attorney,
    remove_parental_responsibility,
    remove_power_of_attorney,
)

__all__ = [
    "AdminError",
    "AlreadyExists",
    "InUse",
    "Authorisation",
    "CitizenChanges",
    "CitizenProfile",
    "CitizenSummary",
    "DEFAULT_PAGE_SIZE",
    "HealthPersonData",
    "InvalidDate",
    "InvalidFnr",
    "InvalidHpr",
    "InvalidInput",
    "InvalidOrgnr",
    "KEEP",
    "MAX_PAGE_SIZE",
    "NewCitizen",
    "NewPowerOfAttorney",
    "NotAMinor",
    "NotFound",
    "OrganisationData",
    "Page",
    "PersonRef",
    "PowerOfAttorney",
    "add_parental_responsibility",
    "add_power_of_attorney",
    "change_power_of_attorney",
    "citizen_profile",
    "create_citizen",
    "create_health_person",
    "create_organisation",
    "delete_citizen",
    "get_health_person",
    "get_organisation",
    "get_power_of_attorney",
    "list_citizens",
    "list_health_personnel",
    "list_organisations",
    "remove_parental_responsibility",
    "remove_power_of_attorney",
    "set_death_date",
    "set_helsenorge_consent",
    "update_citizen",
    "update_health_person",
    "update_organisation",
]
