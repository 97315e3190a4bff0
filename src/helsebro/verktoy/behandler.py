"""Which professional sent a tool to the logged-in citizen (Behandlerinformasjon, seed 000). No HTTP here."""

from __future__ import annotations

import sqlalchemy as sa

from helsebro import db
from helsebro.verktoy import errors
from helsebro.verktoy.tables import verktoy, verktoy_oppgave


def professional_for(engine: sa.Engine, tool_id: str, fnr: str, caller: str | None) -> dict[str, str]:
    """The professional of the latest v1 send of this tool to this citizen.

    Only the tool itself learns who sent it: the citizen's token must be issued to the tool's owner.
    """
    with db.read(engine) as conn:
        owner = conn.execute(sa.select(verktoy.c.eier_client_id).where(verktoy.c.id == tool_id)).first()
        if owner is None:
            raise errors.send_tool_unknown()
        if owner.eier_client_id != caller:
            raise errors.not_the_tool_itself()
        sends = conn.execute(
            sa.select(verktoy_oppgave.c.behandler_id, verktoy_oppgave.c.behandler_id_type, verktoy_oppgave.c.behandler_navn)
            .where(verktoy_oppgave.c.verktoy_id == tool_id, verktoy_oppgave.c.innbygger_fnr == fnr)
            .order_by(verktoy_oppgave.c.created_at.desc())
        ).all()
    if not sends:
        raise errors.never_sent_to_citizen()
    for send in sends:
        if send.behandler_id:
            return {"Id": send.behandler_id, "IdType": send.behandler_id_type, "Navn": send.behandler_navn}
    raise errors.not_sent_by_professional()
