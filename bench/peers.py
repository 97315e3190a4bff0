"""Peer benchmarks: helsebro against the mock servers people use instead, all in one run with one load tool.

    .venv/bin/python -m bench.peers [--seconds 10] [--connections 32] [--quick]
    python bench/peers.py --quick          # 2 s per target: checks that everything starts and answers

Installs the peers from the npm registry into bench/peers/ (`npm ci`, pinned by its package-lock.json) the
first time, then measures, one after the other, with wrk (one thread, the same connections and duration):

- catalog list GET /verktoy/v1/SelvstendigVerktoy?Fagomrader=1&AntallVerktoy=10 with a Bearer token:
  bare Starlette /hello (the floor), helsebro, Prism (mocking an OpenAPI of that path whose example is the
  body helsebro returned at the start of the run) and WireMock (a stub returning those same bytes);
- SvarUt POST /svarut/api/v3/kontoer/{kontoId}/forsendelser/status/sok for 5 letters: helsebro (Maskinporten
  token, integration password, a database query) vs Prism mocking KS's forsendelse-status-api-v3.json;
- token endpoint, client_credentials: helsebro with a client secret (scrypt) and with private_key_jwt (a new
  pre-made RS256 assertion per request), vs oauth2-mock-server (no client authentication at all).

Prints the table (req/s, p50/p99, ratio to the floor) and writes bench/results/peers.md and peers.png. Every
server listens on 127.0.0.1 on a free port and is stopped at the end, also on Ctrl-C or an error. Needs node
and npm (Node 20.19+); WireMock also needs java (17+), and is skipped with a message when java is missing.
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

if __package__ in (None, ""):  # run as `python bench/peers.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from rich.console import Console
from rich.table import Table

from bench._harness import ROOT, bare_starlette, cli_token, free_port, helsebro_server, wait_until_up, wrk

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
class Result:
    group: str
    server: str
    what: str
    numbers: dict[str, float]
    response_bytes: int
    note: str = ""


@dataclass
class Run:
    seconds: int
    warmup: int
    connections: int
    results: list[Result] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def measure(self, group: str, server: str, what: str, url: str, response_bytes: int, note: str = "", **wrk_options) -> None:
        console.print(f"wrk: {server} {what} ...")
        warm = None
        if self.warmup:  # JIT compilers (node, the JVM) and caches warm up first, for every server alike
            warm = wrk(url, seconds=self.warmup, connections=self.connections, timeout=10, **_warmup_options(wrk_options))
            self.settle(warm)
        if callable(wrk_options.get("script")):  # made only now, e.g. assertions that must not expire first
            wrk_options["script"] = wrk_options["script"](warm)
        numbers = wrk(url, seconds=self.seconds, connections=self.connections, timeout=10, **_options(wrk_options))
        self.settle(numbers)
        self.results.append(Result(group, server, what, numbers, response_bytes, note))

    def settle(self, numbers: dict[str, float]) -> None:
        """wrk stops with a request in flight on every connection, which the server still works off: wait for
        that before the next measurement (one request per connection at the rate just measured)."""
        time.sleep(min(10.0, self.connections / max(numbers["requests_per_second"], 0.1)) + 0.2)


def _options(options: dict) -> dict:
    return {k: v for k, v in options.items() if k != "warmup_script"}


def _warmup_options(options: dict) -> dict:
    warm = _options(options)
    script = options.get("warmup_script") or warm.get("script")
    if script is not None:
        warm["script"] = script(None) if callable(script) else script
    return warm


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
                            "content": {content_type: {"schema": {"type": "array", "items": {"type": "object"}}, "example": json.loads(body)}},
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

    return {"Authorization": f"Bearer {token}", "IntegrasjonId": testdata.DEMO_INTEGRASJON_ID, "IntegrasjonPassord": testdata.DEMO_INTEGRASJON_PASSORD}


def send_letters(base: str, headers: dict[str, str]) -> list[str]:
    """A few person letters, so the status search has real letters to find."""
    from helsebro.svarut import testdata

    url = f"{base}/svarut/api/v3/kontoer/{testdata.DEMO_KONTO_ID}/forsendelser/person"
    ids = []
    for n in range(LETTERS):
        letter = {
            "tittel": f"Vedtak {n}",
            "mottaker": {"navn": "Line Danser", "digitalId": "12048645510", "adresse": {"adresselinje1": "Storgata 1", "postnummer": "0150", "poststed": "OSLO"}},
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
    return [urllib.parse.urlencode({**form, "client_assertion": client_assertion(PKJWT_CLIENT, key, base + "/helseid")}) for _ in range(count)]


SECRET_FORM = urllib.parse.urlencode(
    {"grant_type": "client_credentials", "client_id": SECRET_CLIENT, "client_secret": SECRET_CLIENT, "scope": "verktoykatalog_read"}
)


def check(response: httpx.Response, what: str) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    return response


# -- the run ---------------------------------------------------------------------------------------------


def measure_all(run: Run, work: Path) -> dict:
    facts: dict = {}
    with bare_starlette() as bare:
        body = check(httpx.get(bare + "/hello"), "floor").content
        run.measure("floor", "bare Starlette", "GET /hello", bare + "/hello", len(body))

    with helsebro_server({"HELSEBRO_EMBEDDED_WORKER": "false"}) as (base, env):  # no delivery in the background
        bearer = {"Authorization": f"Bearer {cli_token(env, 'verktoykatalog_read')}"}
        catalog = check(httpx.get(base + CATALOG_PATH + CATALOG_QUERY, headers=bearer), "helsebro catalog")
        content_type = catalog.headers["content-type"]
        facts["catalog_body"], facts["catalog_content_type"] = catalog.content, content_type
        facts["openapi"] = check(httpx.get(base + "/openapi.json"), "helsebro openapi").json()
        run.measure("catalog", "helsebro", f"GET {CATALOG_PATH}{CATALOG_QUERY}", base + CATALOG_PATH + CATALOG_QUERY, len(catalog.content), headers=bearer)

        svarut = svarut_headers(maskinporten_token(base))
        ids = send_letters(base, svarut)
        from helsebro.svarut import testdata

        status_path = f"/v3/kontoer/{testdata.DEMO_KONTO_ID}/forsendelser/status/sok"
        status_body = json.dumps({"id": ids})
        found = check(httpx.post(base + "/svarut/api" + status_path, content=status_body, headers={**svarut, "Content-Type": "application/json"}), "status/sok")
        assert len(found.json()["statuser"]) == LETTERS, found.text
        facts["status_path"], facts["status_body"], facts["svarut_headers"] = status_path, status_body, svarut
        script = post_script(work, "status", [status_body], "application/json")
        run.measure("svarut", "helsebro", "POST status/sok (5 letters)", base + "/svarut/api" + status_path, len(found.content), headers=svarut, script=script)

        token_url = base + "/helseid/connect/token"
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        secret_answer = check(httpx.post(token_url, content=SECRET_FORM, headers=form_type), "helsebro token (secret)")
        script = post_script(work, "secret", [SECRET_FORM], form_type["Content-Type"])
        run.measure("token", "helsebro", "client_credentials, client_secret_post (scrypt)", token_url, len(secret_answer.content), script=script)

        # Each assertion is used once (helsebro refuses a replayed jti) and lives 60 s: signed just before use.
        pkjwt_answer = check(httpx.post(token_url, content=client_assertions(base, 1)[0], headers=form_type), "helsebro token (private_key_jwt)")
        count = ASSERTIONS_PER_SECOND * run.seconds + 200

        def assertions_script(name: str, fixed: int) -> Callable[[dict | None], Path]:
            def make(warm: dict | None) -> Path:
                nonlocal count
                if warm is not None and warm["non_2xx"] == 0:  # twice the rate the warm-up reached
                    count = int(2 * warm["requests_per_second"] * run.seconds) + 500
                else:
                    count = fixed
                console.print(f"  signing {count} client assertions ...")
                return post_script(work, name, client_assertions(base, count), form_type["Content-Type"])

            return make

        run.measure(
            "token",
            "helsebro",
            "client_credentials, private_key_jwt (RS256)",
            token_url,
            len(pkjwt_answer.content),
            script=assertions_script("pkjwt", count),
            warmup_script=assertions_script("pkjwt-warmup", ASSERTIONS_PER_SECOND * run.warmup + 200),
        )
        sent = run.results[-1].numbers["requests_per_second"] * run.seconds
        if sent > count:
            run.results[-1].note = f"only {count} assertions for ~{sent:.0f} requests: some were replays (non-2xx)"
        elif run.seconds > 50:
            run.results[-1].note = "assertions live 60 s: runs longer than 50 s send expired ones at the end"

    spec = work / "catalog-openapi.json"
    spec.write_text(json.dumps(catalog_spec(facts["openapi"], facts["catalog_body"], facts["catalog_content_type"]), ensure_ascii=False, indent=1))
    with prism(spec, work, "prism-catalog") as base:
        answer = check(httpx.get(base + CATALOG_PATH + CATALOG_QUERY, headers=bearer), "Prism catalog")
        same = answer.json() == json.loads(facts["catalog_body"])
        assert same, "Prism does not answer with helsebro's body"
        run.measure("catalog", "Prism", "mock of helsebro's OpenAPI, same body", base + CATALOG_PATH + CATALOG_QUERY, len(answer.content), headers=bearer)

    with prism(svarut_reference(), work, "prism-svarut") as base:
        headers = {**facts["svarut_headers"], "Content-Type": "application/json"}
        answer = check(httpx.post(base + facts["status_path"], content=facts["status_body"], headers=headers), "Prism status/sok")
        script = post_script(work, "prism-status", [facts["status_body"]], "application/json")
        run.measure(
            "svarut", "Prism", "mock of KS's status spec (schema example)", base + facts["status_path"], len(answer.content), headers=facts["svarut_headers"], script=script
        )

    if java_version():
        root = work / "wiremock"
        (root / "mappings").mkdir(parents=True)
        (root / "mappings" / "catalog.json").write_text(json.dumps(wiremock_stub(facts["catalog_body"], facts["catalog_content_type"]), ensure_ascii=False))
        with wiremock(root, work) as base:
            answer = check(httpx.get(base + CATALOG_PATH + CATALOG_QUERY, headers=bearer), "WireMock catalog")
            assert answer.content == facts["catalog_body"], "WireMock does not answer with helsebro's bytes"
            run.measure("catalog", "WireMock", "stub with helsebro's exact bytes", base + CATALOG_PATH + CATALOG_QUERY, len(answer.content), headers=bearer)
    else:
        message = "WireMock skipped: no java on this machine (apt-get install -y openjdk-17-jre-headless)"
        console.print(f"[yellow]{message}[/yellow]")
        run.skipped.append(message)

    with oauth2_mock_server(work) as base:
        answer = check(httpx.post(base + "/token", content=SECRET_FORM, headers=form_type), "oauth2-mock-server token")
        script = post_script(work, "oauth2-mock", [SECRET_FORM], form_type["Content-Type"])
        run.measure("token", "oauth2-mock-server", "client_credentials, no client check (RS256 token)", base + "/token", len(answer.content), script=script)
    return facts


# -- reporting -------------------------------------------------------------------------------------------

GROUPS = {
    "floor": "Floor (bare Starlette, one uvicorn process like helsebro)",
    "catalog": "Catalog list (GET, Bearer)",
    "svarut": "SvarUt status/sok (POST JSON)",
    "token": "Token endpoint (POST form, client_credentials)",
}


def floor_rps(run: Run) -> float:
    return run.results[0].numbers["requests_per_second"]


def ordered(run: Run) -> list[Result]:
    """By comparison (floor, catalog, SvarUt, token), each in the order measured."""
    return sorted(run.results, key=lambda r: list(GROUPS).index(r.group))


def print_table(run: Run) -> None:
    table = Table(title=f"Peers, one run: wrk -t1 -c{run.connections} -d{run.seconds}s after {run.warmup} s warm-up, 127.0.0.1")
    for column in ("group", "server", "what", "req/s", "p50 ms", "p99 ms", "× floor", "bytes", "errors"):
        table.add_column(column, justify="right" if column in ("req/s", "p50 ms", "p99 ms", "× floor", "bytes", "errors") else "left")
    for r in ordered(run):
        table.add_row(*_cells(run, r))
    console.print(table)
    for r in run.results:
        if r.note:
            console.print(f"[yellow]{r.server} {r.what}: {r.note}[/yellow]")


def _cells(run: Run, r: Result) -> list[str]:
    n = r.numbers
    errors = n["non_2xx"] + n["socket_errors"]
    return [
        r.group,
        r.server,
        r.what,
        f"{n['requests_per_second']:,.0f}",
        f"{n['p50_ms']:.2f}",
        f"{n['p99_ms']:.2f}",
        f"{n['requests_per_second'] / floor_rps(run):.2f}",
        str(r.response_bytes),
        str(errors),
    ]


def markdown(run: Run, when: str, machine: str) -> str:
    lines = [
        "# Peer benchmarks",
        "",
        f"Measured {when} with `.venv/bin/python -m bench.peers --seconds {run.seconds} --warmup {run.warmup}` on {machine}.",
        "A shared machine (other work ran beside it): the absolute figures move from run to run; the ratios within one run are the point.",
        "",
        (
            f"wrk, one thread, {run.connections} connections, {run.seconds} s per target after a {run.warmup} s warm-up, 127.0.0.1. "
            "`× floor` is requests/s over the bare Starlette floor's; `errors` counts non-2xx answers and socket errors."
        ),
        "",
        "| group | server | what | req/s | p50 ms | p99 ms | × floor | bytes | errors |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    lines += ["| " + " | ".join(_cells(run, r)) + " |" for r in ordered(run)]
    lines += [f"\n{r.server} {r.what}: {r.note}" for r in run.results if r.note]
    lines += [f"\n{s}" for s in run.skipped]
    lines += ["", "![peers](peers.png)", ""]
    return "\n".join(lines)


def plot(run: Run, path: Path, when: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"bare Starlette": "#9e9e9e", "helsebro": "#1f77b4", "Prism": "#ff7f0e", "WireMock": "#2ca02c", "oauth2-mock-server": "#d62728"}
    results = list(reversed(ordered(run)))
    labels = [f"{GROUPS[r.group].split(' (')[0]}: {r.server}" + (f"\n{r.what}" if r.group == "token" and r.server == "helsebro" else "") for r in results]
    labels = [label.replace("Floor: bare Starlette", "Floor: bare Starlette /hello") for label in labels]
    fig, (rps_axis, latency_axis) = plt.subplots(1, 2, figsize=(13, 0.55 * len(results) + 1.8), sharey=True)
    y = range(len(results))
    rps = [r.numbers["requests_per_second"] for r in results]
    rps_axis.barh(y, rps, color=[colours.get(r.server, "#7f7f7f") for r in results])
    rps_axis.set_xscale("log")
    rps_axis.set_yticks(list(y), labels, fontsize=8)
    rps_axis.set_xlabel("requests/s (log scale, higher is better)")
    for i, (value, r) in enumerate(zip(rps, results)):
        rps_axis.text(value, i, f" {value:,.0f} (×{value / floor_rps(run):.2f})", va="center", fontsize=8)
    rps_axis.set_xlim(right=max(rps) * 8)
    p50 = [r.numbers["p50_ms"] for r in results]
    p99 = [r.numbers["p99_ms"] for r in results]
    latency_axis.barh([i + 0.2 for i in y], p99, height=0.4, color="#c5b0d5", label="p99")
    latency_axis.barh([i - 0.2 for i in y], p50, height=0.4, color="#9467bd", label="p50")
    latency_axis.set_xscale("log")
    latency_axis.set_xlabel("latency ms (log scale, lower is better)")
    latency_axis.legend(loc="lower right", fontsize=8)
    fig.suptitle(f"helsebro and its peers, one run ({when}), wrk -t1 -c{run.connections} -d{run.seconds}s, shared 2-core machine", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="per target (default 10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, help="seconds of load before each measurement (default: as --seconds)")
    parser.add_argument("--quick", action="store_true", help="2 s per target, 1 s warm-up: a check that everything runs")
    options = parser.parse_args()
    seconds = 2 if options.quick else options.seconds
    # The JVM needs seconds of load before WireMock reaches its steady rate; every target gets the same warm-up.
    warmup = options.warmup if options.warmup is not None else (1 if options.quick else seconds)
    run = Run(seconds=seconds, warmup=warmup, connections=options.connections)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # so every server is stopped on kill too
    install_peers()
    java = java_version()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, node {subprocess.run(['node', '--version'], check=False, capture_output=True, text=True).stdout.strip()}, {java or 'no java'}"
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="helsebro-peers-") as work:
        measure_all(run, Path(work))
    # Others' work on the machine shows in the load average (this run itself keeps about 2 busy).
    machine += f"; 1-minute load average {load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after it"
    print_table(run)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "peers.json").write_text(json.dumps([r.__dict__ for r in run.results], indent=2))
    (RESULTS / "peers.md").write_text(markdown(run, when, machine))
    plot(run, RESULTS / "peers.png", when)
    console.print(f"written: {RESULTS / 'peers.md'}, {RESULTS / 'peers.png'}")


if __name__ == "__main__":
    main()
