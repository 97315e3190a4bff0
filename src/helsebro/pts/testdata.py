"""The default PTS data set, and restoring it (NHN's test environment is "periodically reset to default").

The set is built through the same service functions the API uses, so its versions and history are real.
Times are relative to the moment of loading, so a freshly reset data set always shows a delay still running.
The object identifiers are fixed: client test suites and documentation can name them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from helsebro import db
from helsebro._time import utcnow
from helsebro.pts import privacy, safety
from helsebro.pts.privacy_rules import ALL, BLOCK, HARD, PPS, SHIELD, SOFT, SPECIFIED, TIME_RANGE, ObjectScope, PrivacyTerms, SubjectScope
from helsebro.pts.records import Actor
from helsebro.pts.safety_rules import AUTOMATED, MANUAL, AssociateParent, CreateSafety, Restriction, SafetyObject
from helsebro.pts.tables import DATA_TABLES, pts_privacy_restriction, pts_safety_attribute
from helsebro.pts.values import REKVISISJON, SVARRAPPORT, ObjectId
from helsebro.testdata.people import SEED_CITIZEN

# Two more citizens of the default population (helsebro.testdata.people, fixed random seed).
OTHER_CITIZEN = "05509844919"  # Ellinor Pettersen
THIRD_CITIZEN = "03847940998"  # Kari Pettersen

DEMO_CLIENT = "helsebro-demo-epj"
DEMO_PROFESSIONAL = "565513636"  # Venstre Morfar

# The seed citizen's requisition with a 14-day delay, and its answer report derived from it.
DELAYED_REKVISISJON = ObjectId(REKVISISJON, "5ede44e1-6f1a-4c2b-9d3e-0a1b2c3d4e5f")
DELAYED_SVARRAPPORT = ObjectId(SVARRAPPORT, "d20b8fa0-7a2b-4c3d-8e4f-5a6b7c8d9e0f")
WITHHELD_SVARRAPPORT = ObjectId(SVARRAPPORT, "9b1f3c2e-1d4a-4e5b-8c6d-7e8f9a0b1c2d")
NORMAL_REKVISISJON = ObjectId(REKVISISJON, "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d")
# Two versions: the delay was extended, the first version is kept.
EXTENDED_SVARRAPPORT = ObjectId(SVARRAPPORT, "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f")
OTHER_SVARRAPPORT = ObjectId(SVARRAPPORT, "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b")
THIRD_REKVISISJON = ObjectId(REKVISISJON, "8f9e0d1c-2b3a-4f5e-9d6c-7b8a9f0e1d2c")


def load_defaults(conn: sa.Connection) -> dict[str, int]:
    """Replace the PTS data with the default set, in the caller's transaction. The audit stays."""
    for table in DATA_TABLES:
        conn.execute(sa.delete(table))
    now = utcnow()
    actor = Actor(DEMO_CLIENT, DEMO_PROFESSIONAL)
    days = dt.timedelta(days=1)

    def restrict(off_id: str, object_id: ObjectId, restriction: Restriction, at: dt.datetime = now) -> None:
        safety.create(conn, CreateSafety(SafetyObject(off_id, object_id), restriction), actor, at)

    restrict(SEED_CITIZEN, DELAYED_REKVISISJON, Restriction("NORU", delay_days=14, cause=MANUAL), now - 3 * days)
    safety.associate_parent(
        conn, AssociateParent(SafetyObject(SEED_CITIZEN, DELAYED_SVARRAPPORT), DELAYED_REKVISISJON, now - 2 * days), actor, now - 2 * days
    )
    restrict(SEED_CITIZEN, WITHHELD_SVARRAPPORT, Restriction("NORN_FFL", withheld_forever=True, cause=MANUAL), now - 10 * days)
    restrict(SEED_CITIZEN, NORMAL_REKVISISJON, Restriction("N", cause=AUTOMATED), now - 5 * days)
    restrict(SEED_CITIZEN, EXTENDED_SVARRAPPORT, Restriction("NORU", delay_delivery_until=now + 2 * days, cause=MANUAL), now - 1 * days)
    restrict(SEED_CITIZEN, EXTENDED_SVARRAPPORT, Restriction("NORU", delay_delivery_until=now + 30 * days, cause=MANUAL))
    restrict(OTHER_CITIZEN, OTHER_SVARRAPPORT, Restriction("NORU", delay_delivery_until=now + 3 * days, cause=AUTOMATED))
    restrict(THIRD_CITIZEN, THIRD_REKVISISJON, Restriction("NORN_KUT", withheld_forever=True, cause=MANUAL))

    def protect(terms: PrivacyTerms) -> str:
        return privacy.insert(conn, terms, actor, now).id

    protect(PrivacyTerms(SEED_CITIZEN, SHIELD, HARD, PPS, ObjectScope(ALL), SubjectScope(SPECIFIED, ("4128168",)), now - 30 * days, None))
    protect(
        PrivacyTerms(
            OTHER_CITIZEN,
            BLOCK,
            SOFT,
            PPS,
            ObjectScope(TIME_RANGE, now - 365 * days, now - 180 * days),
            SubjectScope(ALL),
            now - 30 * days,
            None,
        )
    )
    revoked = protect(
        PrivacyTerms(OTHER_CITIZEN, SHIELD, SOFT, PPS, ObjectScope(ALL), SubjectScope(SPECIFIED, ("1234567",)), now - 60 * days, None)
    )
    privacy.revoke(conn, revoked, actor, now)
    return {
        "pts_safety_objects": _count(conn, pts_safety_attribute),
        "pts_privacy_restrictions": _count(conn, pts_privacy_restriction),
    }


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def reset_pts(engine: sa.Engine) -> dict[str, int]:
    """Restore just the PTS data to the default set, atomically."""
    with db.write(engine) as conn:
        return load_defaults(conn)
