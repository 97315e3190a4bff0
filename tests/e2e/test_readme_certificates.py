"""The README's "Maskinporten with a business certificate" blocks, pasted into bash as a reader would: in a
fresh directory beside the project's .venv, against a real ``helsebro serve`` (its data directory, so the
certificate comes from the CA that server trusts)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.server

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Maskinporten with a business certificate"


def blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def test_the_section_has_the_grant_and_the_registration_blocks():
    grant, registration = blocks()
    assert "certs issue --orgnr 910000063" in grant and "x5c" in grant
    assert "--certificate" in registration and "certs register" in registration


def test_readme_certificate_blocks_work_when_pasted(live_server: LiveServer, tmp_path):
    if not Path(sys.prefix, "bin", "helsebro").exists():
        pytest.skip(f"the README's .venv/bin/helsebro: no helsebro command in {sys.prefix}/bin")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    for number, block in enumerate(blocks(), start=1):
        script = "set -euo pipefail\n" + block.replace("http://127.0.0.1:8080", live_server.base_url)
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=live_server.env, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, f"block {number}:\n{result.stdout}\n{result.stderr}"
        for expected in re.findall(r"^# → (.*)$", block, flags=re.M):
            assert expected in result.stdout, f"block {number}: {expected!r} not in\n{result.stdout}"
    listed = subprocess.run(
        [".venv/bin/helsebro", "certs", "list", "min-sak"], cwd=tmp_path, env=live_server.env, capture_output=True, text=True, check=True
    )
    assert len(listed.stdout.splitlines()) == 1  # the second certificate was registered, then removed
