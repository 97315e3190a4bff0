"""``eksponertFor``: the fødselsnumre and organisasjonsnumre that "skal få tilgang til å laste ned forsendelsens
dokumenter" besides the recipient (v2 and v3 letters alike). No HTTP in here.

The list is stored with the letter (``svarut_eksponert``, in the send's transaction). A citizen named in it
sees the letter in their inbox on the citizen pages ("Mine brev") once it has reached its recipient, through
whatever channel (the access is to the documents, not to the recipient's mailbox), and until then not at all;
they open it and download its documents as the recipient does, without the documents the sender has
deleted. Opening it is reading it (LEST), as v2's ``lest`` accepts their fødselsnummer. A signing assignment
stays the recipient's. Organisasjonsnumre are kept; helsebro has no organisation inbox to show them in.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from helsebro.svarut import status
from helsebro.svarut.tables import svarut_eksponert, svarut_forsendelse

# Where an exposed citizen can see the letter: it has reached its recipient, or been read.
VISIBLE = (*status.DELIVERED, "LEST")


def idents(metadata: Any) -> list[str]:
    """The letter's eksponertFor as the send's validation accepted it (unique, each 9 or 11 digits)."""
    values = metadata.get("eksponertFor") if isinstance(metadata, dict) else None
    return list(dict.fromkeys(v for v in values if isinstance(v, str))) if isinstance(values, list) else []


def register(conn: sa.Connection, forsendelse_id: str, metadata: Any) -> None:
    """In the transaction that stores the letter."""
    rows = [{"forsendelse_id": forsendelse_id, "ident": ident} for ident in idents(metadata)]
    if rows:
        conn.execute(sa.insert(svarut_eksponert), rows)


def exposed_to(fnr: str) -> sa.ColumnElement[bool]:
    """A condition on ``svarut_forsendelse``: the letter is shared with ``fnr`` and visible to them now."""
    shared = sa.select(svarut_eksponert.c.forsendelse_id).where(svarut_eksponert.c.ident == fnr)
    return svarut_forsendelse.c.id.in_(shared) & svarut_forsendelse.c.status.in_(VISIBLE)


def is_exposed(conn: sa.Connection, forsendelse_id: str, ident: str) -> bool:
    e = svarut_eksponert.c
    return conn.execute(sa.select(e.ident).where((e.forsendelse_id == forsendelse_id) & (e.ident == ident))).first() is not None
