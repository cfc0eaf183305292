"""签到: check in to an activity inside its window, with its code when one is set.

The attendance row exists from the activity's creation (status pending), so a check-in is one
conditional UPDATE: of two simultaneous check-ins exactly one changes the row, the other is told
that the member already checked in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import clock, db
from bot.input_text import fold
from bot.sender import Sender
from bot.services.activities import open_activities
from bot.services.actors import require_member
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number
from models import Activity, Attendance, AttendanceStatus, Member
from models.activity import ActivityStatus


@dataclass(frozen=True, slots=True)
class CheckInResult:
    member: Member
    activity: Activity
    status: AttendanceStatus
    at: datetime


def _split_args(args: str) -> tuple[int | None, str]:
    """`签到`, `签到 码`, `签到 #12`, `签到 #12 码`: an optional activity number and an optional code.

    A word starting with `#` is always meant as the activity's number: `#①` is refused as not a
    number rather than tried as a code."""
    parts = fold(args).split()
    number: int | None = None
    if parts and parts[0].startswith("#"):
        number = parse_number(parts[0], what="活动编号")
        parts = parts[1:]
    return number, " ".join(parts)


async def _candidates(member: Member, now: datetime) -> list[tuple[Activity, Attendance]]:
    rows = await Attendance.filter(
        member_id=member.id,
        activity__status=ActivityStatus.OPEN,
        activity__checkin_opens_at__lte=now,
        activity__checkin_closes_at__gte=now,
    ).select_related("activity")
    return [(row.activity, row) for row in rows]


async def _explain_nothing_open(member: Member, now: datetime, sender: Sender) -> ServiceError:
    """Why there is nothing to check in to: not expected, not open yet, or already closed."""
    in_window = Activity.filter(
        status=ActivityStatus.OPEN, checkin_opens_at__lte=now, checkin_closes_at__gte=now
    )
    if sender.group_id:
        in_window = in_window.filter(announce_group=sender.group_id)
    others = await in_window.order_by("start_at").first()
    if others is not None:
        return ServiceError("checkin/not_expected.j2", activity=others)
    upcoming = (
        await Attendance.filter(
            member_id=member.id, activity__status=ActivityStatus.OPEN, activity__checkin_opens_at__gt=now
        )
        .select_related("activity")
        .order_by("activity__checkin_opens_at")
        .first()
    )
    missed = (
        await Attendance.filter(
            member_id=member.id, activity__status=ActivityStatus.OPEN, activity__checkin_closes_at__lt=now
        )
        .select_related("activity")
        .order_by("-activity__checkin_closes_at")
        .first()
    )
    return ServiceError(
        "checkin/none_open.j2",
        upcoming=upcoming.activity if upcoming else None,
        missed=missed.activity if missed and missed.status == AttendanceStatus.PENDING else None,
    )


def _choose(
    candidates: list[tuple[Activity, Attendance]], number: int | None, code: str, sender: Sender
) -> tuple[Activity, Attendance]:
    if number is not None:
        for activity, row in candidates:
            if activity.id == number:
                return activity, row
        raise ServiceError("checkin/not_in_window.j2", number=number)
    if len(candidates) == 1:
        return candidates[0]
    if code:
        by_code = [c for c in candidates if c[0].checkin_code and c[0].checkin_code.upper() == code.upper()]
        if len(by_code) == 1:
            return by_code[0]
    if sender.group_id:
        here = [c for c in candidates if c[0].announce_group == sender.group_id]
        if len(here) == 1:
            return here[0]
    raise ServiceError("checkin/which_one.j2", activities=[a for a, _ in candidates])


def _check_code(activity: Activity, code: str, venue_verified: bool = False) -> None:
    if activity.checkin_code and not venue_verified:
        if not code:
            raise ServiceError("checkin/code_required.j2", activity=activity)
        if code.strip().upper() != activity.checkin_code.upper():
            raise ServiceError("checkin/wrong_code.j2", activity=activity)


_MARK_SQL = (
    "UPDATE attendance SET status={0}, checked_in_at={1}, channel={2}, updated_at={3} "
    "WHERE activity_id={4} AND member_id={5} AND status IN ('pending', 'leave')"
)


async def _mark(activity: Activity, member: Member, sender: Sender, now: datetime) -> AttendanceStatus | None:
    """One conditional UPDATE; the status set, or None when the row was not in a checkable state.

    Hand-written SQL: this is the one statement every check-in runs, and building it through the
    ORM costs three times as long as executing it. The condition on the old status is what makes
    two simultaneous check-ins leave exactly one change.
    """
    status = AttendanceStatus.LATE if now > activity.start_at else AttendanceStatus.PRESENT
    moment = Attendance._meta.fields_map["checked_in_at"].to_db_value(now, None)
    params = [status.value, moment, sender.platform, moment, activity.id, member.id]
    changed, _ = await db.execute(_MARK_SQL, params)
    return status if changed else None


async def _only_activity_in_window(
    member: Member, sender: Sender, number: int | None, code: str, now: datetime, venue_verified: bool
):
    """The common case, one activity open for check-in: one UPDATE and no other query."""
    in_window = [a for a in await open_activities() if a.checkin_opens_at <= now <= a.checkin_closes_at]
    if number is not None:
        in_window = [a for a in in_window if a.id == number]
    if len(in_window) != 1:
        return None
    activity = in_window[0]
    _check_code(activity, code, venue_verified)
    status = await _mark(activity, member, sender, now)
    if status is not None:
        return CheckInResult(member=member, activity=activity, status=status, at=now)
    row = await Attendance.filter(activity_id=activity.id, member_id=member.id).first()
    if row is None:  # not expected here; the cache may not know a newer activity: ask the database
        return None
    if row.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
        raise ServiceError("checkin/already.j2", activity=activity, at=row.checked_in_at, status=row.status)
    return None  # closed meanwhile: let the general path explain


async def check_in(sender: Sender, args: str = "", *, venue_verified: bool = False) -> CheckInResult:
    """`venue_verified`: the member proved presence another way (scanned the venue's WeChat QR code,
    whose scene names the activity), which counts as presenting the activity's check-in code."""
    member = await require_member(sender)
    now = clock.now()
    number, code = _split_args(args)
    fast = await _only_activity_in_window(member, sender, number, code, now, venue_verified)
    if fast is not None:
        return fast
    candidates = await _candidates(member, now)
    if not candidates:
        if number is not None:
            raise ServiceError("checkin/not_in_window.j2", number=number)
        raise await _explain_nothing_open(member, now, sender)
    activity, row = _choose(candidates, number, code, sender)
    if row.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
        raise ServiceError("checkin/already.j2", activity=activity, at=row.checked_in_at, status=row.status)
    _check_code(activity, code, venue_verified)
    status = await _mark(activity, member, sender, now)
    if status is None:
        await row.refresh_from_db()
        raise ServiceError("checkin/already.j2", activity=activity, at=row.checked_in_at, status=row.status)
    return CheckInResult(member=member, activity=activity, status=status, at=now)
