"""The CLI's start: what a command imports before it runs, and the lazy tables that keep it small."""

from __future__ import annotations

import subprocess
import sys

from helsebro.cli import kinds as kinds_cli
from helsebro.operator import kinds_service


def test_each_kind_command_names_the_id_field_of_its_kind():
    for kind_name, id_field, _noun in kinds_cli.KIND_COMMANDS:
        assert getattr(kinds_service, kind_name).id_field == id_field, kind_name


def test_every_kind_of_the_operator_api_has_its_commands():
    kinds = {name for name, value in vars(kinds_service).items() if isinstance(value, kinds_service.Kind)}
    assert {kind_name for kind_name, _, _ in kinds_cli.KIND_COMMANDS} == kinds


def test_loading_the_cli_does_not_import_the_families():
    """A command such as ``helsebro token`` runs in a second, not three: the app's routes and every family's models
    are imported only by the commands that need them (serve, reset, the kinds' commands)."""
    code = (
        "import sys, helsebro.cli.main; "
        "print(' '.join(m for m in ('helsebro.families', 'helsebro.app', 'helsebro.operator.kinds_service', "
        "'helsebro.testdata.loader', 'helsebro.auth.inspection') if m in sys.modules))"
    )
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert imported == []
