"""How every operator command runs: the database around it, exit codes, one-line errors, progress.

Exit codes, the same for every command:
  0  done;
  1  refused with a reason (a service said no, the database is unreachable, the output cannot be
     written, WeChat refused): one line on stderr, nothing half-written;
  2  the command line itself is wrong (unknown command or option, missing argument, an input file
     that does not exist): one line on stderr naming the help to read.
No traceback reaches the operator unless `--traceback` asks for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer

from bot.render import render
from bot.services.errors import ServiceError

CLI_ACTOR = "cli"
DONE, REFUSED, USAGE = 0, 1, 2
# Bounds of the numbers typed on the command line, checked by the parser (exit 2), so that no
# number reaches the database or the calendar out of their range.
ROW_NUMBER_MAX = 2_147_483_647  # the largest id the databases' integer columns hold
YEAR_MIN, YEAR_MAX = 2000, 2100
MINUTES_MAX = 7 * 24 * 60  # a check-in window offset: at most a week


@dataclass(slots=True)
class Options:
    """Global options given before the sub-command."""

    database_url: str | None = None
    traceback: bool = False


options = Options()


class Refusal(Exception):
    """The command was understood but cannot be done; `text` says why (exit 1)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class UsageProblem(Exception):
    """The command line is wrong in a way the parser cannot see (exit 2)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def error_line(kind: str, /, **context: object) -> str:
    """The one line an operator reads on stderr, from templates/cli/error.j2."""
    return " ".join(render("cli/error.j2", kind=kind, **context).split())


def hide_password(url: str) -> str:
    from bot.db import display_url

    return display_url(url)


def input_file(path: str) -> Path:
    """An input file the operator named: it must exist (else a usage error, exit 2)."""
    file = Path(path)
    if not file.is_file():
        raise UsageProblem(error_line("file_missing", path=path))
    return file


def output_file(path: str) -> Path:
    """An output file: its folder must exist or be creatable and writable, checked before any work."""
    file = Path(path)
    existing = next(folder for folder in file.parents if folder.exists())
    if not existing.is_dir():
        raise Refusal(error_line("unwritable", path=path, reason=f"{existing} 不是文件夹"))
    if file.is_dir():
        raise Refusal(error_line("unwritable", path=path, reason="这是一个文件夹"))
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Refusal(error_line("unwritable", path=path, reason=exc.strerror or exc)) from exc
    target = file if file.exists() else file.parent
    if not os.access(target, os.W_OK):
        raise Refusal(error_line("unwritable", path=path, reason="没有写入权限"))
    return file


async def _connect() -> None:
    from bot import db
    from bot.config import get_settings

    url = options.database_url or get_settings().database_url
    try:
        await asyncio.wait_for(db.connect(url), timeout=30)
        db.use_database_clock()
    except Exception as exc:
        await _quietly_disconnect()
        reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        raise Refusal(error_line("database", url=hide_password(url), reason=reason)) from exc


async def _quietly_disconnect() -> None:
    from bot import db

    with contextlib.suppress(Exception):  # nothing was open, or the connection is already gone
        await db.disconnect()


async def _guarded(work: Callable[[], Awaitable[str | None]], database: bool) -> int:
    try:
        if database:
            await _connect()
        try:
            text = await work()
        finally:
            if database:
                await _quietly_disconnect()
    except ServiceError as refusal:
        print(refusal.render(), file=sys.stderr)
        return REFUSED
    except Refusal as refusal:
        print(refusal.text, file=sys.stderr)
        return REFUSED
    except UsageProblem as problem:
        print(problem.text, file=sys.stderr)
        return USAGE
    except OSError as exc:
        where = exc.filename or ""
        print(error_line("os", path=where, reason=exc.strerror or exc), file=sys.stderr)
        return REFUSED
    except Exception as exc:
        if options.traceback:
            traceback.print_exc()
        print(error_line("internal", reason=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return REFUSED
    if text:
        print(text)
    return DONE


def run(work: Callable[[], Awaitable[str | None]], *, database: bool = True) -> None:
    """Run one command's async `work` (which returns the text to print) and exit with its code."""
    raise typer.Exit(asyncio.run(_guarded(work, database)))


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for work that knows its size; yields `advance(done, total)`."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


@contextmanager
def working(label: str) -> Iterator[None]:
    """A spinner with the elapsed time on stderr, for long work whose size is not known ahead."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as spinner:
        spinner.add_task(label, total=None)
        yield
