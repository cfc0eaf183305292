"""Activities: create (with the expected members frozen as pending attendance), list, close."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from bot import clock, db
from bot.config import get_settings
from bot.delivery import outbox
from bot.delivery.recipients import MemberRecipient
from bot.services import membership, notices
from bot.services.activity_listing import PHASE_LABELS, phase
from bot.services.cache import TTLCache, missing
from bot.services.errors import ServiceError
from models import Activity, ActivityType, Attendance, AttendanceStatus, Audience, Member
from models.activity import ActivityStatus

AUDIENCE_LABELS = {
    Audience.ALL: "全体委员",
    Audience.COMMITTEE: "专委会",
    Audience.SECTOR: "界别",
    Audience.LIST: "指定委员",
}


@dataclass
class ActivityDraft:
    """What staff fill in, step by step or in one go, before the activity exists."""

    type: ActivityType | None = None
    title: str = ""
    start_at: datetime | None = None
    end_at: datetime | None = None
    place: str = ""
    audience: Audience = Audience.ALL
    audience_value: str = ""
    member_ids: list[int] = field(default_factory=list)
    checkin_code: str | None = None
    announce_platform: str = ""
    announce_group: str = ""
    opens_before_minutes: int | None = None
    closes_after_minutes: int | None = None


def audience_text(activity: Activity | ActivityDraft, count: int | None = None) -> str:
    label = AUDIENCE_LABELS[activity.audience]
    if activity.audience in (Audience.COMMITTEE, Audience.SECTOR):
        label = f"{label}「{activity.audience_value}」"
    return f"{label}（{count}人）" if count is not None else label


async def expected_member_ids(draft: ActivityDraft) -> list[int]:
    active = membership.members()
    if draft.audience == Audience.ALL:
        query = active
    elif draft.audience == Audience.COMMITTEE:
        query = active.filter(committees__name=draft.audience_value)
    elif draft.audience == Audience.SECTOR:
        query = active.filter(sector=draft.audience_value)
    else:
        await check_listed(draft.member_ids)
        found: set[int] = set()
        for chunk in db.chunks(draft.member_ids):
            found.update(await active.filter(id__in=chunk).values_list("id", flat=True))
        return sorted(found)
    return sorted(set(await query.values_list("id", flat=True)))


async def check_listed(member_ids: list[int]) -> None:
    """A 名单 names 委员 only: staff who are not 委员 are not expected at activities."""
    if not member_ids:
        return
    listed: list[tuple[int, str]] = []
    members: set[int] = set()
    for chunk in db.chunks(member_ids):
        listed.extend(await Member.filter(id__in=chunk).values_list("id", "name"))
        members.update(await membership.members().filter(id__in=chunk).values_list("id", flat=True))
    others = [name for member_id, name in listed if member_id not in members]
    if others:
        raise ServiceError("activity/not_members.j2", names=others)


def validate_draft(draft: ActivityDraft) -> None:
    if draft.type is None:
        raise ServiceError("activity/missing.j2", what="类型")
    if not draft.title.strip() or len(draft.title) > 100:
        raise ServiceError("activity/bad_title.j2")
    if draft.start_at is None or draft.end_at is None:
        raise ServiceError("activity/missing.j2", what="时间")
    if draft.end_at <= draft.start_at:
        raise ServiceError("activity/end_before_start.j2")
    if draft.checkin_code is not None and not (1 <= len(draft.checkin_code) <= 16):
        raise ServiceError("activity/bad_code.j2")


def is_record(activity: Activity | ActivityDraft) -> bool:
    """An activity whose start has passed is a record of what happened: it is announced to nobody,
    reminds nobody and asks nobody to confirm (the check-in window, if still open, stays open)."""
    return activity.start_at is not None and activity.start_at <= clock.now()


async def create(draft: ActivityDraft, created_by: str) -> tuple[Activity, int]:
    """Create the activity and one pending attendance row per expected member; the members (and
    the announce group) get the activity notice unless it is a record (`is_record`)."""
    validate_draft(draft)
    assert draft.start_at is not None and draft.end_at is not None and draft.type is not None
    member_ids = await expected_member_ids(draft)
    if not member_ids:
        raise ServiceError("activity/nobody_expected.j2", audience=audience_text(draft))
    settings = get_settings()
    before = draft.opens_before_minutes
    after = draft.closes_after_minutes
    opens = draft.start_at - timedelta(
        minutes=settings.checkin_opens_before_minutes if before is None else before
    )
    closes = draft.start_at + timedelta(
        minutes=settings.checkin_closes_after_minutes if after is None else after
    )
    async with in_transaction():
        activity = await Activity.create(
            type=draft.type,
            title=draft.title.strip(),
            start_at=draft.start_at,
            end_at=draft.end_at,
            place=draft.place.strip(),
            audience=draft.audience,
            audience_value=draft.audience_value,
            checkin_opens_at=opens,
            checkin_closes_at=max(closes, opens),
            checkin_code=draft.checkin_code,
            announce_platform=draft.announce_platform,
            announce_group=draft.announce_group,
            created_by=created_by,
        )
        await Attendance.bulk_create(
            [Attendance(activity_id=activity.id, member_id=mid) for mid in member_ids], batch_size=500
        )
        if not is_record(activity):
            await notices.on_activity_created(activity, member_ids)
    _open_cache.clear()
    return activity, len(member_ids)


# The open activities are read by every check-in; creating or closing one here forgets them at once.
_open_cache: TTLCache[list[Activity]] = TTLCache(seconds=5)


def forget_open() -> None:
    """Forget the cached open activities (after an activity changed in this process)."""
    _open_cache.clear()


async def open_activities() -> list[Activity]:
    """All open activities (a handful), soonest first, cached for a few seconds."""
    cached = _open_cache.get("open")
    if not missing(cached):
        return cached  # type: ignore[return-value]
    found = list(await Activity.filter(status=ActivityStatus.OPEN).order_by("start_at"))
    _open_cache.put("open", found)
    return found


async def get(number: int) -> Activity:
    activity = await Activity.filter(id=number).first()
    if activity is None:
        raise ServiceError("activity/not_found.j2", number=number)
    return activity


@dataclass(frozen=True, slots=True)
class AttendanceSheet:
    activity: Activity
    by_status: dict[AttendanceStatus, list[str]]

    @property
    def counts(self) -> Counter[AttendanceStatus]:
        return Counter({status: len(names) for status, names in self.by_status.items()})

    @property
    def expected(self) -> int:
        return sum(len(names) for names in self.by_status.values())

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[phase(self.activity)]


async def attendance_sheet(number: int) -> AttendanceSheet:
    activity = await get(number)
    rows = (
        await Attendance.filter(membership.member_q("member"), activity=activity)
        .order_by("member_id")
        .values_list("status", "member__name")
    )
    by_status: dict[AttendanceStatus, list[str]] = {status: [] for status in AttendanceStatus}
    for status, name in rows:
        by_status[AttendanceStatus(status)].append(name)
    return AttendanceSheet(activity=activity, by_status=by_status)


async def close(number: int, closed_by: str) -> AttendanceSheet:
    """Close the activity: everyone still pending (no check-in, no approved leave) becomes absent."""
    from models import LeaveRequest, LeaveStatus

    activity = await get(number)
    if activity.status == ActivityStatus.CLOSED:
        raise ServiceError("activity/already_closed.j2", activity=activity)
    now = clock.now()
    async with in_transaction():
        updated = await Activity.filter(id=activity.id, status=ActivityStatus.OPEN).update(
            status=ActivityStatus.CLOSED, closed_at=now
        )
        if not updated:
            raise ServiceError("activity/already_closed.j2", activity=activity)
        await Attendance.filter(
            activity_id=activity.id,
            status=AttendanceStatus.PENDING,
            member_id__in=Subquery(membership.members().values("id")),
        ).update(status=AttendanceStatus.ABSENT)
        expired = await LeaveRequest.filter(activity_id=activity.id, status=LeaveStatus.PENDING).values_list(
            "id", "member_id"
        )
        await LeaveRequest.filter(activity_id=activity.id, status=LeaveStatus.PENDING).update(
            status=LeaveStatus.REFUSED, decided_by=closed_by, decided_at=now
        )
        context = {"activity_id": activity.id, "activity_title": activity.title}
        await outbox.enqueue_many(
            [
                outbox.Outgoing(
                    key=f"leave-expired:{leave_id}",
                    recipient=MemberRecipient(member_id),
                    template="leave/expired_notice.j2",
                    context=context,
                    kind="leave_decision",
                )
                for leave_id, member_id in expired
            ]
        )
    _open_cache.clear()
    from bot.services import rules  # the committee's rules look at the new absences and leaves

    await rules.after_activity_closed(activity.id, clock.to_local(activity.start_at).year)
    return await attendance_sheet(number)
