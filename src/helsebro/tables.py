"""Imports every family's tables so that the shared metadata knows them all (for Alembic and tests)."""

from helsebro.auth import tables as auth_tables  # noqa: F401
from helsebro.digitaltaktiv import tables as digitaltaktiv_tables  # noqa: F401
from helsebro.jobs import tables as jobs_tables  # noqa: F401
from helsebro.personvern import tables as personvern_tables  # noqa: F401
from helsebro.pts import tables as pts_tables  # noqa: F401
from helsebro.registries import tables as registries_tables  # noqa: F401
from helsebro.svarut import tables as svarut_tables  # noqa: F401
from helsebro.verktoy import tables as verktoy_tables  # noqa: F401
