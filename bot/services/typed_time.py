"""Local dates and times as staff type them in Chinese.

Read after folding full-width forms (`１２月３日　１５：００`): a date, then a time of day.

- dates: `2026-12-01`, `2026/12/1`, `2026.12.1`, `2026年12月1日`, `12月3日`, `12月3号`, `12-3`,
  `十二月三日`; `今天` `明天` `后天` `大后天`; `周三` / `星期三` / `礼拜三` (the next one, today
  included), `下周三` (next week's), `本周三` / `这周三` (this week's);
- times: `9:00`, `9点`, `9点30`, `9点30分`, `9时`, `九点半`, `三点一刻`, `3点钟`, `9点整`, with
  `上午` `早上` `中午` `下午` `晚上` `傍晚` `凌晨` before them (`下午3点` is 15:00). An hour from 1
  to 6 with no such word is in the afternoon (`3点` is 15:00: no committee meets at 3 a.m.; write
  `凌晨3点` for that); the preview staff confirm shows the date and time as read.

A date without a year is the next such date (today included). A time without a date is on
`base_date` (the start's day, for an end time), else today. Anything else is refused: a time is
never guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot import clock
from bot.input_text import is_number

_CN_DIGITS = {
    char: value
    for value, chars in enumerate(("〇零", "一", "二两", "三", "四", "五", "六", "七", "八", "九"))
    for char in chars
}
_NUMBER = r"\d{1,2}|[〇零一二两三四五六七八九十]{1,3}"
_YEAR = r"\d{4}|[〇零一二三四五六七八九]{4}"

_DATE = re.compile(
    rf"^(?:(?P<year>{_YEAR})\s*[-/.年]\s*)?(?P<month>{_NUMBER})\s*[-/.月]\s*(?P<day>{_NUMBER})\s*[日号]?",
    re.ASCII,
)
_RELATIVE = re.compile(r"^(?P<word>今天|今日|明天|明日|大后天|后天)")
_WEEKDAY = re.compile(r"^(?P<which>下个?|本|这个?)?(?:周|星期|礼拜)(?P<day>[一二三四五六日天1-7])")
_TIME = re.compile(
    rf"^(?P<period>早上|早晨|上午|中午|下午|晚上|傍晚|凌晨)?\s*(?P<hour>{_NUMBER})\s*"
    rf"(?:[:点时]\s*(?:(?P<minute>{_NUMBER})\s*分?|(?P<fraction>半|一刻|三刻|1刻|3刻)|钟|整)?)"
    r"(?P<late>\s*钟|\s*整)?$",
    re.ASCII,
)
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_FRACTIONS = {"半": 30, "一刻": 15, "1刻": 15, "三刻": 45, "3刻": 45}
_AFTERNOON = {"下午", "晚上", "傍晚"}


def number(text: str) -> int:
    """`12`, `十二`, `二十三`, `三十`, `两`, and digit by digit `二〇二六`."""
    if is_number(text):
        return int(text)
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[char]) for char in text))
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _weekday(match: re.Match[str], today: date) -> date:
    wanted = _WEEKDAYS.get(match["day"])
    weekday = wanted if wanted is not None else int(match["day"]) - 1
    which = match["which"] or ""
    monday = today - timedelta(days=today.weekday())
    if which.startswith("下"):
        return monday + timedelta(days=7 + weekday)
    if which:
        return monday + timedelta(days=weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _take_date(text: str, today: date) -> tuple[date | None, str]:
    """The date at the start of `text` and what follows it; (None, text) when it names none."""
    match = _DATE.match(text)
    if match:
        year = number(match["year"]) if match["year"] else today.year
        day = date(year, number(match["month"]), number(match["day"]))
        if not match["year"] and day < today:
            day = day.replace(year=year + 1)
        return day, text[match.end() :]
    match = _RELATIVE.match(text)
    if match:
        return today + timedelta(days=_RELATIVE_DAYS[match["word"]]), text[match.end() :]
    match = _WEEKDAY.match(text)
    if match:
        return _weekday(match, today), text[match.end() :]
    return None, text


def _take_time(text: str) -> time | None:
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour = number(match["hour"])
    minute = number(match["minute"]) if match["minute"] else _FRACTIONS.get(match["fraction"] or "", 0)
    period = match["period"] or ""
    if (period in _AFTERNOON and hour < 12) or (period in ("中午", "") and 1 <= hour <= 6):
        hour += 12
    return time(hour, minute)


def parse(text: str, *, today: date, base_date: date | None = None) -> datetime | None:
    """The local date and time `text` names (already folded), or None."""
    try:
        day, rest = _take_date(text.strip(), today)
        moment = _take_time(rest)
        if moment is None:
            return None
        day = day or base_date or today
        return datetime.combine(day, moment, tzinfo=clock.local_zone())
    except (ValueError, KeyError):  # 2月30日, 25点, 9点61
        return None
