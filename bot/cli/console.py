"""`console-link`: a one-time sign-in link to the staff web console (for the first admin, or anyone
on staff when no chat account is bound yet)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.runner import Refusal, run
from bot.render import render
from bot.services import console_auth
from bot.services.actors import find_member
from models import Member, MemberStatus, Role


async def sign_in_link(query: str | None) -> str:
    member: Member | None
    if query:
        member = await find_member(query)
    else:
        member = await Member.filter(role=Role.ADMIN, status=MemberStatus.ACTIVE).order_by("id").first()
    if member is None:
        raise Refusal(render("console/no_admin.j2"))
    link = await console_auth.issue_link(member, "cli")
    return render("console/link.j2", link=link)


def console_link(
    member: Annotated[
        str | None, typer.Argument(help="name, phone or roster number (#12); default: the first 管理员")
    ] = None,
) -> None:
    """Print a one-time sign-in link to the web console (valid CONSOLE_LOGIN_TTL_MINUTES, single use)."""
    run(lambda: sign_in_link(member))


def mount(app: typer.Typer) -> None:
    app.command("console-link")(console_link)
