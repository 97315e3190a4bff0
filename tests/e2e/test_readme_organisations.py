"""The README's "HelseID organisations" block pasted into bash as a reader would, against a real
``helsebro serve``: two clients registered with ``helsebro clients add``, tokens naming a multi-tenant client's
customer and a single-tenant client's child organisation, a refusal, and ``resource``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.test_readme_examples import README, section

pytestmark = pytest.mark.server

TITLE = "HelseID organisations: child organisations, multi-tenant clients and `resource`"


def blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", section(README.read_text(encoding="utf-8"), TITLE), flags=re.S)


def test_readme_organisation_block_works_when_pasted(live_server: LiveServer, tmp_path):
    if not Path(sys.prefix, "bin", "helsebro").exists():
        pytest.skip(f"the README's .venv/bin/helsebro: no helsebro command in {sys.prefix}/bin")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    (block,) = blocks()
    script = "set -euo pipefail\n" + block.replace("http://127.0.0.1:8080", live_server.base_url)
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=live_server.env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    expected = re.findall(r"^# → (.*)$", block, flags=re.M)
    assert len(expected) == 4 and result.stdout.splitlines() == expected
