"""Terms (届) as data, and the 劝辞 rules counted over the term (累计) while 通报批评 stays yearly."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.cli import history
from bot.render import render
from bot.sender import Sender
from bot.services import archive, export, progress, rules, terms
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from models import ActivityType, AuditEntry, Consequence, OutboxMessage, Role, RuleReminder
from tests import factories
from tests.archive import helpers

ZONE = ZoneInfo("Asia/Shanghai")
OFFICE = Actor(Sender("qq", "1"), None, is_superuser=True)


def at(year: int, month: int = 6, day: int = 1) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=ZONE)


async def test_a_term_is_derived_until_staff_set_one(db, clock):
    assert await terms.term_of(date(2026, 6, 1)) == terms.TermSpan(
        date(2026, 1, 1), date(2030, 12, 31), derived=True
    )
    clock.set(at(2024, 3, 1))
    await helpers.hold(ActivityType.PLENARY, present=[await factories.member("甲")])
    # five-year steps from the first year the database holds an activity for
    assert (await terms.term_of(date(2029, 3, 1))).start == date(2029, 1, 1)
    assert (await terms.term_of(date(2026, 6, 1))).start == date(2024, 1, 1)

    term = await terms.set_term(OFFICE, 15, date(2022, 1, 10), date(2027, 1, 9))
    assert await terms.term_of(date(2026, 6, 1)) == terms.TermSpan(date(2022, 1, 10), date(2027, 1, 9), 15)
    # after the last term set, the next five years follow on from it
    assert await terms.term_of(date(2027, 2, 1)) == terms.TermSpan(
        date(2027, 1, 10), date(2032, 1, 9), derived=True
    )
    with pytest.raises(ServiceError) as overlap:
        await terms.set_term(OFFICE, 16, date(2026, 12, 1), date(2031, 11, 30))
    assert "与第 15 届" in overlap.value.render()
    with pytest.raises(ServiceError) as reversed_dates:
        await terms.set_term(OFFICE, 16, date(2032, 1, 1), date(2027, 1, 10))
    assert "结束应晚于开始" in reversed_dates.value.render()
    await terms.set_term(OFFICE, 15, date(2022, 1, 1), date(2026, 12, 31))  # corrected in place
    assert [(t.number, t.start_on) for t in await terms.all_terms()] == [(15, date(2022, 1, 1))]
    assert term.number == 15
    assert await AuditEntry.filter(action="term_set").count() == 2
    clock.set(at(2026))
    listed = await history.list_terms()
    assert "第 15 届：2022年1月1日 至 2026年12月31日" in listed and "今天所在的届：第 15 届" in listed


async def test_resign_counts_over_the_term_and_criticism_within_the_year(db, clock):
    staff = await factories.member("值班员", role=Role.STAFF, qq="5000")
    twice = await factories.member("两年各缺一次")
    across = await factories.member("上届缺过一次")
    await terms.set_term(OFFICE, 15, date(2024, 1, 1), date(2028, 12, 31))

    clock.set(at(2023))  # the term before (derived): does not count toward this term
    await helpers.hold(ActivityType.PLENARY, absent=[across], present=[twice])
    clock.set(at(2025))
    await helpers.hold(ActivityType.PLENARY, absent=[twice], present=[across])
    await rules.evaluate_all(2025)
    clock.set(at(2026))
    await helpers.hold(ActivityType.PLENARY, absent=[twice, across])
    await rules.evaluate_all(2026)

    drafted = set(await Consequence.all().values_list("rule", "member__name", "year", "term_start"))
    assert drafted == {
        ("absence-criticism", "上届缺过一次", 2023, None),  # 通报批评: each year on its own
        ("absence-criticism", "两年各缺一次", 2025, None),
        ("absence-criticism", "两年各缺一次", 2026, None),
        ("absence-criticism", "上届缺过一次", 2026, None),
        ("absence-resign", "两年各缺一次", 2026, date(2024, 1, 1)),  # 累计 2 over the term
    }
    # 上届缺过一次 has one absence in this term: a step before 劝辞, reminded once
    assert set(await RuleReminder.all().values_list("rule", "member__name", "term_start")) >= {
        ("absence-resign", "上届缺过一次", date(2024, 1, 1))
    }
    resign = await Consequence.get(rule="absence-resign")
    note = await OutboxMessage.get(dedupe_key=f"consequence-draft:{resign.id}:{staff.id}")
    assert "本届（自2024年1月1日起）累计全体会议缺席 本届 2/2 次（本年度 1 次）" in render(
        note.template, **note.context
    )

    # a third absence in the next year of the same term drafts nothing new: once per term
    clock.set(at(2027))
    await helpers.hold(ActivityType.PLENARY, absent=[twice])
    await rules.evaluate_all(2027)
    assert await Consequence.filter(rule="absence-resign").count() == 1

    # 预警 and 我的履职 show both counts
    watch = await archive.watchlist(OFFICE, "2027")
    text = render("archive/watchlist.j2", w=watch, labels=rules.CONSEQUENCE_LABELS)
    assert "两年各缺一次：全体会议缺席 本届 3/2 次（本年度 1 次） → 劝其辞去委员职务" in text
    assert "两年各缺一次：全体会议缺席 1/1 次（本届累计 3 次） → 通报批评" in text
    mine = await progress.for_member(twice, 2027)
    shown = render("progress/mine.j2", p=mine)
    assert "本年度 / 本届（自2024年1月1日起）累计：全体会议缺席 1 / 3 次" in shown


async def test_the_year_export_shows_the_year_and_the_term_counts_side_by_side(db, clock, tmp_path):
    from openpyxl import load_workbook

    twice = await factories.member("两年各缺一次")
    await terms.set_term(OFFICE, 15, date(2024, 1, 1), date(2028, 12, 31))
    clock.set(at(2023))  # the term before: in neither count of 2026's term
    await helpers.hold(ActivityType.PLENARY, absent=[twice])
    clock.set(at(2025))
    await helpers.hold(ActivityType.PLENARY, absent=[twice])
    clock.set(at(2026))
    await helpers.hold(ActivityType.PLENARY, absent=[twice])
    await helpers.hold(ActivityType.COMMITTEE, leave=[twice])

    book = load_workbook(await export.year_archive(2026, tmp_path / "y.xlsx"), read_only=True)
    rows = [list(r) for r in book["本届累计"].iter_rows(values_only=True)]
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[0] == "姓名" and row["姓名"] == "两年各缺一次"
    plenary_absent = f"{ActivityType.PLENARY.value}·缺席"
    assert row[f"{plenary_absent}·本年度"] == 1
    assert row[f"{plenary_absent}·本届（2024-01-01起）"] == 2
    committee_leave = f"{ActivityType.COMMITTEE.value}·请假"
    assert row[f"{committee_leave}·本年度"] == 1 and row[f"{committee_leave}·本届（2024-01-01起）"] == 1
