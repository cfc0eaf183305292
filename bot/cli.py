"""Operator commands: `python -m bot.cli --help`.

Each command opens the configured database (applying migrations), calls the same services the chat
commands use, prints a result rendered from templates/cli/, and exits non-zero with a clear message
when something is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import db
from bot.config import get_settings
from bot.render import render
from bot.services import activities, binding, roster
from bot.services.activities import ActivityDraft
from bot.services.actors import find_member
from bot.services.errors import ServiceError
from bot.services.parsing import parse_activity_type, parse_local_datetime
from models import Audience, Member, MemberStatus

CLI_ACTOR = "cli"
Command = Callable[[argparse.Namespace], Awaitable[int]]


def _progress(done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        width = 30
        filled = width * done // max(total, 1)
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr)
        if done == total:
            print(file=sys.stderr)


async def roster_import(args: argparse.Namespace) -> int:
    try:
        result = await roster.import_file(Path(args.file), _progress)
    except (roster.RosterFormatError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render("cli/roster_import.j2", result=result, file=args.file))
    return 0 if result.ok else 1


async def roster_export(args: argparse.Namespace) -> int:
    try:
        count = await roster.export_file(Path(args.file))
    except (roster.RosterFormatError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render("cli/roster_export.j2", count=count, file=args.file))
    return 0


async def members_list(args: argparse.Namespace) -> int:
    query = (
        Member.filter(status=MemberStatus.ACTIVE).order_by("id").prefetch_related("committees", "identities")
    )
    if args.committee:
        query = query.filter(committees__name=args.committee)
    if args.sector:
        query = query.filter(sector=args.sector)
    print(render("cli/members.j2", members=await query))
    return 0


async def binding_code(args: argparse.Namespace) -> int:
    issued = await binding.issue_code(await find_member(args.member), CLI_ACTOR)
    print(render("binding/code_issued.j2", issued=issued))
    return 0


async def unbind(args: argparse.Namespace) -> int:
    member = await find_member(args.member)
    removed = await binding.unbind(member, CLI_ACTOR, args.platform)
    print(render("binding/unbound.j2", member=member, removed=removed))
    return 0


def _audience(args: argparse.Namespace, draft: ActivityDraft) -> None:
    if args.committee:
        draft.audience, draft.audience_value = Audience.COMMITTEE, args.committee
    elif args.sector:
        draft.audience, draft.audience_value = Audience.SECTOR, args.sector
    elif args.members:
        draft.audience = Audience.LIST


async def activity_create(args: argparse.Namespace) -> int:
    start = parse_local_datetime(args.start)
    draft = ActivityDraft(
        type=parse_activity_type(args.type),
        title=args.title,
        start_at=start,
        end_at=parse_local_datetime(args.end, base_date=start.date()),
        place=args.place,
        checkin_code=args.code.upper() if args.code else None,
        announce_platform="qq" if args.group else "",
        announce_group=args.group or "",
        opens_before_minutes=args.opens_before,
        closes_after_minutes=args.closes_after,
    )
    _audience(args, draft)
    if args.members:
        draft.member_ids = [(await find_member(name)).id for name in args.members.split(",") if name.strip()]
    activity, count = await activities.create(draft, CLI_ACTOR)
    print(render("activity/created.j2", activity=activity, count=count))
    return 0


async def activity_list(args: argparse.Namespace) -> int:
    print(render("activity/list.j2", activities=await activities.list_current()))
    return 0


async def activity_close(args: argparse.Namespace) -> int:
    sheet = await activities.close(args.number, CLI_ACTOR)
    print(render("activity/closed.j2", sheet=sheet, private=True))
    return 0


async def attendance(args: argparse.Namespace) -> int:
    print(render("activity/sheet.j2", sheet=await activities.attendance_sheet(args.number)))
    return 0


async def console_link(args: argparse.Namespace) -> int:
    """A one-time sign-in link to the web console: for a member, or the first 管理员 of the roster."""
    from bot.services import console_auth
    from models import Role

    if args.member:
        member = await find_member(args.member)
    else:
        member = await Member.filter(role=Role.ADMIN, status=MemberStatus.ACTIVE).order_by("id").first()
        if member is None:
            print("error: the roster has no active 管理员 yet (import one with 角色 管理员)", file=sys.stderr)
            return 2
    link = await console_auth.issue_link(member, "cli")
    print(render("console/link.j2", link=link))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description="委员之家 operator commands")
    parser.add_argument("--database-url", help="override DATABASE_URL for this command")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    roster_parser = sub.add_parser("roster", help="import or export the member roster (.xlsx/.csv)")
    roster_sub = roster_parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = roster_sub.add_parser("import", help="validate every row, then import all or nothing")
    p.add_argument("file", help="roster with headers 姓名 性别 界别 专委会 手机 生日 角色")
    p.set_defaults(run=roster_import)
    p = roster_sub.add_parser("export", help="write the roster in the import format")
    p.add_argument("file", help="output .xlsx or .csv")
    p.set_defaults(run=roster_export)

    p = sub.add_parser("members", help="list active members")
    p.add_argument("--committee", help="only this 专委会")
    p.add_argument("--sector", help="only this 界别")
    p.set_defaults(run=members_list)

    p = sub.add_parser("binding-code", help="issue a one-time binding code for a member")
    p.add_argument("member", help="name, phone or roster number (#12)")
    p.set_defaults(run=binding_code)

    p = sub.add_parser("unbind", help="remove a member's chat account bindings")
    p.add_argument("member", help="name, phone or roster number (#12)")
    p.add_argument("--platform", choices=["qq", "wechat", "console"], help="only this platform")
    p.set_defaults(run=unbind)

    act = sub.add_parser("activity", help="create, list and close activities")
    act_sub = act.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = act_sub.add_parser(
        "create", help="create an activity; everyone expected gets a pending attendance row"
    )
    p.add_argument(
        "--type", required=True, help="全体会议 常委会议 专委会活动 视察调研 协商议政 民主监督 学习培训"
    )
    p.add_argument("--title", required=True)
    p.add_argument("--start", required=True, help="local time, e.g. '2026-12-01 09:00'")
    p.add_argument("--end", required=True, help="local time or just '11:30' on the same day")
    p.add_argument("--place", default="")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--committee", help="expected: this 专委会 (default: everyone)")
    who.add_argument("--sector", help="expected: this 界别")
    who.add_argument("--members", help="expected: these members, comma separated")
    p.add_argument("--code", help="check-in code shown at the venue")
    p.add_argument("--group", help="QQ group where it is announced")
    p.add_argument("--opens-before", type=int, help="check-in opens this many minutes before the start")
    p.add_argument("--closes-after", type=int, help="check-in closes this many minutes after the start")
    p.set_defaults(run=activity_create)
    p = act_sub.add_parser("list", help="open activities")
    p.set_defaults(run=activity_list)
    p = act_sub.add_parser("close", help="close; everyone still pending becomes absent")
    p.add_argument("number", type=int)
    p.set_defaults(run=activity_close)

    p = sub.add_parser("attendance", help="attendance sheet of an activity")
    p.add_argument("number", type=int)
    p.set_defaults(run=attendance)

    p = sub.add_parser("console-link", help="a one-time sign-in link to the web console (first admin)")
    p.add_argument("member", nargs="?", help="name, phone or roster number (#12) of a staff member")
    p.set_defaults(run=console_link)

    from bot.cli_archive import add_archive_commands
    from bot.cli_wechat import add_wechat_commands

    add_archive_commands(sub)
    add_wechat_commands(sub)
    return parser


async def _run(args: argparse.Namespace) -> int:
    await db.connect(args.database_url or get_settings().database_url)
    try:
        return await args.run(args)
    except ServiceError as refusal:
        print(refusal.render(), file=sys.stderr)
        return 1
    finally:
        await db.disconnect()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):  # a command group without its sub-command
        parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "--help"])
        return 2
    return asyncio.run(_run(args))


if __name__ == "__main__":
    raise SystemExit(main())
