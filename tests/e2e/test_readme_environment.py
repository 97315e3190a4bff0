"""The README's "Your own identifiers" walk-through as a reader runs it: its YAML block written to a file,
``helsebro serve --environment`` started on it, and its shell block run with bash against that server."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import LiveServer, start_server
from tests.e2e.test_readme_examples import README, STEP, Block, section, shown_in

TITLE = "Your own identifiers (the environment file)"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", section(README.read_text(encoding="utf-8"), TITLE), flags=re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("readme-environment")
    (yaml_block,) = blocks("yaml")
    path = data_dir / "environment.yaml"
    path.write_text(yaml_block, encoding="utf-8")
    yield from start_server(data_dir, {}, ("--environment", str(path)))


def test_the_section_has_its_file_and_its_walk_through() -> None:
    assert len(blocks("yaml")) == 1 and len(blocks("sh")) == 1
    assert all(
        f"{key}:" in blocks("yaml")[0]
        for key in (
            "organisations",
            "clients",
            "verktoy",
            "guidance_services",
            "pvk_definitions",
            "svarut_accounts",
            "citizens",
            "health_personnel",
        )
    )


def test_the_walk_through_runs_against_a_server_started_on_the_file(server: LiveServer, tmp_path) -> None:
    (code,) = blocks("sh")
    block = Block(TITLE, 1, code)
    run = subprocess.run(
        ["bash", "-c", block.script(server.base_url)],
        check=False,
        cwd=tmp_path,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = f"{code}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    assert run.returncode == 0, report
    answers = run.stdout.split(f"\n{STEP}\n")
    assert len(answers) == len(block.expected) + 1 and block.expected, report
    for expected, answer in zip(block.expected, answers):
        assert shown_in(expected, answer), f"not shown: {expected}\n{report}"
