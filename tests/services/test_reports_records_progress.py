from datetime import UTC, datetime, timedelta

import pytest

from bot.services import activities, checkin, progress, records, reports
from bot.services.errors import ServiceError
from models import ActivityType, Proposal, Record, RecordKind, Report
from tests import factories


async def test_report_gets_reference_and_limits_are_enforced(db, clock, settings):
    member = await factories.member()
    report = await reports.submit(
        member, "  老旧小区加装电梯难  ", "多个老旧小区居民反映加装电梯协调难、资金难。"
    )
    assert report.reference == f"SQ2026-{report.id:05d}"
    assert report.title == "老旧小区加装电梯难"
    with pytest.raises(ServiceError) as long_title:
        await reports.submit(member, "题" * (settings.report_title_max + 1), "内容" * 10)
    assert str(settings.report_title_max) in long_title.value.render()
    with pytest.raises(ServiceError) as long_body:
        await reports.submit(member, "标题", "字" * (settings.report_content_max + 1))
    assert long_body.value.template == "report/content_too_long.j2"
    assert f"当前 {settings.report_content_max + 1} 字" in long_body.value.render()
    assert await Report.all().count() == 1


def test_one_message_form():
    title, content = reports.parse_one_message("农贸市场周边停车难\n早高峰时段农贸市场周边道路拥堵严重。")
    assert title == "农贸市场周边停车难" and content.startswith("早高峰")
    with pytest.raises(ServiceError):
        reports.parse_one_message("只有一行没有内容")


async def test_visits_and_deeds(db, clock):
    member = await factories.member()
    visit = await records.log_visit(member, "社区 走访青石社区了解养老服务需求")
    assert visit.visit_type == "社区居民" and visit.kind == RecordKind.VISIT
    with pytest.raises(ServiceError) as bad_type:
        await records.log_visit(member, "学校 走访某校")
    assert "乡村农户" in bad_type.value.render()
    with pytest.raises(ServiceError):
        await records.log(member, RecordKind.DEED, "好")
    deed = await records.log(member, RecordKind.DEED, "为敬老院捐赠冬衣二十件")
    assert deed.year == 2026
    assert await Record.all().count() == 2


async def test_progress_shows_done_missing_and_days_left(db, clock):
    member = await factories.member(qq="10001")
    inspection = await factories.activity(type=ActivityType.INSPECTION, title="乡村振兴视察")
    await checkin.check_in(factories.private("10001"), "")
    await activities.close(inspection.id, "test")
    plenary = await factories.activity(type=ActivityType.PLENARY, title="全会", starts_in=timedelta(hours=5))
    await activities.close(plenary.id, "test")
    await reports.submit(member, "停车难", "农贸市场周边停车难问题突出。")
    await records.log_visit(member, "企业 走访园区企业")
    await records.log(member, RecordKind.DEED, "为敬老院捐赠冬衣")
    await Proposal.create(member=member, title="关于加快老旧小区改造的提案", year=2026)
    # a record of last year does not count
    await Record.create(
        member=member,
        kind=RecordKind.RESEARCH,
        description="去年的报告",
        occurred_on=datetime(2025, 5, 1).date(),
        year=2025,
    )

    p = await progress.for_member(member)
    assert p.days_left == (datetime(2026, 12, 31) - datetime(2026, 6, 1)).days == 213
    done = {item.name: item.done for item in p.five_ones}
    assert done == {
        "提交一份提案": True,
        "反映一条社情民意": True,
        "参加一次视察调研": True,
        "完成一篇调研报告或提出一条意见建议": False,
        "为群众做一件好事实事": True,
    }
    assert [item.done for item in p.four_visits] == [False, False, True, False]
    assert p.attendance[ActivityType.INSPECTION]["present"] == 1
    assert p.attendance[ActivityType.PLENARY]["absent"] == 1

    from bot.render import render

    text = render("progress/mine.j2", p=p)
    assert "还剩 213 天" in text
    assert "✔ 参加一次视察调研：乡村振兴视察" in text
    assert "✘ 完成一篇调研报告或提出一条意见建议（未完成）" in text
    assert "全体会议：出席 0，迟到 0，请假 0，缺席 1" in text
    assert "已完成 4/5" in text and "已完成 1/4" in text


async def test_progress_year_boundary(db, clock):
    clock.set(datetime(2026, 12, 31, 15, 30, tzinfo=UTC))  # 23:30 on Dec 31 in Shanghai
    member = await factories.member()
    assert (await progress.for_member(member)).days_left == 0
    clock.advance(hours=1)  # 00:30 on Jan 1 2027 local
    p = await progress.for_member(member)
    assert p.year == 2027 and p.days_left == 364
