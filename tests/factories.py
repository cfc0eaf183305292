"""Small builders for test data."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import clock
from bot.sender import Sender
from bot.services import activities
from models import ActivityType, Audience, Committee, Identity, Member, Role


async def member(
    name: str = "林建国",
    *,
    role: Role = Role.MEMBER,
    also_member: bool = False,
    sector: str = "经济界",
    committees: tuple[str, ...] = (),
    phone: str | None = None,
    qq: str | None = None,
) -> Member:
    created = await Member.create(name=name, role=role, also_member=also_member, sector=sector, phone=phone)
    for committee_name in committees:
        committee, _ = await Committee.get_or_create(name=committee_name)
        await created.committees.add(committee)
    if qq is not None:
        await Identity.create(member=created, platform="qq", account_id=qq)
    return created


def private(qq: str) -> Sender:
    return Sender("qq", qq)


def group(qq: str, group_id: str = "7001") -> Sender:
    return Sender("qq", qq, group_id)


async def activity(
    *,
    title: str = "全体委员会议",
    type: ActivityType = ActivityType.PLENARY,
    starts_in: timedelta = timedelta(minutes=10),
    duration: timedelta = timedelta(hours=2),
    code: str | None = None,
    audience: Audience = Audience.ALL,
    audience_value: str = "",
    member_ids: list[int] | None = None,
    group_id: str = "",
    start_at: datetime | None = None,
):
    start = start_at or clock.now() + starts_in
    draft = activities.ActivityDraft(
        type=type,
        title=title,
        start_at=start,
        end_at=start + duration,
        place="区政协会议室",
        audience=audience,
        audience_value=audience_value,
        member_ids=member_ids or [],
        checkin_code=code,
        announce_platform="qq" if group_id else "",
        announce_group=group_id,
    )
    created, _ = await activities.create(draft, "test")
    return created
