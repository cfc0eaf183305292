import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from lunar_python import Lunar, LunarMonth

from bot import clock as bot_clock
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.services import greetings
from models import Member, OutboxMessage, Role
from scheduler import run_due
from scheduler.jobs import Memory
from tests import factories
from tests.notices.helpers import configure, keys, recipient_of, row, text_of

FESTIVALS = {
    2026: {"元旦": "2026-01-01", "春节": "2026-02-17", "元宵": "2026-03-03", "端午": "2026-06-19",
           "中秋": "2026-09-25", "国庆": "2026-10-01"},
    2027: {"元旦": "2027-01-01", "春节": "2027-02-06", "元宵": "2027-02-20", "端午": "2027-06-09",
           "中秋": "2027-09-15", "国庆": "2027-10-01"},
}  # fmt: skip


@pytest.mark.parametrize("year", [2026, 2027])
def test_festival_dates_are_computed(year):
    found = {h.name: greetings.holiday_date(h, year).isoformat() for h in greetings.HOLIDAYS}
    assert found == FESTIVALS[year]
    for name, day in FESTIVALS[year].items():
        assert [h.name for h in greetings.holidays_on(date.fromisoformat(day))] == [name]
    assert greetings.holidays_on(date(year, 6, 2)) == []


def test_solar_birthdays_and_29_february():
    assert greetings.is_birthday(date(1980, 3, 15), False, date(2026, 3, 15))
    assert not greetings.is_birthday(date(1980, 3, 15), False, date(2026, 3, 16))
    leapling = date(1972, 2, 29)
    assert greetings.is_birthday(leapling, False, date(2027, 2, 28))  # no 29 February in 2027
    assert greetings.is_birthday(leapling, False, date(2028, 2, 29))
    assert not greetings.is_birthday(leapling, False, date(2028, 2, 28))  # leap year: the real day


def test_lunar_birthdays_leap_months_and_short_months():
    mid_autumn = date(1965, 8, 15)  # 农历八月十五
    assert greetings.is_birthday(mid_autumn, True, date(2026, 9, 25))
    assert greetings.is_birthday(mid_autumn, True, date(2027, 9, 15))
    assert not greetings.is_birthday(mid_autumn, True, date(2026, 8, 15))
    # 2025 has a leap sixth month: a 6-10 birthday is greeted in the regular month only, once
    regular = Lunar.fromYmd(2025, 6, 10).getSolar()
    leap = Lunar.fromYmd(2025, -6, 10).getSolar()
    assert greetings.is_birthday(
        date(1970, 6, 10), True, date(regular.getYear(), regular.getMonth(), regular.getDay())
    )
    assert not greetings.is_birthday(
        date(1970, 6, 10), True, date(leap.getYear(), leap.getMonth(), leap.getDay())
    )
    # 农历四月三十: lunar 2026 has a 29-day fourth month, so it is greeted on 四月廿九
    assert LunarMonth.fromYm(2026, 4).getDayCount() == 29
    last = Lunar.fromYmd(2026, 4, 29).getSolar()
    last_day = date(last.getYear(), last.getMonth(), last.getDay())
    assert greetings.is_birthday(date(1960, 4, 30), True, last_day)
    assert not greetings.is_birthday(date(1960, 4, 30), True, last_day - timedelta(days=1))
    assert not greetings.is_birthday(date(1960, 4, 30), True, last_day + timedelta(days=1))
    # a 30-day month (lunar 2026 month 3) greets on the 30th itself, not on the 29th
    thirtieth = Lunar.fromYmd(2026, 3, 30).getSolar()
    day30 = date(thirtieth.getYear(), thirtieth.getMonth(), thirtieth.getDay())
    assert greetings.is_birthday(date(1960, 3, 30), True, day30)
    assert not greetings.is_birthday(date(1960, 3, 30), True, day30 - timedelta(days=1))


async def _at(moment_local: str) -> datetime:
    return datetime.fromisoformat(moment_local).replace(tzinfo=bot_clock.local_zone()).astimezone(UTC)


async def test_birthday_greeting_at_the_configured_local_time_once(db, clock, monkeypatch):
    configure(monkeypatch, birthday_greeting_time="08:30")
    member = await factories.member("林建国", qq="10001")
    await Member.filter(id=member.id).update(birthday=date(1975, 6, 3))
    before = await _at("2026-06-03T08:29")
    clock.set(before)
    await run_due(before)
    assert await keys("birthday:") == set()
    due = await _at("2026-06-03T08:30")
    clock.set(due)
    assert (await run_due(due)).greetings == 1
    assert (await run_due(due + timedelta(minutes=1))).greetings == 0
    greeting = await row(f"birthday:{member.id}:2026-06-03")
    assert greeting.due_at == due and recipient_of(greeting) == MemberRecipient(member.id)
    assert "林建国" in text_of(greeting) and "生日快乐" in text_of(greeting)


async def test_catch_up_after_downtime_runs_once_never_twice(db, clock, monkeypatch):
    configure(monkeypatch, greeting_groups=["qq:5001"], scheduler_catchup_hours=12)
    # the bot was down over 元旦 08:00 and comes back at 14:00: the greeting goes once
    back = await _at("2026-01-01T14:00")
    clock.set(back)
    memory = Memory()
    assert (await run_due(back, memory)).greetings == 1
    key = "holiday:new_year:2026:qq:5001"
    assert await keys("holiday:") == {key}
    assert (await row(key)).due_at == await _at("2026-01-01T08:00")
    # a second start (fresh memory) and later sweeps queue nothing more
    for later in (back, back + timedelta(minutes=1), back + timedelta(hours=5)):
        assert (await run_due(later, Memory())).greetings == 0
    assert await keys("holiday:") == {key}


async def test_downtime_longer_than_the_window_skips(db, clock, monkeypatch):
    configure(monkeypatch, greeting_groups=["qq:5001"], scheduler_catchup_hours=12)
    back = await _at("2026-01-01T20:30")
    clock.set(back)
    assert (await run_due(back)).greetings == 0


async def test_holiday_greetings_go_to_every_known_group(db, clock, monkeypatch):
    configure(monkeypatch, greeting_groups=["qq:5001", "6001"])
    await factories.member(qq="10001")
    await factories.activity(starts_in=timedelta(days=30), group_id="7001")
    due = await _at("2026-06-19T08:00")
    clock.set(due)
    await run_due(due)
    assert await keys("holiday:") == {f"holiday:dragon_boat:2026:qq:{g}" for g in ("5001", "6001", "7001")}
    greeting = await row("holiday:dragon_boat:2026:qq:7001")
    assert recipient_of(greeting) == GroupRecipient("qq", "7001")
    assert "端午" in text_of(greeting)


def _birthday(*, name: str = "王秀英", lunar: bool = False) -> greetings.Greeting:
    context = {"name": name, "date": "2026-06-01", "lunar": lunar}
    return greetings.Greeting("birthday.j2", "notices/default_birthday.j2", context)


async def test_staff_edited_greeting_renders_in_a_sandbox(db, tmp_path, monkeypatch):
    configure(monkeypatch, greeting_template_dir=str(tmp_path), greeting_max_chars=60)
    (tmp_path / "birthday.j2").write_text(
        "亲爱的{{ name }}：{% if lunar %}农历{% endif %}生日快乐！"
        "{% for i in range(3) %}福{% endfor %}{{ '！' * 2 }}{% set n = name|length %}{{ n }}",
        encoding="utf-8",
    )
    texts = await greetings.greeting_texts(
        [_birthday(), _birthday(name="林建国", lunar=True)], date(2026, 6, 1)
    )
    assert texts == ["亲爱的王秀英：生日快乐！福福福！！3", "亲爱的林建国：农历生日快乐！福福福！！3"]
    assert not await OutboxMessage.exists()  # nothing to warn staff about


NESTED_STRING_LOOPS = (
    '{% for i in "x"*9999 %}{% for j in "x"*9999 %}{% for k in "x"*9999 %}{% endfor %}{% endfor %}'
    "{% endfor %}"
)
HOSTILE = [
    "{{ name.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{% for x in range(3) %}{{ name.format_map }}{% endfor %}{{ lipsum.__globals__ }}",
    "{{ unknown_variable }}",
    "{% if %}broken",
    "很长" * 100,
    "{% for i in range(10**9) %}{% for j in range(10**9) %}{% endfor %}{% endfor %}",
    "{{ 'x' * 10**9 }}",
    "{{ (name * 100000)|length }}",
    "{{ 2 ** 100000000 }}",
    "{% for i in range(40) %}{{ name }}{{ name }}{{ name }}{% endfor %}",
    NESTED_STRING_LOOPS,
    "{{ self }}",
    "{{ lipsum }}",
    "{{ namespace }}",
    "{{ name }}{{ name.upper }}",
    "{{ name }}{{ [name] }}",
    "{{ dict(a=1) }}",
    '{% include "other.j2" %}',
    '{% extends "other.j2" %}',
    '{% import "other.j2" as o %}{{ name }}',
    "{% macro m() %}{{ caller }}{% endmacro %}{{ m() }}",
    "{{ joiner }}{{ varargs }}",
    "{{ none }}",
    "{{ name }}{{ range|string }}",
    "{{ name }}{{ '' ~ name.upper }}",
    "{{ name }}{{ [name.upper]|join }}",
    "{{ name }}{{ '%s' % range }}",
    "{{ name }}{% for c in name|map('upper') %}{{ loop|string }}{% endfor %}",
    "{{ name }}{{ range|pprint }}{{ name|attr('upper') }}",
]


async def test_unsafe_broken_slow_or_long_greetings_fall_back_and_staff_are_told(db, tmp_path, monkeypatch):
    """Every hostile file in one sweep, as the scheduler renders a day's greetings: the nested
    string loops are stopped by the time limit, the rest refused; each gets the default text."""
    configure(
        monkeypatch, greeting_template_dir=str(tmp_path), greeting_max_chars=60, greeting_render_seconds=1
    )
    staff = await factories.member("周文清", role=Role.STAFF, qq="20001")
    (tmp_path / "other.j2").write_text("{{ name }}", encoding="utf-8")
    wanted = []
    for number, source in enumerate(HOSTILE):
        (tmp_path / f"hostile_{number}.j2").write_text(source, encoding="utf-8")
        context = {"name": "王秀英", "date": "2026-06-01", "lunar": False}
        wanted.append(greetings.Greeting(f"hostile_{number}.j2", "notices/default_birthday.j2", context))
    texts = await greetings.greeting_texts(wanted, date(2026, 6, 1))
    for source, text in zip(HOSTILE, texts, strict=True):
        assert text.startswith("王秀英委员：今天是您的生日"), (source, text)
        assert "class" not in text and "uid=" not in text and "object at" not in text
    told = {r.dedupe_key: text_of(r) for r in await OutboxMessage.filter(kind="greeting_problem")}
    assert set(told) == {
        f"greeting-problem:hostile_{n}.j2:2026-06-01:{staff.id}" for n in range(len(HOSTILE))
    }
    assert (
        "渲染超过 1 秒，已中止"
        in told[f"greeting-problem:hostile_{HOSTILE.index(NESTED_STRING_LOOPS)}.j2:2026-06-01:{staff.id}"]
    )
    self_problem = told[f"greeting-problem:hostile_{HOSTILE.index('{{ self }}')}.j2:2026-06-01:{staff.id}"]
    assert "用了不认识的变量：self（可用：date、lunar、name）" in self_problem


async def test_a_stalling_greeting_leaves_the_event_loop_free_on_the_real_path(
    db, clock, tmp_path, monkeypatch
):
    """The scheduler's sweep (as at start-up) with a birthday due and a greeting that would loop for
    hours: other work on the event loop goes on meanwhile, and the member gets the default text."""
    configure(monkeypatch, greeting_template_dir=str(tmp_path), greeting_render_seconds=1)
    (tmp_path / "birthday.j2").write_text(NESTED_STRING_LOOPS, encoding="utf-8")
    member = await factories.member("王秀英", qq="10001")
    await Member.filter(id=member.id).update(birthday=date(1970, 6, 1))
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    clock.set(await _at("2026-06-01T08:30"))
    ticks = 0

    async def other_work() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    ticker = asyncio.create_task(other_work())
    try:
        result = await run_due(clock())
    finally:
        ticker.cancel()
    assert result.greetings == 1 and ticks >= 10  # the loop ran while the greeting was rendered
    greeting = await row(f"birthday:{member.id}:2026-06-01")
    assert text_of(greeting).startswith("王秀英委员：今天是您的生日")
    assert await keys("greeting-problem:birthday.j2:2026-06-01:")


async def test_the_shipped_greeting_files_render_as_written(db):
    wanted = [
        greetings.Greeting(
            f"holiday_{holiday.slug}.j2",
            "notices/default_holiday.j2",
            {"festival": holiday.name, "year": 2026, "date": "2026-01-01"},
        )
        for holiday in greetings.HOLIDAYS
    ]
    texts = await greetings.greeting_texts([*wanted, _birthday(lunar=True)], date(2026, 1, 1))
    shipped = [(greetings.greeting_dir() / g.template).read_text(encoding="utf-8").strip() for g in wanted]
    assert texts[:-1] == shipped  # the files themselves, not the defaults
    assert texts[-1].startswith("王秀英委员：今天是您的农历生日！")
    assert not await OutboxMessage.exists()
