"""``helsebro dpop-proof``: a DPoP proof for one request, so curl users can call DPoP-bound APIs (PTS)."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.console import Console

from helsebro.cli.key_files import TokenCommandError, ensure_dpop_key, read_private_jwk
from helsebro.client.auth import DPoP

app = typer.Typer()
err = Console(stderr=True)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# What an access token or a nonce may hold when it goes into an HTTP header (RFC 6750 b64token, RFC 9449 NQCHAR).
HEADER_SAFE = frozenset(string.ascii_letters + string.digits + "-._~+/=!#$%&'()*,:;<>?@[]^`{|}")


class ProofInputError(Exception):
    pass


def check_method(method: str) -> str:
    upper = method.strip().upper()
    if upper not in METHODS:
        raise ProofInputError(f"--method {method!r}: not an HTTP method ({', '.join(METHODS)})")
    return upper


def check_url(url: str) -> str:
    """An absolute http(s) URL. The proof's htu drops the query and fragment (RFC 9449 4.2), as the server compares it."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise ProofInputError(f"--url {url!r}: not a URL ({exc})") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ProofInputError(f"--url {url!r}: give the whole request URL, e.g. http://127.0.0.1:8080/pts/...")
    return url.strip()


def check_header_value(option: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or not set(value) <= HEADER_SAFE:
        raise ProofInputError(f"{option}: empty, or has characters an HTTP header value cannot carry (spaces, quotes, non-ASCII)")
    return value


def check_inputs(method: str, url: str, token: str | None, nonce: str | None) -> tuple[str, str, str | None, str | None]:
    if token is not None and token.strip().split(" ", 1)[0].lower() in ("bearer", "dpop"):
        raise ProofInputError("--token: give the access token alone, without 'Bearer' or 'DPoP'")
    return check_method(method), check_url(url), check_header_value("--token", token), check_header_value("--nonce", nonce)


def sign(key_file: Path, method: str, url: str, token: str | None, nonce: str | None) -> str:
    """The proof JWT, signed with the key in ``key_file`` by the Python client's own proof builder."""
    try:
        dpop = DPoP(read_private_jwk(key_file, "--key"))
    except TokenCommandError as exc:
        raise ProofInputError(str(exc)) from exc
    if nonce:
        dpop.set_nonce(url, nonce)
    return dpop.proof(method, url, token)


@app.command("dpop-proof")
def dpop_proof(
    key: Annotated[
        Path, typer.Option(help="Private JWK that signs the proof (a new EC P-256 key is written there if the file does not exist).")
    ],
    method: Annotated[str, typer.Option(help="The request's HTTP method (htm).")],
    url: Annotated[str, typer.Option(help="The request URL (htu: scheme, host and path; the query is left out).")],
    token: Annotated[str | None, typer.Option(help="The DPoP-bound access token the request carries (adds ath, its hash).")] = None,
    nonce: Annotated[str | None, typer.Option(help="The DPoP-Nonce the server demanded (use_dpop_nonce).")] = None,
) -> None:
    """Print a DPoP proof (RFC 9449) for one request, for the DPoP header: make a new one for every request
    (a proof is good once). Sign with the key your token is bound to (helsebro token --dpop-key)."""
    try:
        method, url, token, nonce = check_inputs(method, url, token, nonce)  # before a key is written for nothing
        try:
            wrote = ensure_dpop_key(key)
        except OSError as exc:
            raise ProofInputError(f"--key {key}: cannot write a new key there ({exc.strerror or exc})") from exc
        if wrote:
            note = f"Wrote a new DPoP key (EC P-256) to {key}: get a token bound to it with helsebro token --dpop-key {key}."
            err.print(note, markup=False, highlight=False, soft_wrap=True)
        proof = sign(key, method, url, token, nonce)
    except ProofInputError as exc:
        err.print(str(exc), style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    print(proof)
