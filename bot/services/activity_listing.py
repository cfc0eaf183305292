"""Where an activity stands now, and 活动列表: what is open for check-in, under way and coming.

Every place that tells people about an activity's state uses `phase` (the open flag alone says
nothing about time: an open activity may be two days away). Times are shown in the committee's
time zone by the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import Q

from bot import clock
from models import Activity, Attendance, AttendanceStatus, LeaveRequest, Member
from models.activity import ActivityStatus
from models.leave import STANDING_LEAVE, LeaveStatus


class Phase(StrEnum):
    UPCOMING = "upcoming"  # check-in has not opened yet
    CHECKIN = "checkin"  # the check-in window is open now
    UNDERWAY = "underway"  # started, check-in closed, not yet over
    ENDED = "ended"  # over, but staff have not closed it (attendance not final)
    CLOSED = "closed"  # closed by staff: attendance is final


PHASE_LABELS = {
    Phase.UPCOMING: "未开始",
    Phase.CHECKIN: "签到中",
    Phase.UNDERWAY: "进行中",
    Phase.ENDED: "已结束，待结束考勤",
    Phase.CLOSED: "已结束",
}


def phase(activity: Activity, now: datetime | None = None) -> Phase:
    """The check-in window counts as in 签到 (`checkin.py` accepts both ends)."""
    now = now or clock.now()
    if activity.status == ActivityStatus.CLOSED:
        return Phase.CLOSED
    if activity.checkin_opens_at <= now <= activity.checkin_closes_at:
        return Phase.CHECKIN
    if now >= activity.end_at:
        return Phase.ENDED
    if now >= activity.start_at:
        return Phase.UNDERWAY
    return Phase.UPCOMING


class Mine(StrEnum):
    """Where the member asking stands for one activity."""

    NOT_EXPECTED = "not_expected"
    SILENT = "silent"
    CONFIRMED = "confirmed"
    LEAVE_PENDING = "leave_pending"
    LEAVE_APPROVED = "leave_approved"
    CHECKED_IN = "checked_in"


@dataclass(frozen=True, slots=True)
class Entry:
    activity: Activity
    phase: Phase
    mine: Mine | None = None  # None: nobody in particular asked (staff, CLI)


@dataclass(slots=True)
class Listing:
    now: datetime
    checkin: list[Entry] = field(default_factory=list)
    underway: list[Entry] = field(default_factory=list)
    upcoming: list[Entry] = field(default_factory=list)
    ended: list[Entry] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.checkin or self.underway or self.upcoming or self.ended)


async def _mine(member: Member, activities: list[Activity]) -> dict[int, Mine]:
    ids = [a.id for a in activities]
    rows = await Attendance.filter(member_id=member.id, activity_id__in=ids).values_list(
        "activity_id", "status", "response"
    )
    leaves = dict(
        await LeaveRequest.filter(member_id=member.id, activity_id__in=ids, status__in=STANDING_LEAVE)
        .order_by("created_at", "id")
        .values_list("activity_id", "status")
    )
    result = dict.fromkeys(ids, Mine.NOT_EXPECTED)
    for activity_id, status, response in rows:
        if status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
            result[activity_id] = Mine.CHECKED_IN
        elif status == AttendanceStatus.LEAVE or leaves.get(activity_id) == LeaveStatus.APPROVED:
            result[activity_id] = Mine.LEAVE_APPROVED
        elif activity_id in leaves:
            result[activity_id] = Mine.LEAVE_PENDING
        else:
            result[activity_id] = Mine.CONFIRMED if response == "attend" else Mine.SILENT
    return result


async def listing(member: Member | None = None, *, for_staff: bool = False, limit: int = 20) -> Listing:
    """Open activities by phase, soonest first. A member sees where they stand in each; activities
    that are over but not yet closed are listed for staff only (members have nothing left to do)."""
    now = clock.now()
    still_on = Q(end_at__gt=now) | Q(checkin_closes_at__gte=now)
    open_now = Activity.filter(status=ActivityStatus.OPEN)
    found = list(await open_now.filter(still_on).order_by("start_at", "id").limit(limit))
    if for_staff:  # the oldest unclosed first: they are the ones to close
        found += await open_now.exclude(still_on).order_by("end_at", "id").limit(limit)
    mine = await _mine(member, found) if member is not None and found else {}
    result = Listing(now=now)
    buckets = {
        Phase.CHECKIN: result.checkin,
        Phase.UNDERWAY: result.underway,
        Phase.UPCOMING: result.upcoming,
        Phase.ENDED: result.ended,
    }
    for activity in found:
        current = phase(activity, now)
        if current == Phase.ENDED and not for_staff:
            continue
        buckets[current].append(Entry(activity, current, mine.get(activity.id)))
    return result
