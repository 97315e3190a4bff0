"""The operator's pages (ours): clients, catalog, letters, the change feed and the PTS audit."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/operator", include_in_schema=False)
