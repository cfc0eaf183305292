"""Parsing what people type: times, activity numbers, types."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from tortoise.models import Model

from bot import clock
from bot.input_text import fold, is_number
from bot.services.errors import ServiceError
from models import ActivityType

_DATE_TIME = re.compile(
    r"^(?:(?P<year>\d{4})[-/.年])?(?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?\s*"
    r"(?P<hour>\d{1,2})[:：点时](?P<minute>\d{1,2})?分?$",
    re.ASCII,
)
_RELATIVE = re.compile(
    r"^(?P<word>今天|明天|后天)\s*(?P<hour>\d{1,2})[:：点时](?P<minute>\d{1,2})?分?$", re.ASCII
)
_TIME_ONLY = re.compile(r"^(?P<hour>\d{1,2})[:：点时](?P<minute>\d{1,2})?分?$", re.ASCII)
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
    text = fold(text)
    number = read_number(text)
    if number is not None and 1 <= number <= len(ACTIVITY_TYPES):
        return ACTIVITY_TYPES[number - 1]
    if text in TYPE_ALIASES:
        return TYPE_ALIASES[text]
    raise ServiceError("activity/bad_type.j2", text=text, types=ACTIVITY_TYPES)


def parse_local_datetime(text: str, *, base_date: date | None = None) -> datetime:
    """Parse local wall time typed by staff ("2026-12-01 09:00", "12月1日 9点", "明天 14:30")."""
    text = fold(text)
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


NUMBER_DIGITS_MAX = 9


def read_number(text: str) -> int | None:
    """A short number as people type it (`12`, `#12`, `＃１２`, `12号`), or None.

    The one reader of numbers in typed input: ASCII digits after folding full-width forms. `①`,
    superscripts and other scripts' digits are not numbers here (Python's isdigit accepts them but
    `int()` does not, or reads them as something the person did not mean)."""
    cleaned = fold(text).removeprefix("#").removeprefix("No.").removesuffix("号").strip()
    if not is_number(cleaned) or len(cleaned) > NUMBER_DIGITS_MAX:
        return None
    return int(cleaned)


def fits(model: type[Model], field: str, value: str) -> bool:
    """Whether typed text could be stored in `model.field`, and so match it. tortoise refuses even to
    filter a text column by a longer value (ValidationError), so a lookup by what a person typed
    asks this first, and a value that cannot fit is simply not found."""
    max_length = getattr(model._meta.fields_map[field], "max_length", None)
    return max_length is None or len(value) <= max_length


def parse_number(text: str, *, what: str = "编号") -> int:
    """`read_number`, or the polite "「…」不是有效的<what>" refusal."""
    number = read_number(text)
    if number is None:
        raise ServiceError("common/bad_number.j2", text=text.strip(), what=what)
    return number
