"""Small time helpers for scheduled content: offsets typed in settings, local wall times, due windows."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot import clock

_OFFSET = re.compile(r"^\s*(\d+)\s*([dhm])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offset(text: str) -> timedelta:
    """'3d' → 3 days, '2h' → 2 hours, '90m' → 90 minutes."""
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"bad offset {text!r}: use a number and d, h or m (e.g. 3d, 2h, 30m)")
    return timedelta(**{_UNITS[match[2].lower()]: int(match[1])})


def parse_offsets(text: str) -> list[timedelta]:
    """'3d,1d,2h' → the offsets, longest first, without duplicates."""
    parts = [part for part in text.replace("，", ",").split(",") if part.strip()]
    return sorted({parse_offset(part) for part in parts}, reverse=True)


def parse_clock_time(text: str) -> time:
    hour, _, minute = text.strip().replace("：", ":").partition(":")
    return time(int(hour), int(minute or 0))


def local_moment(day: date, at: time) -> datetime:
    """The aware instant of a local wall time on a local day."""
    return datetime.combine(day, at, tzinfo=clock.local_zone())


def in_window(due: datetime, now: datetime, window: timedelta) -> bool:
    """Due now or late by at most `window` (the catch-up window after downtime)."""
    return due <= now <= due + window


def candidate_days(now: datetime, window: timedelta) -> list[date]:
    """Local days whose daily job may be due now: today and the days the window reaches back into."""
    first = clock.to_local(now - window).date()
    last = clock.to_local(now).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
