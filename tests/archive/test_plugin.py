"""Staff commands through NoneBot (nonebug, OneBot V11 events): refusals, private only, replies."""

from __future__ import annotations

import nonebot
from nonebot.adapters.onebot.v11 import (
    Adapter,
    Bot,
    GroupMessageEvent,
    Message,
    MessageSegment,
    PrivateMessageEvent,
)
from nonebot.adapters.onebot.v11.exception import ActionFailed
from nonebug import App

from bot.render import render
from models import ActivityType, AuditEntry, Consequence, ConsequenceStatus, OutboxMessage, Role
from tests import factories
from tests.archive import helpers
from tests.qq_events import group_event, private_event

STAFF_QQ, MEMBER_QQ = "5000", "10001"


def private(qq: str, text: str) -> PrivateMessageEvent:
    return private_event(qq, text)


def in_group(qq: str, text: str) -> GroupMessageEvent:
    return group_event(qq, text)


def text(value: str) -> Message:
    return Message(MessageSegment.text(value))


async def committee() -> tuple:
    staff = await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    a = await factories.member("甲", qq=MEMBER_QQ, committees=("经济委",))
    b = await factories.member("乙", committees=("经济委",))
    await helpers.hold(ActivityType.PLENARY, present=[a], absent=[b])
    return staff, a, b


async def exchange(app: App, event, reply: str, **api) -> None:  # type: ignore[no-untyped-def]
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, adapter=nonebot.get_adapter(Adapter))
        ctx.receive_event(bot, event)
        if api:
            ctx.should_call_api(**api)
        ctx.should_call_send(event, text(reply), result=None)


async def test_non_staff_refused_and_private_only(app: App, db, clock):
    await committee()
    for command in (
        "排名",
        "预警",
        "待确认",
        "未完成",
        "导出档案",
        "档案 乙",
        "确认处理 1",
        "受理 SQ2026-00001",
    ):
        await exchange(app, private(MEMBER_QQ, command), render("common/staff_only.j2"))
        await exchange(app, in_group(STAFF_QQ, command), render("common/private_only.j2"))
    assert await AuditEntry.all().count() == 0


async def test_ranking_and_member_archive_for_staff(app: App, db, clock):
    staff, _a, b = await committee()
    await exchange(
        app,
        private(STAFF_QQ, "排名"),
        "2026 年度履职排名 · 全体委员（共 2 人）\n"
        "1. 甲（经济界）5 分 · 不合格\n2. 乙（经济界）-5 分 · 不合格",
    )
    await exchange(
        app,
        private(STAFF_QQ, "排名 专委会 经济委"),
        "2026 年度履职排名 · 专委会「经济委」（共 2 人）\n"
        "1. 甲（经济界）5 分 · 不合格\n2. 乙（经济界）-5 分 · 不合格",
    )
    await exchange(app, private(STAFF_QQ, "排名 专委会 无此委"), "没有名为「无此委」的专委会。")
    draft = await Consequence.get(member_id=b.id)
    await exchange(
        app,
        private(STAFF_QQ, "预警"),
        "2026 年度预警\n【已达处理标准】1 项\n乙：全体会议缺席 1/1 次（本届累计 1 次） → 通报批评\n"
        "【接近处理标准】1 项\n乙：全体会议缺席 本届 1/2 次（本年度 1 次） → 劝其辞去委员职务\n【待确认】\n"
        f"#{draft.id} 乙 · 通报批评\n发送“确认处理 编号”或“撤销 编号 原因”处理。\n本年度已确认处理 0 项。",
    )
    await exchange(
        app,
        private(STAFF_QQ, "未完成"),
        "2026 年度“五个一”未完成：2/2 人\n"
        "甲（经济界）缺：提案、社情民意、视察调研、调研报告或意见建议、好事实事\n"
        "乙（经济界）缺：提案、社情民意、视察调研、调研报告或意见建议、好事实事",
    )
    entries = await AuditEntry.all().order_by("id").values_list("actor", "action", "target")
    who = f"member:{staff.id}"
    assert entries == [(who, "ranking_view", "year:2026")] * 3 + [
        (who, "watchlist_view", "year:2026"),
        (who, "unfinished_view", "year:2026"),
    ]


async def test_confirm_through_chat_sends_notice_only_to_member(app: App, db, clock):
    _staff, _a, b = await committee()
    draft = await Consequence.get(member_id=b.id, rule="absence-criticism")
    await exchange(
        app,
        private(STAFF_QQ, f"确认处理 {draft.id}"),
        f"已确认处理 #{draft.id}：乙 · 通报批评。通知已发给本人，未公开。",
    )
    assert (await Consequence.get(id=draft.id)).status == ConsequenceStatus.CONFIRMED
    assert await OutboxMessage.filter(dedupe_key=f"consequence-notice:{draft.id}").exists()
    assert not await OutboxMessage.filter(kind="consequence_publication").exists()


async def test_my_progress_shows_score_rank_and_items(app: App, db, clock):
    await committee()
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, adapter=nonebot.get_adapter(Adapter))
        event = private(MEMBER_QQ, "我的履职")
        ctx.receive_event(bot, event)
        from bot.services import assessment, progress
        from models import Member

        member = await Member.get(name="甲")
        standing, total = await assessment.standing_of(member.id, 2026)
        expected = render(
            "progress/mine.j2", p=await progress.for_member(member), standing=standing, total=total
        )
        ctx.should_call_send(event, text(expected), result=None)
    assert "【量化考核】5 分，总排名 1/2，经济委 第 1 名，当前档次：不合格" in expected
    assert "· 全体会议出席 1 次，+5 分" in expected


async def test_export_uploads_the_file_or_says_where_it_is(app: App, db, clock, monkeypatch, tmp_path):
    from bot.config import reset_settings_cache

    monkeypatch.setenv("ARCHIVE_DIR", str(tmp_path))
    reset_settings_cache()
    _staff, _, _ = await committee()
    path = tmp_path / "实绩档案-2026-20260601-090000.xlsx"
    upload = {"user_id": int(STAFF_QQ), "file": str(path), "name": path.name}
    await exchange(
        app,
        private(STAFF_QQ, "导出档案"),
        "2026 年度实绩档案已生成并发送给您。",
        api="upload_private_file",
        data=upload,
        result=None,
    )
    assert path.exists()
    clock.advance(seconds=1)
    refused = tmp_path / "实绩档案-2026-20260601-090001.xlsx"
    await exchange(
        app,
        private(STAFF_QQ, "导出档案 2026"),
        f"2026 年度实绩档案已生成，但当前平台不支持直接发送文件。文件保存在服务器：{refused}",
        api="upload_private_file",
        data={**upload, "file": str(refused), "name": refused.name},
        result=None,
        exception=ActionFailed(retcode=1404, msg="unsupported"),
    )
    actions = await AuditEntry.all().values_list("action", flat=True)
    assert actions == ["archive_export", "archive_export"]
