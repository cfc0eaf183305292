"""Builders for the archive tests: held activities with given outcomes, a hand-computed fixture."""

from __future__ import annotations

from datetime import timedelta

from bot.services import activities
from models import (
    ActivityType,
    Attendance,
    AttendanceStatus,
    Audience,
    Member,
    Proposal,
    Record,
    RecordKind,
    Report,
    ReportStatus,
)
from tests import factories


async def hold(
    type_: ActivityType,
    *,
    absent: list[Member] = (),  # type: ignore[assignment]
    leave: list[Member] = (),  # type: ignore[assignment]
    present: list[Member] = (),  # type: ignore[assignment]
    late: list[Member] = (),  # type: ignore[assignment]
    title: str = "活动",
) -> int:
    """Create an activity for these members, set their outcomes and close it (absent = never came)."""
    everyone = [*absent, *leave, *present, *late]
    activity = await factories.activity(
        type=type_,
        title=title,
        audience=Audience.LIST,
        member_ids=[m.id for m in everyone],
        starts_in=timedelta(minutes=10),
    )
    for status, group in (
        (AttendanceStatus.LEAVE, leave),
        (AttendanceStatus.PRESENT, present),
        (AttendanceStatus.LATE, late),
    ):
        if group:
            await Attendance.filter(activity_id=activity.id, member_id__in=[m.id for m in group]).update(
                status=status
            )
    await activities.close(activity.id, "test")
    return activity.id


async def report(
    member: Member, status: ReportStatus = ReportStatus.SUBMITTED, level: str = "", year: int = 2026
):
    created = await Report.create(
        reference=f"SQ{year}-{member.id:03d}{await Report.all().count():02d}",
        member=member,
        title="停车难",
        content="农贸市场周边停车难问题突出。",
        status=status,
        adopted_level=level,
        year=year,
    )
    return created


async def record(member: Member, kind: RecordKind, visit_type: str = "", year: int = 2026) -> Record:
    from datetime import date

    return await Record.create(
        member=member,
        kind=kind,
        visit_type=visit_type,
        description="为社区老人义诊",
        occurred_on=date(year, 5, 1),
        year=year,
        recorded_by="self",
    )


async def proposal(member: Member, number: str = "0001", year: int = 2026) -> Proposal:
    return await Proposal.create(member=member, title="关于老旧小区改造的提案", number=number, year=year)
