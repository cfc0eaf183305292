"""Activity notices: the notice when an activity is created, reminders before it, the check-in call
to the announce group, and one more reminder to the silent with the list of them for staff.

Everything becomes outbox rows with dedupe keys, so running the sweep twice (or after a restart)
queues nothing twice:
  notice:{activity}:{member}            notice:{activity}:group
  reminder:{activity}:{minutes}m:{member}
  checkin-open:{activity}
  silent:{activity}:{member}            silent-list:{activity}:{staff member | account:platform:id}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from loguru import logger

from bot import clock, db
from bot.config import get_settings
from bot.delivery.outbox import Outgoing, enqueue_many
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.services import membership
from bot.services.timing import in_window, parse_offset, parse_offsets
from models import Activity, Attendance, AttendanceStatus, LeaveRequest, Member
from models.activity import ActivityStatus
from models.leave import STANDING_LEAVE

_listeners: list[Callable[[], None]] = []


def add_listener(callback: Callable[[], None]) -> None:
    """Called (synchronously, it must only schedule work) whenever activities change."""
    if callback not in _listeners:
        _listeners.append(callback)


def remove_listener(callback: Callable[[], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def activities_changed() -> None:
    for callback in list(_listeners):
        try:
            callback()
        except Exception:  # a listener must never break the business transaction
            logger.exception("activity change listener failed")


def reminder_offsets(activity_type: str) -> list[timedelta]:
    settings = get_settings()
    by_type: dict[str, str] = json.loads(settings.reminder_offsets_by_type or "{}")
    return parse_offsets(by_type.get(str(activity_type), settings.reminder_offsets))


def silent_offset() -> timedelta:
    return parse_offset(get_settings().silent_reminder_before)


def activity_context(activity: Activity) -> dict[str, Any]:
    """What every activity template shows, as JSON."""
    return {
        "id": activity.id,
        "title": activity.title,
        "type": str(activity.type),
        "start_at": activity.start_at.isoformat(),
        "end_at": activity.end_at.isoformat(),
        "place": activity.place,
        "checkin_opens_at": activity.checkin_opens_at.isoformat(),
        "checkin_closes_at": activity.checkin_closes_at.isoformat(),
        "code_required": bool(activity.checkin_code),
    }


def _group_of(activity: Activity) -> GroupRecipient | None:
    if not activity.announce_group:
        return None
    return GroupRecipient(activity.announce_platform or "qq", activity.announce_group)


async def on_activity_created(activity: Activity, member_ids: list[int]) -> int:
    """Queue the notice to each expected member and to the announce group (inside the caller's
    transaction). Urgent when the activity starts today, local time. Returns rows added."""
    now = clock.now()
    context = activity_context(activity)
    urgent = clock.to_local(activity.start_at).date() == clock.to_local(now).date()
    messages = [
        Outgoing(
            key=f"notice:{activity.id}:{member_id}",
            recipient=MemberRecipient(member_id),
            template="notices/activity_created.j2",
            context=context,
            kind="activity_notice",
            due_at=now,
            urgent=urgent,
        )
        for member_id in member_ids
    ]
    group = _group_of(activity)
    if group is not None:
        messages.append(
            Outgoing(
                key=f"notice:{activity.id}:group",
                recipient=group,
                template="notices/activity_created_group.j2",
                context={**context, "expected": len(member_ids)},
                kind="activity_notice",
                due_at=now,
            )
        )
    await Attendance.filter(activity_id=activity.id).update(notified_at=now)
    added = await enqueue_many(messages)
    activities_changed()
    return added


async def _answered(activity_id: int) -> set[int]:
    """Members with leave pending or approved: that answers the confirmation. A refused leave is
    no leave: the member is expected, and reminded, like everybody else."""
    rows = await LeaveRequest.filter(activity_id=activity_id, status__in=STANDING_LEAVE).values_list(
        "member_id", flat=True
    )
    return set(rows)


def _fresh(notified_at: datetime | None, due: datetime) -> bool:
    """False when the member was told about the activity after this reminder was due."""
    return notified_at is None or notified_at <= due


async def _pending_rows(activity: Activity) -> list[tuple[int, datetime | None, str | None]]:
    rows = await Attendance.filter(
        membership.member_q("member"), activity_id=activity.id, status=AttendanceStatus.PENDING
    ).values_list("member_id", "notified_at", "response")
    return list(rows)


async def _reminders(activity: Activity, now: datetime, window: timedelta) -> list[Outgoing]:
    due_offsets = [
        offset
        for offset in reminder_offsets(activity.type)
        if in_window(activity.start_at - offset, now, window)
    ]
    if not due_offsets:
        return []
    rows = await _pending_rows(activity)
    answered = await _answered(activity.id)
    context = activity_context(activity)
    silent_due = activity.start_at - silent_offset()
    messages: list[Outgoing] = []
    for offset in due_offsets:
        due = activity.start_at - offset
        minutes = int(offset.total_seconds() // 60)
        for member_id, notified_at, response in rows:
            if member_id in answered or not _fresh(notified_at, due):
                continue
            if due == silent_due and response is None:
                continue  # the silent reminder due at the same instant says it all
            messages.append(
                Outgoing(
                    key=f"reminder:{activity.id}:{minutes}m:{member_id}",
                    recipient=MemberRecipient(member_id),
                    template="notices/reminder.j2",
                    context={**context, "lead_minutes": minutes, "confirmed": response == "attend"},
                    kind="reminder",
                    due_at=due,
                )
            )
    return messages


async def _silent(activity: Activity, now: datetime, window: timedelta) -> list[Outgoing]:
    due = activity.start_at - silent_offset()
    if not in_window(due, now, window):
        return []
    rows = await _pending_rows(activity)
    answered = await _answered(activity.id)
    context = activity_context(activity)
    silent = [mid for mid, notified_at, response in rows if response is None and mid not in answered]
    reminded = [mid for mid, notified_at, _ in rows if mid in silent and _fresh(notified_at, due)]
    messages = [
        Outgoing(
            key=f"silent:{activity.id}:{member_id}",
            recipient=MemberRecipient(member_id),
            template="notices/silent_reminder.j2",
            context=context,
            kind="silent_reminder",
            due_at=due,
        )
        for member_id in reminded
    ]
    if silent:
        names = [
            name
            for chunk in db.chunks(silent)
            for name in await Member.filter(id__in=chunk).order_by("id").values_list("name", flat=True)
        ]
        for suffix, recipient in await membership.staff_to_reach(activity):
            messages.append(
                Outgoing(
                    key=f"silent-list:{activity.id}:{suffix}",
                    recipient=recipient,
                    template="notices/silent_list.j2",
                    context={**context, "names": names},
                    kind="silent_list",
                    due_at=due,
                )
            )
    return messages


def _checkin_open(activity: Activity, now: datetime, window: timedelta) -> list[Outgoing]:
    group = _group_of(activity)
    due = activity.checkin_opens_at
    if group is None or not in_window(due, now, window) or now >= activity.checkin_closes_at:
        return []
    return [
        Outgoing(
            key=f"checkin-open:{activity.id}",
            recipient=group,
            template="notices/checkin_open.j2",
            context=activity_context(activity),
            kind="checkin_open",
            due_at=due,
        )
    ]


def _horizon() -> timedelta:
    """How far ahead of an activity anything may be due."""
    settings = get_settings()
    offsets = [*parse_offsets(settings.reminder_offsets), silent_offset()]
    for text in json.loads(settings.reminder_offsets_by_type or "{}").values():
        offsets.extend(parse_offsets(text))
    return max([*offsets, timedelta(hours=settings.checkin_opens_before_minutes / 60)])


async def upcoming(now: datetime, window: timedelta, ahead: timedelta = timedelta(0)) -> list[Activity]:
    """Open activities that have not started yet and whose first due time is before now + ahead,
    or whose check-in window is open."""
    horizon = _horizon()
    soon = await Activity.filter(
        status=ActivityStatus.OPEN, start_at__gt=now, start_at__lte=now + ahead + horizon + window
    ).order_by("start_at")
    checking_in = await Activity.filter(
        status=ActivityStatus.OPEN, checkin_opens_at__lte=now + ahead, checkin_closes_at__gt=now
    )
    found = {activity.id: activity for activity in [*soon, *checking_in]}
    return sorted(found.values(), key=lambda a: a.start_at)


async def run_due(now: datetime, window: timedelta, done: set[str] | None = None) -> int:
    """Queue every activity reminder, silent reminder and check-in call due at `now`.

    `done` (the scheduler's memory) skips activities whose due instants this process has already
    handled; the dedupe keys alone already make a second run add nothing.
    """
    done = set() if done is None else done
    messages: list[Outgoing] = []
    handled: list[str] = []
    for activity in await upcoming(now, window):
        due = [t for t in due_times(activity) if in_window(t, now, window)]
        marker = f"activity:{activity.id}:" + ",".join(t.isoformat() for t in due)
        if not due or marker in done:
            continue
        if now < activity.start_at:
            messages.extend(await _reminders(activity, now, window))
            messages.extend(await _silent(activity, now, window))
        messages.extend(_checkin_open(activity, now, window))
        handled.append(marker)
    added = await enqueue_many(messages)
    done.update(handled)
    return added


def due_times(activity: Activity) -> list[datetime]:
    """Every instant something about this activity becomes due (the scheduler adds a job for each)."""
    moments = [activity.start_at - offset for offset in reminder_offsets(activity.type)]
    moments.append(activity.start_at - silent_offset())
    if activity.announce_group:
        moments.append(activity.checkin_opens_at)
    return sorted(set(moments))
