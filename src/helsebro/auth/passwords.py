"""Secrets at rest: client secrets and Fiks integration passwords, stored as salted scrypt hashes.

scrypt is slow on purpose (tens of milliseconds), which is right for a guess and wrong for a test suite
that sends the same good secret thousands of times. So a secret that verified is remembered, in this
process only, by an HMAC under a per-process key together with the stored hash it matched: a changed
secret (new stored hash) misses, and every wrong guess still pays the full scrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from functools import cache

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_VERIFIED_MAX = 4096

_process_key = secrets.token_bytes(32)
_verified: dict[tuple[str, bytes], None] = {}  # insertion-ordered: the oldest entry goes first
_lock = threading.Lock()


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


@cache
def _decoy_hash() -> str:
    return hash_secret(secrets.token_urlsafe(16))


def verify_secret(secret: str, stored: str | None) -> bool:
    """Whether ``secret`` matches ``stored``. No stored hash (an unknown client, one without a secret) costs
    the same scrypt as a wrong secret, so the time taken tells nothing about which it was."""
    if not stored or not stored.startswith("scrypt$"):
        _check(secret, _decoy_hash())
        return False
    return _check(secret, stored)


def _check(secret: str, stored: str) -> bool:
    remembered = (stored, hmac.digest(_process_key, secret.encode(), "sha256"))
    if remembered in _verified:
        return True
    _, salt_b64, digest_b64 = stored.split("$")
    digest = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt_b64), **_SCRYPT)
    if not hmac.compare_digest(digest, base64.b64decode(digest_b64)):
        return False
    with _lock:
        if len(_verified) >= _VERIFIED_MAX:
            del _verified[next(iter(_verified))]
        _verified[remembered] = None
    return True
