"""Care: birthday greetings (privately, solar or lunar birthdays) and holiday greetings to the groups.

Lunar dates are computed with lunar-python, never typed in. Rules for birthdays that do not exist
in a given year:
- a solar birthday on 29 February is greeted on 28 February in years without 29 February;
- a lunar birthday is stored as the lunar month and day of birth (roster: 生日 = 农历1972-08-15);
  it is greeted on that day of the regular (non-leap) lunar month with that number, so once per
  lunar year; a 30th day in a month that has only 29 days this year is greeted on the 29th.

Greeting texts are files staff may edit (templates/greetings/, or GREETING_TEMPLATE_DIR), rendered
in a jinja2 SandboxedEnvironment (with small ranges and no huge products); a text that fails (unsafe
attribute access, a syntax error, an unknown variable, a cap) or is longer than GREETING_MAX_CHARS
falls back to the built-in default text.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from loguru import logger
from lunar_python import Lunar, LunarMonth, Solar

from bot.config import get_settings
from bot.delivery.outbox import Outgoing, enqueue_many
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.render import TEMPLATE_DIR, environment
from bot.services import membership
from bot.services.timing import candidate_days, in_window, local_moment, parse_clock_time
from models import Activity

TEXT_TEMPLATE = "notices/text.j2"


@dataclass(frozen=True, slots=True)
class Holiday:
    name: str
    slug: str
    lunar: bool
    month: int
    day: int


HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("元旦", "new_year", False, 1, 1),
    Holiday("春节", "spring_festival", True, 1, 1),
    Holiday("元宵", "lantern_festival", True, 1, 15),
    Holiday("端午", "dragon_boat", True, 5, 5),
    Holiday("中秋", "mid_autumn", True, 8, 15),
    Holiday("国庆", "national_day", False, 10, 1),
)


@lru_cache(maxsize=64)
def holiday_date(holiday: Holiday, year: int) -> date:
    """The solar date of a holiday in a solar year (all six fall inside the same solar year)."""
    if not holiday.lunar:
        return date(year, holiday.month, holiday.day)
    solar = Lunar.fromYmd(year, holiday.month, holiday.day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def holidays_on(day: date) -> list[Holiday]:
    return [holiday for holiday in HOLIDAYS if holiday_date(holiday, day.year) == day]


@dataclass(frozen=True, slots=True)
class LunarDay:
    month: int  # negative for a leap month, as lunar-python has it
    day: int
    days_in_month: int


@lru_cache(maxsize=1024)
def lunar_day(day: date) -> LunarDay:
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    days = LunarMonth.fromYm(lunar.getYear(), lunar.getMonth()).getDayCount()
    return LunarDay(lunar.getMonth(), lunar.getDay(), days)


def is_birthday(birthday: date, lunar: bool, day: date) -> bool:
    """Whether a member born on `birthday` (solar, or lunar month/day when `lunar`) is greeted on `day`."""
    if not lunar:
        if (birthday.month, birthday.day) == (day.month, day.day):
            return True
        return (
            (birthday.month, birthday.day) == (2, 29)
            and (day.month, day.day) == (2, 28)
            and (not calendar.isleap(day.year))
        )
    today = lunar_day(day)
    if today.month != birthday.month:  # leap months are negative: never the birthday month
        return False
    if today.day == birthday.day:
        return True
    return birthday.day > today.days_in_month and today.day == today.days_in_month


def greeting_dir() -> Path:
    configured = get_settings().greeting_template_dir
    return Path(configured) if configured else TEMPLATE_DIR / "greetings"


LOOP_CAP = 50  # range() in a greeting yields at most this many numbers
SIZE_CAP = 10_000  # longest string or list a greeting may build with * or **


def _small_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > LOOP_CAP:
        raise SecurityError(f"range longer than {LOOP_CAP} in a greeting")
    return numbers


class GreetingSandbox(SandboxedEnvironment):
    """jinja2's sandbox (no unsafe attributes) plus caps on what a greeting may compute: small
    ranges and no huge products or powers, so a careless or hostile edit cannot stall the bot."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("exponent too large in a greeting")
            return left**right
        for count, other in ((left, right), (right, left)):
            large = (
                isinstance(count, int)
                and isinstance(other, str | list | tuple)
                and count * len(other) > SIZE_CAP
            )
            if large:
                raise SecurityError("repetition too large in a greeting")
        return left * right


@lru_cache(maxsize=4)
def _sandbox(directory: str) -> SandboxedEnvironment:
    env = GreetingSandbox(
        loader=FileSystemLoader(directory), undefined=StrictUndefined, autoescape=False, auto_reload=True
    )
    env.globals["range"] = _small_range
    return env


def _render_capped(template: str, context: dict[str, Any], limit: int) -> str:
    """Render chunk by chunk and stop as soon as the text is longer than the cap."""
    pieces: list[str] = []
    size = 0
    for piece in _sandbox(str(greeting_dir())).get_template(template).generate(**context):
        pieces.append(piece)
        size += len(piece)
        if size > 4 * limit + 1000:  # clearly over: the caller falls back to the default
            break
    return "".join(pieces).strip()


def greeting_text(template: str, fallback: str, /, **context: Any) -> str:
    """Render a staff-editable greeting safely; on any failure or an over-long text, the default."""
    limit = get_settings().greeting_max_chars
    try:
        text = _render_capped(template, context, limit)
    except Exception as error:
        logger.warning("greeting {} failed ({}); using the default text", template, error)
        text = ""
    if not text or len(text) > limit:
        if text:
            logger.warning(
                "greeting {} is {} characters (limit {}); using the default", template, len(text), limit
            )
        # not render(): its first parameter is called `name`, a greeting placeholder too
        text = environment().get_template(fallback).render(**context).strip()
    return text


def _parse_group(text: str) -> GroupRecipient:
    platform, sep, group_id = text.strip().partition(":")
    return GroupRecipient(platform, group_id) if sep else GroupRecipient("qq", platform)


async def known_groups() -> list[GroupRecipient]:
    """Every group the bot speaks to: activities' announce groups and GREETING_GROUPS."""
    found = {_parse_group(text) for text in get_settings().greeting_groups if text.strip()}
    rows = (
        await Activity.exclude(announce_group="")
        .distinct()
        .values_list("announce_platform", "announce_group")
    )
    found.update(GroupRecipient(platform or "qq", group_id) for platform, group_id in rows)
    return sorted(found, key=lambda g: (g.platform, g.group_id))


def group_key(group: GroupRecipient) -> str:
    return f"{group.platform}:{group.group_id}"


async def _birthdays(day: date, due: datetime) -> list[Outgoing]:
    rows = (
        await membership.members()
        .filter(birthday__isnull=False)
        .values_list("id", "name", "birthday", "birthday_lunar")
    )
    messages: list[Outgoing] = []
    for member_id, name, birthday, lunar in rows:
        if not is_birthday(birthday, lunar, day):
            continue
        context = {"name": name, "date": day.isoformat(), "lunar": bool(lunar)}
        text = greeting_text("birthday.j2", "notices/default_birthday.j2", **context)
        messages.append(
            Outgoing(
                key=f"birthday:{member_id}:{day.isoformat()}",
                recipient=MemberRecipient(member_id),
                template=TEXT_TEMPLATE,
                context={"text": text, "name": name},  # name: for an SMS template's parameter
                kind="birthday",
                due_at=due,
            )
        )
    return messages


async def _holidays(day: date, due: datetime) -> list[Outgoing]:
    messages: list[Outgoing] = []
    festivals = holidays_on(day)
    if not festivals:
        return messages
    groups = await known_groups()
    for holiday in festivals:
        context = {"festival": holiday.name, "year": day.year, "date": day.isoformat()}
        text = greeting_text(f"holiday_{holiday.slug}.j2", "notices/default_holiday.j2", **context)
        for group in groups:
            messages.append(
                Outgoing(
                    key=f"holiday:{holiday.slug}:{day.year}:{group_key(group)}",
                    recipient=group,
                    template=TEXT_TEMPLATE,
                    context={"text": text},
                    kind="holiday",
                    due_at=due,
                )
            )
    return messages


async def run_due(now: datetime, window: timedelta, done: set[str] | None = None) -> int:
    """Queue the birthday and holiday greetings due at `now` (or missed within the catch-up window).

    `done` (the scheduler's memory) skips days already handled by this process; the dedupe keys
    alone already make a second run add nothing.
    """
    settings = get_settings()
    birthday_at = parse_clock_time(settings.birthday_greeting_time)
    holiday_at = parse_clock_time(settings.holiday_greeting_time)
    done = set() if done is None else done
    messages: list[Outgoing] = []
    handled: list[str] = []
    for day in candidate_days(now, window):
        due = local_moment(day, birthday_at)
        marker = f"birthday:{day.isoformat()}"
        if marker not in done and in_window(due, now, window):
            messages.extend(await _birthdays(day, due))
            handled.append(marker)
        due = local_moment(day, holiday_at)
        marker = f"holiday:{day.isoformat()}"
        if marker not in done and in_window(due, now, window):
            messages.extend(await _holidays(day, due))
            handled.append(marker)
    added = await enqueue_many(messages)
    done.update(handled)
    return added
