"""`roster import|export`, `members`, `binding-code`, `unbind`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from bot.cli.runner import CLI_ACTOR, Refusal, input_file, output_file, progress_bar, run
from bot.render import render
from bot.services import binding, roster
from bot.services.actors import find_member

roster_app = typer.Typer(help="import or export the member roster (.xlsx/.csv)", no_args_is_help=True)


class Platform(StrEnum):
    qq = "qq"
    wechat = "wechat"
    wecom = "wecom"
    console = "console"


async def import_roster(file: str) -> str:
    path = input_file(file)
    try:
        with progress_bar("导入名册") as advance:
            result = await roster.import_file(path, advance)
    except roster.RosterFormatError as exc:
        raise Refusal(f"错误：{exc}") from exc
    text = render("cli/roster_import.j2", result=result, file=file)
    if not result.ok:
        raise Refusal(text)
    return text


async def export_roster(file: str) -> str:
    path = output_file(file)
    try:
        count = await roster.export_file(path)
    except roster.RosterFormatError as exc:
        raise Refusal(f"错误：{exc}") from exc
    return render("cli/roster_export.j2", count=count, file=file)


@roster_app.command("import")
def roster_import(
    file: Annotated[str, typer.Argument(help="roster with headers 姓名 性别 界别 专委会 手机 生日 角色")],
) -> None:
    """Validate every row, then import all or nothing."""
    run(lambda: import_roster(file))


@roster_app.command("export")
def roster_export(file: Annotated[str, typer.Argument(help="output .xlsx or .csv")]) -> None:
    """Write the roster in the import format."""
    run(lambda: export_roster(file))


async def list_members(committee: str | None, sector: str | None) -> str:
    return render("cli/members.j2", members=await roster.active_members(committee, sector))


def members(
    committee: Annotated[str | None, typer.Option(help="only this 专委会")] = None,
    sector: Annotated[str | None, typer.Option(help="only this 界别")] = None,
) -> None:
    """List active members with their bindings."""
    run(lambda: list_members(committee, sector))


async def issue_code(query: str) -> str:
    issued = await binding.issue_code(await find_member(query), CLI_ACTOR)
    return render("binding/code_issued.j2", issued=issued)


def binding_code(member: Annotated[str, typer.Argument(help="name, phone or roster number (#12)")]) -> None:
    """Issue a one-time binding code for a member."""
    run(lambda: issue_code(member))


async def remove_bindings(query: str, platform: str | None) -> str:
    member = await find_member(query)
    removed = await binding.unbind(member, CLI_ACTOR, platform)
    return render("binding/unbound.j2", member=member, removed=removed)


def unbind(
    member: Annotated[str, typer.Argument(help="name, phone or roster number (#12)")],
    platform: Annotated[Platform | None, typer.Option(help="only this platform")] = None,
) -> None:
    """Remove a member's chat account bindings."""
    run(lambda: remove_bindings(member, platform.value if platform else None))


def mount(app: typer.Typer) -> None:
    app.add_typer(roster_app, name="roster")
    app.command("members")(members)
    app.command("binding-code")(binding_code)
    app.command("unbind")(unbind)
