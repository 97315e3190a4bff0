"""Imports every table so that the shared metadata knows them all (for Alembic and tests): helsebro's own
(token services, registries, jobs) and each family's, from the one list of families."""

from helsebro.auth import tables as auth_tables  # noqa: F401
from helsebro.families import FAMILIES
from helsebro.jobs import tables as jobs_tables  # noqa: F401
from helsebro.registries import tables as registries_tables  # noqa: F401
from helsebro.steering import tables as steering_tables  # noqa: F401

FAMILY_TABLES = tuple(table for family in FAMILIES for table in (*family.tables, *family.kept_tables))
