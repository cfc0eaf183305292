"""Quiet hours: non-urgent private messages due at night wait for the morning.

Decision for groups: a group message is not held by default (`QUIET_HOURS_GROUPS=false`). Members
mute groups on their own phones, group content (briefings, holiday greetings, check-in notices) is
scheduled for the daytime by its job, and a notice staff post to a group at night is usually meant
to be there at once. An office that wants groups held too sets QUIET_HOURS_GROUPS=true.
Urgent messages (`urgent=True`, e.g. a meeting moved today) always go at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot import clock
from bot.config import get_settings


def parse_hhmm(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def quiet_until(moment: datetime | None = None) -> datetime | None:
    """If `moment` (default: now) lies in quiet hours, when they end (aware); otherwise None."""
    settings = get_settings()
    start, end = parse_hhmm(settings.quiet_hours_start), parse_hhmm(settings.quiet_hours_end)
    if start == end:
        return None
    local = clock.to_local(moment or clock.now())
    now_t = local.time()
    # start > end: the period spans midnight, e.g. 22:00-07:30
    inside = start <= now_t < end if start < end else (now_t >= start or now_t < end)
    if not inside:
        return None
    end_at = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_at <= local:
        end_at += timedelta(days=1)
    return end_at.astimezone(UTC)


def holds(*, private: bool, urgent: bool) -> bool:
    """Whether quiet hours apply to a message of this kind."""
    if urgent:
        return False
    return private or get_settings().quiet_hours_groups
