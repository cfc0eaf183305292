"""Parsing what people type: times, activity numbers, types."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from tortoise.models import Model

from bot import clock
from bot.input_text import fold, is_number
from bot.services import typed_time
from bot.services.errors import ServiceError
from models import ActivityType

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
    """Local wall time typed by staff ("2026-12-01 09:00", "12月3日下午3点", "明天上午九点半";
    see bot/services/typed_time.py); a time alone is on `base_date`, else today."""
    text = fold(text)
    moment = typed_time.parse(text, today=clock.today(), base_date=base_date)
    if moment is None:
        raise ServiceError("activity/bad_time.j2", text=text)
    return moment


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


def one_item(command: str, words: Sequence[str]) -> None:
    """A decision names one item: a second number right after the first (`批准 1 2`, `驳回 3 4 原因`)
    is refused, rather than deciding the first alone and dropping, or misreading as the reason, the
    second."""
    if len(words) > 1 and read_number(words[1]) is not None:
        raise ServiceError("common/one_at_a_time.j2", command=command, words=list(words[:3]))
