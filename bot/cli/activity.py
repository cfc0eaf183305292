"""`activity create|list|close` and `attendance`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from bot.cli.runner import CLI_ACTOR, MINUTES_MAX, ROW_NUMBER_MAX, UsageProblem, error_line, run
from bot.render import render
from bot.services import activities, activity_form, activity_listing
from bot.services.activities import ActivityDraft
from bot.services.parsing import parse_activity_type, parse_local_datetime
from models import Audience

activity_app = typer.Typer(help="create, list and close activities", no_args_is_help=True)

TYPES_HELP = "全体会议 常委会议 专委会活动 视察调研 协商议政 民主监督 学习培训"


@dataclass(slots=True)
class NewActivity:
    """`activity create` as typed, before parsing."""

    type: str
    title: str
    start: str
    end: str
    place: str = ""
    committee: str | None = None
    sector: str | None = None
    members: str | None = None
    code: str | None = None
    group: str | None = None
    opens_before: int | None = None
    closes_after: int | None = None


async def _draft(new: NewActivity) -> ActivityDraft:
    start = parse_local_datetime(new.start)
    draft = ActivityDraft(
        type=parse_activity_type(new.type),
        title=new.title,
        start_at=start,
        end_at=parse_local_datetime(new.end, base_date=start.date()),
        place=new.place,
        checkin_code=activity_form.checkin_code(new.code) if new.code else None,
        opens_before_minutes=new.opens_before,
        closes_after_minutes=new.closes_after,
    )
    if new.committee:
        draft.audience, draft.audience_value = Audience.COMMITTEE, new.committee
    elif new.sector:
        draft.audience, draft.audience_value = Audience.SECTOR, new.sector
    elif new.members:
        draft.audience, draft.member_ids = Audience.LIST, await activity_form.listed_members(new.members)
    if new.group:
        draft.announce_platform, draft.announce_group = activity_form.announce_group(new.group)
    return draft


async def create_activity(new: NewActivity) -> str:
    chosen = [
        flag
        for flag, value in (
            ("--committee", new.committee),
            ("--sector", new.sector),
            ("--members", new.members),
        )
        if value
    ]
    if len(chosen) > 1:
        raise UsageProblem(error_line("exclusive", options=" / ".join(chosen)))
    activity, count = await activities.create(await _draft(new), CLI_ACTOR)
    return render(
        "activity/created.j2", activity=activity, count=count, record=activities.is_record(activity)
    )


@activity_app.command("create")
def create(
    type: Annotated[str, typer.Option("--type", help=TYPES_HELP)],
    title: Annotated[str, typer.Option(help="what members see in notices")],
    start: Annotated[str, typer.Option(help="local time, e.g. '2026-12-01 09:00'")],
    end: Annotated[str, typer.Option(help="local time or just '11:30' on the same day")],
    place: Annotated[str, typer.Option(help="where it takes place")] = "",
    committee: Annotated[str | None, typer.Option(help="expected: this 专委会 (default: everyone)")] = None,
    sector: Annotated[str | None, typer.Option(help="expected: this 界别")] = None,
    members: Annotated[
        str | None, typer.Option(help="expected: these members (names, phones or #numbers; 、 or , between)")
    ] = None,
    code: Annotated[str | None, typer.Option(help="check-in code shown at the venue")] = None,
    group: Annotated[
        str | None,
        typer.Option(help="QQ group number or 企业微信 robot name to announce in"),
    ] = None,
    opens_before: Annotated[
        int | None,
        typer.Option(min=0, max=MINUTES_MAX, help="check-in opens this many minutes before the start"),
    ] = None,
    closes_after: Annotated[
        int | None,
        typer.Option(min=0, max=MINUTES_MAX, help="check-in closes this many minutes after the start"),
    ] = None,
) -> None:
    """Create an activity; everyone expected gets a pending attendance row."""
    new = NewActivity(
        type, title, start, end, place, committee, sector, members, code, group, opens_before, closes_after
    )
    run(lambda: create_activity(new))


async def list_activities() -> str:
    return render("activity/list.j2", listing=await activity_listing.listing(for_staff=True))


@activity_app.command("list")
def list_open() -> None:
    """Open activities: open for check-in now, under way, coming, over but not closed."""
    run(list_activities)


async def close_activity(number: int) -> str:
    sheet = await activities.close(number, CLI_ACTOR)
    return render("activity/closed.j2", sheet=sheet, private=True)


@activity_app.command("close")
def close(number: Annotated[int, typer.Argument(min=1, max=ROW_NUMBER_MAX, help="activity number")]) -> None:
    """Close; everyone still pending becomes absent."""
    run(lambda: close_activity(number))


async def attendance_sheet(number: int) -> str:
    return render("activity/sheet.j2", sheet=await activities.attendance_sheet(number))


def attendance(
    number: Annotated[int, typer.Argument(min=1, max=ROW_NUMBER_MAX, help="activity number")],
) -> None:
    """Attendance sheet of an activity."""
    run(lambda: attendance_sheet(number))


def mount(app: typer.Typer) -> None:
    app.add_typer(activity_app, name="activity")
    app.command("attendance")(attendance)
