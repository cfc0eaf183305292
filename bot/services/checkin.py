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


async def _own_next(member: Member, now: datetime) -> Activity | None:
    """The member's own next activity whose check-in opens later."""
    row = (
        await Attendance.filter(
            member_id=member.id, activity__status=ActivityStatus.OPEN, activity__checkin_opens_at__gt=now
        )
        .select_related("activity")
        .order_by("activity__checkin_opens_at")
        .first()
    )
    return row.activity if row else None


async def _explain_nothing_open(member: Member, now: datetime, sender: Sender) -> ServiceError:
    """Why there is nothing to check in to: open now but not for them (and when theirs opens),
    not open yet, or already closed. Read from the database, never from a cache."""
    in_window = Activity.filter(
        status=ActivityStatus.OPEN, checkin_opens_at__lte=now, checkin_closes_at__gte=now
    )
    if sender.group_id:
        in_window = in_window.filter(announce_group=sender.group_id)
    others = await in_window.order_by("start_at").first()
    upcoming = await _own_next(member, now)
    if others is not None:
        return ServiceError("checkin/not_expected.j2", activity=others, upcoming=upcoming)
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
        upcoming=upcoming,
        missed=missed.activity if missed and missed.status == AttendanceStatus.PENDING else None,
    )


async def _explain_number(member: Member, number: int, now: datetime) -> ServiceError:
    """`签到 #N` found nothing to check in to: say which of not found / not on the list / not open."""
    activity = await Activity.filter(id=number).first()
    if activity is None:
        return ServiceError("activity/not_found.j2", number=number)
    row = await Attendance.filter(activity_id=activity.id, member_id=member.id).first()
    if row is None:
        upcoming = await _own_next(member, now)
        return ServiceError("checkin/not_expected.j2", activity=activity, upcoming=upcoming)
    already = _already(activity, row)
    if already is not None:
        return already
    if activity.status != ActivityStatus.OPEN:
        return ServiceError("activity/already_closed.j2", activity=activity)
    not_yet = now < activity.checkin_opens_at
    return ServiceError("checkin/not_in_window.j2", activity=activity, not_yet=not_yet)


def _already(activity: Activity, row: Attendance) -> ServiceError | None:
    if row.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
        return ServiceError("checkin/already.j2", activity=activity, at=row.checked_in_at, status=row.status)
    return None


def _choose(
    candidates: list[tuple[Activity, Attendance]], code: str, sender: Sender
) -> tuple[Activity, Attendance]:
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


def _code_accepted(activity: Activity, code: str, venue_verified: bool) -> bool:
    return not activity.checkin_code or venue_verified or code.upper() == activity.checkin_code.upper()


def _check_code(activity: Activity, code: str, venue_verified: bool = False) -> None:
    """Only ever called for an activity the member is expected at."""
    if not _code_accepted(activity, code, venue_verified):
        template = "checkin/wrong_code.j2" if code else "checkin/code_required.j2"
        raise ServiceError(template, activity=activity)


# The condition on the old status makes two simultaneous check-ins leave exactly one change; the one
# on the activity makes a stale cache harmless: nothing changes unless it is open and in its window.
_MARK_SQL = (
    "UPDATE attendance SET status={0}, checked_in_at={1}, channel={2}, updated_at={3} "
    "WHERE activity_id={4} AND member_id={5} AND status IN ('pending', 'leave') "
    "AND EXISTS (SELECT 1 FROM activity WHERE id={6} AND status='open' "
    "AND checkin_opens_at <= {7} AND checkin_closes_at >= {8})"
)


async def _mark(activity: Activity, member: Member, sender: Sender, now: datetime) -> AttendanceStatus | None:
    """One conditional UPDATE; the status set, or None when nothing was checkable.

    Hand-written SQL: this is the one statement every check-in runs, and building it through the
    ORM costs three times as long as executing it.
    """
    status = AttendanceStatus.LATE if now > activity.start_at else AttendanceStatus.PRESENT
    moment = Attendance._meta.fields_map["checked_in_at"].to_db_value(now, Attendance)
    params = [status.value, moment, sender.platform, moment, activity.id, member.id]
    params += [activity.id, moment, moment]
    changed, _ = await db.execute(_MARK_SQL, params)
    return status if changed else None


async def _from_cache(
    member: Member, sender: Sender, number: int | None, code: str, now: datetime, venue_verified: bool
) -> CheckInResult | None:
    """The common case, one activity open for check-in and the right code: one UPDATE, no query.

    Only a success is answered from the cached list of open activities (the UPDATE itself proves
    it: the member's row, the activity open and in its window). Anything else (not on the list, a
    wrong code, an activity the cache does not know yet) is decided from the database."""
    in_window = [a for a in await open_activities() if a.checkin_opens_at <= now <= a.checkin_closes_at]
    if number is not None:
        in_window = [a for a in in_window if a.id == number]
    if len(in_window) != 1:
        return None
    activity = in_window[0]
    if sender.group_id and activity.announce_group and activity.announce_group != sender.group_id:
        return None  # another group's activity: let the database say which one is meant here
    if not _code_accepted(activity, code, venue_verified):
        return None
    status = await _mark(activity, member, sender, now)
    return CheckInResult(member=member, activity=activity, status=status, at=now) if status else None


async def check_in(sender: Sender, args: str = "", *, venue_verified: bool = False) -> CheckInResult:
    """`venue_verified`: the member proved presence another way (scanned the venue's WeChat QR code,
    whose scene names the activity), which counts as presenting the activity's check-in code.

    Membership is decided before the code: a code is only ever asked for, or called wrong, for an
    activity the member is expected at."""
    member = await require_member(sender)
    now = clock.now()
    number, code = _split_args(args)
    cached = await _from_cache(member, sender, number, code, now, venue_verified)
    if cached is not None:
        return cached
    candidates = await _candidates(member, now)
    if number is not None:
        candidates = [c for c in candidates if c[0].id == number]
        if not candidates:
            raise await _explain_number(member, number, now)
    if not candidates:
        raise await _explain_nothing_open(member, now, sender)
    activity, row = _choose(candidates, code, sender)
    already = _already(activity, row)
    if already is not None:
        raise already
    _check_code(activity, code, venue_verified)
    status = await _mark(activity, member, sender, now)
    if status is None:  # changed meanwhile: checked in by a simultaneous request, or closed
        raise await _explain_number(member, activity.id, now)
    return CheckInResult(member=member, activity=activity, status=status, at=now)
