"""Private keys the CLI writes are readable by their owner only, whatever the umask."""

from __future__ import annotations

import json
import os
import stat

import pytest

from helsebro.cli.key_files import ensure_dpop_key


@pytest.fixture()
def open_umask():
    old = os.umask(0o022)  # the usual default: new files 0644
    yield
    os.umask(old)


def test_a_new_dpop_key_file_is_owner_only(tmp_path, open_umask):
    key_file = tmp_path / "key.jwk.json"
    assert ensure_dpop_key(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "d" in json.loads(key_file.read_text())  # it is the private key


def test_an_existing_key_file_is_left_alone(tmp_path):
    key_file = tmp_path / "key.jwk.json"
    key_file.write_text("{}")
    assert not ensure_dpop_key(key_file)
    assert key_file.read_text() == "{}"


def test_a_link_planted_at_the_path_is_not_written_through(tmp_path):
    target = tmp_path / "elsewhere"
    (tmp_path / "key.jwk.json").symlink_to(target)  # a dangling link: exists() is False
    assert not ensure_dpop_key(tmp_path / "key.jwk.json")
    assert not target.exists()
