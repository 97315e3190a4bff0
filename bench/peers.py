"""Peer benchmarks: helsebro against the mock servers people use instead, all in one run with one load tool.

    .venv/bin/python -m bench.peers [--seconds 5] [--rounds 3] [--warmup 20] [--connections 32]
    python bench/peers.py --quick          # one 2 s round: checks that everything starts and answers

Installs the peers from the npm registry into bench/peers/ (`npm ci`, pinned by its package-lock.json) the
first time, starts every server, gives each target the same warm-up, then measures in rounds over all
targets with wrk (one thread, the same connections and duration for every target):

- catalog list GET /verktoy/v1/SelvstendigVerktoy?Fagomrader=1&AntallVerktoy=10 with a Bearer token:
  bare Starlette /hello (the floor), helsebro, Prism (mocking an OpenAPI of that path whose example is the
  body helsebro returned at the start of the run) and WireMock (a stub returning those same bytes);
- SvarUt POST /svarut/api/v3/kontoer/{kontoId}/forsendelser/status/sok for 5 letters: helsebro (Maskinporten
  token, integration password, a database query) vs Prism mocking KS's forsendelse-status-api-v3.json;
- token endpoint, client_credentials: helsebro with a client secret (client_secret_post) and with
  private_key_jwt (a new pre-made RS256 assertion per request), vs oauth2-mock-server (no client
  authentication at all).

Prints the table (median round's req/s, p50/p99, ratio to the floor) and writes bench/results/peers.md and
peers.png (peers-quick.* with --quick). Every server listens on 127.0.0.1 on a free port and is stopped at the end, also on Ctrl-C or an
error. Needs node and npm (Node 20.19+); WireMock also needs java (11+), and is skipped with a message when
java is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/peers.py`: with the project's venv, from the project
    _venv = Path(__file__).resolve().parent.parent / ".venv"
    if Path(sys.prefix).resolve() != _venv.resolve() and (_venv / "bin" / "python").exists():
        os.execv(_venv / "bin" / "python", [str(_venv / "bin" / "python"), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from rich.console import Console
from rich.table import Table

from bench._harness import (
    ROOT,
    bare_starlette,
    cli_token,
    free_port,
    helsebro_server,
    wait_until_up,
    wrk,
)

PEERS = ROOT / "bench" / "peers"
RESULTS = ROOT / "bench" / "results"
SVARUT_STATUS_SPEC = "forsendelse-status-api-v3.json"
CATALOG_PATH = "/verktoy/v1/SelvstendigVerktoy"
CATALOG_QUERY = "?Fagomrader=1&AntallVerktoy=10"
KOMMUNE = "helsebro-demo-kommune"
PKJWT_CLIENT = "helsebro-demo-verktoy"
SECRET_CLIENT = "helsebro-demo-secret"
LETTERS = 5
# Pre-made private_key_jwt assertions per second of warm-up: more than helsebro has managed here, so none is
# sent twice (a replay would be refused and show up as non-2xx). The measurement gets twice the warm-up's rate.
ASSERTIONS_PER_SECOND = 1000

console = Console(width=None if sys.stdout.isatty() else 180)


@dataclass
class Target:
    """One endpoint under load. `scripts` makes a fresh wrk script for each run, from its seconds and the rate
    expected (None before the first run): for bodies that may be sent only once."""

    group: str
    server: str
    what: str
    url: str
    response_bytes: int
    headers: dict[str, str] | None = None
    script: Path | None = None
    scripts: Callable[[int, float | None], Path] | None = None
    rounds: list[dict] = field(default_factory=list)
    warm: dict | None = None

    def load(self, seconds: int, connections: int) -> dict:
        last = self.rounds[-1] if self.rounds else self.warm
        script = self.scripts(seconds, last["requests_per_second"] if last else None) if self.scripts else self.script
        return wrk(self.url, self.headers, seconds, connections, script, timeout=10)

    @property
    def numbers(self) -> dict:
        """The median round by requests/s (its latencies with it)."""
        by_rate = sorted(self.rounds, key=lambda n: n["requests_per_second"])
        return by_rate[(len(by_rate) - 1) // 2]

    @property
    def errors(self) -> int:
        return sum(n["non_2xx"] + n["socket_errors"] for n in self.rounds)


@dataclass
class Run:
    seconds: int
    rounds: int
    warmup: int
    connections: int
    targets: list[Target] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def measure(self) -> None:
        """Every target warms up first (JIT compilers, caches); then rounds over all targets, so the load of
        others on a shared machine falls on every target alike rather than on whichever ran at a bad moment."""
        if self.warmup:
            for t in self.targets:
                console.print(f"warm-up {self.warmup} s: {t.server} {t.what}")
                t.warm = t.load(self.warmup, self.connections)
                self.settle(t.warm)
        for n in range(self.rounds):
            for t in self.targets:
                console.print(f"round {n + 1}/{self.rounds}, {self.seconds} s: {t.server} {t.what}")
                t.rounds.append(t.load(self.seconds, self.connections))
                self.settle(t.rounds[-1])

    def settle(self, numbers: dict[str, float]) -> None:
        """wrk stops with a request in flight on every connection, which the server still works off: wait for
        that before the next measurement (one request per connection at the rate just measured)."""
        time.sleep(min(10.0, self.connections / max(numbers["requests_per_second"], 0.1)) + 0.2)


# -- installing and starting the peers -------------------------------------------------------------------


def install_peers() -> None:
    """`npm ci` in bench/peers when its node_modules is missing (exact versions from package-lock.json)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        sys.exit("The peer benchmarks need node (20.19 or later) and npm: apt-get install -y nodejs npm")
    installed = all((PEERS / "node_modules" / name / "package.json").is_file() for name in _dependencies())
    if installed:
        return
    console.print("npm ci in bench/peers (the peers from the npm registry, pinned by package-lock.json) ...")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PEERS, check=True)


def _dependencies() -> list[str]:
    return list(json.loads((PEERS / "package.json").read_text())["dependencies"])


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def peer_process(name: str, args: list[str], health_url: str, log_dir: Path) -> Iterator[None]:
    """A peer in its own process group (node and java may start children): the whole group is stopped."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=PEERS, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_until_up(health_url, proc, seconds=120)
        except RuntimeError as exc:
            raise RuntimeError(f"{name}: {exc}; its last output:\n{_tail(log)}") from None
        yield
    finally:
        _stop_group(proc)


def _stop_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _bin(name: str) -> str:
    return str(PEERS / "node_modules" / ".bin" / name)


@contextlib.contextmanager
def prism(spec: Path, log_dir: Path, name: str) -> Iterator[str]:
    port = free_port()
    # -v error: no log line per request, as helsebro and the floor run without an access log.
    args = [_bin("prism"), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port), "-v", "error"]
    with peer_process(name, args, f"http://127.0.0.1:{port}/", log_dir):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def wiremock(root_dir: Path, log_dir: Path) -> Iterator[str]:
    jar = next((PEERS / "node_modules" / "wiremock" / "build").glob("wiremock-standalone-*.jar"))
    port = free_port()
    args = [
        shutil.which("java") or "java",
        "-jar",
        str(jar),
        "--port",
        str(port),
        "--bind-address",
        "127.0.0.1",
        "--root-dir",
        str(root_dir),
        "--disable-banner",
        "--no-request-journal",  # else every request is kept in memory for verification
        "--disable-request-logging",
    ]
    with peer_process("wiremock", args, f"http://127.0.0.1:{port}/__admin/health", log_dir):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def oauth2_mock_server(log_dir: Path) -> Iterator[str]:
    port = free_port()
    args = [_bin("oauth2-mock-server"), "-a", "127.0.0.1", "-p", str(port)]
    with peer_process("oauth2-mock-server", args, f"http://127.0.0.1:{port}/.well-known/openid-configuration", log_dir):
        yield f"http://127.0.0.1:{port}"


def java_version() -> str | None:
    java = shutil.which("java")
    if not java:
        return None
    out = subprocess.run([java, "-version"], check=False, capture_output=True, text=True).stderr
    return out.splitlines()[0] if out else "java"


# -- what the peers serve --------------------------------------------------------------------------------


def catalog_spec(helsebro_openapi: dict, body: bytes, content_type: str) -> dict:
    """helsebro's own OpenAPI for the catalog list path, with the body helsebro returned as the 200 example."""
    operation = helsebro_openapi["paths"][CATALOG_PATH]["get"]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Verktøykatalog (catalog list only, for the peer benchmark)", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            CATALOG_PATH: {
                "get": {
                    "operationId": operation["operationId"],
                    "summary": operation["summary"],
                    "parameters": operation["parameters"],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                content_type: {"schema": {"type": "array", "items": {"type": "object"}}, "example": json.loads(body)}
                            },
                        }
                    },
                }
            }
        },
    }


def wiremock_stub(body: bytes, content_type: str) -> dict:
    query = urllib.parse.parse_qs(CATALOG_QUERY[1:])
    return {
        "request": {
            "method": "GET",
            "urlPath": CATALOG_PATH,
            "queryParameters": {k: {"equalTo": v[0]} for k, v in query.items()},
            "headers": {"Authorization": {"matches": "Bearer .+"}},
        },
        "response": {"status": 200, "body": body.decode("utf-8"), "headers": {"Content-Type": content_type}},
    }


def svarut_reference() -> Path:
    for folder in (ROOT.parent / "shared" / "reference" / "fiks-svarut", ROOT / "tests" / "reference" / "fiks-svarut"):
        if (folder / SVARUT_STATUS_SPEC).is_file():
            return folder / SVARUT_STATUS_SPEC
    sys.exit(f"KS's {SVARUT_STATUS_SPEC} is in neither ../shared/reference nor tests/reference")


# -- wrk scripts -----------------------------------------------------------------------------------------


def post_script(work: Path, name: str, bodies: list[str], content_type: str) -> Path:
    """A wrk script that POSTs the bodies (one per line of a file) in turn; one body: the same every time."""
    assert all(b.isascii() and "\n" not in b for b in bodies)
    data = work / f"{name}.bodies"
    data.write_text("\n".join(bodies) + "\n")
    script = work / f"{name}.lua"
    script.write_text(
        "\n".join(
            [
                "local bodies = {}",
                f"for line in io.lines({json.dumps(str(data))}) do bodies[#bodies + 1] = line end",
                'wrk.method = "POST"',
                f'wrk.headers["Content-Type"] = {json.dumps(content_type)}',
                "local i = 0",
                "request = function()",
                "  i = i + 1",
                "  if i > #bodies then i = 1 end",
                "  return wrk.format(nil, nil, nil, bodies[i])",
                "end",
            ]
        )
        + "\n"
    )
    return script


# -- helsebro's side -------------------------------------------------------------------------------------


def maskinporten_token(base: str) -> str:
    from joserfc import jwt

    from helsebro.auth.client_side import load_private_key
    from helsebro.testdata import loader

    key = load_private_key(loader.demo_private_key(KOMMUNE))
    now = int(time.time())
    claims = {"aud": base + "/maskinporten", "iss": KOMMUNE, "scope": "ks:fiks", "iat": now, "exp": now + 60, "jti": secrets.token_hex(16)}
    assertion = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    response = httpx.post(base + "/maskinporten/token", data=form)
    response.raise_for_status()
    return response.json()["access_token"]


def svarut_headers(token: str) -> dict[str, str]:
    from helsebro.svarut import testdata

    return {
        "Authorization": f"Bearer {token}",
        "IntegrasjonId": testdata.DEMO_INTEGRASJON_ID,
        "IntegrasjonPassord": testdata.DEMO_INTEGRASJON_PASSORD,
    }


def send_letters(base: str, headers: dict[str, str]) -> list[str]:
    """A few person letters, so the status search has real letters to find."""
    from helsebro.svarut import testdata

    url = f"{base}/svarut/api/v3/kontoer/{testdata.DEMO_KONTO_ID}/forsendelser/person"
    ids = []
    for n in range(LETTERS):
        letter = {
            "tittel": f"Vedtak {n}",
            "mottaker": {
                "navn": "Line Danser",
                "digitalId": "12048645510",
                "adresse": {"adresselinje1": "Storgata 1", "postnummer": "0150", "poststed": "OSLO"},
            },
            "avgivendeSystem": "helsebro-bench",
            "dokumenter": [{"filnavn": "vedtak.pdf", "mimeType": "application/pdf"}],
        }
        boundary = "bench" + secrets.token_hex(8)
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="forsendelse"\r\nContent-Type: application/json\r\n\r\n{json.dumps(letter)}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="filer_0"; filename="vedtak.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            f"%PDF-1.7\n% vedtak {n}\n\r\n--{boundary}--\r\n"
        ).encode()
        response = httpx.post(url, content=body, headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
    return ids


def client_assertions(base: str, count: int) -> list[str]:
    from helsebro.auth.client_side import client_assertion, load_private_key
    from helsebro.testdata import loader

    key = load_private_key(loader.demo_private_key(PKJWT_CLIENT))
    form = {"grant_type": "client_credentials", "client_id": PKJWT_CLIENT, "scope": "verktoykatalog_read"}
    form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    return [
        urllib.parse.urlencode({**form, "client_assertion": client_assertion(PKJWT_CLIENT, key, base + "/helseid")}) for _ in range(count)
    ]


SECRET_FORM = urllib.parse.urlencode(
    {"grant_type": "client_credentials", "client_id": SECRET_CLIENT, "client_secret": SECRET_CLIENT, "scope": "verktoykatalog_read"}
)


def check(response: httpx.Response, what: str) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    return response


# -- the run ---------------------------------------------------------------------------------------------


def start_all(run: Run, stack: contextlib.ExitStack, work: Path) -> None:
    """Starts every server (each stays up to the end of the run) and adds its targets in the table's order."""
    bare = stack.enter_context(bare_starlette())
    floor = Target("floor", "bare Starlette", "GET /hello", bare + "/hello", len(check(httpx.get(bare + "/hello"), "floor").content))

    base, env = stack.enter_context(helsebro_server({"HELSEBRO_EMBEDDED_WORKER": "false"}))  # no deliveries meanwhile
    bearer = {"Authorization": f"Bearer {cli_token(env, 'verktoykatalog_read')}"}
    catalog_url = base + CATALOG_PATH + CATALOG_QUERY
    catalog = check(httpx.get(catalog_url, headers=bearer), "helsebro catalog")
    body, content_type = catalog.content, catalog.headers["content-type"]
    catalog_targets = [Target("catalog", "helsebro", f"GET {CATALOG_PATH}{CATALOG_QUERY}", catalog_url, len(body), bearer)]

    from helsebro.svarut import testdata

    svarut = svarut_headers(maskinporten_token(base))
    ids = send_letters(base, svarut)
    status_path = f"/v3/kontoer/{testdata.DEMO_KONTO_ID}/forsendelser/status/sok"
    status_body = json.dumps({"id": ids})
    status_script = post_script(work, "status", [status_body], "application/json")
    found = check(
        httpx.post(base + "/svarut/api" + status_path, content=status_body, headers={**svarut, "Content-Type": "application/json"}),
        "status/sok",
    )
    assert len(found.json()["statuser"]) == LETTERS, found.text
    status_targets = [
        Target(
            "svarut",
            "helsebro",
            f"POST status/sok ({LETTERS} letters)",
            base + "/svarut/api" + status_path,
            len(found.content),
            svarut,
            status_script,
        )
    ]

    token_url = base + "/helseid/connect/token"
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    secret = check(httpx.post(token_url, content=SECRET_FORM, headers=form_type), "helsebro token (secret)")
    secret_script = post_script(work, "secret", [SECRET_FORM], form_type["Content-Type"])
    pkjwt = check(httpx.post(token_url, content=client_assertions(base, 1)[0], headers=form_type), "helsebro token (private_key_jwt)")

    def assertions_for(server_base: str) -> Callable[[int, float | None], Path]:
        def assertions(seconds: int, rate: float | None) -> Path:
            # Each assertion is used once (helsebro refuses a replayed jti) and lives 60 s: signed just before use.
            count = int(2 * rate * seconds) + 500 if rate else ASSERTIONS_PER_SECOND * seconds + 200
            console.print(f"  signing {count} client assertions ...")
            return post_script(work, "pkjwt", client_assertions(server_base, count), form_type["Content-Type"])

        return assertions

    token_targets = [
        Target("token", "helsebro", "client_credentials, client_secret_post", token_url, len(secret.content), script=secret_script),
        Target(
            "token", "helsebro", "client_credentials, private_key_jwt (RS256)", token_url, len(pkjwt.content), scripts=assertions_for(base)
        ),
    ]
    # The same with two API processes on one (SQLite) database: the token endpoint is CPU-bound (RS256).
    base_2, _ = stack.enter_context(helsebro_server({"HELSEBRO_EMBEDDED_WORKER": "false"}, workers=2))
    token_url_2 = base_2 + "/helseid/connect/token"
    pkjwt_2 = check(httpx.post(token_url_2, content=client_assertions(base_2, 1)[0], headers=form_type), "helsebro token, 2 processes")
    token_targets += [
        Target(
            "token",
            "helsebro ×2",
            "client_credentials, client_secret_post, 2 processes",
            token_url_2,
            len(secret.content),
            script=secret_script,
        ),
        Target(
            "token",
            "helsebro ×2",
            "client_credentials, private_key_jwt (RS256), 2 processes",
            token_url_2,
            len(pkjwt_2.content),
            scripts=assertions_for(base_2),
        ),
    ]

    spec = work / "catalog-openapi.json"
    spec.write_text(
        json.dumps(
            catalog_spec(check(httpx.get(base + "/openapi.json"), "openapi").json(), body, content_type), ensure_ascii=False, indent=1
        )
    )
    prism_base = stack.enter_context(prism(spec, work, "prism-catalog"))
    answer = check(httpx.get(prism_base + CATALOG_PATH + CATALOG_QUERY, headers=bearer), "Prism catalog")
    assert answer.json() == json.loads(body), "Prism does not answer with helsebro's body"
    catalog_targets.append(
        Target(
            "catalog",
            "Prism",
            "mock of helsebro's OpenAPI, same body",
            prism_base + CATALOG_PATH + CATALOG_QUERY,
            len(answer.content),
            bearer,
        )
    )

    if java_version():
        root = work / "wiremock"
        (root / "mappings").mkdir(parents=True)
        (root / "mappings" / "catalog.json").write_text(json.dumps(wiremock_stub(body, content_type), ensure_ascii=False))
        wiremock_base = stack.enter_context(wiremock(root, work))
        answer = check(httpx.get(wiremock_base + CATALOG_PATH + CATALOG_QUERY, headers=bearer), "WireMock catalog")
        assert answer.content == body, "WireMock does not answer with helsebro's bytes"
        url = wiremock_base + CATALOG_PATH + CATALOG_QUERY
        catalog_targets.append(Target("catalog", "WireMock", "stub with helsebro's exact bytes", url, len(answer.content), bearer))
    else:
        message = "WireMock skipped: no java on this machine (apt-get install -y openjdk-17-jre-headless)"
        console.print(f"[yellow]{message}[/yellow]")
        run.skipped.append(message)

    prism_svarut = stack.enter_context(prism(svarut_reference(), work, "prism-svarut"))
    answer = check(
        httpx.post(prism_svarut + status_path, content=status_body, headers={**svarut, "Content-Type": "application/json"}),
        "Prism status/sok",
    )
    status_targets.append(
        Target(
            "svarut",
            "Prism",
            "mock of KS's status spec (schema example)",
            prism_svarut + status_path,
            len(answer.content),
            svarut,
            status_script,
        )
    )

    mock = stack.enter_context(oauth2_mock_server(work))
    answer = check(httpx.post(mock + "/token", content=SECRET_FORM, headers=form_type), "oauth2-mock-server token")
    what = "client_credentials, no client check (RS256 token)"
    token_targets.append(Target("token", "oauth2-mock-server", what, mock + "/token", len(answer.content), script=secret_script))

    run.targets = [floor, *catalog_targets, *status_targets, *token_targets]


# -- reporting -------------------------------------------------------------------------------------------

GROUPS = {
    "floor": "Floor",
    "catalog": "Catalog list",
    "svarut": "SvarUt status/sok",
    "token": "Token endpoint",
}
COLOURS = {
    "bare Starlette": "#9e9e9e",
    "helsebro": "#1f77b4",
    "helsebro ×2": "#17becf",
    "Prism": "#ff7f0e",
    "WireMock": "#2ca02c",
    "oauth2-mock-server": "#d62728",
}
COLUMNS = ("group", "server", "what", "req/s", "range", "p50 ms", "p99 ms", "× floor", "bytes", "errors")


def _cells(run: Run, t: Target) -> list[str]:
    n = t.numbers
    rates = [r["requests_per_second"] for r in t.rounds]
    floor = run.targets[0].numbers["requests_per_second"]
    return [
        t.group,
        t.server,
        t.what,
        f"{n['requests_per_second']:,.0f}",
        f"{min(rates):,.0f}–{max(rates):,.0f}",
        f"{n['p50_ms']:.1f}",
        f"{n['p99_ms']:.1f}",
        f"{n['requests_per_second'] / floor:.3f}",
        str(t.response_bytes),
        str(t.errors),
    ]


def print_table(run: Run) -> None:
    table = Table(
        title=f"Peers: median of {run.rounds} round(s) of wrk -t1 -c{run.connections} -d{run.seconds}s, after {run.warmup} s warm-up each"
    )
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in ("group", "server", "what") else "right")
    for t in run.targets:
        table.add_row(*_cells(run, t))
    console.print(table)
    for message in run.skipped:
        console.print(f"[yellow]{message}[/yellow]")


def markdown(run: Run, when: str, machine: str, command: str) -> str:
    lines = [
        "# Peer benchmarks",
        "",
        f"Measured {when} with `{command}` on {machine}. A shared machine (other work ran beside it): the absolute",
        "figures move from run to run; the ratios within one run are the point.",
        "",
        (
            f"wrk, one thread, {run.connections} connections, 127.0.0.1. Each target first gets {run.warmup} s of load, then "
            f"{run.rounds} round(s) of {run.seconds} s over all targets in turn; `req/s` is the median round (its p50 and p99 with it), "
            "`range` the lowest and highest round. `× floor` is requests/s over the bare Starlette floor's; `errors` counts "
            "non-2xx answers and socket errors in all rounds."
        ),
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" if c in ("group", "server", "what") else "--:" for c in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(_cells(run, t)) + " |" for t in run.targets]
    lines += [f"\n{s}" for s in run.skipped]
    lines += ["", "![helsebro and its peers](peers.png)"]
    return "\n".join(lines) + "\n"


def plot(run: Run, path: Path, when: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = list(reversed(run.targets))
    labels = [
        f"{GROUPS[t.group]}: {t.server}" + (f"\n{t.what}" if t.group in ("floor", "token") and t.server != "oauth2-mock-server" else "")
        for t in targets
    ]
    fig, (rps_axis, latency_axis) = plt.subplots(
        1, 2, figsize=(13, 0.6 * len(targets) + 1.8), sharey=True, gridspec_kw={"width_ratios": [3, 2]}
    )
    y = list(range(len(targets)))
    rps = [t.numbers["requests_per_second"] for t in targets]
    low = [r - min(n["requests_per_second"] for n in t.rounds) for r, t in zip(rps, targets)]
    high = [max(n["requests_per_second"] for n in t.rounds) - r for r, t in zip(rps, targets)]
    rps_axis.barh(
        y, rps, color=[COLOURS.get(t.server, "#7f7f7f") for t in targets], xerr=[low, high], error_kw={"elinewidth": 0.8, "capsize": 2}
    )
    rps_axis.set_xscale("log")
    rps_axis.set_yticks(y, labels, fontsize=8)
    rps_axis.set_xlabel("requests/s, median round, bar = lowest to highest (log scale, higher is better)", fontsize=8)
    floor = run.targets[0].numbers["requests_per_second"]
    for i, (value, extra) in enumerate(zip(rps, high)):
        rps_axis.text((value + extra) * 1.25, i, f"{value:,.0f}  (×{value / floor:.3f})", va="center", fontsize=8)
    rps_axis.set_xlim(left=min(rps) / 3, right=max(rps) * 12)
    latency_axis.barh([i + 0.2 for i in y], [t.numbers["p99_ms"] for t in targets], height=0.4, color="#c5b0d5", label="p99")
    latency_axis.barh([i - 0.2 for i in y], [t.numbers["p50_ms"] for t in targets], height=0.4, color="#9467bd", label="p50")
    latency_axis.set_xscale("log")
    latency_axis.set_xlabel("latency ms, median round (log scale, lower is better)", fontsize=8)
    latency_axis.legend(loc="lower right", fontsize=8)
    title = f"helsebro and its peers, one run on a shared 2-core machine ({when}): wrk -t1 -c{run.connections}, {run.rounds}×{run.seconds} s per target"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="per round and target (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all targets (default 3)")
    # 20 s: under load on two shared cores the JVM is still compiling WireMock's hot paths after 10 s.
    parser.add_argument("--warmup", type=int, default=20, help="seconds of load on each target before the rounds (default 20)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="one round of 2 s after 1 s warm-up: a check that everything runs")
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.rounds, options.warmup = 2, 1, 1
    run = Run(seconds=options.seconds, rounds=options.rounds, warmup=options.warmup, connections=options.connections)
    command = f".venv/bin/python -m bench.peers --seconds {run.seconds} --rounds {run.rounds} --warmup {run.warmup} --connections {run.connections}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # so every server is stopped on kill too
    install_peers()
    java = java_version()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    node = subprocess.run(["node", "--version"], check=False, capture_output=True, text=True).stdout.strip()
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, node {node}, {java or 'no java'}"
    load_before = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="helsebro-peers-") as work, contextlib.ExitStack() as stack:
            start_all(run, stack, Path(work))
            run.measure()
    except KeyboardInterrupt:
        sys.exit("interrupted: every server this run started is stopped")
    # Others' work on the machine shows in the load average (this run itself keeps about 2 busy).
    machine += f"; 1-minute load average {load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after it"
    print_table(run)
    RESULTS.mkdir(exist_ok=True)
    name = "peers-quick" if options.quick else "peers"  # a check leaves the committed figures alone
    (RESULTS / f"{name}.json").write_text(
        json.dumps([{**t.__dict__, "script": None, "scripts": None} for t in run.targets], indent=2, default=str)
    )
    (RESULTS / f"{name}.md").write_text(markdown(run, when, machine, command))
    plot(run, RESULTS / f"{name}.png", when)
    console.print(f"written: {RESULTS / f'{name}.md'}, {RESULTS / f'{name}.png'}")


if __name__ == "__main__":
    main()
