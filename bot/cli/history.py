"""`term set|list`: the committee's terms (届); `correct-attendance`: a closed activity's attendance."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from bot import clock
from bot.cli.archive import OPERATOR
from bot.cli.runner import ROW_NUMBER_MAX, UsageProblem, error_line, input_file, run
from bot.render import render
from bot.services import corrections, history, terms
from models.assessment import CONSEQUENCE_LABELS

term_app = typer.Typer(help="the committee's terms (届): five years each", no_args_is_help=True)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageProblem(error_line("bad_date", option=option, value=text)) from None


async def set_term(number: int, start: str, end: str) -> str:
    term = await terms.set_term(OPERATOR, number, _day(start, "--start"), _day(end, "--end"))
    return render("terms/set.j2", term=term)


@term_app.command("set")
def term_set(
    number: Annotated[int, typer.Argument(min=1, max=999, help="届次, e.g. 15 for 第十五届")],
    start: Annotated[str, typer.Option(help="first day, e.g. 2022-01-10")],
    end: Annotated[str, typer.Option(help="last day, e.g. 2027-01-09")],
) -> None:
    """Set (or change) a term's dates; rules counted over the term count from its first day."""
    run(lambda: set_term(number, start, end))


async def list_terms() -> str:
    current = await terms.term_of(clock.today())
    return render("terms/list.j2", terms=await terms.all_terms(), current=current)


@term_app.command("list")
def term_list() -> None:
    """The terms set, and the one today belongs to (derived while none is set)."""
    run(list_terms)


async def correct_attendance(number: int, member: str, status: str, reason: str) -> str:
    corrected = await corrections.correct(OPERATOR, number, member, status, reason)
    return render("correction/done.j2", c=corrected, labels=CONSEQUENCE_LABELS)


def correct(
    number: Annotated[int, typer.Argument(min=1, max=ROW_NUMBER_MAX, help="activity number (closed)")],
    member: Annotated[str, typer.Argument(help="name, phone or #roster number")],
    status: Annotated[
        str, typer.Argument(help="出席 / 迟到 / 请假 / 缺席 (or present / late / leave / absent)")
    ],
    reason: Annotated[str, typer.Option(help="why, e.g. 已补办请假手续 (required, audited)")],
) -> None:
    """Correct a member's attendance after the activity closed; the rules are evaluated again."""
    run(lambda: correct_attendance(number, member, status, reason))


history_app = typer.Typer(help="records of earlier years, with their real dates", no_args_is_help=True)
KINDS_HELP = "提案 社情民意 会议发言 调研报告 意见建议 走访 好事实事 考勤"


async def import_history(kind: str, file: str) -> str:
    imported = await history.import_file(OPERATOR, kind, input_file(file))
    return render("history/imported.j2", r=imported)


@history_app.command("import")
def history_import(
    kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
    file: Annotated[str, typer.Argument(help=".xlsx or .csv, one kind per sheet (columns: see README)")],
) -> None:
    """Validate every row, then enter all of them or none (every bad row with its line)."""
    run(lambda: import_history(kind, file))


async def add_history(kind: str, cells: list[str]) -> str:
    row: dict[str, str] = {}
    for cell in cells:
        column, equals, value = cell.partition("=")
        if not equals:
            raise UsageProblem(error_line("bad_cell", value=cell))
        row[column.strip()] = value
    imported = await history.import_rows(OPERATOR, history.kind_of(kind), [row])
    return render("history/imported.j2", r=imported)


@history_app.command("add")
def history_add(
    kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
    cells: Annotated[
        list[str], typer.Argument(help="the sheet's columns, e.g. 姓名=张三 日期=2024-05-01 标题=…")
    ],
) -> None:
    """Enter one record of an earlier year through the same checks as the sheet."""
    run(lambda: add_history(kind, cells))


def mount(app: typer.Typer) -> None:
    app.add_typer(term_app, name="term")
    app.add_typer(history_app, name="history")
    app.command("correct-attendance")(correct)
