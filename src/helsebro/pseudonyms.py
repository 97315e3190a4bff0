"""Pseudonyms for citizens (PseudoId, the citizen login's pairwise ``sub``): keyed HMACs of (client, fnr).

Stable for one client and citizen, different for every other client, and not reversible without the
server secret, as DESIGN.md asks. Written as a GUID because the Verktøy API returns PseudoId as one.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid


def pseudo_id(secret: str, client_id: str, fnr: str) -> str:
    digest = hmac.new(secret.encode(), f"pseudoid\x00{client_id}\x00{fnr}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))
