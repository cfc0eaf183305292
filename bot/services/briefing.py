"""The weekly briefing (简报) to each known group: last week's activities with their attendance rate,
reports adopted last week, and the coming week's activities. Key: briefing:{group}:{ISO week}."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.config import get_settings
from bot.delivery.outbox import Outgoing, enqueue_many
from bot.services import membership
from bot.services.greetings import group_key, known_groups
from bot.services.timing import candidate_days, in_window, local_moment, parse_clock_time
from models import Activity, Attendance, AttendanceStatus, Report, ReportStatus
from models.record import REPORT_STATUS_LABELS

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


def _rate(attended: int, expected: int) -> float | None:
    return round(100 * attended / expected, 1) if expected else None


async def _activity_lines(start: datetime, end: datetime, *, with_rate: bool) -> list[dict[str, Any]]:
    found = await Activity.filter(start_at__gte=start, start_at__lt=end).order_by("start_at")
    lines: list[dict[str, Any]] = []
    for activity in found:
        line: dict[str, Any] = {
            "id": activity.id,
            "title": activity.title,
            "type": str(activity.type),
            "start_at": activity.start_at.isoformat(),
            "place": activity.place,
        }
        if with_rate:
            statuses = await Attendance.filter(
                membership.member_q("member"), activity_id=activity.id
            ).values_list("status", flat=True)
            attended = sum(1 for status in statuses if status in ATTENDED)
            line.update(expected=len(statuses), attended=attended, rate=_rate(attended, len(statuses)))
        lines.append(line)
    return lines


async def content(week_start: date) -> dict[str, Any]:
    """The briefing's JSON context for the week that starts on `week_start` (a local date)."""
    zone_start = local_moment(week_start, parse_clock_time("00:00"))
    last_start = zone_start - timedelta(days=7)
    next_end = zone_start + timedelta(days=7)
    held = await _activity_lines(last_start, zone_start, with_rate=True)
    expected = sum(line["expected"] for line in held)
    attended = sum(line["attended"] for line in held)
    reports = (
        await Report.filter(
            status__in=[ReportStatus.ADOPTED, ReportStatus.INSTRUCTED],
            updated_at__gte=last_start,
            updated_at__lt=zone_start,
        )
        .order_by("updated_at")
        .values_list("title", "member__name", "status", "adopted_level")
    )
    year, week, _ = week_start.isocalendar()
    return {
        "year": year,
        "week": week,
        "last_from": last_start.date().isoformat(),
        "last_to": (zone_start - timedelta(days=1)).date().isoformat(),
        "held": held,
        "rate": _rate(attended, expected),
        "reports": [
            {
                "title": title,
                "member": name,
                "status": REPORT_STATUS_LABELS[ReportStatus(status)],
                "level": level,
            }
            for title, name, status, level in reports
        ],
        "coming": await _activity_lines(zone_start, next_end, with_rate=False),
    }


async def run_due(now: datetime, window: timedelta, done: set[str] | None = None) -> int:
    """Queue the weekly briefing when its local weekday and time have come (or within the window)."""
    settings = get_settings()
    at = parse_clock_time(settings.briefing_time)
    done = set() if done is None else done
    messages: list[Outgoing] = []
    handled: list[str] = []
    for day in candidate_days(now, window):
        if day.isoweekday() != settings.briefing_weekday:
            continue
        due = local_moment(day, at)
        year, week, _ = day.isocalendar()
        marker = f"briefing:{year}-W{week:02d}"
        if marker in done or not in_window(due, now, window):
            continue
        week_start = day - timedelta(days=day.weekday())
        context = await content(week_start)
        for group in await known_groups():
            messages.append(
                Outgoing(
                    key=f"briefing:{group_key(group)}:{year}-W{week:02d}",
                    recipient=group,
                    template="briefing/weekly.j2",
                    context=context,
                    kind="briefing",
                    due_at=due,
                )
            )
        handled.append(marker)
    added = await enqueue_many(messages)
    done.update(handled)
    return added
