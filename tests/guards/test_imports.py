"""Importing the product has no side effects: no folder, no file written, no connection, no process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.app_process import PROJECT_ROOT

PROBE = Path(__file__).with_name("import_probe.py")


@pytest.mark.e2e
def test_importing_every_module_touches_nothing(tmp_path: Path):
    env = {**os.environ, "WEIYUAN_ENV_FILE": os.devnull, "LOG_LEVEL": "WARNING", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(PROBE)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", f"imports with side effects:\n{result.stdout}"
    assert not list(tmp_path.iterdir())


@pytest.mark.e2e
def test_the_probe_sees_a_side_effect(tmp_path: Path):
    """The audit hook really catches what a careless module does at import time."""
    (tmp_path / "careless.py").write_text(
        "import pathlib\npathlib.Path('made/here').mkdir(parents=True)\nopen('written.txt', 'w').close()\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": f"{PROJECT_ROOT}:{tmp_path}"}
    code = (
        "import sys, pathlib; from tests.guards import import_probe as p; p.ROOT = pathlib.Path.cwd();"
        "sys.addaudithook(p._audit); import careless; print(p.seen)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert "made a folder: made" in result.stdout and "opened for writing: written.txt" in result.stdout
