"""Editing an open activity (the same fields and checks as 新建活动).

The check-in window keeps its offsets around the start. When the audience changes, newly expected
members get a pending attendance row and the activity notice; members no longer expected lose their
row only while it is untouched (no check-in, no confirmation, no leave) and are told. When the time
or place changes, everyone still expected is told through the outbox. Reminders follow by themselves:
the scheduler derives them from the activity's new start.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from bot import clock, db
from bot.delivery.outbox import Outgoing, enqueue_many
from bot.delivery.recipients import MemberRecipient
from bot.services import activities, notices
from bot.services.activities import ActivityDraft
from bot.services.errors import ServiceError
from models import Activity, Attendance, AttendanceStatus, LeaveRequest
from models.activity import ActivityStatus


@dataclass(frozen=True, slots=True)
class Edited:
    activity: Activity
    added: int
    removed: int
    kept: int  # no longer in the audience but already answered or checked in: kept on the sheet
    told: int


def draft_of(activity: Activity, member_ids: list[int]) -> ActivityDraft:
    """The activity as a draft, to fill an edit form."""
    return ActivityDraft(
        type=activity.type,
        title=activity.title,
        start_at=activity.start_at,
        end_at=activity.end_at,
        place=activity.place,
        audience=activity.audience,
        audience_value=activity.audience_value,
        member_ids=member_ids,
        checkin_code=activity.checkin_code,
        announce_platform=activity.announce_platform,
        announce_group=activity.announce_group,
    )


async def _untouched(activity_id: int, member_ids: set[int]) -> set[int]:
    """Of these members, those whose row can go: pending, unanswered, no leave request."""
    if not member_ids:
        return set()
    rows: set[int] = set()
    asked: set[int] = set()
    for chunk in db.chunks(sorted(member_ids)):
        rows.update(
            await Attendance.filter(
                activity_id=activity_id, member_id__in=chunk, status=AttendanceStatus.PENDING, response=None
            ).values_list("member_id", flat=True)
        )
        asked.update(
            await LeaveRequest.filter(activity_id=activity_id, member_id__in=chunk).values_list(
                "member_id", flat=True
            )
        )
    return rows - asked


def _changed_notices(
    activity: Activity, member_ids: list[int], dropped: bool, stamp: str, urgent: bool
) -> list[Outgoing]:
    context = {**notices.activity_context(activity), "dropped": dropped}
    return [
        Outgoing(
            key=f"activity-changed:{activity.id}:{stamp}:{member_id}",
            recipient=MemberRecipient(member_id),
            template="notices/activity_changed.j2",
            context=context,
            kind="activity_notice",
            urgent=urgent,
        )
        for member_id in member_ids
    ]


async def update(number: int, draft: ActivityDraft, edited_by: str) -> Edited:
    activity = await activities.get(number)
    if activity.status != ActivityStatus.OPEN:
        raise ServiceError("activity/already_closed.j2", activity=activity)
    activities.validate_draft(draft)
    assert draft.start_at is not None and draft.end_at is not None and draft.type is not None
    wanted = set(await activities.expected_member_ids(draft))
    if not wanted:
        raise ServiceError("activity/nobody_expected.j2", audience=activities.audience_text(draft))
    current = set(await Attendance.filter(activity_id=activity.id).values_list("member_id", flat=True))
    added = sorted(wanted - current)
    removable = await _untouched(activity.id, current - wanted)
    kept = len(current - wanted) - len(removable)
    moved = (
        draft.start_at != activity.start_at
        or draft.end_at != activity.end_at
        or draft.place != activity.place
    )
    opens_before = activity.start_at - activity.checkin_opens_at
    closes_after = activity.checkin_closes_at - activity.start_at
    stamp = clock.now().strftime("%Y%m%d%H%M%S%f")
    # Urgent (at once, and by SMS too) when the activity was or now is today: a meeting moved off today
    # matters as much as one moved onto it.
    days = {clock.to_local(activity.start_at).date(), clock.to_local(draft.start_at).date()}
    urgent = clock.today() in days
    async with in_transaction():
        await Activity.filter(id=activity.id).update(
            type=draft.type,
            title=draft.title.strip(),
            start_at=draft.start_at,
            end_at=draft.end_at,
            place=draft.place.strip(),
            audience=draft.audience,
            audience_value=draft.audience_value,
            checkin_opens_at=draft.start_at - opens_before,
            checkin_closes_at=draft.start_at + closes_after,
            checkin_code=draft.checkin_code,
            announce_platform=draft.announce_platform,
            announce_group=draft.announce_group,
        )
        await activity.refresh_from_db()
        if removable:
            for chunk in db.chunks(sorted(removable)):
                await Attendance.filter(activity_id=activity.id, member_id__in=chunk).delete()
        messages: list[Outgoing] = []
        if added:
            await Attendance.bulk_create(
                [
                    Attendance(activity_id=activity.id, member_id=mid, notified_at=clock.now())
                    for mid in added
                ],
                batch_size=500,
            )
            context = notices.activity_context(activity)
            messages += [
                Outgoing(
                    key=f"notice:{activity.id}:{mid}",
                    recipient=MemberRecipient(mid),
                    template="notices/activity_created.j2",
                    context=context,
                    kind="activity_notice",
                )
                for mid in added
            ]
        staying = sorted((current & wanted) | (current - wanted - removable))
        if moved:
            messages += _changed_notices(activity, staying, False, stamp, urgent)
        messages += _changed_notices(activity, sorted(removable), True, stamp, urgent)
        if activities.is_record(activity):
            messages = []  # a record of what happened: nobody is told about it
        told = await enqueue_many(messages)
    activities.forget_open()
    notices.activities_changed()
    return Edited(activity, len(added), len(removable), kept, told)
