"""Slow and oversized clients against a real ``helsebro serve`` (uvicorn with helsebro.http_protocol and the
helsebro.limits middleware), over raw sockets: a client that stops half-way through its headers or its body
is cut off with 408, one that sends endless headers with 431, and an announced 200 MB body is refused with
the family's 413 at once, before it is sent. The database plays no part in these limits: one server, SQLite.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import LiveServer, start_server

pytestmark = pytest.mark.server

PAUSE_LIMIT = 1  # seconds the server waits for a pausing client
ANSWER_WITHIN = 30  # seconds the test waits for the server's answer (socket timeout)
PVK = "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    env = {"HELSEBRO_HEADER_SECONDS": str(PAUSE_LIMIT), "HELSEBRO_BODY_IDLE_SECONDS": str(PAUSE_LIMIT)}
    yield from start_server(tmp_path_factory.mktemp("slow-clients"), env)


def connect(server: LiveServer) -> socket.socket:
    url = urlsplit(server.base_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=ANSWER_WITHIN)
    return sock


def answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read until the server closes the connection (each refusal closes it); bounded by the socket timeout."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def test_a_client_that_stops_in_its_headers_is_cut_off(server: LiveServer):
    with connect(server) as sock:
        sock.sendall(b"POST " + PVK.encode() + b" HTTP/1.1\r\nHost: localhost\r\nContent-Ty")
        status, _, body = answer(sock)
    assert status == 408, body
    assert "hoder" in body.decode()


def test_a_client_that_stops_in_its_body_gets_the_familys_408(server: LiveServer):
    with connect(server) as sock:  # the token endpoint reads its form before anything else
        sock.sendall(
            b"POST /helseid/connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\ngrant_type=client_cre"
        )
        status, _, body = answer(sock)
    assert status == 408, body
    error = json.loads(body)
    assert error["error"] == "invalid_request" and "sakte" in error["error_description"], error


def test_endless_headers_are_cut_off(server: LiveServer):
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        status = None
        try:
            for _ in range(1000):  # up to 8 MB of headers; the server closes long before
                sock.sendall(b"X-Mer: " + b"x" * 8000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            status, _, body = answer(sock)
        except ConnectionResetError:
            return  # closed while we were still sending: the 431 was lost with the reset, the point stands
    assert status == 431, body


def test_an_announced_200_mb_body_is_refused_before_it_is_sent(server: LiveServer):
    with connect(server) as sock:
        sock.sendall(
            b"POST /svarut/api/v3/kontoer/k/forsendelser/status/sok HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\nContent-Length: 200000000\r\n\r\n{"
        )
        status, headers, body = answer(sock)
    assert status == 413 and headers["connection"] == "close", body
    error = json.loads(body)
    assert error["errorCode"] == "FOR_STOR" and error["status"] == 413, error
