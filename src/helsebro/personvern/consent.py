"""The Helsenorge consent: the PVK definition whose active samtykke makes a citizen digitally active. One
definition of it for the loader, the registries' test-data admin and the rules; and PVK's answer to "has this
citizen given it?", published for DigitaltAktiv (SPEC 3).

DigitaltAktiv may not read PVK's tables (DESIGN.md); it asks PVK through ``helsenorge_consent_given``, which
returns the question as one SQL condition, so DigitaltAktiv can put it into its own single status query instead
of asking once per citizen and representative.
"""

from __future__ import annotations

import sqlalchemy as sa

from helsebro.personvern.tables import TYPE_SAMTYKKE, pvk_definisjon, pvk_innstilling

HELSENORGE_CONSENT = "5b0e3c1d-8a47-4f6e-9b2d-7c1a0e4f3d58"
HELSENORGE_PART = "HN"  # the part whose samtykke is the Helsenorge consent (in any case, as PVK reads part codes)

# Every definition that counts as a Helsenorge consent: what ``service.Definition.is_helsenorge_consent`` says.
_HELSENORGE_CONSENTS = sa.select(pvk_definisjon.c.guid).where(
    sa.func.upper(pvk_definisjon.c.part_kode) == HELSENORGE_PART, pvk_definisjon.c.type_pi == TYPE_SAMTYKKE
)


def operator_consent_given(fnr: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """True where the citizen ``fnr`` has the consent the operator's switch sets (``HELSENORGE_CONSENT``) active:
    what the registries' test-data admin shows as ``helsenorgeSamtykke``."""
    return sa.exists().where(
        pvk_innstilling.c.innbygger_fnr == fnr,
        pvk_innstilling.c.definisjon_guid == HELSENORGE_CONSENT,
        pvk_innstilling.c.aktiv.is_(True),
    )


def helsenorge_consent_given(fnr: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """True where the citizen ``fnr`` (a column or a bound parameter) has an active Helsenorge consent."""
    return sa.exists().where(
        pvk_innstilling.c.innbygger_fnr == fnr,
        pvk_innstilling.c.aktiv.is_(True),
        pvk_innstilling.c.definisjon_guid.in_(_HELSENORGE_CONSENTS),
    )
