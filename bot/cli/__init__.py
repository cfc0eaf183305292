"""The operator CLI: one entry point, `weiyuan` (or `python -m bot.cli`), `--help` on every command.

Every command opens the configured database (applying migrations), calls the same services the
chat commands use, prints a result rendered from templates/, and exits 0 (done), 1 (refused, with
the reason on one line) or 2 (the command line is wrong); see `bot.cli.runner`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli import activity, archive, console, history, people, runner, wechat

app = typer.Typer(
    name="weiyuan",
    help="委员之家 operator commands",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _global_options(
    database_url: Annotated[str | None, typer.Option(help="override DATABASE_URL for this command")] = None,
    show_traceback: Annotated[
        bool, typer.Option("--traceback", help="print the traceback of an unexpected error")
    ] = False,
) -> None:
    runner.options.database_url = database_url
    runner.options.traceback = show_traceback


people.mount(app)
activity.mount(app)
archive.mount(app)
history.mount(app)
wechat.mount(app)
console.mount(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising SystemExit."""
    command = typer.main.get_command(app)
    try:
        result = command.main(
            args=sys.argv[1:] if argv is None else argv, prog_name="weiyuan", standalone_mode=False
        )
    except typer.TyperException as problem:  # the parser's own complaints
        return _report_usage(problem)
    except (typer.Abort, KeyboardInterrupt):
        print("已中止。", file=sys.stderr)
        return 130
    return result if isinstance(result, int) else runner.DONE


def _report_usage(problem: typer.TyperException) -> int:
    context = getattr(problem, "ctx", None)
    code = getattr(problem, "exit_code", runner.USAGE)
    if context is not None and problem.format_message() == context.get_help():
        print(problem.format_message())  # a command group named without its sub-command
        return runner.USAGE
    command = context.command_path if context is not None else "weiyuan"
    print(runner.error_line("usage", reason=problem.format_message(), command=command), file=sys.stderr)
    return code
