"""Private key files of the token commands (``helsebro token --key/--dpop-key``, ``helsebro dpop-proof``):
read one, or write a new DPoP key. Only joserfc here, so a command that signs a proof starts fast."""

from __future__ import annotations

import json
import os
from pathlib import Path

from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from helsebro.auth.client_side import load_private_key


class TokenCommandError(Exception):
    pass


def ensure_dpop_key(path: Path) -> bool:
    """Write a new EC P-256 DPoP key to ``path`` unless the file exists (a DPoP key is the client's own, made
    once and kept). True when it wrote one."""
    if path.exists():
        return False
    # A private key: readable by its owner only, and never written through a file (or link) that appeared meanwhile.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as file:
        file.write(json.dumps(ECKey.generate_key("P-256").as_dict(private=True), indent=1) + "\n")
    return True


def read_private_jwk(path: Path, option: str) -> dict:
    """A private RSA or EC JWK from a file, or a TokenCommandError saying what is wrong with the file."""
    try:
        jwk = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise TokenCommandError(f"{option} {path}: no such file") from exc
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8 or not JSON
        raise TokenCommandError(f"{option} {path}: not a JSON file ({exc})") from exc
    if not isinstance(jwk, dict) or jwk.get("kty") not in ("RSA", "EC"):
        raise TokenCommandError(f"{option} {path}: not an RSA or EC key in JWK (JSON) form")
    try:
        load_private_key(jwk)
    except (JoseError, ValueError) as exc:
        raise TokenCommandError(f"{option} {path}: not a usable private key ({exc})") from exc
    return jwk
