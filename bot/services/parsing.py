"""Parsing what people type: times, activity numbers, types."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot import clock
from bot.services.errors import ServiceError
from models import ActivityType

_DATE_TIME = re.compile(
    r"^(?:(?P<year>\d{4})[-/.年])?(?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?\s*"
    r"(?P<hour>\d{1,2})[:：点时](?P<minute>\d{1,2})?分?$"
)
_RELATIVE = re.compile(r"^(?P<word>今天|明天|后天)\s*(?P<hour>\d{1,2})[:：点时](?P<minute>\d{1,2})?分?$")
_TIME_ONLY = re.compile(r"^(?P<hour>\d{1,2})[:：点时](?P<minute>\d{1,2})?分?$")
_RELATIVE_DAYS = {"今天": 0, "明天": 1, "后天": 2}

TYPE_ALIASES: dict[str, ActivityType] = {
    "全体会议": ActivityType.PLENARY,
    "全会": ActivityType.PLENARY,
    "常委会议": ActivityType.STANDING,
    "常委会": ActivityType.STANDING,
    "专委会活动": ActivityType.COMMITTEE,
    "专委会": ActivityType.COMMITTEE,
    "视察调研": ActivityType.INSPECTION,
    "视察": ActivityType.INSPECTION,
    "调研": ActivityType.INSPECTION,
    "协商议政": ActivityType.CONSULTATION,
    "协商": ActivityType.CONSULTATION,
    "民主监督": ActivityType.SUPERVISION,
    "监督": ActivityType.SUPERVISION,
    "学习培训": ActivityType.TRAINING,
    "培训": ActivityType.TRAINING,
    "学习": ActivityType.TRAINING,
}
ACTIVITY_TYPES: list[ActivityType] = list(ActivityType)


def parse_activity_type(text: str) -> ActivityType:
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(ACTIVITY_TYPES):
        return ACTIVITY_TYPES[int(text) - 1]
    if text in TYPE_ALIASES:
        return TYPE_ALIASES[text]
    raise ServiceError("activity/bad_type.j2", text=text, types=ACTIVITY_TYPES)


def parse_local_datetime(text: str, *, base_date: date | None = None) -> datetime:
    """Parse local wall time typed by staff ("2026-12-01 09:00", "12月1日 9点", "明天 14:30")."""
    text = text.strip().replace("：", ":")
    zone = clock.local_zone()
    today = clock.today()
    year = today.year
    match = _DATE_TIME.match(text)
    try:
        if match:
            year = int(match["year"]) if match["year"] else year
            result = datetime(
                year,
                int(match["month"]),
                int(match["day"]),
                int(match["hour"]),
                int(match["minute"] or 0),
                tzinfo=zone,
            )
            if not match["year"] and result.date() < today:
                result = result.replace(year=year + 1)
            return result
        match = _RELATIVE.match(text)
        if match:
            day = today + timedelta(days=_RELATIVE_DAYS[match["word"]])
            return datetime(
                day.year, day.month, day.day, int(match["hour"]), int(match["minute"] or 0), tzinfo=zone
            )
        match = _TIME_ONLY.match(text)
        if match and base_date is not None:
            return datetime(
                base_date.year,
                base_date.month,
                base_date.day,
                int(match["hour"]),
                int(match["minute"] or 0),
                tzinfo=zone,
            )
    except ValueError:
        pass
    raise ServiceError("activity/bad_time.j2", text=text)


def parse_number(text: str, *, what: str) -> int:
    """A short number such as 12, #12 or ＃12."""
    cleaned = text.strip().lstrip("#＃")
    if not cleaned.isdigit() or len(cleaned) > 9:
        raise ServiceError("common/bad_number.j2", text=text, what=what)
    return int(cleaned)
