"""The signing keys of helsebro's own token services, with rotation.

Keys live in the database so every process signs with and publishes the same set. A rotated key stops
signing at once but stays in the JWKS until every token it signed has expired.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time

import sqlalchemy as sa
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy.engine import Engine

from helsebro import db
from helsebro._time import as_utc, utcnow
from helsebro.auth.tables import signing_keys

SIGNING_ALG = "RS256"


class KeyStore:
    # Every process rereads the key set this often, so a rotation by another process (or `helsebro keys
    # rotate`) reaches its signing within this time. Retired keys are kept that much longer to match.
    reload_seconds = 30

    def __init__(self, engine: Engine, token_lifetime_seconds: int):
        self.engine = engine
        self.token_lifetime = dt.timedelta(seconds=token_lifetime_seconds)
        self._lock = threading.Lock()
        self._keys: dict[str, RSAKey] = {}
        self._active_kid: str | None = None
        self._public_jwks: dict = {"keys": []}
        self._loaded_at = 0.0

    # -- reading --------------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the key set; create the first key if there is none."""
        with db.read(self.engine) as conn:
            rows = conn.execute(sa.select(signing_keys).order_by(signing_keys.c.created_at)).all()
        if not rows:
            self.rotate()
            return
        now = utcnow()
        keys, active, published = {}, None, []
        for row in rows:
            key = self._imported(row.kid, row.private_jwk)
            retired = as_utc(row.retired_at) if row.retired_at else None
            if retired is not None and retired + self.token_lifetime + dt.timedelta(seconds=2 * self.reload_seconds) < now:
                continue  # nothing it signed is still valid
            keys[row.kid] = key
            published.append({**key.as_dict(private=False), "kid": row.kid, "alg": row.alg, "use": "sig"})
            if retired is None:
                active = row.kid
        with self._lock:
            self._keys, self._active_kid = keys, active
            self._public_jwks = {"keys": published}
            self._loaded_at = time.monotonic()
        if active is None:
            self.rotate()

    def _imported(self, kid: str, private_jwk: dict) -> RSAKey:
        """The key of ``kid``, imported once: a kid names one key for good (a rotation makes a new kid), and
        importing an RSA private key (which checks it) costs milliseconds on every reload, and a reload comes
        with every look for an unknown kid."""
        key = self._keys.get(kid)
        return key if key is not None else RSAKey.import_key(private_jwk)

    def signing_key(self) -> tuple[str, RSAKey]:
        if self._active_kid is None or time.monotonic() - self._loaded_at > self.reload_seconds:
            self.load()
        kid = self._active_kid
        assert kid is not None
        return kid, self._keys[kid]

    def public_jwks(self) -> dict:
        if time.monotonic() - self._loaded_at > self.reload_seconds:
            self.load()
        return self._public_jwks

    def verification_key(self, kid: str) -> RSAKey | None:
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._loaded_at > 1:
            # Another process may have rotated: look again, at most once a second.
            self.load()
            key = self._keys.get(kid)
        return key

    def key_set(self) -> KeySet:
        return KeySet(list(self._keys.values()))

    # -- writing --------------------------------------------------------------------------------------

    def rotate(self) -> str:
        """Retire the signing key and start a new one. Returns the new key id."""
        key = RSAKey.generate_key(2048, private=True)
        kid = secrets.token_urlsafe(12)
        now = utcnow()
        with db.write(self.engine) as conn:
            conn.execute(sa.update(signing_keys).where(signing_keys.c.retired_at.is_(None)).values(retired_at=now))
            conn.execute(sa.insert(signing_keys).values(kid=kid, alg=SIGNING_ALG, private_jwk=key.as_dict(private=True)))
        self.load()
        return kid
