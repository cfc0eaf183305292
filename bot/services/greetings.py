"""Care: birthday greetings (privately, solar or lunar birthdays) and holiday greetings to the groups.

Lunar dates are computed with lunar-python, never typed in. Rules for birthdays that do not exist
in a given year:
- a solar birthday on 29 February is greeted on 28 February in years without 29 February;
- a lunar birthday is stored as the lunar month and day of birth (roster: 生日 = 农历1972-08-15);
  it is greeted on that day of the regular (non-leap) lunar month with that number, so once per
  lunar year; a 30th day in a month that has only 29 days this year is greeted on the 29th.

Greeting texts are files staff may edit (templates/greetings/, or GREETING_TEMPLATE_DIR), rendered
in a sandbox in a child process under a time limit (bot.services.greeting_sandbox); a text that fails
(a name other than its placeholders, unsafe attribute access, a syntax error, a cap, the time limit)
or is longer than GREETING_MAX_CHARS falls back to the built-in default text, and staff are told.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from loguru import logger
from lunar_python import Lunar, LunarMonth, Solar

from bot.config import get_settings
from bot.delivery.outbox import Outgoing, enqueue_many
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.render import TEMPLATE_DIR, environment
from bot.services import greeting_sandbox, membership
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


@dataclass(frozen=True, slots=True)
class Greeting:
    template: str  # staff-editable file in greeting_dir()
    fallback: str  # built-in default in templates/notices/
    context: dict[str, Any]


async def greeting_texts(wanted: list[Greeting], day: date) -> list[str]:
    """Render staff-editable greetings in the sandbox (a child process under a time limit, see
    bot.services.greeting_sandbox); each one that fails, is refused or is too long becomes its
    default text, and staff are told once a day per file what is wrong with it."""
    if not wanted:
        return []
    settings = get_settings()
    directory = greeting_dir()
    edited = [g for g in wanted if (directory / g.template).is_file()]  # no file: the default text
    rendered = await greeting_sandbox.render_all(
        [greeting_sandbox.Job(g.template, g.context) for g in edited],
        directory=str(directory),
        limit=settings.greeting_max_chars,
        seconds=settings.greeting_render_seconds,
    )
    results = {id(g): r for g, r in zip(edited, rendered, strict=True)}
    texts: list[str] = []
    problems: dict[str, greeting_sandbox.Rendered] = {}
    for greeting in wanted:
        result = results.get(id(greeting))
        if result is not None and result.text is not None:
            texts.append(result.text)
            continue
        if result is not None:
            problems.setdefault(greeting.template, result)
        # not render(): its first parameter is called `name`, a greeting placeholder too
        texts.append(environment().get_template(greeting.fallback).render(**greeting.context).strip())
    for template, problem in problems.items():
        logger.warning(
            "greeting {} not used ({} {}); the default text goes out",
            *(template, problem.problem, problem.detail),
        )
    await _tell_staff(problems, day)
    return texts


async def _tell_staff(problems: dict[str, greeting_sandbox.Rendered], day: date) -> None:
    if not problems:
        return
    staff = await membership.staff_ids()
    await enqueue_many(
        [
            Outgoing(
                key=f"greeting-problem:{template}:{day.isoformat()}:{staff_id}",
                recipient=MemberRecipient(staff_id),
                template="notices/greeting_problem.j2",
                context={
                    "file": template,
                    "problem": problem.problem,
                    "detail": problem.detail,
                    "date": day.isoformat(),
                },
                kind="greeting_problem",
            )
            for template, problem in problems.items()
            for staff_id in staff
        ]
    )


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
    greeted = [(mid, name, lunar) for mid, name, birthday, lunar in rows if is_birthday(birthday, lunar, day)]
    texts = await greeting_texts(
        [
            Greeting(
                "birthday.j2",
                "notices/default_birthday.j2",
                {"name": name, "date": day.isoformat(), "lunar": bool(lunar)},
            )
            for _, name, lunar in greeted
        ],
        day,
    )
    return [
        Outgoing(
            key=f"birthday:{member_id}:{day.isoformat()}",
            recipient=MemberRecipient(member_id),
            template=TEXT_TEMPLATE,
            context={"text": text, "name": name},  # name: for an SMS template's parameter
            kind="birthday",
            due_at=due,
        )
        for (member_id, name, _), text in zip(greeted, texts, strict=True)
    ]


async def _holidays(day: date, due: datetime) -> list[Outgoing]:
    messages: list[Outgoing] = []
    festivals = holidays_on(day)
    if not festivals:
        return messages
    groups = await known_groups()
    texts = await greeting_texts(
        [
            Greeting(
                f"holiday_{holiday.slug}.j2",
                "notices/default_holiday.j2",
                {"festival": holiday.name, "year": day.year, "date": day.isoformat()},
            )
            for holiday in festivals
        ],
        day,
    )
    for holiday, text in zip(festivals, texts, strict=True):
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
