"""The README's curl walkthroughs, run as a reader runs them: each shell block of "Try it with curl" and "Walk
through every family with curl" with bash, against a real ``helsebro serve`` on the default data.

A block must exit 0 (every curl fails on an error answer: the README's own ``--fail-with-body``, added here to
the curls that lack it) and print each answer its ``# →`` lines show, where ``…`` stands for anything. Each
answer must come from the commands between the line before it and the ``# →`` line itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
SECTIONS = (
    "Try it with curl",
    "Walk through every family with curl",
    "Your own identifiers, one entry at a time",
    "Steering the test environment",
    "HelseID professional login with curl",
)
README_BASE_URL = "http://127.0.0.1:8080"
EXPECTED = "# →"
ANYTHING = "…"
STEP = "@@readme-step@@"

# Every curl fails on a 4xx/5xx, as in the walkthrough; a curl that already says how (-f, --fail...) is left alone.
PREAMBLE = """set -euo pipefail
curl() {
  local arg
  for arg in "$@"; do
    case $arg in --fail|--fail-with-body|-[!-]*f*) command curl "$@"; return;; esac
  done
  command curl --fail-with-body "$@"
}
"""


@dataclass(frozen=True)
class Block:
    section: str
    number: int
    code: str

    @property
    def expected(self) -> list[str]:
        return [line.strip()[len(EXPECTED) :].strip() for line in self.code.splitlines() if line.strip().startswith(EXPECTED)]

    @property
    def name(self) -> str:
        return f"{self.section.split()[0].lower()}-{self.number}"

    def script(self, base_url: str) -> str:
        """The block for bash: this server's URL, and a marker after each ``# →`` line to tell the answers apart."""
        lines = []
        for line in self.code.replace(README_BASE_URL, base_url).splitlines():
            lines.append(line)
            if line.strip().startswith(EXPECTED):
                lines.append(f"printf '\\n{STEP}\\n'")
        return PREAMBLE + "\n".join(lines) + "\n"


def section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


def readme_blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    blocks = []
    for title in SECTIONS:
        for number, code in enumerate(
            re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", section(text, title), flags=re.MULTILINE | re.DOTALL), 1
        ):
            blocks.append(Block(title, number, code))
    return blocks


def shown_in(expected: str, output: str) -> bool:
    """The answer as the README shows it, ``…`` standing for any text: its pieces in this order."""
    position = 0
    for piece in expected.split(ANYTHING):
        found = output.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


BLOCKS = readme_blocks()


def test_the_walkthroughs_are_there_with_answers_to_check():
    titles = {b.section for b in BLOCKS}
    assert titles == set(SECTIONS), f"README.md has no shell blocks under: {set(SECTIONS) - titles}"
    walkthrough = [b for b in BLOCKS if b.section == SECTIONS[1]]
    assert len(walkthrough) >= 4 and all(b.expected for b in walkthrough), "each family's block shows its answers (# →)"
    for block in walkthrough:  # a reader's error answer must fail the block, with its body shown
        calls = [line for line in block.code.splitlines() if re.search(r"(^|\$\(|\s)curl\s", line)]
        assert calls and all("--fail-with-body" in line for line in calls), block.code


def test_shown_in_reads_the_ellipsis_as_anything():
    assert shown_in('{"PseudoId":"…"}', '{"PseudoId":"5494a876-cb2c"}')
    assert shown_in('[{…"value":"x"},…}]', '[{"id":1,"value":"x"},{"id":2}]')
    assert not shown_in('{"returKode":"ok","instansEndret":"endret"}', '{"returKode":"ok","instansEndret":"ikkeEndret"}')
    assert not shown_in('{"a":"…","b":1}', '{"b":1,"a":"x"}')  # the pieces in the order shown


@pytest.fixture(scope="module")
def reader(live_server, tmp_path_factory):
    """A reader's shell in a fresh directory against the live server: the default data restored (the answers
    shown are a first run's), ``.venv/bin/helsebro`` the CLI of this Python, ``HELSEBRO_*`` the server's own so
    that ``helsebro token`` issues tokens for its database and URL. The data is restored afterwards too: the
    walkthrough leaves an open task for the seed tool, which other tests of the session send."""
    live_server.cli("reset", "--yes")
    home = tmp_path_factory.mktemp("reader")
    bin_dir = home / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    shim = bin_dir / "helsebro"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m helsebro "$@"\n')
    shim.chmod(0o755)
    python = bin_dir / "python"  # the SvarUt block signs its Maskinporten grant with the Python client
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    env = {**live_server.env, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    yield live_server.base_url, home, env
    live_server.cli("reset", "--yes")


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_readme_block_runs_and_shows_its_answers(reader, block: Block):
    base_url, home, env = reader
    started = time.monotonic()
    run = subprocess.run(
        ["bash", "-c", block.script(base_url)], check=False, cwd=home, env=env, capture_output=True, text=True, timeout=120
    )
    took = time.monotonic() - started
    report = f"--- {block.section} #{block.number} ({took:.1f} s)\n{block.code}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    assert run.returncode == 0, report
    answers = run.stdout.split(f"\n{STEP}\n")
    assert len(answers) == len(block.expected) + 1, report
    for expected, answer in zip(block.expected, answers):
        assert shown_in(expected, answer), f"not shown: {expected}\n{report}"
    if block.section == SECTIONS[0] and "GrafiskElement" in block.code:
        assert (home / "icon.png").read_bytes().startswith(b"\x89PNG"), report
