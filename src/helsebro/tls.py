"""``serve --tls``: HTTPS on every port with a server certificate from the local test CA (helsebro.auth.local_ca).

The lead's per-family ports start one uvicorn server per port: each gets the same options from
``uvicorn_options``, so every port speaks HTTPS once ``--tls`` (or ``HELSEBRO_TLS``) is on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from helsebro.auth import local_ca
from helsebro.settings import Settings

_WILDCARDS = ("0.0.0.0", "::", "")


def server_names(settings: Settings) -> list[str]:
    """Names the server certificate must cover besides localhost/127.0.0.1/::1: the host it listens on and
    the host of HELSEBRO_PUBLIC_URL, so a client that reaches it by either name can check the certificate."""
    names = [settings.host] if settings.host not in _WILDCARDS else []
    if settings.public_url:
        host = urlsplit(settings.public_url).hostname
        if host:
            names.append(host)
    return names


def uvicorn_options(settings: Settings) -> dict[str, str]:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config`` of any port: ``ssl_certfile`` and
    ``ssl_keyfile`` with TLS on (the CA and the server certificate are made on first use), nothing without."""
    if not settings.tls:
        return {}
    ca = local_ca.load_or_create(settings.data_dir)
    certificate, key = ca.server_certificate(server_names(settings))
    return {"ssl_certfile": str(certificate), "ssl_keyfile": str(key)}
