"""`term set|list`: the committee's terms (届), which rules counted over the term start from."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from bot import clock
from bot.cli.archive import OPERATOR
from bot.cli.runner import UsageProblem, error_line, run
from bot.render import render
from bot.services import terms

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
    number: Annotated[int, typer.Argument(help="届次, e.g. 15 for 第十五届")],
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


def mount(app: typer.Typer) -> None:
    app.add_typer(term_app, name="term")
