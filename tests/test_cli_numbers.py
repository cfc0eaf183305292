"""Numbers on the operator's command line are bounded where they are declared: a record number past
what the database's integer columns hold, a year no calendar has or a huge limit is a usage error
(exit 2, one line), never "内部错误 OverflowError" after connecting, nor a year silently replaced by
this one (`rules evaluate --year 0` evaluated this year and reported "0 年度")."""

from __future__ import annotations

import os
import subprocess
import sys
from types import UnionType
from typing import Any, get_args

import typer
import typer.main

from bot.cli import app
from tests.support.app_process import PROJECT_ROOT


def _commands(command: Any, path: str = "") -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, f"{path} {name}".strip())
    return found


def _is_int(annotation: object) -> bool:
    return annotation is int or (isinstance(annotation, UnionType) and int in get_args(annotation))


def test_every_integer_on_the_command_line_is_bounded():
    unbounded = []
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            if not _is_int(param.type_descriptor.annotation):
                continue
            low, high = getattr(param, "min", None), getattr(param, "max", None)
            if low is None or high is None or high > 2_147_483_647:
                unbounded.append(f"{path} {param.name}")
    assert unbounded == []


def test_out_of_range_numbers_are_usage_errors(tmp_path):
    env = {
        **os.environ,
        "WEIYUAN_ENV_FILE": os.devnull,
        "DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}",
    }
    for args in (
        ["attendance", "99999999999999999999"],
        ["rules", "evaluate", "--year", "0"],
        ["archive", "export", str(tmp_path / "x.xlsx"), "--year", "99999"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        assert (done.returncode, done.stdout) == (2, ""), (args, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "内部错误" not in done.stderr, done.stderr
