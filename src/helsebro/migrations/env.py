"""Alembic environment. The caller (helsebro.migrate) hands us a connection in config.attributes."""

from __future__ import annotations

from alembic import context

import helsebro.tables  # noqa: F401  (registers every table on the metadata)
from helsebro.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
